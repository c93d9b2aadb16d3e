import logging
import math
from collections import defaultdict
from datetime import datetime

from odoo import api, fields, models
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.tools import SQL, float_compare

_logger = logging.getLogger(__name__)

ACTIVE_STATES = ("soft", "firm")
FAR_FUTURE = datetime(9999, 12, 31)
MAX_QUANTITY = 1e12
STOCK_USER = "stock.group_stock_user"
STOCK_MANAGER = "stock.group_stock_manager"
SALESMAN = "sales_team.group_sale_salesman"
# Set only by the system (engine, receipts, PO/SO changes, the action buttons) in
# sudo: refused in create/write for everyone else.
SYSTEM_FIELDS = frozenset(
    {
        "priority",
        "order_id",
        "partner_id",
        "user_id",
        "purchase_id",
        "vendor_id",
        "product_uom_id",
        "date_expected",
        "date_promised",
        "late",
    }
)
# Fixed at creation: a different line, product or company is a new allocation
# (release this one, allocate again).
IMMUTABLE_FIELDS = frozenset(
    {"sale_line_id", "purchase_line_id", "product_id", "company_id"}
)


class WholtraAllocation(models.Model):
    _name = "wholtra.allocation"
    _description = "Allocation of a sale order line to an inbound purchase order line"
    _order = "date_expected, priority desc, id"
    _check_company_auto = True

    sale_line_id = fields.Many2one(
        "sale.order.line",
        string="Order Line",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    purchase_line_id = fields.Many2one(
        "purchase.order.line",
        string="Purchase Line",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    order_id = fields.Many2one(
        related="sale_line_id.order_id", store=True, index=True, string="Sale Order"
    )
    partner_id = fields.Many2one(
        related="sale_line_id.order_id.partner_id", store=True, string="Customer"
    )
    user_id = fields.Many2one(
        related="sale_line_id.order_id.user_id", string="Salesperson"
    )
    purchase_id = fields.Many2one(
        related="purchase_line_id.order_id", store=True, string="Purchase Order"
    )
    vendor_id = fields.Many2one(
        related="purchase_line_id.order_id.partner_id", store=True, string="Vendor"
    )
    product_id = fields.Many2one(
        "product.product", required=True, index=True, check_company=True
    )
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda s: s.env.company
    )
    quantity = fields.Float(
        required=True,
        digits="Product Unit",
        help="Quantity promised from the purchase line, in the product's unit.",
    )
    state = fields.Selection(
        [
            ("soft", "Soft"),
            ("firm", "Firm"),
            ("done", "Received"),
            ("cancelled", "Cancelled"),
        ],
        default="soft",
        required=True,
        index=True,
        help="Soft: the engine may re-plan it for a higher-priority customer. "
        "Firm: protected, only an inventory manager can change it. "
        "Received: the goods arrived and were reserved for the delivery.",
    )
    date_expected = fields.Datetime(
        related="purchase_line_id.date_planned", store=True, string="ETA"
    )
    priority = fields.Integer(
        help="Customer priority when the allocation was planned (higher first)."
    )
    date_promised = fields.Datetime(
        compute="_compute_date_promised", string="Promised Date"
    )
    late = fields.Boolean(compute="_compute_date_promised")

    _quantity_positive = models.Constraint(
        "CHECK(quantity > 0)", "An allocated quantity must be positive."
    )

    @api.depends("date_expected", "sale_line_id.customer_lead")
    def _compute_date_promised(self):
        for alloc in self:
            alloc.date_promised = alloc.date_expected and fields.Datetime.add(
                alloc.date_expected, days=alloc.sale_line_id.customer_lead or 0.0
            )
            commitment = alloc.order_id.commitment_date
            alloc.late = bool(
                commitment and alloc.date_promised and alloc.date_promised > commitment
            )

    @api.depends("sale_line_id", "purchase_line_id", "quantity")
    def _compute_display_name(self):
        for alloc in self:
            alloc.display_name = self.env._(
                "%(order)s ← %(po)s: %(qty)s %(product)s",
                order=alloc.order_id.name or "",
                po=alloc.purchase_id.name or "",
                qty=alloc.quantity,
                product=alloc.product_id.display_name or "",
            )

    # ------------------------------------------------------------------
    # Invariants
    # ------------------------------------------------------------------
    def _wholtra_trusted(self):
        """System updates (receipts, PO changes) adjust several allocations in one
        go and re-establish the invariants themselves; only honoured in sudo."""
        return self.env.su and self.env.context.get("wholtra_alloc_trusted")

    def _check_company(self, fnames=None):
        """System updates (sudo + trusted: the engine, receipts, PO/SO changes)
        link lines it took from one company's demand and supply: compared in
        one pass over the prefetched lines instead of Odoo's domain per record
        and field (seconds for thousands of allocations)."""
        if not self._wholtra_trusted():
            return super()._check_company(fnames)
        wrong = self.filtered(
            lambda a: a.sale_line_id.company_id != a.company_id
            or a.purchase_line_id.company_id != a.company_id
            or (a.product_id.company_id and a.product_id.company_id != a.company_id)
        )
        if wrong:
            raise UserError(
                self.env._(
                    "Order line, purchase line and product of an allocation belong "
                    "to its company: %(allocs)s.",
                    allocs=", ".join(wrong.mapped("display_name")),
                )
            )
        return None

    # ------------------------------------------------------------------
    # The one serving order (engine, receipts, releases)
    # ------------------------------------------------------------------
    @api.model
    def _wholtra_demand_key(self, line, priority=0, held=False):
        """THE order in which demand is served, everywhere: customers who can
        ship before customers on hold (see `sale.order.line._wholtra_held_lines`),
        then higher priority, the earliest commitment date (orders without one
        after), the oldest order, the first line. The engine plans in this order,
        receipts serve in it, releases go in its reverse."""
        order = line.order_id
        return (
            bool(held),
            -(priority or 0),
            order.commitment_date or FAR_FUTURE,
            order.date_order or FAR_FUTURE,
            order.id,
            line.id,
        )

    @api.model
    def _wholtra_serve_key(self, held_lines=None):
        """Sort key of allocations in serving order: the demand order of their
        order line (with the priority they were planned with), then the earliest
        ETA, then the oldest allocation."""
        held_ids = set(held_lines.ids) if held_lines else set()

        def key(alloc):
            line = alloc.sale_line_id
            return self._wholtra_demand_key(
                line, alloc.priority, line.id in held_ids
            ) + (alloc.date_expected or FAR_FUTURE, alloc.id)

        return key

    def _wholtra_consumption_order(self, release=False, held_lines=None):
        """These allocations in the order they are consumed: serving order, or
        for a release its reverse with soft ones before firm ones."""
        key = self._wholtra_serve_key(held_lines)
        if not release:
            return sorted(self, key=key)
        return sorted(
            sorted(self, key=key, reverse=True), key=lambda a: a.state == "firm"
        )

    def _wholtra_consume(self, quantities, group_by, release=False):
        """The one rule that consumes allocations (receipts, reduced purchase
        lines, reduced or delivered order lines).

        :param dict quantities: {line: quantity in the product unit} where line is
            a purchase line (``group_by="purchase_line_id"``) or an order line
            (``group_by="sale_line_id"``); consumed from the active allocations of
            ``self`` on that line.
        :param bool release: False: goods received, consumed in serving order;
            the consumed part is marked received (a part is split off as a
            received record). Held customers come last and what reaches them is
            released instead: they cannot ship, the goods stay free for Odoo's
            reservation (held deliveries last, see `stock.move._action_assign`).
            True: supply or demand went away, consumed in the reverse order, soft
            before firm; the consumed part is cancelled (a part is deducted).
        :return: [(allocation, quantity taken, held)] in consumption order.

        A system update (sudo): the user receiving or changing an order may not
        see the allocations.
        """
        lines = self.env[self._fields[group_by].comodel_name].union(*quantities)
        allocs = self.sudo().filtered(
            lambda a: a.state in ACTIVE_STATES and a[group_by] in lines
        )
        if not allocs:
            return []
        held_lines = allocs.sale_line_id._wholtra_held_lines()
        allocs_sudo = allocs.with_context(wholtra_alloc_trusted=True)
        by_line = allocs.grouped(group_by)
        taken = []
        for line, qty in quantities.items():
            line_allocs = by_line.get(line)
            if not line_allocs:
                continue
            uom = line.product_id.uom_id
            for alloc in line_allocs._wholtra_consumption_order(release, held_lines):
                if uom.compare(qty, 0.0) <= 0:
                    break
                take = min(qty, alloc.quantity)
                qty -= take
                taken.append((alloc, take, alloc.sale_line_id in held_lines))
        # only the allocations that change are written; what is received (not a
        # release) bumps its lines: lock them first, in the one lock order
        received = self.browse(
            [alloc.id for alloc, _take, held in taken if not (release or held)]
        )
        if received:
            self._lock_lines(received.sale_line_id, received.purchase_line_id)
        for alloc, take, held in taken:
            uom = alloc.product_id.uom_id
            state = "cancelled" if release or held else "done"
            alloc_sudo = allocs_sudo.browse(alloc.id)
            if uom.compare(take, alloc.quantity) >= 0:
                alloc_sudo.write({"state": state})
            else:
                alloc_sudo.write({"quantity": alloc.quantity - take})
                if state == "done":
                    alloc_sudo.copy({"quantity": take, "state": "done"})
        return taken

    # ------------------------------------------------------------------
    # Access helpers (also used by the buttons of the other models)
    # ------------------------------------------------------------------
    @api.model
    def _wholtra_check_group(self, *groups):
        """AccessError unless the user belongs to one of `groups` (or sudo)."""
        if self.env.su or any(self.env.user.has_group(g) for g in groups):
            return
        names = (
            self.env["res.groups"].browse([self.env.ref(g).id for g in groups]).sudo()
        )
        raise AccessError(
            self.env._(
                "This is reserved to: %(groups)s.",
                groups=", ".join(names.mapped("full_name")),
            )
        )

    @api.model
    def _wholtra_check_records(self, records, operation="read"):
        """Refuse an empty selection, records that no longer exist and records
        the user may not access (other company)."""
        if not records:
            raise UserError(self.env._("Select at least one record first."))
        if len(records.exists()) != len(records):
            raise MissingError(self.env._("The record was deleted or does not exist."))
        records.check_access(operation)

    def _check_firm_access(self, vals_list=()):
        """Only inventory managers may create, change or delete firm allocations."""
        if self.env.su or self.env.user.has_group(STOCK_MANAGER):
            return
        if any(v.get("state") == "firm" for v in vals_list) or any(
            a.state == "firm" for a in self
        ):
            raise AccessError(
                self.env._(
                    "Firm allocations are protected: only an inventory manager can "
                    "create, change or release them."
                )
            )

    @api.model
    def _check_quantity_value(self, qty):
        """A real, finite number, positive once rounded to the field's precision
        (refuses None, strings, NaN, inf, and 0.001 that would be stored as 0)."""
        if (
            isinstance(qty, bool)
            or not isinstance(qty, int | float)
            or not math.isfinite(qty)
            or qty <= 0
            # beyond any real supply, and too big to round (1e308)
            or qty >= MAX_QUANTITY
            or float_compare(
                qty,
                0.0,
                precision_digits=self._fields["quantity"].get_digits(self.env)[1],
            )
            <= 0
        ):
            raise ValidationError(
                self.env._(
                    "An allocated quantity must be a positive number below " "%(max)s.",
                    max=f"{MAX_QUANTITY:,.0f}",
                )
            )

    @api.model
    def _check_create_vals(self, vals_list):
        """What a user (not the system) may give when creating allocations."""
        for vals in vals_list:
            if not isinstance(vals, dict):
                raise ValidationError(self.env._("Invalid allocation values."))
            system = SYSTEM_FIELDS & set(vals)
            if system:
                raise UserError(
                    self.env._(
                        "These allocation fields are set by the system: %(fields)s.",
                        fields=", ".join(sorted(system)),
                    )
                )
            if vals.get("state", "soft") not in ACTIVE_STATES:
                raise UserError(
                    self.env._(
                        "A new allocation is soft or firm: it is marked received by "
                        "the receipt of the goods and cancelled by releasing it."
                    )
                )
            for fname in ("sale_line_id", "purchase_line_id"):
                value = vals.get(fname)
                if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                    raise ValidationError(
                        self.env._(
                            "An allocation needs an order line and a purchase line."
                        )
                    )
            for fname in ("product_id", "company_id"):
                value = vals.get(fname)
                if value is not None and (
                    isinstance(value, bool) or not isinstance(value, int)
                ):
                    raise ValidationError(self.env._("Invalid allocation values."))
            self._check_quantity_value(vals.get("quantity"))

    def _check_write_vals(self, vals):
        """What a user (not the system) may change on existing allocations: the
        quantity of an open one. The state moves through the buttons, the links
        never change (release it and allocate again)."""
        system = (SYSTEM_FIELDS | {"state"}) & set(vals)
        if system:
            raise UserError(
                self.env._(
                    "These allocation fields are set by the system: %(fields)s. Use "
                    "the Make firm, Make soft and Release buttons to change the "
                    "state of an allocation.",
                    fields=", ".join(sorted(system)),
                )
            )
        for fname in IMMUTABLE_FIELDS & set(vals):
            if any(alloc[fname].id != vals[fname] for alloc in self):
                raise UserError(
                    self.env._(
                        "The order line, purchase line, product and company of an "
                        "allocation cannot change: release it and allocate again."
                    )
                )
        if "quantity" in vals:
            self._check_quantity_value(vals["quantity"])
            closed = self.filtered(lambda a: a.state not in ACTIVE_STATES)
            if closed:
                raise UserError(
                    self.env._(
                        "Received or cancelled allocations keep their quantity: "
                        "%(allocs)s.",
                        allocs=", ".join(closed.mapped("display_name")),
                    )
                )

    @api.model
    def _lock_lines(self, sale_lines, purchase_lines, nowait=False):
        """Lock the sale and purchase line rows so concurrent allocations of the
        same supply or demand are serialised. Always purchase lines then sale
        lines, ids ascending (one lock order everywhere: no deadlock).
        `nowait`: raise LockNotAvailable (or SerializationFailure when a row
        changed since this transaction began) at once when another transaction
        holds one of them, logged by no one: the caller handles it. Only the
        lock statements are rolled back (a savepoint without flush: nothing is
        written in it), so the transaction goes on."""
        mode = SQL("FOR UPDATE NOWAIT") if nowait else SQL("FOR UPDATE")
        statements = [
            SQL(
                "SELECT id FROM %s WHERE id IN %s ORDER BY id %s",
                SQL.identifier(table),
                tuple(sorted(lines.ids)),
                mode,
            )
            for table, lines in (
                ("purchase_order_line", purchase_lines),
                ("sale_order_line", sale_lines),
            )
            if lines
        ]
        if not nowait:
            for statement in statements:
                self.env.cr.execute(statement)
            return
        with self.env.cr.savepoint(flush=False):
            for statement in statements:
                self.env.cr.execute(statement, log_exceptions=False)

    @api.model
    def _allocated_sums(self, field, ids, exclude_ids=()):
        """Active allocated quantity per line, read from the database (not the
        cache) after the lines were locked."""
        if not ids:
            return {}
        column = SQL.identifier(field)
        rows = self.env.execute_query(
            SQL(
                "SELECT %s, SUM(quantity) FROM wholtra_allocation "
                "WHERE %s IN %s AND state IN %s AND id NOT IN %s GROUP BY %s",
                column,
                column,
                tuple(ids),
                ACTIVE_STATES,
                tuple(exclude_ids) or (0,),
                column,
            )
        )
        return dict(rows)

    @api.model
    def _check_new_quantities(self, rows, exclude_ids=()):
        """Validate (sale_line, purchase_line, product, company, qty, state) rows
        before anything is written. Raises ValidationError with a clerk message."""
        SaleLine = self.env["sale.order.line"]
        PurchaseLine = self.env["purchase.order.line"]
        sale_lines = SaleLine.browse({r[0] for r in rows})
        purchase_lines = PurchaseLine.browse({r[1] for r in rows})
        for sl_id, pl_id, product_id, company_id, qty, state in rows:
            sl = sale_lines.browse(sl_id).with_prefetch(sale_lines._prefetch_ids)
            pl = purchase_lines.browse(pl_id).with_prefetch(
                purchase_lines._prefetch_ids
            )
            self._check_quantity_value(qty)
            if state not in ACTIVE_STATES:
                continue
            if not sl.product_id.is_storable:
                raise ValidationError(
                    self.env._(
                        "Only storable products are allocated to inbound supply "
                        "(%(so)s).",
                        so=sl.order_id.name,
                    )
                )
            if sl.product_id != pl.product_id or (
                product_id and product_id != sl.product_id.id
            ):
                raise ValidationError(
                    self.env._(
                        "Order line %(so)s (%(p1)s) cannot be allocated to purchase "
                        "line %(po)s (%(p2)s): the products differ.",
                        so=sl.order_id.name,
                        p1=sl.product_id.display_name,
                        po=pl.order_id.name,
                        p2=pl.product_id.display_name,
                    )
                )
            product_uom = sl.product_id.uom_id
            if any(
                uom
                and uom != product_uom
                and not uom._has_common_reference(product_uom)
                for uom in (sl.product_uom_id, pl.product_uom_id)
            ):
                raise ValidationError(
                    self.env._(
                        "The units of %(so)s and %(po)s cannot be converted into the "
                        "unit of %(product)s.",
                        so=sl.order_id.name,
                        po=pl.order_id.name,
                        product=sl.product_id.display_name,
                    )
                )
            if sl.company_id != pl.company_id or (
                company_id and company_id != sl.company_id.id
            ):
                raise ValidationError(
                    self.env._(
                        "Order %(so)s and purchase order %(po)s belong to different "
                        "companies.",
                        so=sl.order_id.name,
                        po=pl.order_id.name,
                    )
                )
            if pl.order_id.state != "purchase":
                raise ValidationError(
                    self.env._(
                        "Purchase order %(po)s is not confirmed: only confirmed "
                        "purchase orders can be allocated.",
                        po=pl.order_id.name,
                    )
                )
            if sl.order_id.state != "sale":
                raise ValidationError(
                    self.env._(
                        "Order %(so)s is not confirmed: confirm it before "
                        "allocating supply.",
                        so=sl.order_id.name,
                    )
                )
        self._lock_lines(sale_lines, purchase_lines)
        po_taken = self._allocated_sums(
            "purchase_line_id", purchase_lines.ids, exclude_ids
        )
        so_taken = self._allocated_sums("sale_line_id", sale_lines.ids, exclude_ids)
        po_asked, so_asked = defaultdict(float), defaultdict(float)
        for sl_id, pl_id, _p, _c, qty, state in rows:
            if state in ACTIVE_STATES:
                po_asked[pl_id] += qty
                so_asked[sl_id] += qty
        for pl in purchase_lines:
            uom = pl.product_id.uom_id
            open_qty = pl._wholtra_open_qty()
            taken = po_taken.get(pl.id, 0.0)
            if uom.compare(taken + po_asked[pl.id], open_qty) > 0:
                raise ValidationError(
                    self.env._(
                        "Purchase order %(po)s: only %(free)s %(uom)s of %(product)s "
                        "left to allocate (%(open)s still to receive, %(taken)s "
                        "already allocated); %(asked)s asked.",
                        po=pl.order_id.name,
                        free=max(open_qty - taken, 0.0),
                        open=open_qty,
                        taken=taken,
                        asked=po_asked[pl.id],
                        uom=uom.name,
                        product=pl.product_id.display_name,
                    )
                )
        for sl in sale_lines:
            uom = sl.product_id.uom_id
            open_qty = sl._wholtra_undelivered_qty()
            taken = so_taken.get(sl.id, 0.0)
            if uom.compare(taken + so_asked[sl.id], open_qty) > 0:
                raise ValidationError(
                    self.env._(
                        "Order %(so)s: only %(free)s %(uom)s of %(product)s left to "
                        "allocate (%(open)s still to deliver, %(taken)s already "
                        "allocated); %(asked)s asked.",
                        so=sl.order_id.name,
                        free=max(open_qty - taken, 0.0),
                        open=open_qty,
                        taken=taken,
                        asked=so_asked[sl.id],
                        uom=uom.name,
                        product=sl.product_id.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            self.check_access("create")
            self._check_create_vals(vals_list)
        self._check_firm_access(vals_list)
        vals_list = [dict(vals) for vals in vals_list]
        if any(
            not v.get("sale_line_id") or not v.get("purchase_line_id")
            for v in vals_list
        ):
            raise ValidationError(
                self.env._("An allocation needs an order line and a purchase line.")
            )
        sale_lines = self.env["sale.order.line"].browse(
            [v["sale_line_id"] for v in vals_list]
        )
        if not self.env.su:
            purchase_lines = self.env["purchase.order.line"].browse(
                [v["purchase_line_id"] for v in vals_list]
            )
            if set(sale_lines.exists().ids) != set(sale_lines.ids) or set(
                purchase_lines.exists().ids
            ) != set(purchase_lines.ids):
                raise MissingError(
                    self.env._("The order line or purchase line does not exist.")
                )
        if any("priority" not in v for v in vals_list):
            priorities = self.env["sale.order.line"]._get_allocation_priority(
                sale_lines.order_id.partner_id
            )
        for vals in vals_list:
            sl = sale_lines.browse(vals["sale_line_id"]).with_prefetch(
                sale_lines._prefetch_ids
            )
            if not vals.get("product_id") or not vals.get("company_id"):
                vals.setdefault("product_id", sl.product_id.id)
                vals.setdefault("company_id", sl.company_id.id)
            if "priority" not in vals:
                vals["priority"] = priorities.get(sl.order_id.partner_id.id, 0)
        rows = [
            (
                v["sale_line_id"],
                v["purchase_line_id"],
                v["product_id"],
                v["company_id"],
                v.get("quantity"),
                v.get("state", "soft"),
            )
            for v in vals_list
        ]
        if not self._wholtra_trusted():
            self._check_new_quantities(rows)
        allocations = super().create(vals_list)
        allocations._touch_lines()
        return allocations

    def write(self, vals):
        if not self.env.su:
            self.check_access("write")
            self._check_write_vals(vals)
        self._check_firm_access([vals])
        keys = {"quantity", "state", "sale_line_id", "purchase_line_id", "product_id"}
        if keys & set(vals) and not self._wholtra_trusted():
            rows = [
                (
                    vals.get("sale_line_id", a.sale_line_id.id),
                    vals.get("purchase_line_id", a.purchase_line_id.id),
                    vals.get("product_id", a.product_id.id),
                    vals.get("company_id", a.company_id.id),
                    vals.get("quantity", a.quantity),
                    vals.get("state", a.state),
                )
                for a in self
            ]
            self._check_new_quantities(rows, exclude_ids=self.ids)
        old_lines = (self.sale_line_id, self.purchase_line_id)
        releases = self._wholtra_is_release(vals)
        res = super().write(vals)
        if not releases:
            self._touch_lines(*old_lines)
        return res

    def _wholtra_is_release(self, vals):
        """True when `vals` only gives quantity back (cancelled, or a lower
        quantity) on active allocations: a concurrent transaction that read the
        lines before us can then only have seen less room than there is — it
        cannot over-allocate — so their rows are not bumped (a delivery or a
        reduced order does not collide with the confirmations planning the
        same purchase lines)."""
        if set(vals) - {"state", "quantity"} or not self:
            return False
        if "state" in vals and vals["state"] != "cancelled":
            return False
        if any(a.state not in ACTIVE_STATES for a in self):
            return False
        qty = vals.get("quantity")
        return qty is None or all(
            a.product_id.uom_id.compare(qty, a.quantity) <= 0 for a in self
        )

    def unlink(self):
        self._check_firm_access()
        if not self.env.su and any(a.state == "done" for a in self):
            raise UserError(
                self.env._(
                    "Received allocations record what a receipt served; they "
                    "cannot be deleted."
                )
            )
        old_lines = (self.sale_line_id, self.purchase_line_id)
        res = super().unlink()
        self.browse()._touch_lines(*old_lines)
        return res

    def _touch_lines(self, sale_lines=None, purchase_lines=None):
        """Bump the locked rows so a concurrent transaction that read them before
        us gets a serialisation error (and is retried) instead of over-allocating."""
        sale_lines = (sale_lines or self.env["sale.order.line"]) | self.sale_line_id
        purchase_lines = (
            purchase_lines or self.env["purchase.order.line"]
        ) | self.purchase_line_id
        # rows locked in one order everywhere (purchase then sale lines, ids
        # ascending, as `_lock_lines`): two transactions never deadlock here
        for table, lines in (
            ("purchase_order_line", purchase_lines),
            ("sale_order_line", sale_lines),
        ):
            if not lines:
                continue
            self.env.execute_query(
                SQL(
                    "UPDATE %(t)s SET wholtra_alloc_version = "
                    "COALESCE(wholtra_alloc_version, 0) + 1 WHERE id IN ("
                    "SELECT id FROM %(t)s WHERE id IN %(ids)s ORDER BY id FOR UPDATE)",
                    t=SQL.identifier(table),
                    ids=tuple(sorted(lines.ids)),
                )
            )
        purchase_lines.invalidate_recordset(["wholtra_alloc_version"])
        sale_lines.invalidate_recordset(["wholtra_alloc_version"])

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def _check_state_action(self, group, states):
        self._wholtra_check_group(group)
        self._wholtra_check_records(self, "write")
        wrong = self.filtered(lambda a: a.state not in states)
        if wrong:
            raise UserError(
                self.env._(
                    "Not possible in the current state of %(allocs)s.",
                    allocs=", ".join(wrong.mapped("display_name")),
                )
            )
        self._check_firm_access()

    def _wholtra_set_state(self, group, states, new_state):
        """The one state change of the buttons and the API: rights, existence,
        current state, firm protection, then the write (sudo: a system update
        the checks above authorised)."""
        self._check_state_action(group, states)
        self.sudo().write({"state": new_state})

    def _wholtra_api_result(self):
        return [
            {"allocation_id": a.id, "state": a.state, "quantity": a.quantity}
            for a in self
        ]

    def action_make_firm(self):
        """Protect soft allocations from re-planning (inventory managers)."""
        self._wholtra_set_state(STOCK_MANAGER, ("soft",), "firm")
        return True

    def action_make_soft(self):
        """Let the engine re-plan firm allocations again (inventory managers)."""
        self._wholtra_set_state(STOCK_MANAGER, ("firm",), "soft")
        return True

    def action_release(self):
        """Give the quantity back to the purchase line (inventory users; firm
        allocations: inventory managers)."""
        self._wholtra_set_state(STOCK_USER, ACTIVE_STATES, "cancelled")
        return True

    # ------------------------------------------------------------------
    # External API (JSON-2)
    # ------------------------------------------------------------------
    def wholtra_release(self):
        """Release active allocations: their quantity goes back to the purchase line.

        Caller: Inventory / User; a firm allocation: Inventory / Administrator.

        :return: ``[{"allocation_id": int, "state": "cancelled", "quantity": float}]``
        :raises UserError: no ids, or an allocation is not soft or firm.
        :raises MissingError: an id does not exist.
        :raises AccessError: the caller lacks the group, or the allocation is firm
            and the caller is not an inventory manager.
        """
        self._wholtra_set_state(STOCK_USER, ACTIVE_STATES, "cancelled")
        return self._wholtra_api_result()

    def wholtra_make_firm(self):
        """Make soft allocations firm: the engine no longer re-plans them.

        Caller: Inventory / Administrator.

        :return: ``[{"allocation_id": int, "state": "firm", "quantity": float}]``
        :raises UserError: no ids, or an allocation is not soft.
        :raises MissingError: an id does not exist.
        :raises AccessError: the caller is not an inventory manager.
        """
        self._wholtra_set_state(STOCK_MANAGER, ("soft",), "firm")
        return self._wholtra_api_result()

    def wholtra_make_soft(self):
        """Make firm allocations soft again: the engine may re-plan them.

        Caller: Inventory / Administrator.

        :return: ``[{"allocation_id": int, "state": "soft", "quantity": float}]``
        :raises UserError: no ids, or an allocation is not firm.
        :raises MissingError: an id does not exist.
        :raises AccessError: the caller is not an inventory manager.
        """
        self._wholtra_set_state(STOCK_MANAGER, ("firm",), "soft")
        return self._wholtra_api_result()
