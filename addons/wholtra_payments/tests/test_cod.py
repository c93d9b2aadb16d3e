from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, TransactionCase, new_test_user, tagged

from .common import WholtraPaymentsCommon


@tagged("post_install", "-at_install")
class TestCashOnDelivery(WholtraPaymentsCommon, TransactionCase):
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
        cls.cash_journal = cls.env["account.journal"].create(
            {"name": "Drivers cash", "type": "cash", "code": "DRVC"}
        )
        cls.company.wholtra_cod_journal_id = cls.cash_journal
        cls.product = cls.env["product.product"].create(
            {
                "name": "Cola cans 24x33cl",
                "type": "consu",
                "list_price": 12.0,
                "invoice_policy": "delivery",
                "taxes_id": [Command.clear()],
            }
        )
        cls.driver = new_test_user(
            cls.env, "wh_driver", groups="base.group_user,stock.group_stock_user"
        )

    def _order(self, partner=None, qty=10):
        order = self.env["sale.order"].create(
            {
                "partner_id": (partner or self.customer).id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "product_uom_qty": qty,
                            "price_unit": 12.0,
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        return order, picking

    def _collect(self, picking, amount, method="cash", reference=None, user=None):
        picking = picking.with_user(user) if user else picking
        action = picking.button_validate()
        self.assertEqual(action["res_model"], "wholtra.cod.collect.wizard")
        self.assertNotEqual(picking.state, "done")
        wizard_form = Form(
            self.env["wholtra.cod.collect.wizard"]
            .with_user(user or self.env.user)
            .with_context(action["context"])
        )
        self.assertEqual(wizard_form.expected_amount, 120.0)
        wizard_form.amount = amount
        wizard_form.method = method
        if reference:
            wizard_form.reference = reference
        return wizard_form.save().action_confirm()

    def test_contact_and_order_follow_customer_flag(self):
        contact = self.env["res.partner"].create(
            {"name": "Deli Receiving", "parent_id": self.customer.id}
        )
        self.assertTrue(contact.wholtra_cod)
        order, picking = self._order(contact)
        self.assertTrue(order.wholtra_cod)
        self.assertTrue(picking.wholtra_cod_required)

    def test_validation_blocked_until_collected(self):
        order, picking = self._order()
        action = picking.button_validate()
        self.assertEqual(action["res_model"], "wholtra.cod.collect.wizard")
        self.assertEqual(picking.state, "assigned")
        with self.assertRaises(UserError):
            picking._action_done()
        self.assertFalse(
            self.env["account.payment"].search([("partner_id", "=", self.customer.id)])
        )

    def test_driver_collects_full_amount_invoice_paid(self):
        order, picking = self._order()
        self._collect(picking, 120.0, user=self.driver)
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.wholtra_cod_driver_id, self.driver)
        payment = picking.wholtra_cod_payment_id
        self.assertEqual(payment.amount, 120.0)
        self.assertIn(payment.state, ("in_process", "paid"))
        invoice = picking.wholtra_invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.payment_state, "paid")

    def test_short_collection_leaves_open_balance(self):
        order, picking = self._order()
        self._collect(picking, 100.0, method="cheque", reference="CHQ 0042")
        invoice = picking.wholtra_invoice_ids
        self.assertEqual(invoice.payment_state, "partial")
        self.assertAlmostEqual(invoice.amount_residual, 20.0)
        self.assertIn("CHQ 0042", picking.wholtra_cod_payment_id.memo)

    def test_over_collection_leaves_credit(self):
        order, picking = self._order()
        self._collect(picking, 150.0, method="card", reference="TERM-778")
        invoice = picking.wholtra_invoice_ids
        self.assertEqual(invoice.payment_state, "paid")
        open_lines = picking.wholtra_cod_payment_id.move_id.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.assertAlmostEqual(sum(open_lines.mapped("amount_residual")), -30.0)

    def test_draft_dispatch_invoice_settled_when_posted(self):
        self.company.wholtra_invoice_auto_post = False
        order, picking = self._order()
        self._collect(picking, 120.0)
        invoice = picking.wholtra_invoice_ids
        self.assertEqual(invoice.state, "draft")
        invoice.action_post()
        self.assertEqual(invoice.payment_state, "paid")

    def test_cheque_needs_reference(self):
        order, picking = self._order()
        action = picking.button_validate()
        wizard = (
            self.env["wholtra.cod.collect.wizard"]
            .with_context(action["context"])
            .create({"amount": 120.0, "method": "cheque"})
        )
        with self.assertRaises(UserError):
            wizard.action_confirm()
        self.assertNotEqual(picking.state, "done")

    def test_manual_invoicing_payment_stays_credit(self):
        self.company.wholtra_invoice_mode = "manual"
        order, picking = self._order()
        self._collect(picking, 120.0)
        self.assertEqual(picking.state, "done")
        self.assertFalse(picking.wholtra_invoice_ids)
        invoice = order._create_invoices()
        invoice.action_post()
        self.assertTrue(invoice.invoice_has_outstanding)

    def test_not_cod_or_disabled_is_vanilla(self):
        order, picking = self._order(self.other_customer)
        self.assertFalse(picking.wholtra_cod_required)
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.company.wholtra_cod_enabled = False
        order, picking = self._order()
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.assertFalse(picking.wholtra_cod_payment_id)

    def test_cash_report_totals_per_driver(self):
        _o1, p1 = self._order()
        self._collect(p1, 120.0, user=self.driver)
        _o2, p2 = self._order()
        self._collect(p2, 100.0, user=self.driver)
        groups = self.env["stock.picking"]._read_group(
            [
                ("wholtra_cod_method", "!=", False),
                ("wholtra_cod_date", "=", self.today),
            ],
            ["wholtra_cod_driver_id"],
            ["wholtra_cod_amount:sum"],
        )
        self.assertEqual(dict(groups)[self.driver], 220.0)


