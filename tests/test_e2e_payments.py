"""Cross-addon, end to end, around getting paid:

- cash on delivery (wholtra_payments) on a partial shipment invoiced per dispatch
  (wholtra_invoicing) at a tier price with tax (wholtra_orders): a short collection leaves
  the shortfall open on the dispatch invoice; with weekly invoicing, the cash collected
  at each delivery settles the consolidated invoice;
- the collection sequence (wholtra_payments) puts an overdue customer on hold, which stops
  order confirmation (wholtra_orders); paying lifts it; disputed invoices
  (wholtra_invoicing) are not chased;
- a statement link payment (payment_demo transaction) settles the chosen invoices oldest
  due first, and lifts the collection hold once nothing is overdue.

Runs on the DB where the four addons are installed, with the options switched on here."""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, TransactionCase, tagged


class E2EPaymentsCommon(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.today = fields.Date.context_today(cls.env["res.partner"])
        cls.env.user.group_ids += cls.env.ref("product.group_product_pricelist")
        if "wholtra_invoice_send_email" in cls.company._fields:
            cls.company.wholtra_invoice_send_email = False
        cls.crisps = cls.env["product.product"].create(
            {
                "name": "Sea Salt Crisps 24x40g",
                "type": "consu",
                "is_storable": True,
                "invoice_policy": "delivery",
                "list_price": 18.50,
                "standard_price": 11.0,
                "taxes_id": [Command.clear()],
            }
        )
        pricelist = cls.env["product.pricelist"].create(
            {
                "name": "Gold trade prices",
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "1_product",
                            "product_tmpl_id": cls.crisps.product_tmpl_id.id,
                            "compute_price": "fixed",
                            "fixed_price": 16.0,
                        }
                    )
                ],
            }
        )
        cls.gold = cls.env["wholtra.price.tier"].create(
            {"name": "Gold", "pricelist_id": pricelist.id, "allocation_priority": 30}
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Campus Vending Co",
                "is_company": True,
                "email": "ap@campus-vending.example.com",
                "wholtra_tier_id": cls.gold.id,
            }
        )
        cls.buyer = cls.env["res.partner"].create(
            {"name": "Tom (buyer)", "parent_id": cls.customer.id}
        )
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "Harbour Grill", "is_company": True}
        )

    @classmethod
    def _invoice(cls, partner, amount, due_days):
        """A posted invoice of ``amount`` due ``due_days`` from today (negative: past)."""
        due = cls.today + timedelta(days=due_days)
        invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": due - timedelta(days=30),
                "invoice_date_due": due,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": cls.crisps.id,
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        invoice.action_post()
        return invoice

    def _order_form(self, qty):
        with Form(self.env["sale.order"]) as form:
            form.partner_id = self.buyer
            with form.order_line.new() as line:
                line.product_id = self.crisps
                line.product_uom_qty = qty
        return form.record

    def _pay(self, invoices):
        return (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create({"payment_date": self.today})
            ._create_payments()
        )


