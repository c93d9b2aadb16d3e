"""End-to-end through the ORM: order -> delivery -> invoice on a DB with all four addons."""

from flow_common import WholtraFlowCase

from odoo import Command
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestOrderToInvoiceFlow(WholtraFlowCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create({"name": "Corner Deli Ltd"})
        cls.crisps = cls._make_product("Sea Salt Crisps 24x40g", 18.50, 11.0, stock=100)
        cls.cola = cls._make_product("Cola Cans 24x330ml", 9.90, 6.0, stock=100)

    def test_create_confirm_deliver_invoice(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "warehouse_id": self.warehouse.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.crisps.id, "product_uom_qty": 10}
                    ),
                    Command.create({"product_id": self.cola.id, "product_uom_qty": 4}),
                ],
            }
        )
        self.assertEqual(order.amount_untaxed, 10 * 18.50 + 4 * 9.90)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        picking = order.picking_ids
        self.assertEqual(len(picking), 1)
        self.assertEqual(picking.state, "assigned")
        # Nothing is invoiceable before the goods leave (invoice policy: delivered qty).
        self.assertEqual(order.invoice_status, "no")

        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.assertEqual(order.order_line.mapped("qty_delivered"), [10.0, 4.0])
        self.assertEqual(order.invoice_status, "to invoice")
        self.assertEqual(self.crisps.qty_available, 90)

        invoice = order._create_invoices()
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.partner_id, self.customer)
        self.assertAlmostEqual(invoice.amount_total, 224.60)
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertEqual(order.invoice_status, "invoiced")
        self.assertEqual(
            sorted(invoice.invoice_line_ids.mapped("quantity")), [4.0, 10.0]
        )
