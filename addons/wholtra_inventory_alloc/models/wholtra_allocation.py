import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

ACTIVE_STATES = ("soft", "firm")


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

    def _check_firm_access(self, vals_list=()):
        """Only inventory managers may create, change or delete firm allocations."""
        if self.env.su or self.env.user.has_group("stock.group_stock_manager"):
            return
        if any(v.get("state") == "firm" for v in vals_list) or any(
            a.state == "firm" for a in self
        ):
            raise UserError(
                self.env._(
                    "Firm allocations are protected: only an inventory manager can "
                    "create, change or release them."
                )
            )

    @api.model
    def _lock_lines(self, sale_lines, purchase_lines):
        """Lock the sale and purchase line rows so concurrent allocations of the
        same supply or demand are serialised."""
        if purchase_lines:
            self.env.execute_query(
                SQL(
                    "SELECT id FROM purchase_order_line WHERE id IN %s "
                    "ORDER BY id FOR UPDATE",
                    tuple(purchase_lines.ids),
                )
            )
        if sale_lines:
            self.env.execute_query(
                SQL(
                    "SELECT id FROM sale_order_line WHERE id IN %s "
                    "ORDER BY id FOR UPDATE",
                    tuple(sale_lines.ids),
                )
            )

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
            if qty is None or qty <= 0:
                raise ValidationError(
                    self.env._("An allocated quantity must be positive.")
                )
            if state not in ACTIVE_STATES:
                continue
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
        self._check_firm_access(vals_list)
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
        for vals in vals_list:
            if not vals.get("product_id") or not vals.get("company_id"):
                sl = sale_lines.browse(vals["sale_line_id"]).with_prefetch(
                    sale_lines._prefetch_ids
                )
                vals.setdefault("product_id", sl.product_id.id)
                vals.setdefault("company_id", sl.company_id.id)
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
        res = super().write(vals)
        self._touch_lines(*old_lines)
        return res

    def unlink(self):
        self._check_firm_access()
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
        if purchase_lines:
            self.env.execute_query(
                SQL(
                    "UPDATE purchase_order_line SET wholtra_alloc_version = "
                    "COALESCE(wholtra_alloc_version, 0) + 1 WHERE id IN %s",
                    tuple(purchase_lines.ids),
                )
            )
        if sale_lines:
            self.env.execute_query(
                SQL(
                    "UPDATE sale_order_line SET wholtra_alloc_version = "
                    "COALESCE(wholtra_alloc_version, 0) + 1 WHERE id IN %s",
                    tuple(sale_lines.ids),
                )
            )
        purchase_lines.invalidate_recordset(["wholtra_alloc_version"])
        sale_lines.invalidate_recordset(["wholtra_alloc_version"])

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_make_firm(self):
        self.filtered(lambda a: a.state == "soft").write({"state": "firm"})

    def action_make_soft(self):
        self.filtered(lambda a: a.state == "firm").write({"state": "soft"})

    def action_release(self):
        self.filtered(lambda a: a.state in ACTIVE_STATES).write({"state": "cancelled"})
