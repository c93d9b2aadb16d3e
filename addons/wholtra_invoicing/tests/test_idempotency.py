from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import WholtraInvoicingCommon


@tagged("post_install", "-at_install")
class TestIdempotency(WholtraInvoicingCommon):
    def _sale_journals(self):
        return self.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", self.company.id)]
        )

    def test_no_double_invoice_on_retried_validation(self):
        order = self._create_order()
        picking = order.picking_ids
        self._ship(picking)
        invoice = picking.wholtra_invoice_ids
        # a retry of the same step (e.g. after a serialization failure of a
        # caller) or a second call finds the delivery already invoiced
        service = self.env["wholtra.dispatch.invoicing"]
        service._mark_to_invoice(picking)
        service._invoice_safely(picking)
        with self.assertRaises(UserError):
            picking.action_wholtra_retry_invoicing()
        # even when someone forces the flag back, the link is the source of truth
        # for the quantities: nothing is left to bill on that delivery
        picking.wholtra_invoice_state = "to_invoice"
        picking.action_wholtra_retry_invoicing()
        self.assertEqual(picking.wholtra_invoice_state, "invoiced")
        self.assertEqual(order.invoice_ids, invoice)
        self.assertEqual(order.order_line.mapped("qty_invoiced"), [10, 5])

    def test_no_double_invoice_on_cron_rerun(self):
        order = self._create_order()
        picking = order.picking_ids
        self._ship(picking)
        picking_model = self.env["stock.picking"]
        picking_model._cron_wholtra_invoice_pending()
        picking_model._cron_wholtra_invoice_pending()
        self.assertEqual(len(order.invoice_ids), 1)

    def test_claim_skips_pickings_already_invoiced(self):
        order = self._create_order()
        picking = order.picking_ids
        self._ship(picking)
        # what a concurrent run sees once the first one committed
        service = self.env["wholtra.dispatch.invoicing"]
        self.assertFalse(service._claim(picking))
        self.assertFalse(service._create_invoices(picking))

    def test_no_double_invoice_after_unrelated_credit_note(self):
        self.company.wholtra_invoice_auto_post = True
        order = self._create_order()
        backorder = self._ship(order.picking_ids, {self.crisps: 4, self.cola: 5})
        invoice = order.invoice_ids
        # credit note of the cola line only (damaged cans, goods kept)
        cola_line = invoice.invoice_line_ids.filtered(
            lambda aml: aml.product_id == self.cola
        )
        reversal = invoice._reverse_moves()
        reversal.invoice_line_ids.filtered(lambda aml: aml != aml.browse()).filtered(
            lambda aml: aml.product_id == self.crisps
        ).unlink()
        reversal.action_post()
        self.assertEqual(cola_line.sale_line_ids.qty_invoiced, 0)
        # rerunning invoicing does not bill the first delivery again
        self.env["stock.picking"]._cron_wholtra_invoice_pending()
        self.env["wholtra.dispatch.invoicing"]._invoice_safely(order.picking_ids)
        self.assertEqual(
            order.invoice_ids.filtered(lambda m: m.move_type == "out_invoice"), invoice
        )
        # the backorder's invoice bills only what it shipped, not the credited cola
        self._ship(backorder)
        second = backorder.wholtra_invoice_ids
        self.assertEqual(self._qty_by_product(second), {self.crisps: 6})

    def test_error_does_not_block_validation_and_is_retried(self):
        journals = self._sale_journals()
        journals.action_archive()
        order = self._create_order()
        picking = order.picking_ids
        self._ship(picking)
        self.assertEqual(picking.state, "done", "the warehouse is never blocked")
        self.assertEqual(picking.wholtra_invoice_state, "to_invoice")
        self.assertTrue(picking.wholtra_invoice_error)
        self.assertFalse(order.invoice_ids)
        self.assertEqual(order.order_line.mapped("qty_delivered"), [10, 5])
        # still failing: the cron keeps it flagged, nothing half-created
        self.env["stock.picking"]._cron_wholtra_invoice_pending()
        self.assertFalse(order.invoice_ids)
        self.assertEqual(picking.wholtra_invoice_state, "to_invoice")
        # fixed: the scheduled action creates the invoice and clears the error
        journals.action_unarchive()
        self.env["stock.picking"]._cron_wholtra_invoice_pending()
        self.assertEqual(len(picking.wholtra_invoice_ids), 1)
        self.assertEqual(picking.wholtra_invoice_state, "invoiced")
        self.assertFalse(picking.wholtra_invoice_error)
        self.assertEqual(
            self._qty_by_product(picking.wholtra_invoice_ids),
            {self.crisps: 10, self.cola: 5},
        )
        self.env["stock.picking"]._cron_wholtra_invoice_pending()
        self.assertEqual(len(order.invoice_ids), 1)

    def test_batch_with_one_failing_delivery(self):
        good = self._create_order()
        billing = self.env["res.partner"].create({"name": "Campus Vending HQ"})
        bad = self._create_order(partner=self.customer_b, confirm=False)
        bad.partner_invoice_id = billing
        bad.action_confirm()
        # the invoice address was moved to another company after the order was
        # taken: its invoice cannot be created in this company
        other = self.env["res.company"].create({"name": "Other Distributor"})
        billing.company_id = other
        pickings = good.picking_ids | bad.picking_ids
        for move in pickings.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        pickings.button_validate()
        self.assertEqual(set(pickings.mapped("state")), {"done"})
        self.assertEqual(len(good.invoice_ids), 1)
        self.assertEqual(good.picking_ids.wholtra_invoice_state, "invoiced")
        self.assertFalse(bad.invoice_ids)
        self.assertEqual(bad.picking_ids.wholtra_invoice_state, "to_invoice")
        self.assertTrue(bad.picking_ids.wholtra_invoice_error)
