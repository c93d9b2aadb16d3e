"""Benchmark: wholtra_payments at a year's volume.

Data (SQL, copied from one customer and one posted invoice made by the ORM, so every
row has valid keys and states): CUSTOMERS customers, each with INVOICES invoices of
two journal items (receivable + income): 20k customers x 25 invoices = 1M journal
items by default. Most invoices are paid (residual 0); each customer has one open
invoice not yet due, and the first OVERDUE customers one invoice overdue by 1..90
days (uniform). Collection levels: Odoo data of the addon (3, 15, 30 days overdue, the
last one puts the customer on hold).

1. The nightly collection run over the OVERDUE customers, steady state: every status
   was evaluated yesterday (its level the one yesterday's days called for), so today
   the customers crossing 3 / 15 / 30 days get their reminder (about 1 in 30) and
   every other status only moves one day on. Time, queries, peak RSS, reminders.
   Then the same day again (nothing to do) and a day where nobody crosses a level.
2. The collections list (the menu's action: customers in collection grouped by level;
   a group opened; the list without grouping; a customer's overdue invoices) as the
   web client reads it, timed, with EXPLAIN ANALYZE of the queries that matter.

Size: WHOLTRA_BENCH_PAY_CUSTOMERS (20000), WHOLTRA_BENCH_PAY_INVOICES (25 per
customer), WHOLTRA_BENCH_PAY_OVERDUE (10000); WHOLTRA_BENCH_PAY_PROFILE=1 prints a cProfile of the
run where nobody crosses a level. Asserts business outcomes, never time.
Everything runs in the test transaction (rolled back); the scheduled action's commits
are flushes here."""

import cProfile
import io
import os
import pstats
import threading
import time
from datetime import timedelta
from unittest.mock import patch

import psutil
import pytest

from odoo import Command, fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

CUSTOMERS = int(os.environ.get("WHOLTRA_BENCH_PAY_CUSTOMERS", "20000"))
INVOICES = int(os.environ.get("WHOLTRA_BENCH_PAY_INVOICES", "25"))
OVERDUE = int(os.environ.get("WHOLTRA_BENCH_PAY_OVERDUE", "10000"))
MAX_DAYS = 90
PROFILE = os.environ.get("WHOLTRA_BENCH_PAY_PROFILE") == "1"


class _PeakRSS:
    """Peak resident memory of this process while the block runs (sampled)."""

    def __enter__(self):
        self.proc = psutil.Process()
        self.start = self.peak = self.proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)

    def __str__(self):
        return (
            f"peak RSS {self.peak / 2**20:.0f} MB "
            f"(+{(self.peak - self.start) / 2**20:.0f} MB)"
        )


def _columns(cr, table, skip):
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s AND table_schema = current_schema() "
        "AND is_generated = 'NEVER' ORDER BY ordinal_position",
        (table,),
    )
    return [name for (name,) in cr.fetchall() if name not in skip]


def _copy_sql(cr, table, overrides, source, where):
    """INSERT INTO table SELECT ... FROM source: every column of the template row
    ``t`` copied, except ``overrides`` {column: SQL expression}."""
    cols = _columns(cr, table, {"id"})
    exprs = [overrides.get(c, f't."{c}"') for c in cols]
    names = ", ".join(f'"{c}"' for c in cols)
    return f"INSERT INTO {table} ({names}) SELECT {', '.join(exprs)} FROM {source} WHERE {where}"


