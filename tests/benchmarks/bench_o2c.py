"""Benchmark: the whole order-to-cash, every Wholtra behaviour switched on vs the same
work with the Wholtra settings off ("vanilla": Odoo's own flow, the addons installed),
in one run, alternating rounds on fresh orders.

Per round and arm, ORDERS orders of LINES lines (same products with stock, same
quantities, same Gold prices, no taxes, everything delivered):

- vanilla: create -> confirm -> deliver (validate all pickings) + invoice
  (``_create_invoices(grouped=True)`` + ``action_post``) -> pay (register payments);
- wholtra: Settings switched on as an administrator would (account terms with hold
  rule, tiers, margin floor, price audit, allocation on confirm, invoice per dispatch
  with auto-post, statement links, payment matching, collections): create -> confirm
  -> deliver (the validation creates and posts the invoices) -> pay.

Orders are created and confirmed one by one (a salesperson's form), deliveries
validated and invoices paid in one batch. Prints per phase the median time per arm,
the ratio, queries per order and the difference; asserts business outcomes, never time.

Size: WHOLTRA_BENCH_O2C_ORDERS (50), WHOLTRA_BENCH_O2C_LINES (10),
WHOLTRA_BENCH_O2C_ROUNDS (3 per arm). WHOLTRA_BENCH_O2C_TRACKING=0 disables mail
tracking (default: on, as in production). WHOLTRA_BENCH_O2C_PROFILE=1 adds one
unmeasured round per arm under cProfile and prints the top functions per phase."""

import cProfile
import io
import os
import pstats
import statistics
import time

import pytest
from wholtra_settings import SETTINGS

from odoo import Command, fields
from odoo.tests import TransactionCase, tagged

ORDERS = int(os.environ.get("WHOLTRA_BENCH_O2C_ORDERS", "50"))
LINES = int(os.environ.get("WHOLTRA_BENCH_O2C_LINES", "10"))
ROUNDS = int(os.environ.get("WHOLTRA_BENCH_O2C_ROUNDS", "3"))
TRACKING = os.environ.get("WHOLTRA_BENCH_O2C_TRACKING", "1") != "0"
PROFILE = os.environ.get("WHOLTRA_BENCH_O2C_PROFILE") == "1"
PARTNERS = 20
QTY = 4
PHASES = ("create", "confirm", "deliver+invoice", "pay")
ARMS = ("vanilla", "wholtra")


