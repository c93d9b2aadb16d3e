"""Benchmarks of wholtra_invoicing. Print times, query counts, memory; assert
outcomes, never timings.

- invoicing deliveries at validation (per dispatch) vs vanilla Odoo (validate,
  then sale's ``_create_invoices``) on identical orders;
  WHOLTRA_BENCH_INVOICING_N deliveries per arm (default 1000);
- periodic invoicing of WHOLTRA_BENCH_PERIODIC_N (10000) deliveries by the
  scheduled action (WHOLTRA_BENCH_PERIODIC_CUSTOMERS: 500 customers);
- AR aging and the past-due list at a year's volume (see its class)."""

import cProfile
import io
import os
import pstats
import resource
import time
from datetime import timedelta

import psutil
import pytest

from odoo import Command, fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

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


PERIODIC_N = int(os.environ.get("WHOLTRA_BENCH_PERIODIC_N", "10000"))
PERIODIC_CUSTOMERS = int(os.environ.get("WHOLTRA_BENCH_PERIODIC_CUSTOMERS", "500"))
PERIODIC_TEMPLATES = 20
PERIODIC_LINES = int(os.environ.get("WHOLTRA_BENCH_PERIODIC_LINES", "1"))
PERIODIC_PROFILE = os.environ.get("WHOLTRA_BENCH_PERIODIC_PROFILE") == "1"


def clone_rows(cr, table, map_table, source_sql, overrides, extra_select=""):
    """INSERT copies of rows of ``table``: ``map_table`` (temp, created here)
    gets (old_id, k, new_id, ...) from ``source_sql`` (a SELECT of old_id, k
    and ``extra_select`` columns); each copy keeps every column of its source
    but ``overrides`` ({column: SQL expression over ``src`` and ``m``})."""
    cr.execute(
        SQL(
            "CREATE TEMP TABLE %s AS SELECT s.*, nextval(%s) AS new_id FROM (%s) s",
            SQL.identifier(map_table),
            f"{table}_id_seq",
            SQL(source_sql),
        )
    )
    cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_name = %s AND table_schema = 'public'",
        [table],
    )
    columns = [row[0] for row in cr.fetchall() if row[0] != "id"]
    select = [
        SQL(overrides[col]) if col in overrides else SQL("src.%s", SQL.identifier(col))
        for col in columns
    ]
    cr.execute(
        SQL(
            "INSERT INTO %s (id, %s) SELECT m.new_id, %s FROM %s m"
            " JOIN %s src ON src.id = m.old_id",
            SQL.identifier(table),
            SQL(", ").join(SQL.identifier(col) for col in columns),
            SQL(", ").join(select),
            SQL.identifier(map_table),
            SQL.identifier(table),
        )
    )
    return cr.rowcount


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb():
    return psutil.Process().memory_info().rss / 1024 / 1024


