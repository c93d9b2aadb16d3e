from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import WholtraOrdersCommon


@tagged("post_install", "-at_install")
class TestOrderTerms(WholtraOrdersCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable(wholtra_enforce_account_terms=True)
        cls.tier_gold.min_order_value = 200.0
        cls.crisps.product_tmpl_id.write(
            {"wholtra_moq": 6, "wholtra_order_multiple": 6}
        )

    def _override(self, order, user, reason="Trial order for a new outlet"):
        action = order.with_user(user).action_wholtra_override_terms()
        wizard_form = Form(
            self.env[action["res_model"]]
            .with_user(user)
            .with_context(action["context"])
        )
        wizard_form.reason = reason
        wizard_form.save().action_apply()

    def test_minimum_order_value(self):
        order = self._order(self.grill, [(self.cola, 12)])  # 180 < 200
        with self.assertRaisesRegex(UserError, "under the minimum order value"):
            order.action_confirm()
        order.order_line.product_uom_qty = 14  # 210
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_customer_minimum_overrides_tier(self):
        self.grill.wholtra_min_order_value = 100.0
        order = self._order(self.grill, [(self.cola, 8)])  # 120
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_moq_and_multiple(self):
        order = self._order(self.deli, [(self.crisps, 4)])
        with self.assertRaisesRegex(UserError, "under the minimum order quantity of 6"):
            order.action_confirm()
        order.order_line.product_uom_qty = 8
        with self.assertRaisesRegex(UserError, "not a multiple of 6"):
            order.action_confirm()
        order.order_line.product_uom_qty = 12
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_block_only_when_no_override_allowed(self):
        order = self._order(self.deli, [(self.crisps, 4)])
        self.assertIn("Correct the order", order.wholtra_terms_message)
        with self.assertRaises(AccessError):
            self._override(order, self.sales_manager)
        self.assertFalse(order.wholtra_terms_overridden)

    def test_manager_override(self):
        self.company.wholtra_terms_allow_override = True
        order = self._order(self.deli, [(self.crisps, 4)])
        self.assertIn("A sales manager can override", order.wholtra_terms_message)
        with self.assertRaises(AccessError):
            self._override(order, self.salesman)
        self._override(order, self.sales_manager, "Sample for a new shop")
        self.assertEqual(order.wholtra_terms_override_reason, "Sample for a new shop")
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")
        duplicate = order.copy()
        with self.assertRaisesRegex(UserError, "minimum order quantity"):
            duplicate.action_confirm()

    def test_off_by_default(self):
        self.company.wholtra_enforce_account_terms = False
        order = self._order(self.grill, [(self.crisps, 1)])
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_minimum_order_value_in_another_currency(self):
        """Issue 12 (like with like): the tier minimum (200 in company currency)
        is compared with an export order in its own currency at the order
        date's rate."""
        foreign = self.env.ref(
            "base.EUR" if self.currency.name != "EUR" else "base.USD"
        )
        foreign.active = True
        self.env["res.currency.rate"].create(
            {
                "name": fields.Date.context_today(self.env.user),
                "rate": 0.5,
                "currency_id": foreign.id,
            }
        )
        export = self.env["product.pricelist"].create(
            {"name": "Export", "currency_id": foreign.id}
        )
        # 12 x 10.00 foreign = 120 foreign = 240 company currency: over 200
        order = self._order(
            self.grill,
            [(self.cola, 12, {"price_unit": 10.0})],
            pricelist_id=export.id,
        )
        self.assertEqual(order.currency_id, foreign)
        self.assertFalse(order.wholtra_terms_message)
        # 8 x 10.00 foreign = 160 company currency: under, shown as 100 foreign
        order.order_line.product_uom_qty = 8
        self.assertIn("under the minimum order value", order.wholtra_terms_message)
        self.assertIn("100.00", order.wholtra_terms_message)
        with self.assertRaisesRegex(UserError, "under the minimum order value"):
            order.action_confirm()


@tagged("post_install", "-at_install")
class TestLiveTermsWarning(WholtraOrdersCommon):
    """Issue 15 item 2: the minimum-order-value warning means something only once
    the quotation has a product line."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable(wholtra_enforce_account_terms=True)
        cls.tier_gold.min_order_value = 200.0

    def test_empty_quotation_shows_no_minimum_warning(self):
        order_form = Form(self.env["sale.order"].with_user(self.salesman))
        order_form.partner_id = self.grill
        # a new quotation without lines: no red "under the minimum" banner
        self.assertFalse(order_form.wholtra_terms_message)
        self.assertFalse(order_form.wholtra_block_message)
        # the first line below the minimum: told live, before saving
        with order_form.order_line.new() as line:
            line.product_id = self.cola
            line.product_uom_qty = 12  # 180 < 200
        self.assertIn("under the minimum order value", order_form.wholtra_block_message)
        self.assertIn("under the minimum order value", order_form.wholtra_terms_message)
        with order_form.order_line.edit(0) as line:
            line.product_uom_qty = 14  # 210
        self.assertFalse(order_form.wholtra_block_message)
        order = order_form.save()
        self.assertEqual(order.amount_untaxed, 210.0)
        self.assertFalse(order.wholtra_terms_message)

    def test_empty_quotation_still_not_confirmable_under_minimum(self):
        order = self.env["sale.order"].create({"partner_id": self.grill.id})
        self.assertFalse(order.wholtra_block_message)
        # the control stays on the server: an empty order is under the minimum
        with self.assertRaisesRegex(UserError, "under the minimum order value"):
            order.action_confirm()
        self.assertEqual(order.state, "draft")
