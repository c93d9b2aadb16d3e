"""Benchmark: invoicing deliveries at validation (wholtra_invoicing, per
dispatch) vs vanilla Odoo (validate, then sale's ``_create_invoices``) on
identical orders. Prints times, query counts and ratios; asserts no timing.

Size: WHOLTRA_BENCH_INVOICING_N deliveries per arm (default 1000)."""

import os
import time

import pytest

from odoo import Command
from odoo.tests import TransactionCase, tagged

N = int(os.environ.get("WHOLTRA_BENCH_INVOICING_N", "1000"))
LINES = 3
PARTNERS = 20


@pytest.mark.benchmark
@tagged("post_install", "-at_install")
class TestBenchInvoicing(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.company.wholtra_invoice_auto_post = False
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
                    "list_price": 2.0 + i,
                    "invoice_policy": "delivery",
                }
                for i in range(LINES)
            ]
        )
        for product in cls.products:
            cls.env["stock.quant"]._update_available_quantity(
                product, stock, 10 * N * LINES
            )
        cls.partners = cls.env["res.partner"].create(
            [{"name": f"Bench customer {i}"} for i in range(PARTNERS)]
        )

    def _orders(self):
        orders = self.env["sale.order"].create(
            [
                {
                    "partner_id": self.partners[i % PARTNERS].id,
                    "order_line": [
                        Command.create({"product_id": p.id, "product_uom_qty": 4})
                        for p in self.products
                    ],
                }
                for i in range(N)
            ]
        )
        orders.action_confirm()
        pickings = orders.picking_ids
        for move in pickings.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        self.env.flush_all()
        self.env.invalidate_all()
        return orders, pickings

    def _timed(self, func):
        queries = self.env.cr.sql_log_count
        start = time.perf_counter()
        func()
        self.env.flush_all()
        return time.perf_counter() - start, self.env.cr.sql_log_count - queries

    def test_bench_dispatch_invoicing_vs_vanilla(self):
        # vanilla: validate, then invoice the same deliveries with sale's own method
        self.company.wholtra_invoice_mode = "manual"
        orders_v, pickings_v = self._orders()
        t_val_v, q_val_v = self._timed(pickings_v.button_validate)
        t_inv_v, q_inv_v = self._timed(lambda: orders_v._create_invoices(grouped=True))
        assert len(orders_v.invoice_ids) == N

        # wholtra: validation creates one invoice per delivery
        self.company.wholtra_invoice_mode = "dispatch"
        orders_w, pickings_w = self._orders()
        t_w, q_w = self._timed(pickings_w.button_validate)
        assert len(orders_w.invoice_ids) == N
        assert (
            abs(
                sum(orders_w.invoice_ids.mapped("amount_untaxed"))
                - sum(orders_v.invoice_ids.mapped("amount_untaxed"))
            )
            < 0.01
        )

        t_inv_w = t_w - t_val_v
        q_inv_w = q_w - q_val_v
        print(
            f"\n[bench invoicing] {N} deliveries x {LINES} lines\n"
            f"  vanilla: validate {t_val_v:.2f}s ({q_val_v} q) + _create_invoices "
            f"{t_inv_v:.2f}s ({q_inv_v} q) = {t_val_v + t_inv_v:.2f}s\n"
            f"  wholtra: validate with dispatch invoicing {t_w:.2f}s ({q_w} q)\n"
            f"  ratio total (wholtra / vanilla validate+invoice): "
            f"{t_w / (t_val_v + t_inv_v):.2f}x time, {q_w / (q_val_v + q_inv_v):.2f}x queries\n"
            f"  ratio invoicing part (wholtra extra over validate / _create_invoices): "
            f"{t_inv_w / t_inv_v:.2f}x time, {q_inv_w / max(q_inv_v, 1):.2f}x queries"
        )
