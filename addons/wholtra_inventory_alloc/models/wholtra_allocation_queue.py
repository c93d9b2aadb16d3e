import logging
from collections import defaultdict

from psycopg2.errors import SerializationFailure

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# products re-planned per committed batch (one engine chunk)
BATCH_SIZE = 200
CRON_XMLID = "wholtra_inventory_alloc.ir_cron_wholtra_allocation_replan"
# high bits of the advisory lock key of a (company, product) being re-planned
ADVISORY_NAMESPACE = 0x57A1 << 48


class WholtraAllocationQueue(models.Model):
    """Products whose allocation plan is out of date (incremental re-planning).

    A change that can move a plan (a purchase line's quantity or date, a purchase
    order confirmed or cancelled, a receipt validated, an order confirmed,
    cancelled or its quantity changed) queues its (company, product) pairs and
    triggers the re-plan scheduled action. Append-only: a change inserts rows,
    never updates one, so queueing never conflicts with another transaction
    (no serialisation failure on a hot product in REPEATABLE READ); the claimer
    deduplicates. The scheduled action claims rows in batches with
    ``FOR UPDATE SKIP LOCKED``, takes a transaction advisory lock per product
    (two workers share the queue, a product is never planned by both at once),
    re-plans exactly those products and deletes the rows its snapshot saw in
    the same committed transaction (a killed run leaves them queued; a row
    queued after its snapshot stays: the change is planned by the next run).
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

    _company_product_idx = models.Index("(company_id, product_id)")

    # ------------------------------------------------------------------
    # Queueing
    # ------------------------------------------------------------------
    @api.model
    def _wholtra_queue(self, pairs, user=None, trigger=True):
        """Queue (company id, product id) pairs for re-planning and trigger the
        scheduled action. Only companies using the allocation; one new row per
        pair and transaction (plain INSERT: no row of another transaction is touched, nothing
        waits or conflicts; a re-plan running now does not delete a row it did
        not see, so the change is planned after it)."""
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
                "SELECT c, p, %(now)s, %(user)s "
                "FROM unnest(%(c)s::int[], %(p)s::int[]) AS t(c, p) "
                # not twice by the same transaction (its own rows only: a row
                # another transaction committed may be held by a worker whose
                # snapshot misses this change)
                "WHERE NOT EXISTS (SELECT 1 FROM wholtra_allocation_queue q "
                "WHERE q.company_id = t.c AND q.product_id = t.p "
                "AND q.xmin = pg_current_xact_id()::xid "
                "AND (%(user)s::int IS NULL OR q.user_id = %(user)s)) "
                "ORDER BY c, p",
                now=fields.Datetime.now(),
                user=user.id if user else None,
                c=[c for c, _p in pairs],
                p=[p for _c, p in pairs],
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
    def _wholtra_lock_products(self, pairs):
        """The (company id, product id) pairs whose transaction advisory lock
        this transaction got: the others are being planned by another worker
        (left queued)."""
        if not pairs:
            return set()
        pairs = sorted(pairs)
        rows = self.env.execute_query(
            SQL(
                "SELECT c, p, pg_try_advisory_xact_lock(%s::bigint + c::bigint * "
                "4294967296 + p::bigint) FROM unnest(%s::int[], %s::int[]) AS t(c, p)",
                ADVISORY_NAMESPACE,
                [c for c, _p in pairs],
                [p for _c, p in pairs],
            )
        )
        return {(c, p) for c, p, got in rows if got}

    @api.model
    def _wholtra_delete_seen(self, pairs, claimed_ids):
        """Delete the claimed rows and the other rows of `pairs` this snapshot
        sees and no one holds (duplicates of the same product). A row queued
        after our snapshot is not seen: it stays, its change is planned next."""
        self.env.execute_query(
            SQL("DELETE FROM wholtra_allocation_queue WHERE id = ANY(%s)", claimed_ids)
        )
        if not pairs:
            return
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "DELETE FROM wholtra_allocation_queue WHERE id IN ("
                        " SELECT q.id FROM wholtra_allocation_queue q"
                        " JOIN unnest(%s::int[], %s::int[]) AS t(c, p)"
                        " ON q.company_id = t.c AND q.product_id = t.p"
                        " ORDER BY q.id FOR UPDATE SKIP LOCKED)",
                        [c for c, _p in pairs],
                        [p for _c, p in pairs],
                    ),
                    log_exceptions=False,
                )
        except SerializationFailure:
            pass  # a duplicate another worker deleted meanwhile: nothing to do

    @api.model
    def _wholtra_process(self, commit=True, batch_size=BATCH_SIZE, max_batches=None):
        """Re-plan the queued products, `batch_size` rows per transaction. Each
        batch: claim (SKIP LOCKED), deduplicate per product, lock each product
        (advisory, try: one held by another worker is skipped and stays
        queued), plan, delete the rows seen, commit with ``_commit_progress``.
        Rerun-safe: a plan is a pure function of the data, a killed batch stays
        queued. Returns the stats summed."""
        Engine = self.env["wholtra.allocation.engine"].sudo()
        total = {"products": 0, "created": 0, "updated": 0, "removed": 0}
        batches = 0
        failed = set()
        busy = False
        while max_batches is None or batches < max_batches:
            rows = self._wholtra_claim(batch_size, failed)
            if rows is None and commit:
                self.env.cr.rollback()  # a new snapshot, then claim again
                continue
            if not rows:
                break
            batches += 1
            mine = self._wholtra_lock_products({(r[1], r[2]) for r in rows})
            skipped = {r[0] for r in rows if (r[1], r[2]) not in mine}
            if skipped:
                # planned by another worker right now: left queued (its
                # snapshot may not include the change), picked up next run
                failed |= skipped
                busy = True
            rows = [r for r in rows if r[0] not in skipped]
            by_company = defaultdict(set)
            asked = defaultdict(lambda: defaultdict(int))
            for _id, company_id, product_id, _user_id in rows:
                by_company[company_id].add(product_id)
            companies = self.env["res.company"].browse(list(by_company))
            batch_stats = {}
            done_ids = {row[0] for row in rows}
            done_pairs = set(mine)
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
                    except SerializationFailure:
                        # planned by another worker that committed after our
                        # snapshot: left queued, planned again next run
                        _logger.info(
                            "Allocation re-planning of products %s deferred "
                            "(concurrent update)",
                            sorted(product_ids),
                        )
                        busy = True
                        ids = {row[0] for row in rows if row[1] == company.id}
                        failed |= ids
                        done_ids -= ids
                        done_pairs -= {(company.id, p) for p in product_ids}
                        continue
                    except Exception:
                        # left queued for the next run (not retried in this one)
                        _logger.exception(
                            "Allocation re-planning failed for products %s",
                            sorted(product_ids),
                        )
                        ids = {row[0] for row in rows if row[1] == company.id}
                        failed |= ids
                        done_ids -= ids
                        done_pairs -= {(company.id, p) for p in product_ids}
                        continue
                batch_stats[company.id] = stats
                for key, val in stats.items():
                    total[key] += val
                total["products"] += len(product_ids)
            for row_id, company_id, _product_id, user_id in rows:
                if user_id and row_id in done_ids:
                    asked[user_id][company_id] += 1
            self.env.flush_all()
            self._wholtra_delete_seen(done_pairs, list(done_ids))
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
        if busy and commit:
            # what another worker held is planned by a next run
            self.env.ref(CRON_XMLID).sudo()._trigger()
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