@pytest.mark.benchmark
@tagged("post_install", "-at_install")
class TestBenchPayments(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.env["res.config.settings"].create(
            {
                "wholtra_collection_enabled": True,
                "wholtra_collection_lift_hold": True,
                "wholtra_statement_links_enabled": True,
                "wholtra_past_due_grace_days": 0,
            }
        ).execute()
        cls.today = fields.Date.context_today(cls.env["res.partner"])
        cls.levels = cls.env["wholtra.collection.level"].search(
            [("company_id", "=", cls.company.id)], order="days_overdue"
        )
        start = time.perf_counter()
        cls._generate()
        cls.generation_seconds = time.perf_counter() - start

    @classmethod
    def _generate(cls):
        cr = cls.env.cr
        template_partner = cls.env["res.partner"].create(
            {"name": "Bench template customer", "is_company": True}
        )
        template = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": template_partner.id,
                "invoice_date": cls.today,
                "invoice_date_due": cls.today,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Salted crisps 24x50g",
                            "quantity": 1,
                            "price_unit": 100.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        template.action_post()
        cls.env.flush_all()
        assert len(template.line_ids) == 2, template.line_ids
        # customers
        cr.execute(
            _copy_sql(
                cr,
                "res_partner",
                {
                    "name": "'Bench customer ' || g",
                    "complete_name": "'Bench customer ' || g",
                    "email": "'bench' || g || '@example.com'",
                    "ref": "'BC' || g",
                },
                "res_partner t, generate_series(0, %(n)s - 1) g",
                "t.id = %(tid)s",
            )
            + " RETURNING id",
            {"n": CUSTOMERS, "tid": template_partner.id},
        )
        cls.partner_ids = sorted(r[0] for r in cr.fetchall())
        cr.execute(
            "UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)",
            (cls.partner_ids,),
        )
        # invoices: customer i (0-based by id), invoice k in 1..INVOICES
        #  k < INVOICES - 1: paid, due 14 * (INVOICES - k) days ago
        #  k = INVOICES - 1: overdue by 1..MAX_DAYS days for the first OVERDUE
        #                    customers, else paid, due 7 days ago
        #  k = INVOICES: open, due in 10 days
        cr.execute(
            "CREATE TEMP TABLE bench_inv AS "
            "SELECT p.i, p.id AS partner_id, k, "
            "  (50 + (p.i * 13 + k * 7) %% 200)::numeric AS amount, "
            "  CASE WHEN k = %(K)s THEN %(today)s::date + 10 "
            "       WHEN k = %(K)s - 1 AND p.i < %(over)s "
            "         THEN %(today)s::date - (1 + p.i %% %(maxd)s) "
            "       WHEN k = %(K)s - 1 THEN %(today)s::date - 7 "
            "       ELSE %(today)s::date - 14 * (%(K)s - k) END AS due, "
            "  (k < %(K)s - 1 OR (k = %(K)s - 1 AND p.i >= %(over)s)) AS paid "
            "FROM (SELECT id, ((row_number() OVER (ORDER BY id)) - 1)::int AS i "
            "      FROM res_partner WHERE id = ANY(%(ids)s)) p, "
            "     generate_series(1, %(K)s) k",
            {
                "K": INVOICES,
                "today": cls.today,
                "over": OVERDUE,
                "maxd": MAX_DAYS,
                "ids": cls.partner_ids,
            },
        )
        amounts = (
            "amount_untaxed amount_total amount_untaxed_signed "
            "amount_untaxed_in_currency_signed amount_total_signed "
            "amount_total_in_currency_signed"
        ).split()
        overrides = {
            "name": "'BINV/' || b.i || '/' || b.k",
            "sequence_prefix": "'BINV/'",
            "sequence_number": f"b.i * {INVOICES} + b.k",
            "partner_id": "b.partner_id",
            "commercial_partner_id": "b.partner_id",
            "partner_shipping_id": "b.partner_id",
            "invoice_date": "b.due - 30",
            "date": "b.due - 30",
            "invoice_date_due": "b.due",
            "payment_state": "CASE WHEN b.paid THEN 'paid' ELSE 'not_paid' END",
            "amount_residual": "CASE WHEN b.paid THEN 0 ELSE b.amount END",
            "amount_residual_signed": "CASE WHEN b.paid THEN 0 ELSE b.amount END",
            "access_token": "NULL",
            "invoice_origin": "NULL",
            **{name: "b.amount" for name in amounts},
        }
        cr.execute(
            _copy_sql(
                cr,
                "account_move",
                overrides,
                "account_move t, bench_inv b",
                "t.id = %s",
            ),
            (template.id,),
        )
        cls.invoice_count = cr.rowcount
        cr.execute(
            "CREATE TEMP TABLE bench_move AS SELECT m.id, m.name, m.date, "
            "m.invoice_date, m.invoice_date_due, m.partner_id, m.amount_total, "
            "m.payment_state = 'paid' AS paid FROM account_move m "
            "WHERE m.name LIKE 'BINV/%%' AND m.journal_id = %s",
            (template.journal_id.id,),
        )
        sign = "sign(t.balance)"
        aml = {
            "move_id": "b.id",
            "move_name": "b.name",
            "partner_id": "b.partner_id",
            "date": "b.date",
            "invoice_date": "b.invoice_date",
            "date_maturity": "CASE WHEN t.date_maturity IS NULL THEN NULL "
            "ELSE b.invoice_date_due END",
            "balance": f"{sign} * b.amount_total",
            "amount_currency": f"{sign} * b.amount_total",
            "debit": f"greatest({sign} * b.amount_total, 0)",
            "credit": f"greatest(-{sign} * b.amount_total, 0)",
            "price_unit": "CASE WHEN t.display_type = 'product' THEN b.amount_total "
            "ELSE t.price_unit END",
            "price_subtotal": "CASE WHEN t.display_type = 'product' "
            "THEN b.amount_total ELSE t.price_subtotal END",
            "price_total": "CASE WHEN t.display_type = 'product' "
            "THEN b.amount_total ELSE t.price_total END",
            "amount_residual": "CASE WHEN t.display_type = 'payment_term' "
            "AND NOT b.paid THEN b.amount_total ELSE 0 END",
            "amount_residual_currency": "CASE WHEN t.display_type = 'payment_term' "
            "AND NOT b.paid THEN b.amount_total ELSE 0 END",
            "reconciled": "t.display_type = 'payment_term' AND b.paid",
            "matching_number": "NULL",
        }
        # The rows copy the template's keys (valid by construction): the foreign
        # key triggers (1M rows x ~25 keys, ten minutes on 2 shared cores) are
        # skipped for this statement when the role may (superuser).
        cr.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cr.fetchone()[0]
        if superuser:
            cr.execute("SET LOCAL session_replication_role = replica")
        cr.execute(
            _copy_sql(
                cr,
                "account_move_line",
                aml,
                "account_move_line t, bench_move b",
                "t.move_id = %s",
            ),
            (template.id,),
        )
        cls.aml_count = cr.rowcount
        if superuser:
            cr.execute("SET LOCAL session_replication_role = DEFAULT")
        # Yesterday's evaluation: every overdue customer at the level its days
        # called for yesterday.
        cases = " ".join(
            f"WHEN b.days - 1 >= {level.days_overdue} THEN {level.id}"
            for level in cls.levels.sorted("days_overdue", reverse=True)
        )
        cr.execute(
            "INSERT INTO wholtra_collection_status (partner_id, company_id, level_id, "
            " overdue_amount, oldest_due_date, days_overdue, evaluated_date, "
            " hold_set, create_uid, write_uid, create_date, write_date) "
            f"SELECT b.partner_id, %s, CASE {cases} END, b.amount, b.due, b.days - 1, "
            " %s::date - 1, false, 1, 1, now(), now() "
            "FROM (SELECT partner_id, amount, due, %s::date - due AS days "
            "      FROM bench_inv WHERE NOT paid AND due < %s) b",
            (cls.company.id, cls.today, cls.today, cls.today),
        )
        cr.execute(
            "UPDATE wholtra_collection_status s SET level_days = l.days_overdue "
            "FROM wholtra_collection_level l WHERE l.id = s.level_id"
        )
        # Customers at the hold level since yesterday are on hold (set by us).
        hold = cls.levels.filtered(lambda level: level.action == "email_hold")[:1]
        if hold:
            cr.execute(
                "UPDATE wholtra_collection_status SET hold_set = true, "
                "hold_reason = 'bench' WHERE level_id = %s",
                (hold.id,),
            )
        for table in (
            "res_partner",
            "account_move",
            "account_move_line",
            "wholtra_collection_status",
        ):
            cr.execute(f"ANALYZE {table}")
        cls.env.invalidate_all()
        cls.expected_reminders = sum(
            1
            for i in range(min(OVERDUE, CUSTOMERS))
            if (1 + i % MAX_DAYS) in set(cls.levels.mapped("days_overdue"))
        )

    # ------------------------------------------------------------------ helpers
    def _timed(self, func):
        self.env.flush_all()
        self.env.invalidate_all()
        queries = self.env.cr.sql_log_count
        with _PeakRSS() as rss:
            start = time.perf_counter()
            result = func()
            self.env.flush_all()
            elapsed = time.perf_counter() - start
        return result, elapsed, self.env.cr.sql_log_count - queries, rss

    def _reminder_count(self):
        self.env.flush_all()
        return self.env["mail.message"].search_count(
            [
                ("model", "=", "res.partner"),
                ("res_id", "in", self.partner_ids),
                ("message_type", "=", "comment"),
            ]
        )

    def _run_cron(self):
        Status = self.env["wholtra.collection.status"]
        with patch.object(self.env.cr, "commit", self.env.cr.flush):
            Status._cron_wholtra_collection()

    def _explain(self, sql):
        self.env.cr.execute(SQL("EXPLAIN (ANALYZE, BUFFERS OFF) %s", sql))
        lines = [row[0] for row in self.env.cr.fetchall()]
        return "\n".join("      " + line for line in lines)

    def _search_sql(self, model, domain, order=None, limit=None):
        Model = self.env[model]
        query = Model._search(domain, order=order, limit=limit)
        return query.select()

    # ------------------------------------------------------------------ the run
    def test_bench_payments(self):
        Status = self.env["wholtra.collection.status"]
        out = [
            f"\n[bench payments] {CUSTOMERS} customers, {self.invoice_count} invoices, "
            f"{self.aml_count} journal items, {OVERDUE} customers overdue "
            f"(generated by SQL in {self.generation_seconds:.1f} s)"
        ]
        self.assertEqual(self.aml_count, 2 * CUSTOMERS * INVOICES)
        before = self._reminder_count()

        # 1. the nightly collection run, steady state
        _res, secs, queries, rss = self._timed(self._run_cron)
        reminders = self._reminder_count() - before
        self.assertEqual(reminders, self.expected_reminders)
        statuses = Status.search([("partner_id", "in", self.partner_ids)])
        self.assertEqual(len(statuses), OVERDUE)
        self.assertEqual(set(statuses.mapped("evaluated_date")), {self.today})
        # every status at the level its days call for, with today's figures
        for status in statuses[:: max(1, len(statuses) // 500)]:
            days = (self.today - status.oldest_due_date).days
            self.assertEqual(status.days_overdue, days)
            self.assertEqual(
                status.level_id,
                Status._wholtra_target_level(self.levels, days),
            )
        # the customers who reached the hold level today were put on hold
        held_today = statuses.filtered(
            lambda st: st.hold_set and st.last_action_date == self.today
        )
        self.assertTrue(held_today or not OVERDUE >= 30)
        self.assertTrue(all(held_today.partner_id.mapped("wholtra_hold_manual")))
        out.append(
            f"  collection run (steady state): {secs:.1f} s, {queries} queries, "
            f"{reminders} reminders, {rss}"
        )
        # the same day again: nothing left to evaluate
        _res, secs2, queries2, rss2 = self._timed(self._run_cron)
        self.assertEqual(self._reminder_count() - before, reminders)
        out.append(f"  same day again: {secs2:.2f} s, {queries2} queries, {rss2}")
        # a day where nobody crosses a level: every status evaluated, one day on
        self.env.cr.execute(
            "UPDATE wholtra_collection_status SET evaluated_date = %s",
            (self.today - timedelta(days=1),),
        )
        self.env.cr.execute(
            "UPDATE wholtra_collection_status SET days_overdue = days_overdue - 1 "
            "WHERE partner_id = ANY(%s)",
            (self.partner_ids,),
        )
        self.env.invalidate_all()
        if PROFILE:
            profiler = cProfile.Profile()
            profiler.enable()
        _res, secs3, queries3, rss3 = self._timed(self._run_cron)
        if PROFILE:
            profiler.disable()
            stream = io.StringIO()
            pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(
                40
            )
            out.append(stream.getvalue())
        self.assertEqual(self._reminder_count() - before, reminders)
        out.append(
            f"  next day, no level crossed ({OVERDUE} statuses one day on): "
            f"{secs3:.1f} s, {queries3} queries, {rss3}"
        )

        # 2. the collections list, with the index of open receivables by customer
        # (declared by wholtra_orders, used by every query of ours on open
        # invoices), then without it (dropped in this transaction, rolled back)
        out.append("  --- with the open receivable index")
        out.append(self._bench_list(statuses))
        self.env.cr.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname LIKE %s",
            ("account_move_%wholtra_open_receivable_idx",),
        )
        names = [name for (name,) in self.env.cr.fetchall()]
        self.assertTrue(names, "the open receivable index is declared")
        for name in names:
            self.env.cr.execute(SQL("DROP INDEX %s", SQL.identifier(name)))
        out.append(f"  --- without them ({', '.join(names)} dropped)")
        out.append(self._bench_list(statuses))
        print("\n".join(out))

    def _bench_list(self, statuses):
        Status = self.env["wholtra.collection.status"]
        action = self.env.ref("wholtra_payments.wholtra_collection_status_action")
        view = self.env.ref("wholtra_payments.wholtra_collection_status_view_list")
        spec = {
            "partner_id": {"fields": {"display_name": {}}},
            "level_id": {"fields": {"display_name": {}}},
            "overdue_amount": {},
            "currency_id": {"fields": {}},
            "oldest_due_date": {},
            "days_overdue": {},
            "hold_set": {},
            "last_action": {},
            "last_action_date": {},
        }
        self.assertTrue(action.context and view)
        domain = [("level_id", "!=", False)]
        out = ["  collections list (median of 3, cold cache each time):"]

        def timed(label, func):
            runs = []
            for _ in range(3):
                _r, secs, queries, _rss = self._timed(func)
                runs.append((secs, queries))
            runs.sort()
            secs, queries = runs[1]
            out.append(f"    {label:<48}{secs * 1000:>8.0f} ms {queries:>4} queries")
            return _r

        groups = timed(
            "grouped by level (menu's default)",
            lambda: Status.web_read_group(domain, ["level_id"], ["overdue_amount:sum"]),
        )
        self.assertTrue(groups["groups"])
        biggest = max(groups["groups"], key=lambda g: g["__count"])
        level_domain = [*domain, ("level_id", "=", biggest["level_id"][0])]
        page = timed(
            "a level opened (80 rows)",
            lambda: Status.web_search_read(level_domain, spec, limit=80),
        )
        self.assertEqual(len(page["records"]), 80)
        page = timed(
            "ungrouped, all customers in collection (80 rows)",
            lambda: Status.web_search_read(domain, spec, limit=80, count_limit=10001),
        )
        self.assertEqual(page["length"], len(statuses.filtered("level_id")))
        status = statuses.filtered("level_id")[0]
        invoices_action = status.action_wholtra_open_invoices()
        moves = timed(
            "a customer's overdue invoices (Invoices button)",
            lambda: self.env["account.move"].web_search_read(
                invoices_action["domain"],
                {"name": {}, "invoice_date_due": {}, "amount_residual_signed": {}},
                limit=80,
            ),
        )
        self.assertEqual(moves["length"], 1)
        Move = self.env["account.move"]
        overdue_group = Move._read_group(
            Move._wholtra_overdue_domain(self.today, self.company),
            ["commercial_partner_id"],
            ["amount_residual_signed:sum"],
        )
        self.assertEqual(len(overdue_group), OVERDUE)
        timed(
            "collection run: overdue per customer (read_group)",
            lambda: Move._read_group(
                Move._wholtra_overdue_domain(self.today, self.company),
                ["commercial_partner_id"],
                ["amount_residual_signed:sum", "__count", "invoice_date_due:min"],
            ),
        )
        out.append("  EXPLAIN ANALYZE (list page, ungrouped):")
        out.append(
            self._explain(
                self._search_sql("wholtra.collection.status", domain, limit=80)
            )
        )
        out.append("  EXPLAIN ANALYZE (a customer's overdue invoices):")
        out.append(
            self._explain(
                self._search_sql("account.move", invoices_action["domain"], limit=80)
            )
        )
        out.append("  EXPLAIN ANALYZE (statement link / matching: open invoices):")
        link = self.env["wholtra.statement.link"].new(
            {"partner_id": status.partner_id.id, "company_id": self.company.id}
        )
        out.append(
            self._explain(
                self._search_sql(
                    "account.move",
                    link._wholtra_open_invoices_domain(),
                    order="invoice_date_due asc, invoice_date asc, id asc",
                )
            )
        )
        out.append("  EXPLAIN ANALYZE (collection run: overdue per customer):")
        query = Move._search(Move._wholtra_overdue_domain(self.today, self.company))
        out.append(
            self._explain(
                SQL(
                    "SELECT commercial_partner_id, sum(amount_residual_signed), "
                    "min(invoice_date_due) FROM %s WHERE %s "
                    "GROUP BY commercial_partner_id",
                    query.from_clause,
                    query.where_clause,
                )
            )
        )
        return "\n".join(out)