@tagged("post_install", "-at_install")
class TestCashOnDeliveryDispatchInvoice(E2EPaymentsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cash_journal = cls.env["account.journal"].create(
            {"name": "Drivers cash", "type": "cash", "code": "DRV"}
        )
        cls.company.write(
            {
                "wholtra_invoice_mode": "dispatch",
                "wholtra_invoice_auto_post": True,
                "wholtra_cod_enabled": True,
                "wholtra_cod_journal_id": cls.cash_journal.id,
            }
        )
        cls.customer.wholtra_cod = True
        cls.vat = cls.env["account.tax"].create(
            {
                "name": "VAT 15% (e2e)",
                "amount": 15.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": cls.company.id,
            }
        )
        cls.crisps.taxes_id = cls.vat
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.env["stock.quant"]._update_available_quantity(
            cls.crisps, warehouse.lot_stock_id, 50
        )

    def test_short_cod_collection_on_partial_dispatch_leaves_shortfall_open(self):
        order = self._order_form(10)
        self.assertTrue(order.wholtra_cod, "the contact's order follows its company")
        self.assertEqual(order.order_line.price_unit, 16.0)
        self.assertEqual(order.amount_total, 184.0)
        order.action_confirm()
        picking = order.picking_ids
        self.assertTrue(picking.wholtra_cod_required)

        # The driver delivers 6 of 10: the amount to collect follows what ships.
        picking.move_ids.quantity = 6
        picking.move_ids.picked = True
        action = picking.with_context(skip_backorder=True).button_validate()
        self.assertEqual(action["res_model"], "wholtra.cod.collect.wizard")
        self.assertNotEqual(picking.state, "done", "not validated before collecting")
        self.assertFalse(order.invoice_ids)
        wizard_form = Form(
            self.env["wholtra.cod.collect.wizard"].with_context(action["context"])
        )
        self.assertEqual(wizard_form.expected_amount, 110.4)  # 6 x 16 + 15% VAT
        wizard_form.amount = 100.0
        wizard_form.method = "cash"
        wizard_form.save().action_confirm()

        self.assertEqual(picking.state, "done")
        invoice = picking.wholtra_invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.invoice_line_ids.quantity, 6.0)
        self.assertEqual(invoice.amount_untaxed, 96.0)
        self.assertEqual(invoice.amount_total, 110.4)
        payment = picking.wholtra_cod_payment_id
        self.assertEqual(payment.amount, 100.0)
        self.assertEqual(payment.journal_id, self.cash_journal)
        self.assertEqual(payment.partner_id, self.customer)
        self.assertIn(payment, invoice._get_reconciled_payments())
        self.assertEqual(invoice.payment_state, "partial")
        self.assertAlmostEqual(invoice.amount_residual, 10.4)
        self.assertEqual(invoice.wholtra_ar_status, "partial")

        # The backorder is cash on delivery too: it cannot be shipped unrecorded.
        backorder = order.picking_ids - picking
        self.assertEqual(backorder.move_ids.product_uom_qty, 4.0)
        self.assertTrue(backorder.wholtra_cod_required)
        self.assertEqual(backorder.wholtra_cod_expected, 73.6)
        backorder.move_ids.quantity = 4
        backorder.move_ids.picked = True
        with self.assertRaises(UserError):
            backorder._action_done()
        self.assertNotEqual(backorder.state, "done")
        self.assertEqual(order.invoice_ids, invoice)

    def _deliver_collecting(self, qty, amount):
        order = self._order_form(qty)
        order.action_confirm()
        picking = order.picking_ids
        picking.move_ids.quantity = qty
        picking.move_ids.picked = True
        action = picking.button_validate()
        wizard = (
            self.env["wholtra.cod.collect.wizard"]
            .with_context(action["context"])
            .create({"amount": amount, "method": "cash"})
        )
        wizard.action_confirm()
        self.assertEqual(picking.state, "done")
        return picking

    def test_cod_collections_settle_the_periodic_invoice(self):
        """Weekly invoicing: the cash collected at each delivery waits as customer
        credit, then settles the week's consolidated invoice when it is built."""
        self.company.write(
            {"wholtra_invoice_mode": "periodic", "wholtra_invoice_period": "week"}
        )
        first = self._deliver_collecting(10, 184.0)  # 10 x 16 + 15% VAT: in full
        second = self._deliver_collecting(5, 80.0)  # 92.0 due: 12.0 short
        payments = first.wholtra_cod_payment_id | second.wholtra_cod_payment_id
        self.assertEqual(sorted(payments.mapped("amount")), [80.0, 184.0])
        self.assertFalse(first.wholtra_invoice_ids | second.wholtra_invoice_ids)

        self.env["stock.picking"]._cron_wholtra_invoice_pending(
            today=self.today + timedelta(days=8)
        )
        invoice = first.wholtra_invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(second.wholtra_invoice_ids, invoice, "one invoice per week")
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.amount_total, 276.0)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertAlmostEqual(invoice.amount_residual, 12.0)
        self.assertEqual(invoice.wholtra_ar_status, "partial")
        self.assertEqual(invoice._get_reconciled_payments(), payments)


