import logging
from collections import defaultdict

from psycopg2.errors import LockNotAvailable, SerializationFailure

from odoo import Command, api, models
from odoo.exceptions import MissingError, UserError, ValidationError
from odoo.fields import Domain

_logger = logging.getLogger(__name__)


class WholtraAllocationEngine(models.AbstractModel):
    """Plans soft allocations of open demand to inbound purchase lines.

    Set-based: a handful of batched reads per chunk of products, a plan computed in
    Python, then only the differences with the current soft allocations are
    written. The plan is a pure function of the data, so running it twice changes
    nothing the second time. Firm allocations are never touched.
    """

    _name = "wholtra.allocation.engine"
    _description = "Wholtra Allocation Engine"

    _product_chunk = 200
    # products planned at once by a button or a confirmation; more are queued
    _sync_limit = 200

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------
    @api.model
    def _cron_run(self):
        """The full run (scheduled action, the safety net: incremental re-planning
        keeps allocations fresh). Queues every product of the companies using the
        allocation, then works through the queue in committed batches claimed
        with ``SKIP LOCKED``: it shares the work with the re-plan scheduled action
        running at the same time, and a killed run resumes from what is still
        queued."""
        Queue = self.env["wholtra.allocation.queue"]
        companies = self.env["res.company"].search(
            [("wholtra_allocation_enabled", "=", True)]
        )
        queued = sum(Queue._wholtra_queue_company(company) for company in companies)
        if queued:
            # visible to the re-plan scheduled action, which shares the work
            self.env["ir.cron"]._commit_progress(0, remaining=queued)
            Queue._wholtra_process()

    @api.model
    def action_run(self):
        """Plan the open demand of the current companies on their inbound supply
        (inventory users). Returns a notification with what changed."""
        self.env["wholtra.allocation"]._wholtra_check_group("stock.group_stock_user")
        companies = self.env.companies.filtered("wholtra_allocation_enabled")
        if not companies:
            raise UserError(
                self.env._(
                    "Allocation to inbound supply is not enabled for your companies "
                    "(Inventory settings)."
                )
            )
        return self._action_run(companies)

    @api.model
    def _action_run(self, companies, products=None):
        """Plan at once when the work is small (the user sees the result); hand
        larger runs to the re-plan scheduled action, which notifies the user
        when their products are done."""
        result = self._wholtra_run_or_queue(companies, products)
        if "planned" in result:
            return self._wholtra_notification(
                "success",
                self.env._(
                    "Allocation planned: %(created)s created, %(updated)s updated, "
                    "%(removed)s re-planned.",
                    **result["planned"],
                ),
            )
        if result["contended"]:
            message = self.env._(
                "These products are being planned by another user or the "
                "scheduled action: %(count)s products queued, you are "
                "notified when they are done.",
                count=result["queued"],
            )
        else:
            message = self.env._(
                "Allocation of %(count)s products queued: it runs in the "
                "background and you are notified as it progresses.",
                count=result["queued"],
            )
        return self._wholtra_notification("info", message)

    @api.model
    def _wholtra_notification(self, kind, message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": kind,
                "message": message,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @api.model
    def _wholtra_run_or_queue(self, companies, products=None):
        """The one rule of the button, the API and the confirmation: plan at once
        when at most `_sync_limit` products have open demand and their rows can
        be locked at once (`_try_run`); queue them for the re-plan scheduled
        action otherwise (the user is notified as they are done).

        :return: ``{"planned": {"created", "updated", "removed"}}`` or
            ``{"queued": n, "contended": bool}``.
        """
        self.env["wholtra.allocation"].check_access("create")
        count = self._count_products(companies, products)
        if count <= self._sync_limit:
            stats = self._try_run(companies, products)
            if stats is not None:
                return {"planned": stats}
        Queue = self.env["wholtra.allocation.queue"].sudo()
        queued = 0
        for company in companies:
            if products:
                queued += Queue._wholtra_queue(
                    ((company.id, p.id) for p in products), user=self.env.user
                )
            else:
                queued += Queue._wholtra_queue_company(company, user=self.env.user)
        return {"queued": queued, "contended": count <= self._sync_limit}

    @api.model
    def wholtra_run(self, product_ids=None, order_ids=None):
        """Plan the open demand on the inbound supply (the Run Allocation button).

        Caller: Inventory / User. Without arguments: every product of the
        caller's companies that allocate. With ``order_ids`` and/or
        ``product_ids``: only those products (the storable products of the
        orders). Small runs are planned at once; runs over 200 products, or whose
        products another transaction is planning, are queued for the re-plan
        scheduled action (the caller is notified in Odoo as they are done).

        :param list product_ids: ids of ``product.product`` (optional).
        :param list order_ids: ids of confirmed ``sale.order`` (optional).
        :return: ``{"planned": {"created": int, "updated": int, "removed": int}}``
            or ``{"queued": int}`` (number of products queued).
        :raises AccessError: the caller is not an inventory user, or may not
            read an order.
        :raises MissingError: a product or order does not exist.
        :raises ValidationError: ids are not a list of integers.
        :raises UserError: allocation not enabled, or an order not confirmed.
        """
        Alloc = self.env["wholtra.allocation"]
        Alloc._wholtra_check_group("stock.group_stock_user")

        def records(model, ids, label):
            if ids is None:
                return None
            if not isinstance(ids, list) or any(
                isinstance(i, bool) or not isinstance(i, int) or i <= 0 for i in ids
            ):
                raise ValidationError(
                    self.env._("%(arg)s is a list of record ids.", arg=label)
                )
            recs = self.env[model].browse(ids)
            if len(recs.exists()) != len(recs):
                raise MissingError(self.env._("Some %(arg)s do not exist.", arg=label))
            recs.check_access("read")
            return recs

        products = records("product.product", product_ids, "product_ids")
        orders = records("sale.order", order_ids, "order_ids")
        companies = self.env.companies.filtered("wholtra_allocation_enabled")
        if orders:
            companies = orders._wholtra_allocating_companies()
        if not companies:
            raise UserError(
                self.env._(
                    "Allocation to inbound supply is not enabled for your companies "
                    "(Inventory settings)."
                )
            )
        if products is not None or orders is not None:
            products = (products or self.env["product.product"]) | (
                orders.order_line.product_id if orders else self.env["product.product"]
            )
            products = products.filtered("is_storable")
            if not products:
                return {"planned": {"created": 0, "updated": 0, "removed": 0}}
        result = self._wholtra_run_or_queue(companies, products)
        result.pop("contended", None)
        return result

    @api.model
    def _try_run(self, companies, products=None):
        """Plan now when the product rows can be locked at once; the stats, or
        None when another transaction planning or consuming the same products
        (a concurrent confirmation, a delivery, the re-plan cron) holds them or
        changed them since this transaction began. Nothing waits nor fails on
        it: the lock is taken before anything is written, only the lock
        statement is rolled back (`_lock_lines`), and the caller queues the
        products (re-planned seconds later by the scheduled action). No
        savepoint around the planning: a flushing savepoint would split the
        request's writes and mail tracking in two (one more tracking message
        per confirmed order, ~40 more queries on a 10-line order)."""
        try:
            return self._run(companies, products=products, nowait=True)
        except (LockNotAvailable, SerializationFailure):
            return None

    @api.model
    def _count_products(self, companies, products=None):
        """Number of products with open demand a run over `companies` plans."""
        SaleLine = self.env["sale.order.line"].sudo()
        domain = SaleLine._wholtra_demand_domain(companies)
        if products:
            domain &= Domain("product_id", "in", products.ids)
        return len(SaleLine._read_group(domain, ["company_id", "product_id"]))

    @api.model
    def _run(self, companies, products=None, commit=False, nowait=False):
        """Plan the open demand of `companies` (of `products`). `nowait`: the
        product rows are locked without waiting (`_lock_lines`); a row another
        transaction holds raises LockNotAvailable (the caller queues instead)."""
        stats = {"created": 0, "updated": 0, "removed": 0}
        SaleLine = self.env["sale.order.line"]
        for company in companies:
            domain = SaleLine._wholtra_demand_domain(company)
            if products:
                domain &= Domain("product_id", "in", products.ids)
            groups = SaleLine.sudo()._read_group(domain, ["product_id"])
            product_ids = sorted(p.id for (p,) in groups)
            for start in range(0, len(product_ids), self._product_chunk):
                chunk = self.env["product.product"].browse(
                    product_ids[start : start + self._product_chunk]
                )
                if commit:
                    # one savepoint per chunk: a bad chunk is logged, the rest runs
                    try:
                        with self.env.cr.savepoint():
                            chunk_stats = self._plan_products(company, chunk)
                    except Exception:
                        _logger.exception(
                            "Allocation planning failed for products %s", chunk.ids
                        )
                        chunk_stats = {}
                else:
                    chunk_stats = self._plan_products(company, chunk, nowait=nowait)
                for key, val in chunk_stats.items():
                    stats[key] += val
                if commit:
                    self.env["ir.cron"]._commit_progress(
                        len(chunk),
                        remaining=max(len(product_ids) - start - len(chunk), 0),
                    )
                if len(product_ids) > self._product_chunk:
                    # chunks, not the whole world in the cache
                    self.env.flush_all()
                    self.env.invalidate_all()
        return stats

    # ------------------------------------------------------------------
    # Data gathering hooks
    # ------------------------------------------------------------------
    @api.model
    def _get_demand(self, company, products):
        SaleLine = self.env["sale.order.line"].sudo()
        lines = SaleLine.search(
            SaleLine._wholtra_demand_domain(company)
            & Domain("product_id", "in", products.ids),
            order="id",
        )
        lines.fetch(
            [
                "product_id",
                "product_uom_qty",
                "qty_delivered",
                "product_uom_id",
                "order_id",
                "company_id",
            ]
        )
        lines.order_id.fetch(
            [
                "partner_id",
                "commitment_date",
                "date_order",
                "warehouse_id",
                # held customers' demand goes last (wholtra_orders' release flag)
                "wholtra_hold_released",
            ]
        )
        # the customers in one read: their commercial entity and what their
        # priority and their hold (in this company) are computed from
        lines.order_id.partner_id.with_company(company).fetch(
            [
                "commercial_partner_id",
                "wholtra_tier_id",
                "wholtra_key_account",
                "wholtra_hold_manual",
                "wholtra_hold_reason",
            ]
        )
        return lines

    @api.model
    def _get_supply(self, company, products):
        PurchaseLine = self.env["purchase.order.line"].sudo()
        lines = PurchaseLine.search(
            PurchaseLine._wholtra_supply_domain(company)
            & Domain("product_id", "in", products.ids),
            order="date_planned, id",
        )
        lines.fetch(
            [
                "product_id",
                "product_uom_qty",
                "qty_received",
                "product_uom_id",
                "date_planned",
                "order_id",
            ]
        )
        lines.order_id.fetch(["picking_type_id", "state"])
        lines.order_id.picking_type_id.fetch(["warehouse_id"])
        return lines.filtered(lambda pl: pl._wholtra_open_qty() > 0)

    @api.model
    def _get_free_stock(self, company, products):
        """{(product id, warehouse id): unreserved qty in the warehouse}."""
        groups = (
            self.env["stock.quant"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", company.id),
                    ("product_id", "in", products.ids),
                    ("location_id.usage", "=", "internal"),
                ],
                ["product_id", "location_id"],
                ["quantity:sum", "reserved_quantity:sum"],
            )
        )
        free = defaultdict(float)
        for product, location, qty, reserved in groups:
            free[product.id, location.warehouse_id.id] += qty - reserved
        return free

    @api.model
    def _demand_sort_key(self, priorities, held_lines=None):
        """The engine plans demand in the one serving order
        (`wholtra.allocation._wholtra_demand_key`): held customers last, then
        priority, commitment date, order date."""
        demand_key = self.env["wholtra.allocation"]._wholtra_demand_key
        held_ids = set(held_lines.ids) if held_lines else set()

        def key(line):
            return demand_key(
                line,
                priorities.get(line.order_id.partner_id.id, 0),
                line.id in held_ids,
            )

        return key

    # ------------------------------------------------------------------
    # Planning
    # ------------------------------------------------------------------
    @api.model
    def _plan_products(self, company, products, nowait=False):
        Alloc = self.env["wholtra.allocation"].sudo()
        demand = self._get_demand(company, products)
        supply = self._get_supply(company, products)
        existing = Alloc.search(
            [
                ("company_id", "=", company.id),
                ("product_id", "in", products.ids),
                ("state", "in", ("soft", "firm")),
            ]
        )
        existing.fetch(
            ["sale_line_id", "purchase_line_id", "quantity", "state", "priority"]
        )
        # serialise with manual allocations and other engine runs
        Alloc._lock_lines(
            demand | existing.sale_line_id,
            supply | existing.purchase_line_id,
            nowait=nowait,
        )
        reserved = demand._wholtra_reserved_quantities()
        free_stock = self._get_free_stock(company, products)
        priorities = self.env["sale.order.line"]._get_allocation_priority(
            demand.order_id.partner_id
        )
        held = demand._wholtra_held_lines()

        firm = existing.filtered(lambda a: a.state == "firm")
        soft = existing - firm
        firm_by_sl, firm_by_pl = defaultdict(float), defaultdict(float)
        for alloc in firm:
            firm_by_sl[alloc.sale_line_id.id] += alloc.quantity
            firm_by_pl[alloc.purchase_line_id.id] += alloc.quantity

        capacity = {}
        supply_by_key = defaultdict(list)
        for pl in supply:  # already ordered by ETA, id
            capacity[pl.id] = pl._wholtra_open_qty() - firm_by_pl[pl.id]
            wh = pl.order_id.picking_type_id.warehouse_id.id
            supply_by_key[pl.product_id.id, wh].append(pl)

        target = {}
        line_prio = {}
        # per product unit: "positive once rounded" and the rounding, computed once
        # (the loop runs for every open demand line)
        uoms = {p.id: p.uom_id for p in products}
        half = {pid: uom.rounding / 2 for pid, uom in uoms.items()}
        # supply still to give per (product, warehouse): exhausted lines are
        # dropped from the front instead of being skipped by every demand line
        first = dict.fromkeys(supply_by_key, 0)
        for line in demand.sorted(self._demand_sort_key(priorities, held)):
            product_id = line.product_id.id
            eps = half[product_id]
            wh = line.order_id.warehouse_id.id
            key = (product_id, wh)
            need = (
                line._wholtra_undelivered_qty()
                - reserved.get(line.id, 0.0)
                - firm_by_sl[line.id]
            )
            if need < eps:
                continue
            from_stock = min(max(free_stock[key], 0.0), need)
            free_stock[key] -= from_stock
            need -= from_stock
            line_prio[line.id] = priorities.get(line.order_id.partner_id.id, 0)
            lines_in = supply_by_key.get(key, ())
            i = first.get(key, 0)
            while need >= eps and i < len(lines_in):
                pl = lines_in[i]
                take = min(need, capacity[pl.id])
                if take < eps:
                    i += 1
                    first[key] = i
                    continue
                take = uoms[product_id].round(take)
                capacity[pl.id] -= take
                need -= take
                target[line.id, pl.id] = take
        worse = self._get_worsened_lines(soft, target, supply)
        stats = self._apply_plan(company, soft, target, line_prio)
        if worse - held:
            (worse - held)._wholtra_notify_promise_change(
                self.env._(
                    "Re-planned: inbound supply went to a higher-priority order."
                )
            )
        if worse & held:
            (worse & held)._wholtra_notify_held(
                self.env._(
                    "Re-planned: the inbound supply promised to this order went to "
                    "customers who can ship."
                )
            )
        return stats

    @api.model
    def _get_worsened_lines(self, soft, target, supply):
        """Sale lines whose soft allocations the new plan reduces or delays."""
        dates = {pl.id: pl.date_planned for pl in supply}
        half = {p.id: p.uom_id.rounding / 2 for p in soft.product_id}
        old = defaultdict(lambda: [0.0, None, 0])
        for alloc in soft:
            entry = old[alloc.sale_line_id.id]
            entry[0] += alloc.quantity
            entry[1] = max(filter(None, (entry[1], alloc.date_expected)), default=None)
            entry[2] = alloc.product_id.id
        new = defaultdict(lambda: [0.0, None])
        for (sl_id, pl_id), qty in target.items():
            entry = new[sl_id]
            entry[0] += qty
            entry[1] = max(filter(None, (entry[1], dates.get(pl_id))), default=None)
        worse = []
        for line_id, (old_qty, old_eta, product_id) in old.items():
            new_qty, new_eta = new[line_id]
            # less once rounded (the unit's rounding), or later
            if old_qty - new_qty >= half[product_id] or (
                old_eta and new_eta and new_eta > old_eta
            ):
                worse.append(line_id)
        return self.env["sale.order.line"].browse(worse)

    @api.model
    def _apply_plan(self, company, soft, target, line_prio):
        Alloc = (
            self.env["wholtra.allocation"]
            .sudo()
            .with_context(wholtra_alloc_trusted=True)
        )
        stats = {"created": 0, "updated": 0, "removed": 0}
        # one soft allocation per (order line, purchase line): a manual one next
        # to the engine's is merged into it (the extra ones are removed)
        current, duplicates = {}, []
        for alloc in soft:
            key = (alloc.sale_line_id.id, alloc.purchase_line_id.id)
            if key in current:
                duplicates.append(alloc.id)
            else:
                current[key] = alloc
        to_remove = Alloc.browse(
            [a.id for k, a in current.items() if k not in target] + duplicates
        )
        updates = defaultdict(list)
        creates = []
        half = {p.id: p.uom_id.rounding / 2 for p in soft.product_id}
        for (sl_id, pl_id), qty in target.items():
            alloc = current.get((sl_id, pl_id))
            prio = line_prio.get(sl_id, 0)
            if alloc:
                vals = {}
                # different once rounded to the unit
                if abs(alloc.quantity - qty) >= half[alloc.product_id.id]:
                    vals["quantity"] = qty
                if alloc.priority != prio:
                    vals["priority"] = prio
                if vals:
                    updates[tuple(sorted(vals.items()))].append(alloc.id)
            else:
                creates.append(
                    {
                        "sale_line_id": sl_id,
                        "purchase_line_id": pl_id,
                        "quantity": qty,
                        "priority": prio,
                        "state": "soft",
                    }
                )
        if to_remove:
            stats["removed"] = len(to_remove)
            to_remove.unlink()
        for vals, ids in updates.items():
            Alloc.browse(ids).write(dict(vals))
            stats["updated"] += len(ids)
        if creates:
            sale_lines = (
                self.env["sale.order.line"]
                .sudo()
                .browse([vals["sale_line_id"] for vals in creates])
            )
            product_of = {sl.id: sl.product_id.id for sl in sale_lines}
            for vals in creates:
                vals["product_id"] = product_of[vals["sale_line_id"]]
                vals["company_id"] = company.id
            Alloc.create(creates)
            stats["created"] = len(creates)
        return stats

    # ------------------------------------------------------------------
    # Purchase proposals
    # ------------------------------------------------------------------
    @api.model
    def action_propose_purchases(self):
        """Draft RFQs for the demand nothing covers yet (purchase users)."""
        self.env["wholtra.allocation"]._wholtra_check_group(
            "purchase.group_purchase_user"
        )
        self.env["purchase.order"].check_access("create")
        companies = self.env.companies.filtered("wholtra_allocation_enabled")
        if not companies:
            raise UserError(
                self.env._(
                    "Allocation to inbound supply is not enabled for your companies "
                    "(Inventory settings)."
                )
            )
        orders = self.env["purchase.order"]
        for company in companies:
            orders |= self._propose_purchases(company)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Proposed Purchases"),
            "res_model": "purchase.order",
            "view_mode": "list,form",
            "domain": [("id", "in", orders.ids)],
        }

    @api.model
    def _get_uncovered_demand(self, company, products=None):
        """{sale line: missing qty (product unit)} for demand that neither
        reservations, allocations, free stock nor an open proposal covers."""
        SaleLine = self.env["sale.order.line"].sudo()
        domain = SaleLine._wholtra_demand_domain(company)
        if products:
            domain &= Domain("product_id", "in", products.ids)
        lines = SaleLine.search(domain, order="id")
        if not lines:
            return {}
        reserved = lines._wholtra_reserved_quantities()
        allocated = lines._wholtra_allocated_quantities()
        free_stock = self._get_free_stock(company, lines.product_id)
        priorities = SaleLine._get_allocation_priority(lines.order_id.partner_id)
        held = lines._wholtra_held_lines()
        proposed = {
            line.id
            for line in lines
            if line.wholtra_proposal_line_ids.filtered(
                lambda pl: pl.order_id.state in ("draft", "sent", "to approve")
            )
        }
        missing = {}
        for line in lines.sorted(self._demand_sort_key(priorities, held)):
            key = (line.product_id.id, line.order_id.warehouse_id.id)
            need = (
                line._wholtra_undelivered_qty()
                - reserved.get(line.id, 0.0)
                - allocated.get(line.id, (0.0, False))[0]
            )
            from_stock = min(max(free_stock[key], 0.0), max(need, 0.0))
            free_stock[key] -= from_stock
            need -= from_stock
            if line.id not in proposed and line.product_id.uom_id.compare(need, 0) > 0:
                missing[line] = need
        return missing

    @api.model
    def _propose_purchases(self, company, products=None):
        """Draft RFQs, one per vendor, for the uncovered demand; each purchase
        line is linked to the order lines it would serve. Rerun-safe: demand
        already linked to an open proposal is skipped."""
        missing = self._get_uncovered_demand(company, products)
        by_vendor = defaultdict(lambda: defaultdict(list))
        for line, qty in missing.items():
            seller = line.product_id.with_company(company)._select_seller(
                quantity=qty, uom_id=line.product_id.uom_id
            )
            if seller:
                by_vendor[seller.partner_id][line.product_id].append((line, qty))
        PurchaseOrder = self.env["purchase.order"].sudo().with_company(company)
        orders = PurchaseOrder.browse()
        for vendor, per_product in by_vendor.items():
            order = PurchaseOrder.search(
                [
                    ("company_id", "=", company.id),
                    ("partner_id", "=", vendor.id),
                    ("state", "=", "draft"),
                    ("origin", "=", self._proposal_origin()),
                ],
                limit=1,
            ) or PurchaseOrder.create(
                {
                    "partner_id": vendor.id,
                    "company_id": company.id,
                    "origin": self._proposal_origin(),
                }
            )
            order.write(
                {
                    "order_line": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "product_qty": sum(q for _l, q in items),
                                "wholtra_proposal_sale_line_ids": [
                                    Command.set([line.id for line, _q in items])
                                ],
                            }
                        )
                        for product, items in per_product.items()
                    ]
                }
            )
            orders |= order
        return orders

    @api.model
    def _proposal_origin(self):
        return "Wholtra allocation"
