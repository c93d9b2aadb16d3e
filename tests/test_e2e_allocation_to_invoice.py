"""Cross-addon, end to end: two customers order a product that is out of stock; the
allocation engine (wholtra_inventory_alloc) promises the inbound purchase to the Gold key
account first (priority from wholtra_orders' tiers), a partial receipt is reserved for
Gold's delivery before Bronze's older order, and validating Gold's delivery bills exactly
the shipped quantity at Gold's tier price (wholtra_invoicing, per dispatch)."""

from datetime import timedelta

from odoo import Command, fields
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestAllocationToDispatchInvoice(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.company.write(
            {
                "wholtra_allocation_enabled": True,
                "wholtra_allocate_on_confirm": True,
                "wholtra_invoice_mode": "dispatch",
                "wholtra_invoice_auto_post": True,
            }
        )
        if "wholtra_invoice_send_email" in cls.company._fields:
            cls.company.wholtra_invoice_send_email = False
        cls.env.user.group_ids += cls.env.ref("product.group_product_pricelist")
        cls.now = fields.Datetime.now()
        cls.juice = cls.env["product.product"].create(
            {
                "name": "Orange Juice 12x1l",
                "type": "consu",
                "is_storable": True,
                "invoice_policy": "delivery",
                "list_price": 20.0,
                "standard_price": 9.0,
                "taxes_id": [Command.clear()],
            }
        )
        cls.vendor = cls.env["res.partner"].create({"name": "Sunny Groves Ltd"})
        cls.gold_tier = cls._tier("Gold", 30, 16.0)
        cls.bronze_tier = cls._tier("Bronze", 10, 19.0)
        cls.gold = cls.env["res.partner"].create(
            {
                "name": "FreshMart Convenience Stores",
                "is_company": True,
                "wholtra_tier_id": cls.gold_tier.id,
                "wholtra_key_account": True,
            }
        )
        # Gold's orders are placed by its buyer: a contact follows its company.
        cls.gold_buyer = cls.env["res.partner"].create(
            {"name": "Priya (buyer)", "parent_id": cls.gold.id}
        )
        cls.bronze = cls.env["res.partner"].create(
            {
                "name": "Corner Deli",
                "is_company": True,
                "wholtra_tier_id": cls.bronze_tier.id,
            }
        )

    @classmethod
    def _tier(cls, name, priority, price):
        pricelist = cls.env["product.pricelist"].create(
            {
                "name": f"{name} trade prices",
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "1_product",
                            "product_tmpl_id": cls.juice.product_tmpl_id.id,
                            "compute_price": "fixed",
                            "fixed_price": price,
                        }
                    )
                ],
            }
        )
        return cls.env["wholtra.price.tier"].create(
            {
                "name": name,
                "pricelist_id": pricelist.id,
                "allocation_priority": priority,
            }
        )

    def _order(self, partner, qty, days_ago):
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "date_order": self.now - timedelta(days=days_ago),
                "order_line": [
                    Command.create(
                        {"product_id": self.juice.id, "product_uom_qty": qty}
                    )
                ],
            }
        )
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        return order

    def _allocated(self, order):
        allocations = self.env["wholtra.allocation"].search(
            [("order_id", "=", order.id), ("state", "in", ("soft", "firm"))]
        )
        return sum(allocations.mapped("quantity"))

    def _receive(self, purchase, qty):
        receipt = purchase.picking_ids.filtered(
            lambda p: p.state not in ("done", "cancel")
        )
        receipt.move_ids.quantity = qty
        receipt.move_ids.picked = True
        receipt.with_context(skip_backorder=True).button_validate()
        self.assertEqual(receipt.state, "done")
        return receipt

    def test_gold_served_first_from_inbound_and_billed_what_shipped(self):
        self.assertEqual(self.gold.wholtra_allocation_priority, 1030)
        self.assertEqual(self.bronze.wholtra_allocation_priority, 10)
        self.assertEqual(self.gold_buyer.wholtra_allocation_priority, 1030)
        purchase = self.env["purchase.order"].create(
            {
                "partner_id": self.vendor.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.juice.id,
                            "product_qty": 10,
                            "price_unit": 9.0,
                            "date_planned": self.now + timedelta(days=5),
                        }
                    )
                ],
            }
        )
        purchase.button_confirm()

        # Bronze ordered first: with nothing else, it is promised the inbound goods.
        bronze_order = self._order(self.bronze, 6, days_ago=3)
        self.assertEqual(bronze_order.order_line.price_unit, 19.0)
        self.assertEqual(self._allocated(bronze_order), 6)
        # Gold (key account) orders later and takes precedence on the same PO.
        gold_order = self._order(self.gold_buyer, 8, days_ago=1)
        self.assertEqual(gold_order.order_line.price_unit, 16.0)
        self.assertEqual(self._allocated(gold_order), 8)
        self.assertEqual(self._allocated(bronze_order), 2)
        self.assertEqual(purchase.order_line.wholtra_qty_free, 0)
        gold_delivery = gold_order.picking_ids
        bronze_delivery = bronze_order.picking_ids
        self.assertEqual(gold_delivery.move_ids.quantity, 0, "nothing in stock yet")

        # Half the PO arrives: all of it is reserved for Gold's delivery.
        self._receive(purchase, 5)
        self.assertEqual(gold_delivery.move_ids.quantity, 5)
        self.assertEqual(bronze_delivery.move_ids.quantity, 0)
        # The Bronze delivery cannot grab the goods by checking availability.
        bronze_delivery.action_assign()
        self.assertEqual(bronze_delivery.move_ids.quantity, 0)
        self.assertNotEqual(bronze_delivery.state, "assigned")
        self.assertEqual(self._allocated(gold_order), 3, "3 still due from the PO")

        # Gold's delivery ships the 5 received: one invoice for 5 at Gold's price.
        gold_delivery.move_ids.picked = True
        gold_delivery.with_context(skip_backorder=True).button_validate()
        self.assertEqual(gold_delivery.state, "done")
        invoice = gold_delivery.wholtra_invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.partner_id.commercial_partner_id, self.gold)
        self.assertEqual(
            invoice.invoice_line_ids.mapped(
                lambda line: (line.quantity, line.price_unit)
            ),
            [(5.0, 16.0)],
        )
        self.assertEqual(invoice.amount_total, 80.0)
        self.assertEqual(invoice.wholtra_ar_status, "open")
        self.assertEqual(gold_order.order_line.qty_invoiced, 5.0)
        self.assertFalse(bronze_order.invoice_ids, "Bronze shipped nothing")
        gold_backorder = gold_order.picking_ids - gold_delivery
        self.assertEqual(gold_backorder.move_ids.product_uom_qty, 3.0)

        # The rest arrives: Gold's backorder is completed first, Bronze gets the rest.
        self._receive(purchase, 5)
        self.assertEqual(gold_backorder.move_ids.quantity, 3)
        self.assertEqual(bronze_delivery.move_ids.quantity, 2)
        self.assertFalse(self._allocated(gold_order))
        self.assertEqual(self.juice.qty_available, 5.0)
