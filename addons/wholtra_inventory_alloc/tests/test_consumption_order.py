from datetime import timedelta

from odoo import Command
from odoo.tests import tagged

from .common import AllocCommon


@tagged("post_install", "-at_install")
class TestOneConsumptionOrder(AllocCommon):
    """Receipts (stock move), reduced purchase lines and reduced or delivered
    order lines consume allocations through one method in one order: what a
    receipt of N serves is exactly what a purchase line reduced to N keeps, and
    an order line delivered down to N keeps what it would keep when reduced to
    N."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.silver = cls.env["res.partner"].create({"name": "Silver Superette"})
        cls.first_product = cls.product
        cls.second_product = cls.other_product

    def _scenario(self, product):
        """One purchase line of 10; gold (priority 30) 3, bronze (10, older
        order) 3, silver (10, newer order with a commitment date) 4."""
        po = self._create_po(10, product=product)
        orders = {
            "gold": self._create_so(self.gold, 3, product=product, days_ago=1),
            "bronze": self._create_so(self.bronze, 3, product=product, days_ago=4),
            "silver": self._create_so(
                self.silver,
                4,
                product=product,
                days_ago=2,
                commitment_date=self.now + timedelta(days=30),
            ),
        }
        allocs = {}
        for name, so in orders.items():
            allocs[name] = self._allocate(so, po, so.order_line.product_uom_qty)
        allocs["gold"].priority = 30
        allocs["bronze"].priority = 10
        allocs["silver"].priority = 10
        return po, orders, allocs

    def _qty_by_customer(self, allocs, states):
        return {
            name: sum(
                self._allocs(so=alloc.order_id, states=states)
                .filtered(lambda a, al=alloc: a.purchase_line_id == al.purchase_line_id)
                .mapped("quantity")
            )
            for name, alloc in allocs.items()
        }

    def test_receipt_serves_what_a_reduced_po_keeps(self):
        received_po, received_orders, received = self._scenario(self.first_product)
        reduced_po, reduced_orders, reduced = self._scenario(self.second_product)

        self._receive(received_po, 5)
        line = reduced_po.order_line
        line.write({"product_qty": 5, "date_planned": line.date_planned})
        self.env.invalidate_all()

        served = self._qty_by_customer(received, ("done",))
        kept = self._qty_by_customer(reduced, ("soft", "firm"))
        # gold first (priority), then silver (commitment date) before the older
        # bronze order (no commitment date): the same order on both paths
        self.assertEqual(served, {"gold": 3, "silver": 2, "bronze": 0})
        self.assertEqual(kept, served)
        # the receipt reserved exactly what it served
        self.assertEqual(
            {
                name: so.picking_ids.move_ids.quantity
                for name, so in received_orders.items()
            },
            served,
        )
        # and the engine plans demand in that same order
        engine = self.env["wholtra.allocation.engine"]
        lines = self.env["sale.order.line"].union(
            *(so.order_line for so in reduced_orders.values())
        )
        key = engine._demand_sort_key(
            {self.gold.id: 30, self.bronze.id: 10, self.silver.id: 10}
        )
        self.assertEqual(
            [line.order_id.partner_id for line in lines.sorted(key)],
            [self.gold, self.silver, self.bronze],
        )

    def test_release_is_the_reverse_of_serving(self):
        _po, _orders, allocs = self._scenario(self.first_product)
        all_allocs = self.env["wholtra.allocation"].union(*allocs.values())
        serving = all_allocs._wholtra_consumption_order()
        self.assertEqual(
            [a.partner_id for a in serving], [self.gold, self.silver, self.bronze]
        )
        self.assertEqual(
            all_allocs._wholtra_consumption_order(release=True), serving[::-1]
        )
        # a firm allocation is released after every soft one
        allocs["bronze"].state = "firm"
        self.assertEqual(
            [a.partner_id for a in all_allocs._wholtra_consumption_order(True)],
            [self.silver, self.gold, self.bronze],
        )

    def test_delivery_and_order_reduction_keep_the_same_allocations(self):
        """Order line side: delivered from stock (stock move path) down to 3 or
        reduced (sale line path) to 3 keeps the earliest ETA, releases the
        latest: the order the receipts serve in."""
        results = []
        for product, path in (
            (self.first_product, "delivered"),
            (self.second_product, "reduced"),
        ):
            early = self._create_po(5, days=3, product=product)
            late = self._create_po(10, days=20, product=product)
            so = self._create_so(self.gold, 10, product=product)
            for po in (late, early):
                self.env["wholtra.allocation"].create(
                    {
                        "sale_line_id": so.order_line.id,
                        "purchase_line_id": po.order_line.id,
                        "quantity": 5,
                    }
                )
            if path == "delivered":
                self.env["stock.quant"]._update_available_quantity(
                    product, self.stock_location, 7
                )
                picking = so.picking_ids
                picking.action_assign()
                picking.move_ids.write({"quantity": 7, "picked": True})
                res = picking.button_validate()
                self.env["stock.backorder.confirmation"].with_context(
                    res["context"]
                ).create({}).process()
            else:
                so.order_line.product_uom_qty = 3
            self.env.invalidate_all()
            results.append(
                (
                    sum(self._allocs(so=so, po=early).mapped("quantity")),
                    sum(self._allocs(so=so, po=late).mapped("quantity")),
                )
            )
        self.assertEqual(results[0], (3, 0))
        self.assertEqual(results[1], results[0])

    def test_split_receipt_over_two_orders_of_one_customer(self):
        """Two lines of one order on one purchase line: served line by line in
        the order's line order, with a received record split off."""
        po = self._create_po(6)
        so = self.env["sale.order"].create(
            {
                "partner_id": self.gold.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.product.id, "product_uom_qty": 4}
                    ),
                    Command.create(
                        {"product_id": self.product.id, "product_uom_qty": 2}
                    ),
                ],
            }
        )
        so.action_confirm()
        first, second = so.order_line
        for line in (second, first):
            self.env["wholtra.allocation"].create(
                {
                    "sale_line_id": line.id,
                    "purchase_line_id": po.order_line.id,
                    "quantity": line.product_uom_qty,
                }
            )
        self._receive(po, 5)
        done = self._allocs(po=po, states=("done",))
        self.assertEqual(
            sorted((a.sale_line_id.id, a.quantity) for a in done),
            sorted([(first.id, 4.0), (second.id, 1.0)]),
        )
        self.assertEqual(self._allocs(po=po).mapped("quantity"), [1.0])
