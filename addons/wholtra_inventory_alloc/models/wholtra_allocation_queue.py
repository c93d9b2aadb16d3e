import logging
from collections import defaultdict

from psycopg2.errors import SerializationFailure

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# products re-planned per committed batch (one engine chunk)
BATCH_SIZE = 200
CRON_XMLID = "wholtra_inventory_alloc.ir_cron_wholtra_allocation_replan"


class WholtraAllocationQueue(models.Model):
    """Products whose allocation plan is out of date (incremental re-planning).

    A change that can move a plan (a purchase line's quantity or date, a purchase
    order confirmed or cancelled, a receipt validated, an order confirmed,
    cancelled or its quantity changed) queues its (company, product) pairs — one
    row per pair (unique), whatever the number of changes — and triggers the
    re-plan scheduled action. The scheduled action claims rows in batches with
    ``FOR UPDATE SKIP LOCKED`` (two workers share the queue, a product is never
    planned by both at once), re-plans exactly those products and deletes their
    rows in the same committed transaction (a killed run leaves them queued).
    System-maintained: no user creates or edits rows.
    """

    _name = "wholtra.allocation.queue"
    _description = "Wholtra Allocation Re-plan Queue"
    _log_access = False
    _order = "id"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, ondelete="cascade"
    )
    product_id = fields.Many2one(
        "product.product", required=True, readonly=True, ondelete="cascade"
    )
    queued_at = fields.Datetime(required=True, readonly=True)
    user_id = fields.Many2one(
        "res.users",
        readonly=True,
        ondelete="set null",
        help="Who asked for the re-plan (Run allocation): told the outcome.",
    )

    _company_product_uniq = models.Constraint(
        "UNIQUE(company_id, product_id)",
        "A product is queued once per company.",
    )

    # ------------------------------------------------------------------
    # Queueing
    # ------------------------------------------------------------------
    @api.model
    def _wholtra_queue(self, pairs, user=None, trigger=True):
        """Queue (company id, product id) pairs for re-planning and trigger the
        scheduled action. Only companies using the allocation; one row per pair.
        A queued pair whose row a running re-plan holds waits for it (the
        re-plan might not see this transaction's change): the pair is queued
        again after it."""
        pairs = sorted({(c, p) for c, p in pairs if c and p})
        if not pairs:
            return 0
        companies = self.env["res.company"].browse({c for c, _p in pairs})
        enabled = set(companies.filtered("wholtra_allocation_enabled").ids)
        pairs = [(c, p) for c, p in pairs if c in enabled]
        if not pairs:
            return 0
        self.env.execute_query(
            SQL(
                "INSERT INTO wholtra_allocation_queue "
                "(company_id, product_id, queued_at, user_id) "
                "SELECT c, p, %s, %s FROM unnest(%s::int[], %s::int[]) AS t(c, p) "
                "ORDER BY c, p "
                "ON CONFLICT (company_id, product_id) DO UPDATE "
                "SET queued_at = EXCLUDED.queued_at, "
                "user_id = COALESCE(EXCLUDED.user_id, wholtra_allocation_queue.user_id)",
                fields.Datetime.now(),
                user.id if user else None,
                [c for c, _p in pairs],
                [p for _c, p in pairs],
            )
        )
        if trigger:
            self.env.ref(CRON_XMLID).sudo()._trigger()
        return len(pairs)

    @api.model
    def _wholtra_queue_lines(self, lines):
        """Queue the storable products of sale or purchase lines."""
        lines = lines.sudo().filtered(
            lambda line: line.product_id.is_storable
            and line.company_id.wholtra_allocation_enabled
        )
        return self._wholtra_queue(
            (line.company_id.id, line.product_id.id) for line in lines
        )

    @api.model
    def _wholtra_queue_company(self, company, user=None):
        """Queue every product of `company` the plan concerns: open demand and
        active soft allocations (what a full run re-plans). One statement."""
        SaleLine = self.env["sale.order.line"].sudo()
        query = SaleLine._search(SaleLine._wholtra_demand_domain(company))
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                "SELECT DISTINCT product_id FROM sale_order_line WHERE id IN (%s) "
                "UNION SELECT DISTINCT product_id FROM wholtra_allocation "
                "WHERE company_id = %s AND state = 'soft'",
                query.subselect(),
                company.id,
            )
        )
        return self._wholtra_queue(
            ((company.id, product_id) for (product_id,) in rows), user=user
        )

    # ------------------------------------------------------------------
    # Processing
    # ------------------------------------------------------------------
    @api.model
    def _cron_replan(self):
        """Scheduled action (triggered by the changes): re-plan the queued
        products in committed batches."""
        self._wholtra_process()

    @api.model
    def _wholtra_claim(self, limit, skip_ids=()):
        """Claim up to `limit` queued rows: those another worker holds are
        skipped. Call it first in a transaction (its snapshot then includes what
        other workers committed). None when a row was deleted by a worker that
        committed after our snapshot was taken (try again in a new
        transaction)."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id, company_id, product_id, user_id "
                        "FROM wholtra_allocation_queue WHERE id != ALL(%s) "
                        "ORDER BY company_id, id LIMIT %s FOR UPDATE SKIP LOCKED",
                        list(skip_ids),
                        limit,
                    ),
                    log_exceptions=False,
                )
                return self.env.cr.fetchall()
        except SerializationFailure:
            return None

    @api.model
    def _wholtra_process(self, commit=True, batch_size=BATCH_SIZE, max_batches=None):
        """Re-plan the queued products, `batch_size` per transaction. Each batch:
        claim (SKIP LOCKED), plan, delete the claimed rows, commit with
        ``_commit_progress``. Rerun-safe: a plan is a pure function of the data,
        a killed batch stays queued. Returns the stats summed."""
        Engine = self.env["wholtra.allocation.engine"].sudo()
        total = {"products": 0, "created": 0, "updated": 0, "removed": 0}
        batches = 0
        failed = set()
        while max_batches is None or batches < max_batches:
            rows = self._wholtra_claim(batch_size, failed)
            if rows is None and commit:
                self.env.cr.rollback()  # a new snapshot, then claim again
                continue
            if not rows:
                break
            batches += 1
            by_company = defaultdict(list)
            asked = defaultdict(lambda: defaultdict(int))
            for _id, company_id, product_id, _user_id in rows:
                by_company[company_id].append(product_id)
            companies = self.env["res.company"].browse(list(by_company))
            batch_stats = {}
            done_ids = {row[0] for row in rows}
            for company in companies:
                product_ids = by_company[company.id]
                stats = {}
                if company.wholtra_allocation_enabled:
                    try:
                        with self.env.cr.savepoint():
                            stats = Engine._plan_products(
                                company,
                                self.env["product.product"].browse(sorted(product_ids)),
                            )
                    except Exception:
                        # left queued for the next run (not retried in this one)
                        _logger.exception(
                            "Allocation re-planning failed for products %s",
                            product_ids,
                        )
                        ids = {row[0] for row in rows if row[1] == company.id}
                        failed |= ids
                        done_ids -= ids
                        continue
                batch_stats[company.id] = stats
                for key, val in stats.items():
                    total[key] += val
                total["products"] += len(product_ids)
            for row_id, company_id, _product_id, user_id in rows:
                if user_id and row_id in done_ids:
                    asked[user_id][company_id] += 1
            self.env.flush_all()
            self.env.execute_query(
                SQL(
                    "DELETE FROM wholtra_allocation_queue WHERE id = ANY(%s)",
                    list(done_ids),
                )
            )
            if asked:
                self._wholtra_notify_done(asked, batch_stats)
            if commit:
                (remaining,) = self.env.execute_query(
                    SQL("SELECT count(*) FROM wholtra_allocation_queue")
                )[0]
                time_left = self.env["ir.cron"]._commit_progress(
                    len(rows), remaining=remaining
                )
                self.env.invalidate_all()
                if not time_left:
                    break
            else:
                self.env.invalidate_all()
        return total

    @api.model
    def _wholtra_notify_done(self, asked, batch_stats):
        """Tell who pressed *Run allocation* what the re-plan of their products
        changed (a notification in their browser, one per batch)."""
        users = self.env["res.users"].sudo().browse(list(asked)).exists()
        for user in users:
            for company_id, count in asked[user.id].items():
                stats = {"created": 0, "updated": 0, "removed": 0}
                stats.update(batch_stats.get(company_id) or {})
                user._bus_send(
                    "simple_notification",
                    {
                        "type": "success",
                        "title": self.env._("Allocation re-planned"),
                        "message": self.env._(
                            "%(products)s products re-planned: %(created)s "
                            "allocations created, %(updated)s updated, "
                            "%(removed)s re-planned.",
                            products=count,
                            **stats,
                        ),
                    },
                )
