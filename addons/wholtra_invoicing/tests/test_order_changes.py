from odoo.tests import Form, tagged

from .common import WholtraInvoicingCommon


@tagged("post_install", "-at_install")
class TestOrderChanges(WholtraInvoicingCommon):
    def _line(self, order, product):
        return order.order_line.filtered(lambda sol: sol.product_id == product)

    def test_draft_invoice_follows_price_and_discount(self):
        order = self._create_order()
        self._ship(order.picking_ids)
        invoice = order.invoice_ids
        self.assertEqual(invoice.state, "draft")
        self.env.user.group_ids += self.env.ref("sale.group_discount_per_so_line")
        with Form(order) as form:
            with form.order_line.edit(0) as line:
                line.price_unit = 3.0
                line.discount = 10.0
        aml = invoice.invoice_line_ids.filtered(
            lambda aml: aml.product_id == self.crisps
        )
        self.assertEqual(aml.price_unit, 3.0)
        self.assertEqual(aml.discount, 10.0)
        self.assertAlmostEqual(invoice.amount_untaxed, 10 * 3.0 * 0.9 + 5 * 12.0)
        self.assertAlmostEqual(invoice.amount_tax, invoice.amount_untaxed * 0.1)
        self.assertFalse(order.wholtra_pending_adjustment)

    def test_draft_invoice_follows_quantity(self):
        order = self._create_order()
        # billed up front from the order (order policy), then shipped
        invoice = order._create_invoices()
        self.assertEqual(self._qty_by_product(invoice), {self.crisps: 10})
        crisps = self._line(order, self.crisps)
        crisps.product_uom_qty = 12
        self.assertEqual(self._qty_by_product(invoice), {self.crisps: 12})
        crisps.product_uom_qty = 7
        self.assertEqual(self._qty_by_product(invoice), {self.crisps: 7})
        self.assertAlmostEqual(invoice.amount_untaxed, 7 * 2.5)
        # the delivery does not bill the crisps a second time, only the cola
        self._ship(order.picking_ids)
        dispatch = order.picking_ids.wholtra_invoice_ids
        self.assertEqual(self._qty_by_product(dispatch), {self.cola: 5})

    def test_manual_mode_drafts_do_not_follow(self):
        self.company.wholtra_invoice_mode = "manual"
        order = self._create_order()
        invoice = order._create_invoices()
        self._line(order, self.crisps).price_unit = 9.0
        self.assertEqual(invoice.invoice_line_ids.price_unit, 2.5)

    def test_posted_invoice_price_change_gives_adjustment(self):
        self.company.wholtra_invoice_auto_post = True
        order = self._create_order()
        self._ship(order.picking_ids)
        invoice = order.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self._line(order, self.crisps).price_unit = 3.0
        self.assertEqual(
            invoice.invoice_line_ids[0].price_unit, 2.5, "posted: untouched"
        )
        self.assertAlmostEqual(
            self._line(order, self.crisps).wholtra_pending_adjustment, 5.0
        )
        self.assertAlmostEqual(order.wholtra_pending_adjustment, 5.0)
        order.action_wholtra_invoice_adjustments()
        adjustment = order.invoice_ids - invoice
        self.assertEqual(adjustment.move_type, "out_invoice")
        self.assertEqual(adjustment.state, "posted")
        self.assertAlmostEqual(adjustment.amount_untaxed, 5.0)
        self.assertAlmostEqual(adjustment.amount_total, 5.5)
        self.assertEqual(self._line(order, self.crisps).qty_invoiced, 10)
        self.assertFalse(order.wholtra_pending_adjustment)
        # a price decrease is credited
        self._line(order, self.cola).write({"price_unit": 10.0})
        self.assertAlmostEqual(order.wholtra_pending_adjustment, -10.0)
        order.action_wholtra_invoice_adjustments()
        credit = order.invoice_ids.filtered(lambda m: m.move_type == "out_refund")
        self.assertAlmostEqual(credit.amount_untaxed, 10.0)
        self.assertFalse(order.wholtra_pending_adjustment)
        self.assertEqual(self._line(order, self.cola).qty_invoiced, 5)
        total = sum(m.amount_untaxed_signed for m in order.invoice_ids)
        self.assertAlmostEqual(total, order.amount_untaxed)

    def test_cancelled_line_after_invoicing_is_credited(self):
        self.company.wholtra_invoice_auto_post = True
        order = self._create_order()
        invoice = order._create_invoices()
        invoice.action_post()
        self._line(order, self.crisps).product_uom_qty = 0
        self.assertAlmostEqual(order.wholtra_pending_adjustment, -25.0)
        order.action_wholtra_invoice_adjustments()
        credit = order.invoice_ids.filtered(lambda m: m.move_type == "out_refund")
        self.assertEqual(self._qty_by_product(credit), {self.crisps: 10})
        self.assertAlmostEqual(credit.amount_total, 27.5)
        self.assertEqual(self._line(order, self.crisps).qty_invoiced, 0)
        self.assertFalse(order.wholtra_pending_adjustment)

    def test_no_adjustment_raises_clear_error(self):
        order = self._create_order()
        with self.assertRaises(Exception) as err:
            order.action_wholtra_invoice_adjustments()
        self.assertIn("no pending invoice adjustment", str(err.exception))

    def test_posted_adjustment_rides_with_next_dispatch(self):
        self.company.wholtra_invoice_auto_post = True
        order = self._create_order()
        backorder = self._ship(order.picking_ids, {self.crisps: 4, self.cola: 5})
        first = order.invoice_ids
        self._line(order, self.cola).price_unit = 13.0
        self.assertAlmostEqual(order.wholtra_pending_adjustment, 5.0)
        self._ship(backorder)
        second = backorder.wholtra_invoice_ids
        # 6 crisps shipped + the cola price difference on the 5 already billed
        self.assertAlmostEqual(second.amount_untaxed, 6 * 2.5 + 5 * 1.0)
        self.assertFalse(order.wholtra_pending_adjustment)
        self.assertEqual(order.order_line.mapped("qty_invoiced"), [10, 5])
        self.assertEqual(order.invoice_ids, first | second)
