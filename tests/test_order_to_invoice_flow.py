"""End-to-end through the ORM: order -> delivery -> invoice on a DB with all four addons."""

from odoo import Command
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestOrderToInvoiceFlow(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.customer = cls.env["res.partner"].create({"name": "Corner Deli Ltd"})
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
        cls.cola = cls.env["product.product"].create(
            {
                "name": "Cola Cans 24x330ml",
                "type": "consu",
                "is_storable": True,
                "invoice_policy": "delivery",
                "list_price": 9.90,
                "standard_price": 6.0,
                "taxes_id": [Command.clear()],
            }
        )
        Quant = cls.env["stock.quant"]
        Quant._update_available_quantity(cls.crisps, cls.warehouse.lot_stock_id, 100)
        Quant._update_available_quantity(cls.cola, cls.warehouse.lot_stock_id, 100)

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
