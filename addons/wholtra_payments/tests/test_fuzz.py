import math
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import WholtraPaymentsCommon

FUZZ_SETTINGS = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    database=None,
)
# Amounts typed by a customer or a driver: anything a float can be, plus the
# plausible range around the balances.
AMOUNTS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-50.0, max_value=450.0),
    st.sampled_from(
        [0.0, 0.004, 0.005, 0.01, 40.0, 100.0, 350.5, 355.5, 355.51, 1e13, 1e308]
    ),
)


class _Rollback(Exception):
    pass


@tagged("post_install", "-at_install")
class TestStatementAmountFuzz(WholtraPaymentsCommon, TransactionCase):
    """Any amount on any selection: a clean refusal that writes nothing, or one
    payment of exactly that amount settling the selection oldest due first."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_wholtra_payments()
        cls.company.wholtra_statement_overpay_tolerance = 5.0
        cls.invoices = cls._invoice(cls.customer, 100.0, -20) | cls._invoice(
            cls.customer, 250.5, -5
        )
        cls.link = cls.env["wholtra.statement.link"].create(
            {"partner_id": cls.customer.id}
        )
        cls.examples = 0

    def _pay(self, invoices, amount):
        link = self.link
        selected = link._wholtra_check_selection(invoices.ids, amount)
        link._wholtra_lock_for_payment(selected)
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": self.provider.id,
                    "payment_method_id": self.demo_method.id,
                    "reference": f"WHFUZZ-{uuid.uuid4().hex[:12]}",
                    "amount": amount,
                    "currency_id": selected.currency_id.id,
                    "partner_id": link.partner_id.id,
                    "operation": "online_direct",
                    **link._wholtra_prepare_transaction_values(selected),
                }
            )
        )
        tx._set_done()
        tx._post_process()
        return tx

    def _example(self, invoices, amount):
        currency = invoices.currency_id
        before = {inv.id: inv.amount_residual for inv in invoices}
        total = sum(before.values())
        try:
            tx = self._pay(invoices, amount)
        except ValidationError:
            self.env.invalidate_all()
            self.assertFalse(
                self.env["payment.transaction"].search(
                    [("wholtra_statement_link_id", "=", self.link.id)]
                )
            )
            self.assertEqual({inv.id: inv.amount_residual for inv in invoices}, before)
            # Refused only what had to be refused.
            self.assertTrue(
                not math.isfinite(amount)
                or abs(amount) >= 1e9
                or currency.compare_amounts(amount, 0) <= 0
                or currency.compare_amounts(amount, total + 5.0) > 0,
                amount,
            )
            return
        self.env.invalidate_all()
        paid = currency.round(amount)
        self.assertTrue(math.isfinite(amount))
        self.assertGreater(paid, 0)
        self.assertLessEqual(currency.compare_amounts(paid, total + 5.0), 0)
        self.assertEqual(tx.state, "done")
        self.assertEqual(currency.compare_amounts(tx.payment_id.amount, paid), 0)
        after = sum(invoices.mapped("amount_residual"))
        self.assertEqual(
            currency.compare_amounts(total - after, min(paid, total)), 0, amount
        )
        # Oldest due first: a later invoice is only touched once the older is paid.
        ordered = invoices.sorted("invoice_date_due")
        if len(ordered) > 1 and ordered[-1].amount_residual < before[ordered[-1].id]:
            self.assertEqual(ordered[0].payment_state, "paid")

    @FUZZ_SETTINGS
    @given(amount=AMOUNTS, which=st.sampled_from(["old", "new", "both"]))
    def test_statement_amounts(self, amount, which):
        invoices = {
            "old": self.invoices[0],
            "new": self.invoices[1],
            "both": self.invoices,
        }[which]
        type(self).examples += 1
        try:
            with self.env.cr.savepoint():
                self._example(invoices, amount)
                raise _Rollback
        except _Rollback:
            pass
        self.env.invalidate_all()


@tagged("post_install", "-at_install")
class TestCodAmountFuzz(WholtraPaymentsCommon, TransactionCase):
    """Any amount a driver types: a clean refusal before anything moves or is
    posted, or a payment of exactly that amount settling the dispatch invoice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls._setup_wholtra_payments()
        cls.company.write(
            {
                "wholtra_cod_enabled": True,
                "wholtra_invoice_mode": "dispatch",
                "wholtra_invoice_auto_post": True,
            }
        )
        if "wholtra_invoice_send_email" in cls.company._fields:
            cls.company.wholtra_invoice_send_email = False
        cls.customer.wholtra_cod = True
        cls.company.wholtra_cod_journal_id = cls.env["account.journal"].create(
            {"name": "Drivers cash fuzz", "type": "cash", "code": "DRFZ"}
        )
        product = cls.env["product.product"].create(
            {
                "name": "Cola cans fuzz",
                "type": "consu",
                "list_price": 12.0,
                "invoice_policy": "delivery",
                "taxes_id": [Command.clear()],
            }
        )
        order = cls.env["sale.order"].create(
            {
                "partner_id": cls.customer.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": 10,
                            "price_unit": 12.0,
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        cls.picking = order.picking_ids
        for move in cls.picking.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        cls.driver = new_test_user(
            cls.env, "wh_fuzz_driver", groups="base.group_user,stock.group_stock_user"
        )

    def _example(self, amount):
        picking = self.picking
        currency = picking.wholtra_cod_currency_id
        Wizard = self.env["wholtra.cod.collect.wizard"].with_user(self.driver)
        try:
            Wizard.create(
                {"picking_id": picking.id, "amount": amount, "method": "cash"}
            ).action_confirm()
        except ValidationError:
            self.env.invalidate_all()
            self.assertNotEqual(picking.state, "done")
            self.assertFalse(picking.wholtra_cod_method)
            self.assertFalse(picking.wholtra_cod_payment_id)
            self.assertFalse(
                self.env["account.payment"].search(
                    [("partner_id", "=", self.customer.id)]
                )
            )
            self.assertTrue(
                not math.isfinite(amount)
                or abs(amount) >= 1e9
                or currency.compare_amounts(amount, 0) <= 0
                or currency.compare_amounts(amount, 240.0) > 0,
                amount,
            )
            return
        self.env.invalidate_all()
        collected = currency.round(amount)
        self.assertEqual(picking.state, "done")
        payment = picking.wholtra_cod_payment_id
        self.assertEqual(currency.compare_amounts(payment.amount, collected), 0)
        invoice = picking.wholtra_invoice_ids
        self.assertEqual(
            currency.compare_amounts(
                invoice.amount_residual, max(120.0 - collected, 0.0)
            ),
            0,
            amount,
        )

    @FUZZ_SETTINGS
    @given(amount=AMOUNTS)
    def test_cod_amounts(self, amount):
        try:
            with self.env.cr.savepoint():
                self._example(amount)
                raise _Rollback
        except _Rollback:
            pass
        self.env.invalidate_all()