@tagged("post_install", "-at_install")
class TestCollectionHoldStopsOrders(E2EPaymentsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "wholtra_collection_enabled": True,
                "wholtra_collection_lift_hold": True,
                "wholtra_statement_links_enabled": True,
            }
        )
        Level = cls.env["wholtra.collection.level"]
        Level.search([("company_id", "=", cls.company.id)]).action_archive()
        Level.flush_model()  # the "one active level per day" index sees the archive
        cls.reminder = Level.create(
            {
                "name": "Reminder",
                "days_overdue": 10,
                "mail_template_id": cls.env.ref(
                    "wholtra_payments.mail_template_collection_friendly"
                ).id,
            }
        )
        cls.hold_level = Level.create(
            {
                "name": "Hold",
                "days_overdue": 30,
                "action": "email_hold",
                "mail_template_id": cls.env.ref(
                    "wholtra_payments.mail_template_collection_hold"
                ).id,
            }
        )
        cls.overdue = cls._invoice(cls.customer, 500.0, -45)
        # Older still, but the customer disputes it: it must not be chased.
        cls.disputed = cls._invoice(cls.buyer, 300.0, -60)
        cls.env["wholtra.dispute.wizard"].create(
            {"move_ids": [Command.set(cls.disputed.ids)], "reason": "Damaged pallet"}
        ).action_confirm()
        cls.Status = cls.env["wholtra.collection.status"]

    def _status(self):
        return self.Status.search(
            [
                ("partner_id", "=", self.customer.id),
                ("company_id", "=", self.company.id),
            ]
        )

    def test_hold_blocks_orders_until_paid_disputed_not_chased(self):
        self.assertTrue(self.disputed.wholtra_disputed)
        self.assertEqual(self.disputed.wholtra_ar_status, "disputed")
        self.assertEqual(self.overdue.wholtra_ar_status, "past_due")
        quote = self._order_form(5)

        # Ten days ago the overdue invoice called for the reminder only.
        self.Status._wholtra_collection_run(
            self.company, today=self.today - timedelta(days=20)
        )
        status = self._status()
        self.assertEqual(status.level_id, self.reminder)
        self.assertFalse(self.customer.wholtra_on_hold)

        self.Status._wholtra_collection_run(self.company, today=self.today)
        status = self._status()
        self.assertEqual(status.level_id, self.hold_level)
        # Only the undisputed invoice counts (amount and age).
        self.assertEqual(status.overdue_amount, 500.0)
        self.assertEqual(status.days_overdue, 45)
        self.assertTrue(status.hold_set)
        self.assertTrue(self.customer.wholtra_hold_manual)
        # wholtra_on_hold has no @api.depends: read it fresh, as a new request would.
        self.env.invalidate_all()
        self.assertTrue(self.buyer.commercial_partner_id.wholtra_on_hold)
        self.assertTrue(self.customer._wholtra_get_hold_reasons())

        with self.assertRaises(UserError):
            quote.action_confirm()
        self.assertEqual(quote.state, "draft", "the held customer's order waits")

        # The customer pays the overdue invoice: level cleared, hold lifted at once.
        self._pay(self.overdue)
        self.assertEqual(self.overdue.payment_state, "paid")
        self.assertEqual(self.overdue.wholtra_ar_status, "paid")
        status = self._status()
        self.assertFalse(status.level_id)
        self.assertFalse(status.hold_set)
        self.assertFalse(self.customer.wholtra_hold_manual)
        self.env.invalidate_all()
        self.assertFalse(self.customer.wholtra_on_hold)
        quote.action_confirm()
        self.assertEqual(quote.state, "sale")

        # The disputed invoice stays open but the next run does not chase it.
        self.Status._wholtra_collection_run(
            self.company, today=self.today + timedelta(days=1)
        )
        self.assertFalse(self._status().level_id)
        self.assertFalse(self.customer.wholtra_hold_manual)
        self.assertEqual(self.disputed.payment_state, "not_paid")