@tagged("post_install", "-at_install")
class TestCashOnDeliveryNewDatabase(WholtraPaymentsCommon, TransactionCase):
    """COD on a database installed without demo data, Settings untouched: Odoo's
    generic chart has a bank journal and no cash journal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_wholtra_payments()
        cls.product = cls.env["product.product"].create(
            {
                "name": "Cola cans 24x33cl",
                "type": "consu",
                "list_price": 12.0,
                "taxes_id": [Command.clear()],
            }
        )

    def test_cod_paid_into_the_bank_journal(self):
        Journal = self.env["account.journal"]
        company_journals = [("company_id", "=", self.company.id)]
        self.assertFalse(Journal.search([("type", "=", "cash"), *company_journals]))
        bank = Journal.search([("type", "=", "bank"), *company_journals], limit=1)
        self.assertTrue(bank)
        settings = self.env["res.config.settings"].create({"wholtra_cod_enabled": True})
        self.assertFalse(settings.wholtra_cod_journal_warning)
        settings.execute()
        self.customer.wholtra_cod = True
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.product.id, "product_uom_qty": 5}
                    )
                ],
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        picking.move_ids.write({"quantity": 5, "picked": True})
        action = picking.button_validate()
        self.assertEqual(action["res_model"], "wholtra.cod.collect.wizard")
        wizard = (
            self.env["wholtra.cod.collect.wizard"]
            .with_context(action["context"])
            .create({"amount": 60.0, "method": "cash"})
        )
        wizard.action_confirm()
        self.env.invalidate_all()
        self.assertEqual(picking.state, "done")
        payment = picking.wholtra_cod_payment_id
        self.assertEqual(payment.journal_id, bank)
        self.assertEqual(payment.amount, 60.0)
        self.assertEqual(payment.partner_id, self.customer)

    def test_configured_journal_first_then_cash(self):
        Journal = self.env["account.journal"]
        cash = Journal.create({"name": "Drivers cash", "type": "cash", "code": "DRVC"})
        self.assertEqual(self.company._wholtra_cod_payment_journal(), cash)
        other_bank = Journal.create(
            {"name": "Drivers bank", "type": "bank", "code": "DRVB"}
        )
        settings = self.env["res.config.settings"].create(
            {"wholtra_cod_enabled": True, "wholtra_cod_journal_id": other_bank.id}
        )
        settings.execute()
        self.assertEqual(self.company._wholtra_cod_payment_journal(), other_bank)

    def test_settings_warn_when_no_journal(self):
        company = self.env["res.company"].create({"name": "Distributor Without Chart"})
        settings = self.env["res.config.settings"].create(
            {"company_id": company.id, "wholtra_cod_enabled": True}
        )
        self.assertIn("cash or bank journal", settings.wholtra_cod_journal_warning)
        settings.wholtra_cod_enabled = False
        self.assertFalse(settings.wholtra_cod_journal_warning)
