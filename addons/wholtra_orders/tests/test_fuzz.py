"""Property-based tests (hypothesis) of tiers and price overrides: every input is
either refused with a clean ValidationError / UserError that leaves nothing
written, or gives a consistent result. Each example runs in its own savepoint,
rolled back after it."""

import math
from contextlib import closing, contextmanager

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import float_compare, float_round

from .security_common import WholtraSecurityCommon

EXAMPLES = 50
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1000, max_value=1000),
    st.integers(min_value=-(10**16), max_value=10**16).map(float),
    st.sampled_from([0.0, -0.0, 0.001, 99.99, 100.0, 100.01, -0.01, 1e15]),
)


@tagged("post_install", "-at_install")
class TestFuzz(WholtraSecurityCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable(
            wholtra_enforce_account_terms=True,
            wholtra_audit_price_overrides=True,
            wholtra_override_reason_threshold=5.0,
        )

    @contextmanager
    def _rolled_back(self):
        """The example's writes are undone whatever happens."""
        with closing(self.env.cr.savepoint()):
            yield
        self.env.invalidate_all()

    def _attempt(self, func):
        """Run ``func`` in a savepoint: None if done, the exception if refused
        cleanly (rolled back). Any other exception fails the test."""
        try:
            with self.env.cr.savepoint():
                func()
                self.env.flush_all()
        except (ValidationError, UserError) as exc:
            self.env.invalidate_all()
            return exc
        self.env.invalidate_all()
        return None

    # ------------------------------------------------------------------ tiers
    def _tier_values(self, tier):
        tier = tier.sudo()
        return (tier.min_order_value, tier.max_discount, tier.margin_floor)

    @SETTINGS
    @given(mov=NUMBERS, max_discount=NUMBERS, margin_floor=NUMBERS, qty=NUMBERS)
    def test_tier_values(self, mov, max_discount, margin_floor, qty):
        tier = self.tier_gold.with_user(self.sales_manager)
        before = self._tier_values(tier)
        with self._rolled_back():
            refused = self._attempt(
                lambda: tier.write(
                    {
                        "min_order_value": mov,
                        "max_discount": max_discount,
                        "margin_floor": margin_floor,
                    }
                )
            )
            if refused:
                self.assertEqual(self._tier_values(tier), before)
                return
            saved_mov, saved_discount, saved_floor = self._tier_values(tier)
            for value in (saved_mov, saved_discount, saved_floor):
                self.assertTrue(math.isfinite(value))
            self.assertGreaterEqual(saved_mov, 0.0)
            self.assertTrue(0.0 <= saved_discount <= 100.0)
            self.assertTrue(0.0 <= saved_floor < 100.0)
            self.assertEqual(saved_mov, self.currency.round(mov))
            # MOV invariant: a quotation is blocked by the terms iff it is under
            # the minimum order value (crisps at Gold: 16.0 each)
            order = self._order(self.grill, [(self.crisps, 1)])
            refused_qty = self._attempt(
                lambda: order.order_line.with_user(self.salesman).write(
                    {"product_uom_qty": qty}
                )
            )
            self.env.invalidate_all()
            if refused_qty:
                self.assertEqual(order.order_line.product_uom_qty, 1.0)
            blocked = bool(order._wholtra_get_terms_block())
            expected = bool(saved_mov) and (
                self.currency.compare_amounts(order.amount_untaxed, saved_mov) < 0
            )
            self.assertEqual(blocked, expected, (order.amount_untaxed, saved_mov))

    @SETTINGS
    @given(mov=NUMBERS)
    def test_customer_minimum_order_value(self, mov):
        partner = self.grill.with_user(self.sales_manager)
        with self._rolled_back():
            refused = self._attempt(
                lambda: partner.write({"wholtra_min_order_value": mov})
            )
            saved = self.grill.sudo().wholtra_min_order_value
            if refused:
                self.assertEqual(saved, 0.0)
                return
            self.assertTrue(math.isfinite(saved))
            self.assertGreaterEqual(saved, 0.0)
            self.assertEqual(saved, mov)
            order = self._order(self.grill, [(self.crisps, 1)])
            self.assertEqual(order._wholtra_get_min_order_value(), saved)

    # -------------------------------------------------------- price overrides
    @SETTINGS
    @given(
        price=NUMBERS,
        discount=st.one_of(NUMBERS, st.floats(min_value=0, max_value=100)),
        qty=st.one_of(st.floats(min_value=0, max_value=1e6), NUMBERS),
        reason=st.sampled_from([False, "", "Matching a competitor"]),
    )
    def test_price_override(self, price, discount, qty, reason):
        with self._rolled_back():
            order = self._order(self.grill, [(self.crisps, 10)])
            line = order.order_line.with_user(self.salesman)
            vals = {"price_unit": price, "discount": discount, "product_uom_qty": qty}
            if reason is not False:
                vals["wholtra_override_reason"] = reason
            refused = self._attempt(lambda: line.write(vals))
            log = order.sudo().wholtra_price_override_ids
            if refused:
                self.assertEqual(
                    (line.price_unit, line.discount, line.product_uom_qty),
                    (16.0, 0.0, 10.0),
                )
                self.assertFalse(log)
                return
            new_price, new_discount = line.price_unit, line.discount
            self.assertTrue(math.isfinite(new_price) and math.isfinite(new_discount))
            digits = self.env["decimal.precision"].precision_get("Product Price")
            changed = float_compare(
                new_price, 16.0, precision_digits=digits
            ) or float_compare(new_discount, 0.0, precision_digits=2)
            if not changed:
                self.assertFalse(log)
                self.assertFalse(line.wholtra_price_overridden)
                return
            self.assertEqual(len(log), 1)
            self.assertTrue(line.wholtra_price_overridden)
            self.assertEqual(log.user_id, self.salesman)
            self.assertEqual(log.pricelist_price, 16.0)
            self.assertEqual(log.price_unit, new_price)
            self.assertEqual(log.discount, new_discount)
            net_new = new_price * (1 - new_discount / 100.0)
            expected = abs(net_new - 16.0) / 16.0 * 100.0
            self.assertAlmostEqual(
                log.deviation, expected, delta=max(1e-6, abs(expected) * 1e-9)
            )
            if float_round(expected, 6) > 5.0:
                self.assertTrue(reason, "a reason is required above the threshold")
                self.assertEqual(log.reason, reason)
