"""Benchmark: confirming orders with every wholtra_orders check switched on (credit
limit, overdue hold, margin floor, MOV/MOQ, audited overrides) vs vanilla Odoo on
identical orders, and customer intelligence for many customers. Prints times, query
counts and ratios; asserts no timing.

Size: WHOLTRA_BENCH_ORDERS_N orders per arm (default 50) of 10 lines."""

import os
import time

import pytest

from odoo import Command
from odoo.tests import TransactionCase, tagged

N = int(os.environ.get("WHOLTRA_BENCH_ORDERS_N", "50"))
LINES = 10
PARTNERS = 500


@pytest.mark.benchmark
@tagged("post_install", "-at_install")
class TestBenchOrders(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.env.user.group_ids += cls.env.ref("product.group_product_pricelist")
        stock = (
            cls.env["stock.warehouse"]
            .search([("company_id", "=", cls.company.id)], limit=1)
            .lot_stock_id
        )
        cls.products = cls.env["product.product"].create(
            [
                {
                    "name": f"Bench snack {i}",
                    "type": "consu",
                    "is_storable": True,
                    "list_price": 20.0 + i,
                    "standard_price": 10.0,
                    "wholtra_order_multiple": 2,
                    "taxes_id": [Command.clear()],
                }
                for i in range(LINES)
            ]
        )
        for product in cls.products:
            cls.env["stock.quant"]._update_available_quantity(
                product, stock, 10 * N * LINES
            )
        pricelist = cls.env["product.pricelist"].create({"name": "Bench Gold"})
        tier = cls.env["wholtra.price.tier"].create(
            {
                "name": "Bench Gold",
                "pricelist_id": pricelist.id,
                "min_order_value": 100,
                "margin_floor": 10,
                "max_discount": 10,
            }
        )
        cls.partners = cls.env["res.partner"].create(
            [
                {
                    "name": f"Bench customer {i}",
                    "is_company": True,
                    "wholtra_tier_id": tier.id,
                }
                for i in range(PARTNERS)
            ]
        )
        cls.company.account_use_credit_limit = True
        for partner in cls.partners[:20]:
            partner.credit_limit = 1_000_000

    def _orders(self):
        return self.env["sale.order"].create(
            [
                {
                    "partner_id": self.partners[i % 20].id,
                    "order_line": [
                        Command.create({"product_id": p.id, "product_uom_qty": 4})
                        for p in self.products
                    ],
                }
                for i in range(N)
            ]
        )

    def _switch(self, on):
        self.company.write(
            {
                "wholtra_enforce_account_terms": on,
                "wholtra_hold_overdue_days": 30 if on else 0,
                "wholtra_margin_control": on,
                "wholtra_audit_price_overrides": on,
            }
        )

    def _measure(self, func):
        self.env.flush_all()
        self.env.invalidate_all()
        queries = self.env.cr.sql_log_count
        start = time.perf_counter()
        func()
        self.env.flush_all()
        return time.perf_counter() - start, self.env.cr.sql_log_count - queries

    def test_bench_confirm(self):
        results = {}
        for arm, on in (("vanilla", False), ("wholtra", True)):
            self._switch(on)
            orders = self._orders()
            results[arm] = self._measure(
                lambda orders=orders: [o.action_confirm() for o in orders]
            )
            self.assertEqual(set(orders.mapped("state")), {"sale"})
        (t_v, q_v), (t_w, q_w) = results["vanilla"], results["wholtra"]
        print(
            f"\n[bench orders] confirm {N} orders x {LINES} lines: "
            f"vanilla {t_v:.2f}s {q_v} queries ({q_v / N:.0f}/order), "
            f"wholtra {t_w:.2f}s {q_w} queries ({q_w / N:.0f}/order), "
            f"time ratio {t_w / t_v:.2f}, query ratio {q_w / q_v:.2f}"
        )

    def test_bench_intelligence(self):
        self._switch(True)
        orders = self._orders()
        for order in orders:
            order.action_confirm()
        fnames = [
            "wholtra_last_order_date",
            "wholtra_avg_order_value",
            "wholtra_order_frequency",
            "wholtra_open_order_count",
            "wholtra_open_backorder_count",
            "wholtra_unpaid_amount",
            "wholtra_overdue_amount",
            "wholtra_on_hold",
        ]
        t_base, q_base = self._measure(lambda: self.partners.read(["name", "email"]))
        t_int, q_int = self._measure(
            lambda: self.partners.read(["name", "email", *fnames])
        )
        print(
            f"\n[bench orders] read {PARTNERS} customers: plain fields {t_base:.3f}s "
            f"{q_base} queries, with intelligence {t_int:.3f}s {q_int} queries "
            f"(+{q_int - q_base} queries, time ratio {t_int / t_base:.1f})"
        )