@pytest.mark.benchmark
@tagged("post_install", "-at_install")
class TestBenchOrderToCash(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        context = dict(cls.env.context)
        if not TRACKING:
            context.update(tracking_disable=True, mail_notrack=True)
        # the flow is run by the administrator (not the superuser: access rules
        # and record rules are checked as for any user)
        cls.env = cls.env(user=cls.env.ref("base.user_admin"), context=context)
        cls.company = cls.env.company
        # Odoo features both arms use (the tiers need them)
        cls.env["res.config.settings"].create(
            {
                "group_product_pricelist": True,
                "group_discount_per_so_line": True,
                "account_use_credit_limit": True,
            }
        ).execute()
        cls.env.invalidate_all()
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
                    "invoice_policy": "delivery",
                    "list_price": 20.0 + i,
                    "standard_price": 10.0,
                    "wholtra_order_multiple": 2,
                    "taxes_id": [Command.clear()],
                }
                for i in range(LINES)
            ]
        )
        rounds = ROUNDS + (1 if PROFILE else 0)
        for product in cls.products:
            cls.env["stock.quant"].sudo()._update_available_quantity(
                product, stock, 2 * ORDERS * QTY * rounds * len(ARMS)
            )
        # Gold trade prices: 2.00 under list price
        cls.gold_prices = {p: 18.0 + i for i, p in enumerate(cls.products)}
        cls.gold_pricelist = cls.env["product.pricelist"].create(
            {
                "name": "Bench Gold trade prices",
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "1_product",
                            "product_tmpl_id": p.product_tmpl_id.id,
                            "compute_price": "fixed",
                            "fixed_price": price,
                        }
                    )
                    for p, price in cls.gold_prices.items()
                ],
            }
        )
        cls.tier = cls.env["wholtra.price.tier"].create(
            {
                "name": "Bench Gold",
                "pricelist_id": cls.gold_pricelist.id,
                "min_order_value": 100,
                "margin_floor": 10,
                "max_discount": 10,
                "allocation_priority": 30,
            }
        )
        Partner = cls.env["res.partner"]
        # vanilla customers: the Gold pricelist set on the customer (Odoo's way);
        # wholtra customers: the Gold tier (which gives them the same pricelist)
        cls.customers = {
            "vanilla": Partner.create(
                [
                    {
                        "name": f"Bench vanilla customer {i}",
                        "is_company": True,
                        "credit_limit": 1_000_000,
                        "property_product_pricelist": cls.gold_pricelist.id,
                    }
                    for i in range(PARTNERS)
                ]
            ),
            "wholtra": Partner.create(
                [
                    {
                        "name": f"Bench wholtra customer {i}",
                        "is_company": True,
                        "credit_limit": 1_000_000,
                    }
                    for i in range(PARTNERS)
                ]
            ),
        }
        cls.customers["wholtra"].write({"wholtra_tier_id": cls.tier.id})
        # inbound supply for the allocation engine: a confirmed purchase
        vendor = Partner.create({"name": "Bench vendor"})
        cls.env["purchase.order"].create(
            {
                "partner_id": vendor.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": p.id,
                            "product_qty": ORDERS * QTY,
                            "price_unit": 10.0,
                        }
                    )
                    for p in cls.products
                ],
            }
        ).button_confirm()
        cls.env.flush_all()

    # ------------------------------------------------------------------ helpers
    def _switch(self, arm):
        """Settings > Save, as an administrator."""
        self.env["res.config.settings"].create(dict(SETTINGS[arm])).execute()
        self.env.flush_all()
        self.env.invalidate_all()
        self.company.invalidate_recordset()
        for fname, value in SETTINGS[arm].items():
            self.assertEqual(self.company[fname], value, fname)

    def _measure(self, func, profiler=None):
        self.env.flush_all()
        self.env.invalidate_all()
        queries = self.env.cr.sql_log_count
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        result = func()
        self.env.flush_all()
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - start
        return result, elapsed, self.env.cr.sql_log_count - queries

    def _create(self, arm):
        customers = self.customers[arm]
        SaleOrder = self.env["sale.order"]
        orders = SaleOrder
        for i in range(ORDERS):
            orders |= SaleOrder.create(
                {
                    "partner_id": customers[i % PARTNERS].id,
                    "order_line": [
                        Command.create({"product_id": p.id, "product_uom_qty": QTY})
                        for p in self.products
                    ],
                }
            )
        return orders

    def _confirm(self, orders):
        for order in orders:
            order.action_confirm()

    def _deliver(self, arm, orders):
        pickings = orders.picking_ids
        pickings.move_ids.picked = True
        res = pickings.button_validate()
        self.assertIs(res, True, "validated without wizard")
        if arm == "vanilla":
            invoices = orders._create_invoices(grouped=True)
            invoices.action_post()

    def _pay(self, orders):
        invoices = orders.invoice_ids
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoices.ids
        ).create(
            {"payment_date": fields.Date.context_today(invoices)}
        )._create_payments()

    # ------------------------------------------------------------------ outcomes
    def _check_created(self, orders):
        self.assertEqual(len(orders), ORDERS)
        self.assertEqual(set(orders.mapped("pricelist_id")), {self.gold_pricelist})
        expected = ORDERS * QTY * sum(self.gold_prices.values())
        self.assertAlmostEqual(sum(orders.mapped("amount_untaxed")), expected, 2)
        self.assertEqual(orders.mapped("amount_tax"), [0.0] * ORDERS)

    def _check_confirmed(self, orders):
        self.assertEqual(set(orders.mapped("state")), {"sale"})
        self.assertEqual(len(orders.picking_ids), ORDERS)

    def _check_delivered(self, arm, orders):
        pickings = orders.picking_ids
        self.assertEqual(set(pickings.mapped("state")), {"done"})
        for line in orders.order_line:
            self.assertEqual(line.qty_delivered, QTY)
            self.assertEqual(line.qty_invoiced, QTY)
        for order in orders:
            invoices = order.invoice_ids
            self.assertEqual(len(invoices), 1, order.name)
            self.assertEqual(invoices.state, "posted")
            self.assertEqual(invoices.move_type, "out_invoice")
            billed = sum(
                line.qty_delivered * line.price_unit for line in order.order_line
            )
            self.assertAlmostEqual(invoices.amount_total, billed, 2)
            self.assertAlmostEqual(invoices.amount_untaxed, order.amount_untaxed, 2)
            self.assertEqual(order.invoice_status, "invoiced")
        if arm == "wholtra":
            # the invoices were made and posted by the validation, per dispatch
            self.assertEqual(
                set(pickings.mapped("wholtra_invoice_state")), {"invoiced"}
            )
            self.assertEqual(pickings.wholtra_invoice_ids, orders.invoice_ids)
            self.assertEqual(
                set(orders.invoice_ids.mapped("wholtra_ar_status")), {"open"}
            )

    def _check_paid(self, arm, orders):
        invoices = orders.invoice_ids
        self.assertEqual(set(invoices.mapped("payment_state")), {"paid"})
        self.assertEqual(invoices.mapped("amount_residual"), [0.0] * len(invoices))
        if arm == "wholtra":
            self.assertEqual(set(invoices.mapped("wholtra_ar_status")), {"paid"})

    # ------------------------------------------------------------------ the run
    def _round(self, arm, profilers=None):
        """One round of the flow for ``arm``: {phase: (seconds, queries)}."""
        profilers = profilers or {}
        self._switch(arm)
        figures = {}

        def measure(phase, func):
            result, seconds, queries = self._measure(func, profilers.get(phase))
            figures[phase] = (seconds, queries)
            return result

        orders = measure("create", lambda: self._create(arm))
        self._check_created(orders)
        measure("confirm", lambda: self._confirm(orders))
        self._check_confirmed(orders)
        measure("deliver+invoice", lambda: self._deliver(arm, orders))
        self.env.invalidate_all()
        self._check_delivered(arm, orders)
        measure("pay", lambda: self._pay(orders))
        self.env.invalidate_all()
        self._check_paid(arm, orders)
        return figures

    def test_bench_order_to_cash(self):
        runs = {arm: [] for arm in ARMS}
        for _round in range(ROUNDS):
            for arm in ARMS:
                runs[arm].append(self._round(arm))

        def median_time(arm, phase):
            if phase == "total":
                return statistics.median(
                    sum(fig[p][0] for p in PHASES) for fig in runs[arm]
                )
            return statistics.median(fig[phase][0] for fig in runs[arm])

        def per_order(arm, phase):
            if phase == "total":
                counts = [sum(fig[p][1] for p in PHASES) for fig in runs[arm]]
            else:
                counts = [fig[phase][1] for fig in runs[arm]]
            return statistics.median(counts) / ORDERS

        out = [
            f"\n[bench o2c] {ORDERS} orders x {LINES} lines, {ROUNDS} alternating "
            f"rounds per arm (median), tracking {'on' if TRACKING else 'off'}",
            f"  {'phase':<16}{'vanilla s':>10}{'wholtra s':>10}{'ratio':>8}"
            f"{'q/order V':>11}{'q/order W':>11}{'diff q':>9}",
        ]
        for phase in (*PHASES, "total"):
            t_v, t_w = median_time("vanilla", phase), median_time("wholtra", phase)
            q_v, q_w = per_order("vanilla", phase), per_order("wholtra", phase)
            out.append(
                f"  {phase:<16}{t_v:>10.2f}{t_w:>10.2f}{t_w / t_v:>7.2f}x"
                f"{q_v:>11.1f}{q_w:>11.1f}{(q_w - q_v) / q_v * 100:>+8.1f}%"
            )
        out.append("  rounds (s / queries):")
        for arm in ARMS:
            for i, fig in enumerate(runs[arm], 1):
                out.append(
                    f"    {arm:<8}#{i} "
                    + ", ".join(f"{p} {fig[p][0]:.2f}/{fig[p][1]}" for p in PHASES)
                )
        print("\n".join(out))

        if PROFILE:
            for arm in ARMS:
                profilers = {phase: cProfile.Profile() for phase in PHASES}
                self._round(arm, profilers)
                for phase, profiler in profilers.items():
                    stream = io.StringIO()
                    stats = pstats.Stats(profiler, stream=stream)
                    stats.sort_stats("cumulative").print_stats(30)
                    stats.sort_stats("tottime").print_stats(15)
                    print(f"\n[bench o2c] profile {arm} {phase}\n{stream.getvalue()}")
