from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

# who is promised what: order and inventory staff (not the vendor's portal)
INTERNAL = "sales_team.group_sale_salesman,stock.group_stock_user"
FIGURES = INTERNAL + ",purchase.group_purchase_user"
# maintained by the system only (allocation model, engine, raw SQL version bump)
SYSTEM_FIELDS = frozenset(
    {
        "wholtra_allocation_ids",
        "wholtra_alloc_version",
        "wholtra_proposal_sale_line_ids",
    }
)


class PurchaseOrderLine(models.Model):
    _inherit = "purchase.order.line"

    wholtra_allocation_ids = fields.One2many(
        "wholtra.allocation", "purchase_line_id", string="Allocations", groups=INTERNAL
    )
    wholtra_alloc_version = fields.Integer(
        copy=False,
        readonly=True,
        groups="base.group_user",
        help="Technical: bumped on each allocation change.",
    )
    wholtra_proposal_sale_line_ids = fields.Many2many(
        "sale.order.line",
        "wholtra_proposal_sale_line_rel",
        "purchase_line_id",
        "sale_line_id",
        string="Demand Served",
        copy=False,
        groups=FIGURES,
        help="Order lines this proposed purchase would serve.",
    )
    wholtra_qty_allocated = fields.Float(
        "Allocated",
        compute="_compute_wholtra_qty_allocated",
        digits="Product Unit",
        groups=FIGURES,
    )
    wholtra_qty_free = fields.Float(
        "Free to Allocate",
        compute="_compute_wholtra_qty_allocated",
        digits="Product Unit",
        groups=FIGURES,
    )

    # inbound supply by product: only lines still to receive (received history
    # does not grow it)
    _wholtra_open_supply_idx = models.Index(
        "(product_id, company_id) WHERE display_type IS NULL "
        "AND product_qty > qty_received"
    )

    @api.model
    def _wholtra_supply_domain(self, company):
        """Confirmed purchase lines of `company` still to receive (in SQL: the
        received history is never read)."""
        return Domain(
            [
                ("company_id", "=", company.id),
                ("order_id.state", "=", "purchase"),
                ("display_type", "=", False),
            ]
        ) & Domain.custom(
            to_sql=lambda model, alias, query: SQL(
                "%s > %s",
                model._field_to_sql(alias, "product_qty", query),
                model._field_to_sql(alias, "qty_received", query),
            ),
            predicate=lambda line: line.product_qty > line.qty_received,
        )

    def _wholtra_open_qty(self):
        """Quantity still to receive, in the product's unit."""
        self.ensure_one()
        if self.order_id.state != "purchase" or self.display_type:
            return 0.0
        received = self.qty_received
        if self.product_uom_id and self.product_uom_id != self.product_id.uom_id:
            received = self.product_uom_id._compute_quantity(
                received, self.product_id.uom_id
            )
        return max(self.product_uom_qty - received, 0.0)

    @api.depends(
        "wholtra_allocation_ids.quantity",
        "wholtra_allocation_ids.state",
        "product_uom_qty",
        "qty_received",
    )
    def _compute_wholtra_qty_allocated(self):
        # sudo: totals of the lines the user reads (purchase users have no access
        # to the allocations themselves)
        allocs_sudo = self.env["wholtra.allocation"].sudo()
        groups = dict(
            allocs_sudo._read_group(
                [
                    ("purchase_line_id", "in", self.filtered("id").ids),
                    ("state", "in", ("soft", "firm")),
                ],
                ["purchase_line_id"],
                ["quantity:sum"],
            )
        )
        for line in self:
            line.wholtra_qty_allocated = groups.get(line, 0.0)
            line.wholtra_qty_free = (
                max(line._wholtra_open_qty() - line.wholtra_qty_allocated, 0.0)
                if line.id
                else 0.0
            )

    # ------------------------------------------------------------------
    # PO changes
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                self._wholtra_check_guarded_vals(vals)
        return super().create(vals_list)

    def _wholtra_check_guarded_vals(self, vals):
        system = SYSTEM_FIELDS & set(vals)
        if system:
            raise UserError(
                self.env._(
                    "These purchase line fields are maintained by the allocation: "
                    "%(fields)s.",
                    fields=", ".join(sorted(system)),
                )
            )

    def write(self, vals):
        if not self.env.su:
            self._wholtra_check_guarded_vals(vals)
        watched = ("product_qty" in vals or "date_planned" in vals) and any(
            self.company_id.mapped("wholtra_allocation_enabled")
        )
        before = {}
        if watched:
            # sudo: purchase users change POs without access to the allocations
            lines_sudo = self.sudo()
            active = lines_sudo.wholtra_allocation_ids.filtered(
                lambda a: a.state in ("soft", "firm")
            )
            before = {line.id: line.date_planned for line in active.purchase_line_id}
        res = super().write(vals)
        if {"product_qty", "date_planned", "product_id"} & set(vals):
            self.env["wholtra.allocation.queue"]._wholtra_queue_lines(
                self.filtered(lambda pol: pol.order_id.state == "purchase")
            )
        if before:
            lines = self.browse(list(before))
            changed = lines._wholtra_shrink_allocations(notify=False)
            moved = lines.filtered(lambda pol: pol.date_planned != before[pol.id])
            reasons = []
            if changed:
                reasons.append(self.env._("The purchase order was reduced."))
            if moved:
                moved_sudo = moved.sudo()
                changed |= moved_sudo.wholtra_allocation_ids.filtered(
                    lambda a: a.state in ("soft", "firm")
                )
                reasons.append(self.env._("The expected receipt date changed."))
            if changed:
                lines._wholtra_notify_allocations(changed, reason=" ".join(reasons))
        return res

    def _wholtra_shrink_allocations(self, notify=True):
        """Release the allocations of lines whose open quantity dropped below what
        is allocated, in the one consumption order
        (`wholtra.allocation._wholtra_consume`, release: held customers and the
        lowest priority first, soft before firm). A system update: runs in sudo
        (the buyer changing the PO may not see allocations)."""
        lines_sudo = self.sudo()
        allocs = lines_sudo.wholtra_allocation_ids.filtered(
            lambda a: a.state in ("soft", "firm")
        )
        if not allocs:
            return allocs
        excess = {}
        for line, line_allocs in allocs.grouped("purchase_line_id").items():
            qty = sum(line_allocs.mapped("quantity")) - line._wholtra_open_qty()
            if line.product_id.uom_id.compare(qty, 0.0) > 0:
                excess[line] = qty
        taken = allocs._wholtra_consume(excess, "purchase_line_id", release=True)
        changed = allocs.browse([alloc.id for alloc, _qty, _held in taken])
        if changed and notify:
            self._wholtra_notify_allocations(
                changed,
                reason=self.env._("The purchase order was reduced or cancelled."),
            )
        return changed

    def _wholtra_notify_allocations(self, allocations, reason):
        """One activity per affected order for its salesperson, naming the order,
        the lines and their new promised dates."""
        allocations.sale_line_id._wholtra_notify_promise_change(reason)
