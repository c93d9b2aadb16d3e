"""Benchmark: confirming orders with every wholtra_orders check switched on (credit
limit, overdue hold, margin floor, MOV/MOQ, audited overrides) vs vanilla Odoo on
identical orders, and customer intelligence for many customers. Prints times, query
counts and ratios; asserts no timing.

Size: WHOLTRA_BENCH_ORDERS_N orders per arm (default 50) of 10 lines.

Customer intelligence at a year's volume (TestBenchIntelligenceVolume): data generated
in SQL, WHOLTRA_BENCH_INTEL_CUSTOMERS (20000) customers, WHOLTRA_BENCH_INTEL_LINES
(200000) order lines; prints timings, query counts, EXPLAIN (ANALYZE) per query and
peak RSS."""

import os
import time
from unittest.mock import patch

import psutil
import pytest

from odoo import Command
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

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


# --------------------------------------------------------------------------
# Customer intelligence at a year's volume (issue 13 item 5)
# --------------------------------------------------------------------------
VOL_CUSTOMERS = int(os.environ.get("WHOLTRA_BENCH_INTEL_CUSTOMERS", "20000"))
VOL_LINES = int(os.environ.get("WHOLTRA_BENCH_INTEL_LINES", "200000"))
VOL_LINES_PER_ORDER = 4
# what the customer form's intelligence panel and hold banner read
PANEL_FIELDS = [
    "wholtra_hold_status",
    "wholtra_on_hold",
    "wholtra_last_order_date",
    "wholtra_order_count_12m",
    "wholtra_avg_order_value",
    "wholtra_order_frequency",
    "wholtra_open_order_count",
    "wholtra_open_backorder_count",
    "wholtra_backorder_eta",
    "wholtra_unpaid_amount",
    "wholtra_overdue_amount",
]
# the optional columns of the customer list
LIST_SPEC = {
    "display_name": {},
    "wholtra_last_order_date": {},
    "wholtra_avg_order_value": {},
    "wholtra_overdue_amount": {},
}


