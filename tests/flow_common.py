"""Shared fixtures of the cross-addon suites in tests/: the company's warehouse, and storable
snack & beverage products with stock."""

from odoo import Command
from odoo.tests import TransactionCase


class WholtraFlowCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )

    @classmethod
    def _make_product(cls, name, price, cost, stock=0.0):
        """A storable product invoiced on delivered quantities, without taxes."""
        product = cls.env["product.product"].create(
            {
                "name": name,
                "type": "consu",
                "is_storable": True,
                "invoice_policy": "delivery",
                "list_price": price,
                "standard_price": cost,
                "taxes_id": [Command.clear()],
            }
        )
        if stock:
            cls.env["stock.quant"]._update_available_quantity(
                product, cls.warehouse.lot_stock_id, stock
            )
        return product
