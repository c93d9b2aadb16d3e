from collections import defaultdict

from markupsafe import Markup, escape

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import MissingError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL

# internal figures: order and inventory staff only (not the portal customer)
INTERNAL = "sales_team.group_sale_salesman,stock.group_stock_user"
PROPOSALS = INTERNAL + ",purchase.group_purchase_user"
# maintained by the system only (allocation model, engine, raw SQL version bump)
SYSTEM_FIELDS = frozenset(
    {"wholtra_allocation_ids", "wholtra_alloc_version", "wholtra_proposal_line_ids"}
)


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    wholtra_allocation_ids = fields.One2many(
        "wholtra.allocation", "sale_line_id", string="Allocations", groups=INTERNAL
    )
    wholtra_alloc_version = fields.Integer(
        copy=False,
        readonly=True,
        groups="base.group_user",
        help="Technical: bumped on each allocation change.",
    )
    wholtra_presale = fields.Boolean(
        string="Pre-sale",
        copy=False,
        groups=INTERNAL,
        help="Accept this line even though no stock or inbound supply covers it. "
        "Set by salespeople on quotations.",
    )
    wholtra_proposal_line_ids = fields.Many2many(
        "purchase.order.line",
        "wholtra_proposal_sale_line_rel",
        "sale_line_id",
        "purchase_line_id",
        string="Proposed Purchases",
        copy=False,
        groups=PROPOSALS,
    )
    wholtra_is_open = fields.Boolean(
        "Open Backorder",
        compute="_compute_wholtra_is_open",
        search="_search_wholtra_is_open",
        help="Confirmed line with quantity still to deliver.",
    )
    wholtra_qty_on_hand = fields.Float(
        "On Hand",
        compute="_compute_wholtra_availability",
        digits="Product Unit",
        groups=INTERNAL,
    )
    wholtra_qty_free = fields.Float(
        "Free",
        compute="_compute_wholtra_availability",
        digits="Product Unit",
        groups=INTERNAL,
    )
    wholtra_qty_free_all = fields.Float(
        "Free (all warehouses)",
        compute="_compute_wholtra_availability",
        digits="Product Unit",
        groups=INTERNAL,
    )
    wholtra_qty_incoming = fields.Float(
        "Incoming",
        compute="_compute_wholtra_availability",
        digits="Product Unit",
        groups=INTERNAL,
    )
    wholtra_next_eta = fields.Datetime(
        "Next ETA", compute="_compute_wholtra_availability", groups=INTERNAL
    )
    wholtra_qty_reserved = fields.Float(
        "Reserved",
        compute="_compute_wholtra_alloc_status",
        compute_sudo=True,
        digits="Product Unit",
        groups=INTERNAL,
    )
    wholtra_qty_allocated = fields.Float(
        "Allocated",
        compute="_compute_wholtra_alloc_status",
        compute_sudo=True,
        digits="Product Unit",
        groups=INTERNAL,
    )
    wholtra_alloc_status = fields.Selection(
        [
            ("none", "Nothing to deliver"),
            ("reserved", "Reserved from stock"),
            ("allocated", "Allocated to inbound"),
            ("partial", "Partly unallocated"),
            ("unallocated", "Unallocated"),
        ],
        string="Allocation Status",
        compute="_compute_wholtra_alloc_status",
        compute_sudo=True,
        groups=INTERNAL,
    )
    wholtra_qty_missing = fields.Float(
        "Unallocated",
        compute="_compute_wholtra_alloc_status",
        compute_sudo=True,
        digits="Product Unit",
        groups=INTERNAL,
        help="Quantity still to deliver that neither stock nor an inbound "
        "purchase line covers.",
    )
    wholtra_needs_supply = fields.Boolean(
        "Needs supply",
        compute="_compute_wholtra_alloc_status",
        search="_search_wholtra_needs_supply",
        compute_sudo=True,
        groups=INTERNAL,
        help="Open line not fully reserved from stock: waits for inbound supply "
        "(allocated) or has none yet.",
    )
    wholtra_alloc_summary = fields.Char(
        "Allocation",
        compute="_compute_wholtra_alloc_status",
        compute_sudo=True,
        groups=INTERNAL,
    )
    wholtra_promised_date = fields.Datetime(
        "Promised Date",
        compute="_compute_wholtra_alloc_status",
        compute_sudo=True,
        help="Stock available now, or the ETA of the allocated purchase lines, "
        "plus the customer lead time.",
    )

    # open demand by product: what the engine, the board and the queue read; a
    # partial index, so delivered and cancelled history does not grow it
    _wholtra_open_demand_idx = models.Index(
        "(product_id, company_id) WHERE state = 'sale' AND display_type IS NULL "
        "AND product_uom_qty > qty_delivered"
    )

    @api.depends("state", "product_uom_qty", "qty_delivered")
    def _compute_wholtra_is_open(self):
        for line in self:
            line.wholtra_is_open = (
                line.state == "sale" and line.product_uom_qty > line.qty_delivered
            )

    def _search_wholtra_is_open(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        # inline on the searched rows (not a subquery over the whole table): the
        # open-demand index (`_wholtra_open_demand_idx`) serves it and closed
        # history costs nothing
        is_open = Domain("state", "=", "sale") & Domain.custom(
            to_sql=lambda model, alias, query: SQL(
                "%s > %s",
                model._field_to_sql(alias, "product_uom_qty", query),
                model._field_to_sql(alias, "qty_delivered", query),
            ),
            predicate=lambda line: line.product_uom_qty > line.qty_delivered,
        )
        positive = (operator == "=") == value
        return is_open if positive else ~is_open

    def _search_wholtra_needs_supply(self, operator, value):
        """Open lines not fully reserved from stock: the open demand is read
        once and its statuses computed in one batch (reserved and allocated
        quantities: two grouped queries)."""
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        open_lines = self.sudo().search(
            [
                ("wholtra_is_open", "=", True),
                ("display_type", "=", False),
                ("product_id.is_storable", "=", True),
            ]
        )
        ids = open_lines.filtered("wholtra_needs_supply").ids
        positive = (operator == "=") == value
        return Domain("id", "in" if positive else "not in", ids)

    # ------------------------------------------------------------------
    # Quantities (product unit)
    # ------------------------------------------------------------------
    def _wholtra_undelivered_qty(self):
        self.ensure_one()
        qty = max(self.product_uom_qty - self.qty_delivered, 0.0)
        if self.product_uom_id and self.product_uom_id != self.product_id.uom_id:
            qty = self.product_uom_id._compute_quantity(qty, self.product_id.uom_id)
        return qty

    def _wholtra_reserved_quantities(self):
        """{line id: reserved qty (product unit)} on open outgoing moves, one query.
        Read in sudo: the figures of lines the user can already read (the portal
        customer's promised date depends on them)."""
        if not self.ids:
            return {}
        moves_sudo = self.env["stock.move"].sudo()
        groups = moves_sudo._read_group(
            [
                ("sale_line_id", "in", self.ids),
                ("state", "in", ("assigned", "partially_available")),
                ("location_dest_id.usage", "in", ("customer", "transit")),
            ],
            ["sale_line_id", "product_uom"],
            ["quantity:sum"],
        )
        res = defaultdict(float)
        for line, uom, qty in groups:
            res[line.id] += uom._compute_quantity(qty, line.product_id.uom_id)
        return dict(res)

    def _wholtra_allocated_quantities(self, states=("soft", "firm")):
        if not self.ids:
            return {}
        allocs_sudo = self.env["wholtra.allocation"].sudo()
        groups = allocs_sudo._read_group(
            [("sale_line_id", "in", self.ids), ("state", "in", states)],
            ["sale_line_id"],
            ["quantity:sum", "date_expected:max"],
        )
        return {line.id: (qty, eta) for line, qty, eta in groups}

    # ------------------------------------------------------------------
    # Computes (batched, not stored)
    # ------------------------------------------------------------------
    @api.depends("product_id", "order_id.warehouse_id")
    @api.depends_context("company")
    def _compute_wholtra_availability(self):
        lines = self.filtered(lambda sol: sol.product_id.is_storable)
        (self - lines).update(
            {
                "wholtra_qty_on_hand": 0.0,
                "wholtra_qty_free": 0.0,
                "wholtra_qty_free_all": 0.0,
                "wholtra_qty_incoming": 0.0,
                "wholtra_next_eta": False,
            }
        )
        free_all = {}
        for company, company_lines in lines.grouped("company_id").items():
            products = company_lines.product_id.with_company(company).with_context(
                allowed_company_ids=company.ids
            )
            free_all.update(
                {p["id"]: p["free_qty"] for p in products.read(["free_qty"])}
            )
        by_wh = defaultdict(lambda: self.env["sale.order.line"])
        for line in lines:
            by_wh[line.order_id.warehouse_id] |= line
        for warehouse, wh_lines in by_wh.items():
            products = wh_lines.product_id.with_context(warehouse_id=warehouse.id)
            qties = {
                p["id"]: p
                for p in products.read(["qty_available", "free_qty", "incoming_qty"])
            }
            etas = dict(
                self.env["stock.move"]._read_group(
                    [
                        ("product_id", "in", products.ids),
                        ("state", "not in", ("draft", "done", "cancel")),
                        ("location_id.usage", "not in", ("internal", "transit")),
                        (
                            "location_dest_id",
                            "child_of",
                            warehouse.view_location_id.id,
                        ),
                    ],
                    ["product_id"],
                    ["date:min"],
                )
            )
            for line in wh_lines:
                q = qties[line.product_id.id]
                line.wholtra_qty_on_hand = q["qty_available"]
                line.wholtra_qty_free = q["free_qty"]
                line.wholtra_qty_free_all = free_all.get(line.product_id.id, 0.0)
                line.wholtra_qty_incoming = q["incoming_qty"]
                line.wholtra_next_eta = etas.get(line.product_id, False)

    @api.depends(
        "product_uom_qty",
        "qty_delivered",
        "customer_lead",
        "wholtra_allocation_ids.quantity",
        "wholtra_allocation_ids.state",
        "wholtra_allocation_ids.date_expected",
    )
    def _compute_wholtra_alloc_status(self):
        real = self.filtered("id")
        reserved = real._wholtra_reserved_quantities()
        allocated = real._wholtra_allocated_quantities()
        now = fields.Datetime.now()
        for line in self:
            rounding = line.product_id.uom_id
            res_qty = reserved.get(line.id, 0.0)
            alloc_qty, eta = allocated.get(line.id, (0.0, False))
            line.wholtra_qty_reserved = res_qty
            line.wholtra_qty_allocated = alloc_qty
            line.wholtra_qty_missing = 0.0
            line.wholtra_needs_supply = False
            if not line.product_id.is_storable or not line.id:
                line.wholtra_alloc_status = "none"
                line.wholtra_alloc_summary = False
                line.wholtra_promised_date = False
                continue
            open_qty = line._wholtra_undelivered_qty()
            missing = open_qty - res_qty - alloc_qty
            lead = line.customer_lead or 0.0
            if rounding.compare(open_qty, 0.0) <= 0:
                status, promised = "none", False
            elif rounding.compare(missing, 0.0) > 0:
                status = "partial" if (res_qty or alloc_qty) else "unallocated"
                promised = False
            elif alloc_qty:
                status = "allocated"
                promised = fields.Datetime.add(max(eta, now), days=lead)
            else:
                status, promised = "reserved", fields.Datetime.add(now, days=lead)
            line.wholtra_alloc_status = status
            line.wholtra_promised_date = promised
            line.wholtra_qty_missing = max(missing, 0.0) if status != "none" else 0.0
            line.wholtra_needs_supply = status in (
                "allocated",
                "partial",
                "unallocated",
            )
            if alloc_qty:
                line.wholtra_alloc_summary = self.env._(
                    "%(alloc)s allocated (ETA %(eta)s), %(res)s reserved, "
                    "%(missing)s open",
                    alloc=alloc_qty,
                    eta=fields.Date.to_string(eta) if eta else "-",
                    res=res_qty,
                    missing=max(missing, 0.0),
                )
            else:
                line.wholtra_alloc_summary = self.env._(
                    "%(res)s reserved, %(missing)s open",
                    res=res_qty,
                    missing=max(missing, 0.0),
                )

    # ------------------------------------------------------------------
    # Demand changes
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                self._wholtra_check_guarded_vals(vals)
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            self._wholtra_check_guarded_vals(vals)
        res = super().write(vals)
        if "product_uom_qty" in vals and any(
            self.company_id.mapped("wholtra_allocation_enabled")
        ):
            self._wholtra_shrink_allocations()
            self.env["wholtra.allocation.queue"]._wholtra_queue_lines(
                self.filtered(lambda line: line.state == "sale")
            )
        return res

    def _wholtra_check_guarded_vals(self, vals):
        """System-managed fields are refused; the pre-sale flag is a salesperson's
        decision on a quotation."""
        system = SYSTEM_FIELDS & set(vals)
        if system:
            raise UserError(
                self.env._(
                    "These order line fields are maintained by the allocation: %(fields)s.",
                    fields=", ".join(sorted(system)),
                )
            )
        if "wholtra_presale" not in vals:
            return
        flag = bool(vals["wholtra_presale"])
        if (self and all(line.wholtra_presale == flag for line in self)) or (
            not self and not flag
        ):
            return
        self.env["wholtra.allocation"]._wholtra_check_group(
            "sales_team.group_sale_salesman"
        )
        orders = self.order_id
        if not self and isinstance(vals.get("order_id"), int):
            orders = self.env["sale.order"].browse(vals["order_id"])
        if any(o.state not in ("draft", "sent") for o in orders):
            raise UserError(
                self.env._(
                    "The pre-sale flag is set on quotations, before confirmation."
                )
            )

    def _wholtra_shrink_allocations(self):
        """Keep allocations within what is still to deliver (quantity reduced,
        order cancelled, delivered from elsewhere): the excess is released in
        the one consumption order (`wholtra.allocation._wholtra_consume`), which
        on one order line means the latest ETA first, soft before firm."""
        # a system update: sudo (the user changing the order may not see them)
        lines_sudo = self.sudo()
        allocs = lines_sudo.wholtra_allocation_ids.filtered(
            lambda a: a.state in ("soft", "firm")
        )
        if not allocs:
            return allocs
        excess = {}
        for line, line_allocs in allocs.grouped("sale_line_id").items():
            open_qty = line._wholtra_undelivered_qty() if line.state == "sale" else 0.0
            qty = sum(line_allocs.mapped("quantity")) - open_qty
            if line.product_id.uom_id.compare(qty, 0.0) > 0:
                excess[line] = qty
        taken = allocs._wholtra_consume(excess, "sale_line_id", release=True)
        return allocs.browse([alloc.id for alloc, _qty, _held in taken])

    def _wholtra_notify_promise_change(self, reason):
        """One to-do activity per order for its salesperson, naming the order,
        the lines and their new promised dates. Posted by the system (sudo):
        the user whose change moved the promise may not have access to the
        order."""
        lines_sudo = self.sudo()
        for order, lines in lines_sudo.grouped("order_id").items():
            if not order.company_id.wholtra_allocation_enabled:
                continue
            items = []
            for sol in lines:
                date = sol.wholtra_promised_date
                items.append(
                    self.env._(
                        "%(product)s: %(qty)s allocated, promised %(date)s",
                        product=sol.product_id.display_name,
                        qty=sol.wholtra_qty_allocated,
                        date=fields.Date.to_string(date)
                        if date
                        else self.env._("not covered"),
                    )
                )
            order.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=order.user_id.id or self.env.uid,
                summary=self.env._(
                    "Inbound supply changed for %(order)s", order=order.name
                ),
                note=Markup("<br/>").join([escape(reason), *map(escape, items)]),
            )

    def _wholtra_held_lines(self):
        """The lines of these whose customer cannot ship: on credit hold in the
        order's company (`res.partner._wholtra_hold_reasons_batch` of
        wholtra_orders, manual and automatic holds) and the order not released
        by a credit manager, in companies that serve held customers last
        (allocation in use and *Held customers last* on). Their demand goes after
        everyone else's. One hold evaluation per company."""
        lines = self.sudo().filtered(
            lambda sol: sol.company_id.wholtra_allocation_enabled
            and sol.company_id.wholtra_alloc_held_last
            and not sol.order_id.wholtra_hold_released
        )
        held_ids = []
        for company, company_lines in lines.grouped("company_id").items():
            partners = company_lines.order_id.partner_id.with_company(company)
            reasons = partners._wholtra_hold_reasons_batch()
            held_ids += [
                sol.id
                for sol in company_lines
                if reasons.get(sol.order_id.partner_id.commercial_partner_id.id)
            ]
        return self.browse(held_ids)

    def _wholtra_notify_held(self, reason):
        """One to-do activity per order for a credit manager: the goods of a
        customer on hold went to others (or wait). Not repeated while the
        previous one is open. Posted by the system (sudo)."""
        lines_sudo = self.sudo()
        group = self.env.ref("wholtra_orders.group_wholtra_credit_manager")
        Activity = self.env["mail.activity"].sudo()
        todo = self.env.ref("mail.mail_activity_data_todo")
        for company, company_lines in lines_sudo.grouped("company_id").items():
            orders = company_lines.order_id
            summary = self.env._("Customer on hold: goods went to other customers")
            already = set(
                Activity.search(
                    [
                        ("res_model", "=", "sale.order"),
                        ("res_id", "in", orders.ids),
                        ("activity_type_id", "=", todo.id),
                        ("summary", "=", summary),
                    ]
                ).mapped("res_id")
            )
            managers = (
                group.sudo()
                .all_user_ids.filtered(
                    lambda u, c=company: not u.share
                    and u.active
                    and u.id != SUPERUSER_ID
                    and c in u.company_ids
                )
                .sorted("id")
            )
            for order, lines in company_lines.grouped("order_id").items():
                if order.id in already:
                    continue
                items = [
                    self.env._(
                        "%(product)s: %(qty)s still to deliver",
                        product=sol.product_id.display_name,
                        qty=sol._wholtra_undelivered_qty(),
                    )
                    for sol in lines
                ]
                order.activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=(managers[:1] or order.user_id).id or self.env.uid,
                    summary=summary,
                    note=Markup("<br/>").join(
                        [
                            escape(reason),
                            escape(
                                self.env._(
                                    "%(customer)s is on credit hold: lift the hold or "
                                    "release the order to put this demand back in its "
                                    "priority.",
                                    customer=order.partner_id.display_name,
                                )
                            ),
                            *map(escape, items),
                        ]
                    ),
                )

    # ------------------------------------------------------------------
    # Hooks
    # ------------------------------------------------------------------
    @api.model
    def _get_allocation_priority(self, partners):
        """{partner id: priority} (higher = served first). Reads the customer
        priority of wholtra_orders (tier + key account) when it is installed."""
        # sudo: the priority is a sales decision the inventory staff may apply
        commercial = partners.commercial_partner_id.sudo()
        if "wholtra_allocation_priority" not in commercial._fields:
            return dict.fromkeys(partners.ids, 0)
        prio = {p.id: p.wholtra_allocation_priority or 0 for p in commercial}
        return {p.id: prio.get(p.commercial_partner_id.id, 0) for p in partners}

    def _wholtra_demand_domain(self, companies):
        """Open demand: confirmed lines still to deliver (delivered history is
        never read, however long it grows)."""
        return Domain(
            [
                ("wholtra_is_open", "=", True),
                ("company_id", "in", companies.ids),
                ("display_type", "=", False),
                ("product_id.is_storable", "=", True),
            ]
        )

    def _wholtra_check_allocatable(self):
        """One confirmed order line of a storable product, in a company that
        allocates, which the inventory user may access."""
        Alloc = self.env["wholtra.allocation"]
        Alloc._wholtra_check_group("stock.group_stock_user")
        Alloc._wholtra_check_records(self)
        if len(self) != 1:
            raise UserError(self.env._("Allocate one order line at a time."))
        if not self.company_id.wholtra_allocation_enabled:
            raise UserError(
                self.env._(
                    "Allocation to inbound supply is not enabled for %(company)s.",
                    company=self.company_id.name,
                )
            )
        if self.state != "sale" or self.display_type or not self.product_id.is_storable:
            raise UserError(
                self.env._(
                    "Only confirmed order lines of storable products are allocated."
                )
            )

    def action_wholtra_allocate(self):
        """Open the allocation wizard for one confirmed order line (inventory
        users)."""
        self._wholtra_check_allocatable()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Allocate to inbound supply"),
            "res_model": "wholtra.allocation.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_sale_line_id": self.id},
        }

    # ------------------------------------------------------------------
    # External API (JSON-2)
    # ------------------------------------------------------------------
    def wholtra_allocate(self, purchase_line_id, quantity, firm=False):
        """Allocate one confirmed order line to a confirmed purchase line.

        Caller: Inventory / User; ``firm=True``: Inventory / Administrator.
        Same checks as the Allocate wizard: same product and company, no more
        than the purchase line still has to receive (less what is allocated) and
        the order line still has to deliver.

        :param int purchase_line_id: id of a ``purchase.order.line`` of a
            confirmed purchase order.
        :param float quantity: quantity in the product's unit, positive.
        :param bool firm: True for a firm allocation (the engine never re-plans it).
        :return: ``{"allocation_id": int, "state": "soft"|"firm",
            "quantity": float, "promised_date": "YYYY-MM-DD HH:MM:SS"|false}``
            (promised date: ETA of the purchase line plus the customer lead time).
        :raises AccessError: the caller lacks the group.
        :raises MissingError: the order line or purchase line does not exist.
        :raises ValidationError: bad quantity, other product or company, purchase
            order not confirmed, not enough left to allocate.
        :raises UserError: the line is not a confirmed storable line, or
            allocation is not enabled for its company.
        """
        self._wholtra_check_allocatable()
        Alloc = self.env["wholtra.allocation"]
        if firm not in (True, False):
            raise ValidationError(self.env._("firm is true or false."))
        if firm:
            Alloc._wholtra_check_group("stock.group_stock_manager")
        if (
            isinstance(purchase_line_id, bool)
            or not isinstance(purchase_line_id, int)
            or purchase_line_id <= 0
        ):
            raise ValidationError(
                self.env._("purchase_line_id is the id of a purchase order line.")
            )
        purchase_line = self.env["purchase.order.line"].browse(purchase_line_id)
        if not purchase_line.exists():
            raise MissingError(
                self.env._("Purchase line %(id)s does not exist.", id=purchase_line_id)
            )
        purchase_line.check_access("read")
        Alloc._check_quantity_value(quantity)
        alloc = Alloc.create(
            {
                "sale_line_id": self.id,
                "purchase_line_id": purchase_line.id,
                "quantity": quantity,
                "state": "firm" if firm else "soft",
            }
        )
        return {
            "allocation_id": alloc.id,
            "state": alloc.state,
            "quantity": alloc.quantity,
            "promised_date": fields.Datetime.to_string(alloc.date_promised) or False,
        }

    def wholtra_get_availability(self):
        """Stock figures, allocation status and promised date of order lines.

        Caller: Sales / User or Inventory / User. Section and note lines are
        skipped. The figures are those of the order line's screen (one
        definition): stock of the order's warehouse, in the product's unit.

        :return: ``[{"line_id", "product_id", "quantity" (ordered, in the line's
            unit), "on_hand", "free", "incoming", "next_eta", "reserved",
            "allocated", "allocation_status", "promised_date"}]``; dates as
            ``"YYYY-MM-DD HH:MM:SS"`` (UTC) or null. ``allocation_status``:
            none, reserved, allocated, partial, unallocated.
        :raises AccessError: the caller lacks the groups or may not read a line.
        :raises MissingError: a line does not exist.
        :raises UserError: no ids.
        """
        Alloc = self.env["wholtra.allocation"]
        Alloc._wholtra_check_group(
            "sales_team.group_sale_salesman", "stock.group_stock_user"
        )
        Alloc._wholtra_check_records(self)
        return self._wholtra_availability_rows()

    def _wholtra_availability_rows(self):
        to_string = fields.Datetime.to_string
        return [
            {
                "line_id": line.id,
                "product_id": line.product_id.id,
                "quantity": line.product_uom_qty,
                "on_hand": line.wholtra_qty_on_hand,
                "free": line.wholtra_qty_free,
                "incoming": line.wholtra_qty_incoming,
                "next_eta": to_string(line.wholtra_next_eta) or None,
                "reserved": line.wholtra_qty_reserved,
                "allocated": line.wholtra_qty_allocated,
                "allocation_status": line.wholtra_alloc_status,
                "promised_date": to_string(line.wholtra_promised_date) or None,
            }
            for line in self
            if not line.display_type
        ]

    def action_wholtra_view_allocations(self):
        """The allocations of these order lines (sales and inventory users)."""
        Alloc = self.env["wholtra.allocation"]
        Alloc._wholtra_check_group(
            "sales_team.group_sale_salesman", "stock.group_stock_user"
        )
        Alloc._wholtra_check_records(self)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "wholtra_inventory_alloc.wholtra_allocation_action"
        )
        action["domain"] = [("sale_line_id", "in", self.ids)]
        action["context"] = {"default_sale_line_id": self[:1].id}
        return action