@pytest.mark.benchmark
@tagged("post_install", "-at_install")
class TestBenchPeriodicInvoicing(TransactionCase):
    """Periodic invoicing of PERIODIC_N (10k) deliveries of last week for
    PERIODIC_CUSTOMERS (500) customers by the scheduled action's code: one
    invoice per customer and week. The deliveries are made by the ORM for
    PERIODIC_TEMPLATES orders (confirmed, validated, 'to invoice'), then copied
    with SQL (orders, order lines, pickings, moves; valid links and states, each
    copy its own customer). Prints time, queries, RSS; asserts the outcome."""

    def test_bench_periodic_invoicing_10k(self):
        env = self.env(context=dict(self.env.context, tracking_disable=True))
        company = env.company
        company.write(
            {
                "wholtra_invoice_mode": "periodic",
                "wholtra_invoice_period": "week",
                "wholtra_invoice_auto_post": True,
                "wholtra_invoice_send_email": False,
            }
        )
        stock = (
            env["stock.warehouse"]
            .search([("company_id", "=", company.id)], limit=1)
            .lot_stock_id
        )
        products = env["product.product"].create(
            [
                {
                    "name": f"Periodic snack {i}",
                    "is_storable": True,
                    "list_price": 2.0 + i,
                    "invoice_policy": "delivery",
                }
                for i in range(PERIODIC_LINES)
            ]
        )
        for product in products:
            env["stock.quant"]._update_available_quantity(product, stock, 100000)
        customers = env["res.partner"].create(
            [{"name": f"Periodic customer {i}"} for i in range(PERIODIC_CUSTOMERS)]
        )
        orders = env["sale.order"].create(
            [
                {
                    "partner_id": customers[i].id,
                    "order_line": [
                        Command.create({"product_id": p.id, "product_uom_qty": 3})
                        for p in products
                    ],
                }
                for i in range(PERIODIC_TEMPLATES)
            ]
        )
        orders.action_confirm()
        pickings = orders.picking_ids
        pickings.move_ids.picked = True
        pickings.button_validate()
        last_week = fields.Datetime.now() - timedelta(days=7)
        pickings.date_done = last_week
        env.flush_all()
        assert set(pickings.mapped("wholtra_invoice_state")) == {"to_invoice"}

        # copies: K per template, copy k of template t goes to customer (t + k*T) % P
        cr = env.cr
        start = time.perf_counter()
        k = PERIODIC_N // PERIODIC_TEMPLATES - 1
        cr.execute(
            "CREATE TEMP TABLE bench_customer AS SELECT row_number() OVER"
            " (ORDER BY id) - 1 AS n, id FROM res_partner WHERE id IN %s",
            [tuple(customers.ids)],
        )
        customer_of = (
            "(SELECT c.id FROM bench_customer c WHERE c.n ="
            f" mod(m.t + m.k * {PERIODIC_TEMPLATES}, {PERIODIC_CUSTOMERS}))"
        )
        clone_rows(
            cr,
            "sale_order",
            "bench_so",
            "SELECT o.id AS old_id, g AS k, row_number() OVER (ORDER BY o.id) - 1"
            f" AS t FROM sale_order o, generate_series(1, {k}) g"
            f" WHERE o.id IN ({','.join(map(str, orders.ids))})",
            {
                "name": "src.name || '-' || m.k",
                "partner_id": customer_of,
                "partner_invoice_id": customer_of,
                "partner_shipping_id": customer_of,
            },
        )
        clone_rows(
            cr,
            "sale_order_line",
            "bench_sol",
            "SELECT l.id AS old_id, m.k, m.new_id AS order_id, m.t FROM"
            " sale_order_line l JOIN bench_so m ON m.old_id = l.order_id",
            {"order_id": "m.order_id", "order_partner_id": customer_of},
        )
        clone_rows(
            cr,
            "stock_picking",
            "bench_pick",
            "SELECT p.id AS old_id, m.k, m.new_id AS sale_id, m.t FROM"
            " stock_picking p JOIN bench_so m ON m.old_id = p.sale_id",
            {
                "name": "src.name || '-' || m.k",
                "sale_id": "m.sale_id",
                "partner_id": customer_of,
            },
        )
        clone_rows(
            cr,
            "stock_move",
            "bench_move",
            "SELECT mv.id AS old_id, p.k, p.new_id AS picking_id, sol.new_id AS"
            " sale_line_id, p.t FROM stock_move mv"
            " JOIN bench_pick p ON p.old_id = mv.picking_id"
            " JOIN bench_sol sol ON sol.old_id = mv.sale_line_id AND sol.k = p.k",
            {
                "picking_id": "m.picking_id",
                "sale_line_id": "m.sale_line_id",
                "partner_id": customer_of,
            },
        )
        env.invalidate_all()
        generated = time.perf_counter() - start
        pending = env["stock.picking"].search_count(
            [("wholtra_invoice_state", "=", "to_invoice")]
        )
        assert pending >= PERIODIC_N, pending
        cr.execute("ANALYZE stock_picking, stock_move, sale_order, sale_order_line")

        rss_before, peak_before = rss_mb(), peak_rss_mb()
        queries = cr.sql_log_count
        start = time.perf_counter()
        profiler = cProfile.Profile() if PERIODIC_PROFILE else None
        if profiler:
            profiler.enable()
        env["stock.picking"]._cron_wholtra_invoice_pending(batch_size=200)
        env.flush_all()
        if profiler:
            profiler.disable()
            stream = io.StringIO()
            pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(
                40
            )
            print(stream.getvalue())
        elapsed = time.perf_counter() - start
        queries = cr.sql_log_count - queries
        rss_after, peak_after = rss_mb(), peak_rss_mb()

        invoices = env["account.move"].search(
            [("partner_id", "in", customers.ids), ("move_type", "=", "out_invoice")]
        )
        self.assertEqual(len(invoices), PERIODIC_CUSTOMERS)
        self.assertEqual(set(invoices.mapped("state")), {"posted"})
        self.assertFalse(
            env["stock.picking"].search_count(
                [("wholtra_invoice_state", "=", "to_invoice")]
            )
        )
        per_delivery = 3 * sum(products.mapped("list_price"))
        total = sum(invoices.mapped("amount_untaxed"))
        self.assertAlmostEqual(total, PERIODIC_N * per_delivery, 2)
        print(
            f"\n[bench periodic invoicing] {PERIODIC_N} deliveries x {PERIODIC_LINES} "
            f"lines, "
            f"{PERIODIC_CUSTOMERS} customers (data copied by SQL in {generated:.1f}s)\n"
            f"  scheduled action: {elapsed:.1f}s, {queries} queries "
            f"({queries / PERIODIC_N:.1f}/delivery), {len(invoices)} invoices posted, "
            f"{elapsed / PERIODIC_N * 1000:.1f} ms/delivery\n"
            f"  RSS {rss_before:.0f} -> {rss_after:.0f} MB, peak (process) "
            f"{peak_before:.0f} -> {peak_after:.0f} MB"
        )