@tagged("post_install", "-at_install")
class TestStatementLinkPaysOldestFirst(E2EPaymentsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.wholtra_statement_links_enabled = True
        cls.provider = cls.env.ref("payment.payment_provider_demo")
        cls.provider.write({"state": "test", "is_published": True})
        cls.demo_method = cls.env.ref("payment_demo.payment_method_demo")
        cls.inv_old = cls._invoice(cls.customer, 100.0, -40)
        cls.inv_mid = cls._invoice(cls.buyer, 200.0, -10)
        cls.inv_new = cls._invoice(cls.customer, 300.0, 20)
        cls.inv_other = cls._invoice(cls.other_customer, 70.0, -50)

    def _pay_from_statement(self, link, invoices, amount):
        """What the statement page's transaction route does, then the demo provider
        confirms the payment."""
        Transaction = self.env["payment.transaction"]
        tx = Transaction.create(
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.demo_method.id,
                "reference": Transaction._compute_reference("demo", prefix="E2E"),
                "amount": amount,
                "currency_id": invoices.currency_id.id,
                "partner_id": link.partner_id.id,
                "operation": "online_direct",
                **link._wholtra_prepare_transaction_values(invoices),
            }
        )
        self.assertEqual(tx.wholtra_statement_link_id, link)
        tx.action_demo_set_done()
        tx._post_process()
        return tx

    def test_subset_paid_oldest_due_first(self):
        link = self.env["wholtra.statement.link"]._wholtra_get_or_create_for_partner(
            self.buyer
        )
        self.assertEqual(link.partner_id, self.customer)
        self.assertEqual(
            link._wholtra_get_open_invoices(),
            self.inv_old | self.inv_mid | self.inv_new,
        )
        # Another customer's invoice cannot be slipped into the selection.
        with self.assertRaises(ValidationError):
            link._wholtra_check_selection([self.inv_old.id, self.inv_other.id], 170.0)

        # The customer ticks the newest and the oldest invoice and pays 250 of 400.
        selected = link._wholtra_check_selection(
            [self.inv_new.id, self.inv_old.id], 250.0
        )
        self.assertEqual(selected.ids, [self.inv_old.id, self.inv_new.id])
        tx = self._pay_from_statement(link, selected, 250.0)
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.payment_id.amount, 250.0)
        self.assertEqual(tx.payment_id.partner_id, self.customer)

        self.assertEqual(self.inv_old.payment_state, "paid")
        self.assertEqual(self.inv_old.wholtra_ar_status, "paid")
        self.assertEqual(self.inv_new.payment_state, "partial")
        self.assertAlmostEqual(self.inv_new.amount_residual, 150.0)
        self.assertEqual(self.inv_new.wholtra_ar_status, "partial")
        # Not chosen: untouched even though it is older than the second one.
        self.assertEqual(self.inv_mid.payment_state, "not_paid")
        self.assertAlmostEqual(self.inv_mid.amount_residual, 200.0)
        self.assertEqual(self.inv_other.payment_state, "not_paid")
        self.assertEqual(link._wholtra_get_open_invoices(), self.inv_mid | self.inv_new)

    def test_statement_payment_lifts_collection_hold(self):
        self.company.write(
            {"wholtra_collection_enabled": True, "wholtra_collection_lift_hold": True}
        )
        Level = self.env["wholtra.collection.level"]
        Level.search([("company_id", "=", self.company.id)]).action_archive()
        Level.flush_model()
        hold_level = Level.create(
            {
                "name": "Hold",
                "days_overdue": 30,
                "action": "email_hold",
                "mail_template_id": self.env.ref(
                    "wholtra_payments.mail_template_collection_hold"
                ).id,
            }
        )
        Status = self.env["wholtra.collection.status"]
        Status._wholtra_collection_run(self.company, today=self.today)
        status = Status.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(status.level_id, hold_level)
        self.assertEqual(status.overdue_amount, 300.0)  # old + mid; new is not due
        self.assertTrue(self.customer.wholtra_hold_manual)
        quote = self._order_form(3)
        with self.assertRaises(UserError):
            quote.action_confirm()

        # The reminder's link: the customer pays the two overdue invoices in full.
        link = self.env["wholtra.statement.link"]._wholtra_get_or_create_for_partner(
            self.customer
        )
        overdue = link._wholtra_check_selection(
            [self.inv_mid.id, self.inv_old.id], 300.0
        )
        tx = self._pay_from_statement(link, overdue, 300.0)
        self.assertEqual(tx.payment_id.amount, 300.0)
        self.assertEqual(self.inv_old.payment_state, "paid")
        self.assertEqual(self.inv_mid.payment_state, "paid")
        self.assertEqual(self.inv_new.payment_state, "not_paid")
        self.assertFalse(status.level_id)
        self.assertFalse(status.hold_set)
        self.assertFalse(self.customer.wholtra_hold_manual)
        quote.action_confirm()
        self.assertEqual(quote.state, "sale")
