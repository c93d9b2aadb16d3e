from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import WholtraInvoicingCommon


@tagged("post_install", "-at_install")
class TestDispatchInvoicing(WholtraInvoicingCommon):
    def test_full_shipment_invoice_equals_shipped(self):
        order = self._create_order()
        picking = order.picking_ids
        self._ship(picking)
        invoice = picking.wholtra_invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(invoice.wholtra_picking_ids, picking)
        self.assertEqual(picking.wholtra_invoice_state, "invoiced")
        self.assertEqual(self._qty_by_product(invoice), {self.crisps: 10, self.cola: 5})
        self.assertAlmostEqual(invoice.amount_untaxed, 10 * 2.5 + 5 * 12.0)
        self.assertAlmostEqual(invoice.amount_total, (10 * 2.5 + 5 * 12.0) * 1.1)
        self.assertEqual(invoice.invoice_line_ids.sale_line_ids.order_id, order)
        self.assertEqual(order.invoice_status, "invoiced")

    def test_partial_shipment_then_backorder_two_invoices(self):
        order = self._create_order()
        picking = order.picking_ids
        backorder = self._ship(picking, {self.crisps: 4, self.cola: 5})
        first = picking.wholtra_invoice_ids
        # 'order' policy product: only what shipped is billed, not the ordered 10
        self.assertEqual(self._qty_by_product(first), {self.crisps: 4, self.cola: 5})
        self.assertEqual(len(backorder), 1)
        self._ship(backorder)
        second = backorder.wholtra_invoice_ids
        self.assertEqual(len(second), 1)
        self.assertNotEqual(first, second)
        self.assertEqual(self._qty_by_product(second), {self.crisps: 6})
        self.assertEqual(order.invoice_ids, first | second)
        self.assertAlmostEqual(
            first.amount_untaxed + second.amount_untaxed, order.amount_untaxed
        )
        self.assertEqual(order.order_line.mapped("qty_invoiced"), [10, 5])

    def test_manual_mode_is_vanilla(self):
        self.company.wholtra_invoice_mode = "manual"
        order = self._create_order()
        picking = order.picking_ids
        self._ship(picking)
        self.assertFalse(picking.wholtra_invoice_state)
        self.assertFalse(order.invoice_ids)
        self.assertEqual(order.invoice_status, "to invoice")

    def test_partner_override(self):
        self.company.wholtra_invoice_mode = "manual"
        self.customer.wholtra_invoice_mode = "dispatch"
        contact = self.env["res.partner"].create(
            {"name": "Deli buyer", "parent_id": self.customer.id}
        )
        self.assertEqual(contact.wholtra_invoice_mode, "dispatch")
        order = self._create_order(partner=contact)
        self._ship(order.picking_ids)
        self.assertEqual(len(order.invoice_ids), 1)
        # and the other way round: a manual customer in a dispatch company
        self.company.wholtra_invoice_mode = "dispatch"
        self.customer_b.wholtra_invoice_mode = "manual"
        order_b = self._create_order(partner=self.customer_b)
        self._ship(order_b.picking_ids)
        self.assertFalse(order_b.invoice_ids)

    def test_auto_post_and_send(self):
        self.company.wholtra_invoice_auto_post = True
        self.company.wholtra_invoice_send_email = True
        self.customer.email = "deli@example.com"
        order = self._create_order()
        self._ship(order.picking_ids)
        invoice = order.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.wholtra_ar_status, "open")
        self.assertTrue(invoice.sending_data, "queued for Odoo's background sending")

    def test_hook_called_with_invoices(self):
        calls = []
        picking_model = type(self.env["stock.picking"])
        original = picking_model._wholtra_dispatch_invoices_created

        def spy(pickings, invoices):
            calls.append((pickings, invoices))
            return original(pickings, invoices)

        self.patch(picking_model, "_wholtra_dispatch_invoices_created", spy)
        order = self._create_order()
        self._ship(order.picking_ids)
        self.assertEqual(len(calls), 1)
        self.assertEqual(calls[0][0], order.picking_ids)
        self.assertEqual(calls[0][1], order.invoice_ids)

    def test_batch_validation_one_invoice_per_delivery(self):
        orders = self._create_order() | self._create_order(partner=self.customer_b)
        pickings = orders.picking_ids
        for move in pickings.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        pickings.button_validate()
        for picking in pickings:
            self.assertEqual(len(picking.wholtra_invoice_ids), 1)
            self.assertEqual(
                picking.wholtra_invoice_ids.partner_id, picking.sale_id.partner_id
            )
        self.assertEqual(len(orders.invoice_ids), 2)

    def test_warehouse_user_validates_without_billing_rights(self):
        stock_user = self.env["res.users"].create(
            {
                "name": "Picker",
                "login": "picker_wi",
                "group_ids": [(4, self.env.ref("stock.group_stock_user").id)],
            }
        )
        self.assertFalse(stock_user.has_group("account.group_account_invoice"))
        order = self._create_order()
        picking = order.picking_ids.with_user(stock_user)
        self._ship(picking)
        self.assertEqual(len(order.invoice_ids), 1)
        with self.assertRaises(AccessError):
            self.env["account.move"].with_user(stock_user).create(
                {"move_type": "out_invoice", "partner_id": self.customer.id}
            )
