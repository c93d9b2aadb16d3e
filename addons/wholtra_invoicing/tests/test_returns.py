from odoo.tests import tagged

from .common import WholtraInvoicingCommon


@tagged("post_install", "-at_install")
class TestReturns(WholtraInvoicingCommon):
    def test_return_credit_note_at_original_price(self):
        self.company.wholtra_invoice_auto_post = True
        order = self._create_order()
        picking = order.picking_ids
        self._ship(picking)
        invoice = picking.wholtra_invoice_ids
        self.assertEqual(invoice.state, "posted")
        # the price changes on the order afterwards: the credit uses the invoice's
        order.order_line.filtered(
            lambda sol: sol.product_id == self.crisps
        ).price_unit = 3.0
        ret = self._return(picking, {self.crisps: 3})
        credit = ret.wholtra_invoice_ids
        self.assertEqual(len(credit), 1)
        self.assertEqual(credit.move_type, "out_refund")
        self.assertEqual(credit.state, "posted")
        self.assertEqual(credit.reversed_entry_id, invoice)
        self.assertEqual(credit.wholtra_picking_ids, ret)
        line = credit.invoice_line_ids
        self.assertEqual(line.product_id, self.crisps)
        self.assertEqual(line.quantity, 3)
        self.assertEqual(line.price_unit, 2.5)
        self.assertAlmostEqual(credit.amount_total, 3 * 2.5 * 1.1)
        crisps_line = order.order_line.filtered(
            lambda sol: sol.product_id == self.crisps
        )
        self.assertEqual(crisps_line.qty_invoiced, 7)
        self.assertEqual(ret.wholtra_invoice_state, "invoiced")

    def test_return_without_refund_or_never_invoiced(self):
        # not refunded (exchange): no credit note
        order = self._create_order()
        picking = order.picking_ids
        self._ship(picking)
        ret = self._return(picking, {self.cola: 1}, to_refund=False)
        self.assertFalse(ret.wholtra_invoice_ids)
        # manual customer: goods never invoiced → nothing
        self.customer_b.wholtra_invoice_mode = "manual"
        order_b = self._create_order(partner=self.customer_b)
        self._ship(order_b.picking_ids)
        ret_b = self._return(order_b.picking_ids, {self.cola: 1})
        self.assertFalse(ret_b.wholtra_invoice_state)
        self.assertFalse(order_b.invoice_ids)

    def test_return_on_draft_invoice_reduces_it(self):
        order = self._create_order()
        picking = order.picking_ids
        self._ship(picking)
        invoice = picking.wholtra_invoice_ids
        ret = self._return(picking, {self.cola: 2})
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(self._qty_by_product(invoice), {self.crisps: 10, self.cola: 3})
        self.assertIn(ret, invoice.wholtra_picking_ids)
        self.assertEqual(len(order.invoice_ids), 1)
        self.assertAlmostEqual(invoice.amount_untaxed, 10 * 2.5 + 3 * 12)
