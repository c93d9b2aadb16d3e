from odoo import Command
from odoo.tests import TransactionCase


class WholtraInvoicingCommon(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.company.write(
            {
                "wholtra_invoice_mode": "dispatch",
                "wholtra_invoice_auto_post": False,
                "wholtra_invoice_send_email": False,
            }
        )
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.customer = cls.env["res.partner"].create({"name": "Corner Deli"})
        cls.customer_b = cls.env["res.partner"].create({"name": "Campus Vending"})
        cls.tax = cls.env["account.tax"].create(
            {"name": "VAT 10", "amount": 10, "type_tax_use": "sale"}
        )
        cls.crisps = cls._create_product("Crisps", 2.5, "order")
        cls.cola = cls._create_product("Cola cans", 12.0, "delivery")
        cls.water = cls._create_product("Sparkling water", 8.0, "delivery")

    @classmethod
    def _create_product(cls, name, price, policy, qty=10000):
        product = cls.env["product.product"].create(
            {
                "name": name,
                "type": "consu",
                "is_storable": True,
                "list_price": price,
                "invoice_policy": policy,
                "taxes_id": [Command.set(cls.tax.ids)],
            }
        )
        cls.env["stock.quant"]._update_available_quantity(
            product, cls.stock_location, qty
        )
        return product

    @classmethod
    def _create_order(cls, partner=None, lines=None, user=None, confirm=True):
        lines = lines or [(cls.crisps, 10, 2.5), (cls.cola, 5, 12.0)]
        order = cls.env["sale.order"].create(
            {
                "partner_id": (partner or cls.customer).id,
                "user_id": (user or cls.env.user).id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "price_unit": price,
                        }
                    )
                    for product, qty, price in lines
                ],
            }
        )
        if confirm:
            order.action_confirm()
        return order

    @staticmethod
    def _ship(picking, quantities=None):
        """Validate ``picking`` shipping ``quantities`` ({product: qty}, all
        when empty); a backorder is created for the rest."""
        for move in picking.move_ids:
            qty = move.product_uom_qty
            if quantities is not None:
                qty = quantities.get(move.product_id, 0.0)
            move.quantity = qty
            move.picked = True
        picking.with_context(skip_backorder=True).button_validate()
        return picking.backorder_ids

    def _return(self, picking, quantities, to_refund=True):
        wizard = (
            self.env["stock.return.picking"]
            .with_context(
                active_id=picking.id,
                active_ids=picking.ids,
                active_model="stock.picking",
            )
            .create({})
        )
        for line in wizard.product_return_moves:
            line.quantity = quantities.get(line.product_id, 0.0)
            line.to_refund = to_refund
        return_picking = wizard._create_return()
        for move in return_picking.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        return_picking.button_validate()
        return return_picking

    @staticmethod
    def _qty_by_product(move):
        result = {}
        for line in move.invoice_line_ids.filtered(
            lambda aml: aml.display_type == "product"
        ):
            result[line.product_id] = result.get(line.product_id, 0.0) + line.quantity
        return result
