"""Benchmark: the allocation engine (wholtra_inventory_alloc) planning open demand
against inbound purchase lines, at 1k and 10k demand lines x 1k PO lines.

Reference (vanilla Odoo on the same lines): sale_stock's availability forecast
(``sale.order.line._compute_qty_at_date``, the order-line stock widget), the closest
thing vanilla computes over the same demand. Prints queries per 1000 lines, time per
line and ratios; asserts no timing.

Data is created with batched ORM creates; orders and POs are put in their confirmed
state by a direct write (no pickings/procurements needed by the engine)."""

import time

import pytest

from odoo import Command, fields
from odoo.tests import TransactionCase, tagged

PRODUCTS = 100
PO_LINES = 1000
LINES_PER_ORDER = 50


@pytest.mark.benchmark
@tagged("post_install", "-at_install")
class TestBenchAlloc(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.company.wholtra_allocation_enabled = True
        cls.products = cls.env["product.product"].create(
            [
                {"name": f"Bench drink {i}", "type": "consu", "is_storable": True}
                for i in range(PRODUCTS)
            ]
        )
        vendors = cls.env["res.partner"].create(
            [{"name": f"Bench vendor {i}"} for i in range(10)]
        )
        cls.customers = cls.env["res.partner"].create(
            [{"name": f"Bench customer {i}"} for i in range(50)]
        )
        now = fields.Datetime.now()
        per_po = PO_LINES // 10
        pos = cls.env["purchase.order"].create(
            [
                {
                    "partner_id": vendors[v].id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": cls.products[
                                    (v * per_po + i) % PRODUCTS
                                ].id,
                                "product_qty": 40,
                                "price_unit": 1.0,
                                "date_planned": fields.Datetime.add(
                                    now, days=1 + (v * per_po + i) % 30
                                ),
                            }
                        )
                        for i in range(per_po)
                    ],
                }
                for v in range(10)
            ]
        )
        pos.write({"state": "purchase"})
        cls.env.flush_all()

    def _demand(self, n):
        orders = self.env["sale.order"].create(
            [
                {
                    "partner_id": self.customers[o % len(self.customers)].id,
                    "date_order": fields.Datetime.subtract(
                        fields.Datetime.now(), minutes=o
                    ),
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.products[
                                    (o * LINES_PER_ORDER + i) % PRODUCTS
                                ].id,
                                "product_uom_qty": 1 + (o + i) % 7,
                                "price_unit": 1.0,
                            }
                        )
                        for i in range(LINES_PER_ORDER)
                    ],
                }
                for o in range(n // LINES_PER_ORDER)
            ]
        )
        orders.write({"state": "sale"})
        self.env.flush_all()
        self.env.invalidate_all()
        return orders

    def _timed(self, func):
        self.env.flush_all()
        self.env.invalidate_all()
        queries = self.env.cr.sql_log_count
        start = time.perf_counter()
        func()
        self.env.flush_all()
        return time.perf_counter() - start, self.env.cr.sql_log_count - queries

    def _bench(self, n):
        orders = self._demand(n)
        # plain browse: a x2many result loses its prefetch set on invalidation
        lines = self.env["sale.order.line"].browse(orders.order_line.ids)
        engine = self.env["wholtra.allocation.engine"]
        t_run, q_run = self._timed(lambda: engine._run(self.company))
        allocs = self.env["wholtra.allocation"].search_count([("state", "=", "soft")])
        t_rerun, q_rerun = self._timed(lambda: engine._run(self.company))
        t_status, q_status = self._timed(lambda: lines.mapped("wholtra_alloc_status"))
        t_vanilla, q_vanilla = self._timed(lambda: lines.mapped("qty_available_today"))
        print(
            f"\n[bench alloc] {n} demand lines x {PO_LINES} PO lines: "
            f"{allocs} allocations\n"
            f"  engine first run : {t_run:.2f}s, {q_run} queries "
            f"({q_run * 1000 / n:.1f} q/1000 lines, {t_run * 1000 / n:.2f} ms/line)\n"
            f"  engine rerun     : {t_rerun:.2f}s, {q_rerun} queries (writes nothing)\n"
            f"  line status      : {t_status:.2f}s, {q_status} queries "
            f"({q_status * 1000 / n:.1f} q/1000 lines)\n"
            f"  vanilla forecast : {t_vanilla:.2f}s, {q_vanilla} queries "
            f"(engine/vanilla time ratio {t_run / max(t_vanilla, 1e-6):.2f})"
        )
        return t_run / n

    def test_engine_1k_and_10k(self):
        per_line_1k = self._bench(1000)
        self.env["wholtra.allocation"].search([]).unlink()
        self.env["sale.order"].search([("state", "=", "sale")]).write(
            {"state": "cancel"}
        )
        per_line_10k = self._bench(10000)
        print(
            f"[bench alloc] time per line 10k / 1k = {per_line_10k / per_line_1k:.2f} "
            "(target <= 1.5)"
        )
