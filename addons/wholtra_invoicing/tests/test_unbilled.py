from odoo.tests import new_test_user, tagged

from .common import WholtraInvoicingCommon


@tagged("post_install", "-at_install")
class TestNothingShippedStaysUnbilled(WholtraInvoicingCommon):
    """Issue 12 (9): a dispatch invoice cancelled or deleted puts its delivery
    back to 'to invoice' (banner on the transfer); the next invoicing run bills
    it again. A cancelled return credit note: the return is credited again."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.billing = new_test_user(
            cls.env,
            login="wi_unbilled",
            groups="account.group_account_invoice,sales_team.group_sale_salesman",
        )

    def _run(self):
        self.env["stock.picking"]._cron_wholtra_invoice_pending()
        self.env.invalidate_all()

    def _assert_back_to_invoice(self, picking, order):
        self.env.invalidate_all()
        self.assertEqual(picking.wholtra_invoice_state, "to_invoice")
        self.assertIn("cancelled or deleted", picking.wholtra_invoice_error)
        self.assertEqual(order.order_line.mapped("qty_invoiced"), [0, 0])
        self.assertEqual(order.invoice_status, "to invoice")

    def _assert_billed_again(self, picking, order, old):
        self._run()
        invoice = picking.wholtra_invoice_ids.filtered(
            lambda m: m.state != "cancel" and m.move_type == "out_invoice"
        )
        self.assertEqual(len(invoice), 1)
        self.assertNotIn(invoice, old)
        self.assertEqual(picking.wholtra_invoice_state, "invoiced")
        self.assertFalse(picking.wholtra_invoice_error)
        self.assertEqual(self._qty_by_product(invoice), {self.crisps: 10, self.cola: 5})
        self.assertEqual(order.order_line.mapped("qty_invoiced"), [10, 5])
        self._run()
        self.assertEqual(
            len(order.invoice_ids.filtered(lambda m: m.state != "cancel")),
            1,
            "a second run bills nothing more",
        )
        return invoice

    def test_cancelled_draft_dispatch_invoice_is_billed_again(self):
        order = self._create_order()
        picking = order.picking_ids
        self._ship(picking)
        draft = picking.wholtra_invoice_ids
        draft.with_user(self.billing).button_cancel()
        self._assert_back_to_invoice(picking, order)
        self.assertIn(
            "cancelled or deleted", picking.message_ids[:1].body, "chatter trace"
        )
        self._assert_billed_again(picking, order, draft)

    def test_posted_invoice_reset_and_cancelled_is_billed_again(self):
        self.company.wholtra_invoice_auto_post = True
        order = self._create_order()
        picking = order.picking_ids
        self._ship(picking)
        posted = picking.wholtra_invoice_ids
        self.assertEqual(posted.state, "posted")
        posted.with_user(self.billing).button_draft()
        posted.with_user(self.billing).button_cancel()
        self._assert_back_to_invoice(picking, order)
        invoice = self._assert_billed_again(picking, order, posted)
        self.assertEqual(invoice.state, "posted")

    def test_deleted_draft_dispatch_invoice_is_billed_again(self):
        order = self._create_order()
        picking = order.picking_ids
        self._ship(picking)
        draft = picking.wholtra_invoice_ids
        draft.with_user(self.billing).unlink()
        self._assert_back_to_invoice(picking, order)
        self.assertFalse(picking.wholtra_invoice_ids)
        self._assert_billed_again(picking, order, draft)

    def test_cancelled_return_credit_note_is_credited_again(self):
        self.company.wholtra_invoice_auto_post = True
        order = self._create_order()
        picking = order.picking_ids
        self._ship(picking)
        return_picking = self._return(picking, {self.crisps: 3})
        credit = return_picking.wholtra_invoice_ids
        self.assertEqual(credit.move_type, "out_refund")
        credit.with_user(self.billing).button_draft()
        credit.with_user(self.billing).button_cancel()
        self.env.invalidate_all()
        self.assertEqual(return_picking.wholtra_invoice_state, "to_invoice")
        self.assertEqual(picking.wholtra_invoice_state, "invoiced", "untouched")
        self._run()
        again = return_picking.wholtra_invoice_ids - credit
        self.assertEqual(again.move_type, "out_refund")
        self.assertEqual(self._qty_by_product(again), {self.crisps: 3})
        crisps = order.order_line.filtered(lambda sol: sol.product_id == self.crisps)
        self.assertEqual(crisps.qty_invoiced, 7)
        self.assertEqual(crisps.qty_delivered, 7)


@tagged("post_install", "-at_install")
class TestDownPaymentDeduction(WholtraInvoicingCommon):
    """Issue 12 (9): a pre-sale paid 20 % up front. Each dispatch invoice
    deducts the down payment in proportion to the goods it bills; the invoice
    that completes the order deducts the rest: the order is billed exactly
    once, the down payment deducted exactly once."""

    def test_down_payment_deducted_proportionally_on_dispatch_invoices(self):
        self.company.wholtra_invoice_auto_post = True
        order = self._create_order()  # 10 crisps × 2.5 + 5 cola × 12 = 85.00
        self.env["sale.advance.payment.inv"].with_context(
            active_model="sale.order", active_ids=order.ids
        ).create(
            {"advance_payment_method": "percentage", "amount": 20}
        ).create_invoices()
        self.env.invalidate_all()
        down_invoice = order.invoice_ids
        down_invoice.action_post()
        self.assertAlmostEqual(down_invoice.amount_untaxed, 17.0)
        down_line = order.order_line.filtered("is_downpayment").filtered(
            lambda sol: not sol.display_type
        )
        self.assertEqual(down_line.qty_invoiced, 1.0)
        picking = order.picking_ids
        backorder = self._ship(picking, {self.crisps: 4, self.cola: 5})
        self.env.invalidate_all()
        first = picking.wholtra_invoice_ids
        # goods 4 × 2.5 + 5 × 12 = 70.00 = 82 % of 85.00 -> 0.82 of the 17.00
        deduction = first.invoice_line_ids.filtered("is_downpayment").filtered(
            lambda aml: aml.display_type == "product"
        )
        self.assertEqual(deduction.quantity, -0.82)
        self.assertAlmostEqual(deduction.price_subtotal, -13.94)
        self.assertAlmostEqual(first.amount_untaxed, 70.0 - 13.94)
        self.assertAlmostEqual(down_line.qty_invoiced, 0.18)
        self._ship(backorder)
        self.env.invalidate_all()
        second = backorder.wholtra_invoice_ids
        rest = second.invoice_line_ids.filtered("is_downpayment").filtered(
            lambda aml: aml.display_type == "product"
        )
        self.assertEqual(rest.quantity, -0.18, "the completing invoice: the rest")
        self.assertAlmostEqual(second.amount_untaxed, 6 * 2.5 - 3.06)
        self.assertAlmostEqual(down_line.qty_invoiced, 0.0)
        invoices = order.invoice_ids.filtered(lambda m: m.state == "posted")
        self.assertEqual(invoices, down_invoice | first | second)
        self.assertAlmostEqual(
            sum(invoices.mapped("amount_untaxed_signed")), order.amount_untaxed
        )
        self.assertAlmostEqual(
            sum(invoices.mapped("amount_total_signed")), order.amount_total
        )
        self.assertEqual(order.invoice_status, "invoiced")
        goods = order.order_line.filtered(lambda sol: not sol.is_downpayment)
        self.assertEqual(goods.mapped("qty_invoiced"), [10, 5])