@pytest.mark.benchmark
@tagged("post_install", "-at_install")
class TestBenchIntelligenceVolume(TransactionCase):
    """A year of a distributor's orders generated in SQL (valid foreign keys and
    states): VOL_CUSTOMERS customers (a few big accounts, a long tail), VOL_LINES
    order lines over 15 months (confirmed, some cancelled or draft; most delivered,
    some partly with an open backorder), one posted invoice per confirmed order (most
    paid, some open, some overdue). Times the customer form's intelligence panel
    (biggest and a median customer) and the customer list with the intelligence
    columns, cold ORM cache, and prints EXPLAIN (ANALYZE) of each of their queries.
    Rolled back at the end."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company = env.company
        company = cls.company
        cr = env.cr
        start = time.perf_counter()
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", company.id)], limit=1
        )
        out_type = warehouse.out_type_id
        customer_location = env.ref("stock.stock_location_customers")
        journal = env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
        )
        products = env["product.product"].create(
            [
                {
                    "name": f"Volume snack {i}",
                    "type": "consu",
                    "is_storable": True,
                    "list_price": 10.0 + i,
                    "standard_price": 6.0,
                }
                for i in range(50)
            ]
        )
        defaults = env["res.partner"].default_get(
            ["autopost_bills", "group_rfq", "group_on"]
        )
        env.flush_all()
        currency = company.currency_id.id
        uid = env.uid
        # customers
        cr.execute(
            """
            INSERT INTO res_partner (name, complete_name, is_company, active, type,
                customer_rank, autopost_bills, group_rfq, group_on, lang,
                create_uid, write_uid, create_date, write_date)
            SELECT 'Volume customer ' || g, 'Volume customer ' || g, true, true,
                'contact', 1, %s, %s, %s, 'en_US', %s, %s, now(), now()
              FROM generate_series(1, %s) g
            RETURNING id
            """,
            (
                defaults.get("autopost_bills") or "ask",
                defaults.get("group_rfq") or "default",
                defaults.get("group_on") or "default",
                uid,
                uid,
                VOL_CUSTOMERS,
            ),
        )
        cls.customer_ids = [row[0] for row in cr.fetchall()]
        cr.execute(
            "UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)",
            (cls.customer_ids,),
        )
        first = min(cls.customer_ids)
        orders = VOL_LINES // VOL_LINES_PER_ORDER
        # orders: skewed over customers (random()^3: a few big accounts), 15
        # months back; 92 % confirmed, 5 % cancelled, 3 % draft
        cr.execute(
            """
            INSERT INTO sale_order (name, partner_id, partner_invoice_id,
                partner_shipping_id, company_id, currency_id, currency_rate,
                date_order, state, picking_policy, warehouse_id, user_id,
                invoice_status, delivery_status, amount_untaxed, amount_tax,
                amount_total, create_uid, write_uid, create_date, write_date)
            SELECT 'VOL/' || g, p, p, p, %(company)s, %(currency)s, 1.0, d,
                s, 'direct', %(warehouse)s, %(uid)s,
                CASE WHEN s = 'sale' THEN 'invoiced' ELSE 'no' END,
                CASE WHEN s <> 'sale' THEN NULL
                     WHEN r < 0.85 OR d < now() - interval '60 days' THEN 'full'
                     WHEN r < 0.95 THEN 'pending' ELSE 'partial' END,
                0, 0, 0, %(uid)s, %(uid)s, d, d
              FROM (
                SELECT g, %(first)s + floor(%(n)s * power(random(), 3))::int AS p,
                       now() - random() * interval '450 days' AS d,
                       CASE WHEN random() < 0.92 THEN 'sale'
                            WHEN random() < 0.6 THEN 'cancel' ELSE 'draft' END AS s,
                       random() AS r
                  FROM generate_series(1, %(orders)s) g
              ) src
            """,
            {
                "company": company.id,
                "currency": currency,
                "warehouse": warehouse.id,
                "uid": uid,
                "first": first,
                "n": VOL_CUSTOMERS,
                "orders": orders,
            },
        )
        cr.execute(
            """
            INSERT INTO sale_order_line (order_id, name, sequence, product_id,
                product_uom_id, product_uom_qty, price_unit, technical_price_unit,
                discount, price_subtotal, price_tax, price_total,
                price_reduce_taxexcl, customer_lead, company_id, currency_id,
                order_partner_id, salesman_id, state, qty_delivered, qty_invoiced,
                untaxed_amount_to_invoice, invoice_status, create_uid, write_uid,
                create_date, write_date)
            SELECT o.id, pp.name, 10 * k, pp.id, %(uom)s, q, pp.price, pp.price, 0,
                q * pp.price, 0, q * pp.price, pp.price, 0, o.company_id,
                o.currency_id, o.partner_id, o.user_id, o.state,
                CASE WHEN o.delivery_status = 'full' THEN q ELSE 0 END,
                CASE WHEN o.delivery_status = 'full' THEN q ELSE 0 END,
                0, 'no', o.create_uid, o.create_uid, o.create_date, o.create_date
              FROM sale_order o
              CROSS JOIN generate_series(1, %(per_order)s) k
              CROSS JOIN LATERAL (SELECT 1 + floor(random() * 24)::int AS q) qq
              JOIN (SELECT row_number() OVER (ORDER BY id) - 1 AS rn, id,
                           'Volume snack ' || id AS name, 10.0 + id %% 7 AS price
                      FROM product_product WHERE id = ANY(%(products)s)) pp
                ON pp.rn = (o.id * 7 + k) %% %(nproducts)s
             WHERE o.name LIKE 'VOL/%%'
            """,
            {
                "uom": products[0].uom_id.id,
                "per_order": VOL_LINES_PER_ORDER,
                "products": products.ids,
                "nproducts": len(products),
            },
        )
        cr.execute(
            """
            UPDATE sale_order o
               SET amount_untaxed = l.total, amount_total = l.total
              FROM (SELECT order_id, sum(price_subtotal) AS total
                      FROM sale_order_line GROUP BY order_id) l
             WHERE l.order_id = o.id AND o.name LIKE 'VOL/%%'
            """
        )
        # partly delivered orders: the done delivery and its open backorder
        cr.execute(
            """
            WITH parents AS (
                INSERT INTO stock_picking (name, origin, partner_id, picking_type_id,
                    location_id, location_dest_id, company_id, state, move_type,
                    scheduled_date, date_done, create_uid, write_uid, create_date,
                    write_date)
                SELECT 'VOL/OUT/' || o.id, o.name, o.partner_id, %(type)s, %(src)s,
                    %(dest)s, o.company_id, 'done', 'direct', o.date_order,
                    o.date_order, o.create_uid, o.create_uid, o.date_order,
                    o.date_order
                  FROM sale_order o
                 WHERE o.name LIKE 'VOL/%%' AND o.delivery_status = 'partial'
                RETURNING id, name, origin, partner_id, company_id, scheduled_date
            )
            INSERT INTO stock_picking (name, origin, partner_id, picking_type_id,
                location_id, location_dest_id, company_id, state, move_type,
                scheduled_date, backorder_id, create_uid, write_uid, create_date,
                write_date)
            SELECT name || '/BO', origin, partner_id, %(type)s, %(src)s, %(dest)s,
                company_id, 'assigned', 'direct',
                scheduled_date + interval '7 days', id, %(uid)s, %(uid)s, now(),
                now()
              FROM parents
            """,
            {
                "type": out_type.id,
                "src": warehouse.lot_stock_id.id,
                "dest": customer_location.id,
                "uid": uid,
            },
        )
        # one posted invoice per confirmed order: paid when older than 75 days
        # (and 90 % of the others), else open; due 30 days after the order
        cr.execute(
            """
            INSERT INTO account_move (name, journal_id, company_id, currency_id,
                partner_id, commercial_partner_id, move_type, state, auto_post,
                date, invoice_date, invoice_date_due, invoice_origin,
                amount_untaxed, amount_total, amount_untaxed_signed,
                amount_total_signed, amount_residual, amount_residual_signed,
                payment_state, create_uid, write_uid, create_date, write_date)
            SELECT 'VOLINV/' || o.id, %(journal)s, o.company_id, o.currency_id,
                o.partner_id, o.partner_id, 'out_invoice', 'posted', 'no',
                o.date_order::date, o.date_order::date,
                o.date_order::date + 30, o.name, o.amount_untaxed,
                o.amount_total, o.amount_untaxed, o.amount_total,
                CASE WHEN paid THEN 0 ELSE o.amount_total END,
                CASE WHEN paid THEN 0 ELSE o.amount_total END,
                CASE WHEN paid THEN 'paid' ELSE 'not_paid' END,
                o.create_uid, o.create_uid, o.date_order, o.date_order
              FROM (SELECT *, (date_order < now() - interval '75 days'
                               OR random() < 0.9) AS paid
                      FROM sale_order
                     WHERE name LIKE 'VOL/%%' AND state = 'sale') o
            """,
            {"journal": journal.id},
        )
        for table in (
            "res_partner",
            "sale_order",
            "sale_order_line",
            "stock_picking",
            "account_move",
        ):
            cr.execute(f"ANALYZE {table}")
        cls.generation_time = time.perf_counter() - start
        cr.execute(
            """
            SELECT partner_id, count(*) FROM sale_order
             WHERE name LIKE 'VOL/%%' GROUP BY partner_id ORDER BY 2 DESC
            """
        )
        counts = cr.fetchall()
        cls.biggest, cls.biggest_orders = counts[0]
        cls.median, cls.median_orders = counts[len(counts) // 2]
        cls.env.invalidate_all()

    def _measure(self, func, explain=False):
        """(seconds, queries, [(sql, params)]) of func() on a cold ORM cache."""
        self.env.flush_all()
        self.env.invalidate_all()
        cr = self.env.cr
        captured = []
        execute = type(cr).execute

        def capture(cursor, query, params=None, log_exceptions=True):
            captured.append((query, params))
            return execute(cursor, query, params, log_exceptions)

        queries = cr.sql_log_count
        start = time.perf_counter()
        with patch.object(type(cr), "execute", capture):
            func()
        elapsed = time.perf_counter() - start
        return elapsed, cr.sql_log_count - queries, captured

    def _explain(self, captured):
        """EXPLAIN (ANALYZE) of the captured SELECTs: top line, execution time."""
        out = []
        cr = self.env.cr
        for query, params in captured:
            sql = query.code if isinstance(query, SQL) else query
            params = query.params if isinstance(query, SQL) else params
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cr.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = [row[0] for row in cr.fetchall()]
            exec_time = next((r for r in plan if r.startswith("Execution Time")), "")
            scans = sorted(
                {
                    r.strip().split(" on ")[0].lstrip("-> ").strip()
                    + " on "
                    + r.strip().split(" on ")[1].split(" ")[0]
                    for r in plan
                    if " on " in r and "Scan" in r
                }
            )
            out.append(
                f"    {exec_time:<28} {' '.join(sql.split())[:110]}\n"
                f"      {'; '.join(scans)}"
            )
        return out

    def test_bench_intelligence_volume(self):
        Partner = self.env["res.partner"]
        process = psutil.Process()
        lines = [
            f"\n[bench orders] customer intelligence at volume: {VOL_CUSTOMERS} "
            f"customers, {VOL_LINES} order lines generated in "
            f"{self.generation_time:.1f}s; biggest customer {self.biggest_orders} "
            f"orders, median {self.median_orders}"
        ]
        cases = [
            (
                "form, biggest customer",
                lambda: Partner.browse(self.biggest).read(PANEL_FIELDS),
            ),
            (
                "form, median customer",
                lambda: Partner.browse(self.median).read(PANEL_FIELDS),
            ),
            (
                "list, 80 customers",
                lambda: Partner.web_search_read(
                    [("customer_rank", ">", 0)], LIST_SPEC, limit=80
                ),
            ),
        ]
        for label, func in cases:
            func()  # PostgreSQL buffers and ormcaches warm, ORM cache cold
            elapsed, queries, captured = self._measure(func)
            lines.append(f"  {label:<26} {elapsed:.3f}s {queries} queries")
            lines += self._explain(captured)
        values = Partner.browse(self.biggest).read(PANEL_FIELDS)[0]
        self.assertTrue(values["wholtra_last_order_date"])
        self.assertGreater(values["wholtra_order_count_12m"], 0)
        lines.append(
            f"  biggest customer: {values['wholtra_order_count_12m']} orders in 12 "
            f"months, avg {values['wholtra_avg_order_value']:.2f}, open "
            f"{values['wholtra_open_order_count']}, backorders "
            f"{values['wholtra_open_backorder_count']}, unpaid "
            f"{values['wholtra_unpaid_amount']:.2f}, overdue "
            f"{values['wholtra_overdue_amount']:.2f}"
        )
        lines.append(f"  peak RSS {process.memory_info().rss / 2**20:.0f} MiB")
        print("\n".join(lines))