AGING_INVOICES = int(os.environ.get("WHOLTRA_BENCH_AGING_INVOICES", "263000"))
AGING_CUSTOMERS = int(os.environ.get("WHOLTRA_BENCH_AGING_CUSTOMERS", "20000"))


@pytest.mark.benchmark
@tagged("post_install", "-at_install")
class TestBenchArAging(TransactionCase):
    """AR aging and the past-due list at a year's volume: AGING_INVOICES
    (263k) posted customer invoices over the last 365 days for AGING_CUSTOMERS
    (20k) customers, each with its receivable and income line, and the payment
    entry (receivable + bank line) of every paid invoice: about 1M journal
    items. Made by the ORM once (one invoice, one payment entry, one customer)
    and copied with SQL (valid links, posted, reconciled flags, residuals and
    statuses consistent). About 8 % of invoices are open: most of the last
    45 days (current or 1-15 days past due), 1 % older ones spread over every
    bucket. Measures what the web client asks when opening each report (the
    aging pivot's four read_group calls, its list's first page and count, the
    invoices list filtered on Past due) and prints EXPLAIN (ANALYZE) of the
    main queries."""

    def _time(self, label, func, results):
        cr = self.env.cr
        timings = []
        for _i in range(2):  # first call, then warm
            self.env.invalidate_all()
            queries = cr.sql_log_count
            start = time.perf_counter()
            func()
            timings.append(time.perf_counter() - start)
        results.append((label, timings[0], timings[1], cr.sql_log_count - queries))

    def _explain(self, sql):
        self.env.cr.execute(SQL("EXPLAIN (ANALYZE, BUFFERS) %s", sql))
        return "\n".join(f"    {row[0]}" for row in self.env.cr.fetchall())

    def test_bench_ar_aging_1m_items(self):
        env = self.env(context=dict(self.env.context, tracking_disable=True))
        cr = env.cr
        company = env.company
        today = fields.Date.context_today(env["account.move"])
        customer = env["res.partner"].create(
            {"name": "Aging customer", "is_company": True}
        )
        invoice = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "invoice_date": today,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Goods",
                            "quantity": 1,
                            "price_unit": 100.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        invoice.action_post()
        bank = env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
        )
        receivable = invoice.line_ids.filtered(
            lambda aml: aml.account_id.account_type == "asset_receivable"
        ).account_id
        payment = env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": bank.id,
                "date": today,
                "line_ids": [
                    Command.create(
                        {
                            "account_id": receivable.id,
                            "partner_id": customer.id,
                            "credit": 100.0,
                        }
                    ),
                    Command.create(
                        {
                            "account_id": bank.default_account_id.id,
                            "partner_id": customer.id,
                            "debit": 100.0,
                        }
                    ),
                ],
            }
        )
        payment.action_post()
        env.flush_all()
        grace = company.wholtra_past_due_grace_days

        start = time.perf_counter()
        clone_rows(
            cr,
            "res_partner",
            "bench_partner",
            f"SELECT {customer.id} AS old_id, g AS k"
            f" FROM generate_series(0, {AGING_CUSTOMERS - 1}) g",
            {
                "name": "'Aging customer ' || m.k",
                "complete_name": "'Aging customer ' || m.k",
                "commercial_partner_id": "m.new_id",
            },
        )
        # invoice k: customer k mod C, dated `age` days ago, due 30 days later;
        # open when recent (2 in 3 of the last 45 days) or 1 in 97 of the rest
        clone_rows(
            cr,
            "account_move",
            "bench_inv",
            "SELECT s.*, (s.open_flag) AS open, p.new_id AS partner,"
            f" '{today}'::date - s.age AS inv_date"
            f" FROM (SELECT {invoice.id} AS old_id, g AS k, mod(g * 7919, 365) AS age,"
            " (mod(g * 7919, 365) < 45 AND mod(g, 3) <> 0) OR mod(g, 97) = 0"
            f" AS open_flag FROM generate_series(1, {AGING_INVOICES}) g) s"
            f" JOIN bench_partner p ON p.k = mod(s.k, {AGING_CUSTOMERS})",
            {
                "name": "'BINV/' || m.k",
                "sequence_prefix": "'BINV/'",
                "sequence_number": "m.k",
                "partner_id": "m.partner",
                "commercial_partner_id": "m.partner",
                "date": "m.inv_date",
                "invoice_date": "m.inv_date",
                "invoice_date_due": "m.inv_date + 30",
                "payment_state": "CASE WHEN m.open THEN 'not_paid' ELSE 'paid' END",
                "amount_residual": "CASE WHEN m.open THEN src.amount_residual"
                " ELSE 0 END",
                "amount_residual_signed": "CASE WHEN m.open THEN"
                " src.amount_residual_signed ELSE 0 END",
                "wholtra_ar_status": "CASE WHEN NOT m.open THEN 'paid'"
                f" WHEN m.inv_date + 30 < '{today}'::date - {grace} THEN 'past_due'"
                " ELSE 'open' END",
            },
        )
        clone_rows(
            cr,
            "account_move_line",
            "bench_inv_line",
            "SELECT l.id AS old_id, m.k, m.new_id AS move, m.partner, m.inv_date,"
            " m.open, acc.account_type = 'asset_receivable' AS receivable"
            " FROM account_move_line l JOIN account_account acc"
            " ON acc.id = l.account_id JOIN bench_inv m ON m.old_id = l.move_id",
            {
                "move_id": "m.move",
                "move_name": "'BINV/' || m.k",
                "partner_id": "m.partner",
                "date": "m.inv_date",
                "invoice_date": "m.inv_date",
                "date_maturity": "CASE WHEN m.receivable THEN m.inv_date + 30"
                " ELSE src.date_maturity END",
                "reconciled": "m.receivable AND NOT m.open",
                "amount_residual": "CASE WHEN m.receivable AND m.open"
                " THEN src.amount_residual ELSE 0 END",
                "amount_residual_currency": "CASE WHEN m.receivable AND m.open"
                " THEN src.amount_residual_currency ELSE 0 END",
                "matching_number": "CASE WHEN m.receivable AND NOT m.open"
                " THEN 'B' || m.k END",
            },
        )
        # the payment entry of each paid invoice, 20 days after it (or today)
        clone_rows(
            cr,
            "account_move",
            "bench_pay",
            f"SELECT {payment.id} AS old_id, i.k, i.partner,"
            f" LEAST(i.inv_date + 20, '{today}'::date) AS pay_date"
            " FROM bench_inv i WHERE NOT i.open",
            {
                "name": "'BPAY/' || m.k",
                "sequence_prefix": "'BPAY/'",
                "sequence_number": "m.k",
                "partner_id": "m.partner",
                "commercial_partner_id": "m.partner",
                "date": "m.pay_date",
            },
        )
        clone_rows(
            cr,
            "account_move_line",
            "bench_pay_line",
            "SELECT l.id AS old_id, m.k, m.new_id AS move, m.partner, m.pay_date,"
            " acc.account_type = 'asset_receivable' AS receivable"
            " FROM account_move_line l JOIN account_account acc"
            " ON acc.id = l.account_id JOIN bench_pay m ON m.old_id = l.move_id",
            {
                "move_id": "m.move",
                "move_name": "'BPAY/' || m.k",
                "partner_id": "m.partner",
                "date": "m.pay_date",
                "date_maturity": "m.pay_date",
                "reconciled": "m.receivable",
                "amount_residual": "0",
                "amount_residual_currency": "0",
                "matching_number": "CASE WHEN m.receivable THEN 'B' || m.k END",
            },
        )
        cr.execute("ANALYZE res_partner, account_move, account_move_line")
        generated = time.perf_counter() - start
        cr.execute("SELECT count(*) FROM account_move_line")
        n_items = cr.fetchone()[0]
        cr.execute(
            "SELECT count(*), count(*) FILTER (WHERE wholtra_ar_status = 'past_due')"
            " FROM account_move WHERE move_type = 'out_invoice'"
            " AND payment_state = 'not_paid'"
        )
        n_open, n_past_due = cr.fetchone()
        env.invalidate_all()

        Aging = env["wholtra.ar.aging"]
        Move = env["account.move"]
        results = []
        self._time(
            "aging pivot (default rows): read_group salesperson x bucket",
            lambda: Aging.formatted_read_group(
                [], ["invoice_user_id", "bucket"], ["amount_residual:sum"]
            ),
            results,
        )
        self._time(
            "aging pivot: read_group partner x bucket",
            lambda: Aging.formatted_read_group(
                [], ["partner_id", "bucket"], ["amount_residual:sum"]
            ),
            results,
        )
        self._time(
            "aging pivot: read_group partner",
            lambda: Aging.formatted_read_group(
                [], ["partner_id"], ["amount_residual:sum"]
            ),
            results,
        )
        self._time(
            "aging pivot: read_group bucket",
            lambda: Aging.formatted_read_group([], ["bucket"], ["amount_residual:sum"]),
            results,
        )
        self._time(
            "aging pivot: total",
            lambda: Aging.formatted_read_group([], [], ["amount_residual:sum"]),
            results,
        )
        aging_fields = [
            "partner_id",
            "move_id",
            "invoice_user_id",
            "date_maturity",
            "days_overdue",
            "bucket",
            "disputed",
            "amount_current",
            "amount_1_30",
            "amount_31_60",
            "amount_61_90",
            "amount_90_plus",
            "amount_residual",
        ]
        self._time(
            "aging list: first page (80) + count",
            lambda: (
                Aging.search_read([], aging_fields, limit=80),
                Aging.search_count([]),
            ),
            results,
        )
        self._time(
            "aging list: overdue filter, first page + count",
            lambda: (
                Aging.search_read([("days_overdue", ">", 0)], aging_fields, limit=80),
                Aging.search_count([("days_overdue", ">", 0)]),
            ),
            results,
        )
        past_due = [
            ("move_type", "=", "out_invoice"),
            ("wholtra_ar_status", "=", "past_due"),
        ]
        move_fields = [
            "name",
            "partner_id",
            "invoice_date",
            "invoice_date_due",
            "amount_untaxed_signed",
            "amount_total_signed",
            "amount_residual_signed",
            "payment_state",
            "state",
            "wholtra_ar_status",
        ]
        self._time(
            "past-due invoices list: first page (80) + count",
            lambda: (
                Move.search_read(past_due, move_fields, limit=80),
                Move.search_count(past_due),
            ),
            results,
        )
        self._time(
            "customer past-due counts (partner form, 80 customers)",
            lambda: env["res.partner"]
            .search([("name", "like", "Aging customer %")], limit=80)
            .mapped("wholtra_overdue_invoice_count"),
            results,
        )
        out = [
            f"\n[bench AR aging] {n_items} journal items, {AGING_CUSTOMERS} customers,"
            f" {AGING_INVOICES} invoices ({n_open} open, {n_past_due} past due);"
            f" data copied by SQL in {generated:.0f}s",
            f"  {'call':<56}{'first s':>9}{'warm s':>9}{'queries':>9}",
        ]
        for label, first, warm, queries in results:
            out.append(f"  {label:<56}{first:>9.3f}{warm:>9.3f}{queries:>9}")
        aging_sql = SQL(
            "SELECT * FROM (%s) a ORDER BY days_overdue DESC, id LIMIT 80",
            Aging._table_query,
        )
        pivot_sql = SQL(
            "SELECT partner_id, bucket, sum(amount_residual) FROM (%s) a"
            " GROUP BY partner_id, bucket",
            Aging._table_query,
        )
        past_due_sql = Move._search(past_due, limit=80).select()
        out.append("  EXPLAIN (ANALYZE) aging list page:")
        out.append(self._explain(aging_sql))
        out.append("  EXPLAIN (ANALYZE) aging pivot partner x bucket:")
        out.append(self._explain(pivot_sql))
        out.append("  EXPLAIN (ANALYZE) past-due list page:")
        out.append(self._explain(past_due_sql))
        print("\n".join(out))
        for label, _first, warm, _queries in results:
            self.assertLess(warm, 60, label)  # sanity only: figures are printed
