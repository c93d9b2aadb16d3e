from odoo import Command, api, fields, models
from odoo.exceptions import UserError


class WholtraAllocationWizard(models.TransientModel):
    _name = "wholtra.allocation.wizard"
    _description = "Allocate an order line to inbound purchase lines"

    sale_line_id = fields.Many2one("sale.order.line", required=True, readonly=True)
    product_id = fields.Many2one(related="sale_line_id.product_id")
    company_id = fields.Many2one(related="sale_line_id.company_id")
    qty_open = fields.Float(
        "Still to allocate", compute="_compute_qty_open", digits="Product Unit"
    )
    firm = fields.Boolean(
        help="Firm allocations are never re-planned by the engine; only an "
        "inventory manager can create them."
    )
    line_ids = fields.One2many(
        "wholtra.allocation.wizard.line", "wizard_id", string="Inbound Supply"
    )
    priority = fields.Integer(
        "Customer priority",
        compute="_compute_holders",
        help="Allocation priority of this order's customer (higher is served "
        "first when the engine re-plans).",
    )
    holder_ids = fields.Many2many(
        "wholtra.allocation",
        compute="_compute_holders",
        string="Held by",
        help="Orders the inbound supply of this product is allocated to, highest "
        "priority first.",
    )

    @api.depends("sale_line_id")
    def _compute_holders(self):
        """Who holds the confirmed inbound supply of the line's product: the
        open allocations of the other order lines (one search for all wizards)."""
        sols = self.sale_line_id
        Alloc = self.env["wholtra.allocation"]
        allocs = Alloc.search(
            [
                ("state", "in", ("soft", "firm")),
                ("product_id", "in", sols.product_id.ids),
                ("company_id", "in", sols.company_id.ids),
                ("purchase_line_id.order_id.state", "=", "purchase"),
            ],
            order="priority desc, date_expected, id",
        )
        priorities = self.env["sale.order.line"]._get_allocation_priority(
            sols.order_id.partner_id
        )
        for wizard in self:
            sol = wizard.sale_line_id
            wizard.holder_ids = allocs.filtered(
                lambda a, sol=sol: a.product_id == sol.product_id
                and a.company_id == sol.company_id
                and a.sale_line_id != sol
            )
            wizard.priority = priorities.get(sol.order_id.partner_id.id, 0)

    @api.depends("sale_line_id")
    def _compute_qty_open(self):
        for wizard in self:
            sol = wizard.sale_line_id
            wizard.qty_open = (
                max(
                    sol._wholtra_undelivered_qty()
                    - sol.wholtra_qty_reserved
                    - sol.wholtra_qty_allocated,
                    0.0,
                )
                if sol
                else 0.0
            )

    @api.model
    def default_get(self, fields):
        if not isinstance(fields, list | tuple) or not all(
            isinstance(name, str) for name in fields
        ):
            raise UserError(self.env._("Give the list of field names to default."))
        ctx_id = self.env.context.get("default_sale_line_id")
        if ctx_id is not None and (
            isinstance(ctx_id, bool) or not isinstance(ctx_id, int)
        ):
            raise UserError(self.env._("Open the wizard from an order line."))
        res = super().default_get(fields)
        sol_id = res.get("sale_line_id")
        if sol_id and (isinstance(sol_id, bool) or not isinstance(sol_id, int)):
            raise UserError(self.env._("Open the wizard from an order line."))
        sol = self.env["sale.order.line"].browse(sol_id).exists()
        if sol and "line_ids" in fields:
            res["line_ids"] = [
                Command.create({"purchase_line_id": pl.id, "quantity": qty})
                for pl, qty in self._default_quantities(sol)
            ]
        return res

    @api.model
    def _default_quantities(self, sale_line):
        """[(purchase line, quantity to allocate)]: the free supply, earliest
        ETA first, each line proposing what it can give of what the order line
        still misses (its free quantity, at most the open quantity not yet
        proposed by an earlier line)."""
        rounding = sale_line.product_id.uom_id
        todo = max(
            sale_line._wholtra_undelivered_qty()
            - sale_line.wholtra_qty_reserved
            - sale_line.wholtra_qty_allocated,
            0.0,
        )
        res = []
        for pl in self._get_open_supply(sale_line):
            qty = rounding.round(min(pl.wholtra_qty_free, todo), rounding_method="DOWN")
            res.append((pl, max(qty, 0.0)))
            todo -= qty
        return res

    @api.model
    def _get_open_supply(self, sale_line):
        """Confirmed purchase lines of the same product and company with free
        quantity, earliest ETA first."""
        lines = self.env["purchase.order.line"].search(
            [
                ("company_id", "=", sale_line.company_id.id),
                ("product_id", "=", sale_line.product_id.id),
                ("order_id.state", "=", "purchase"),
                ("display_type", "=", False),
            ],
            order="date_planned, id",
        )
        return lines.filtered(lambda pl: pl.wholtra_qty_free > 0)

    def action_allocate(self):
        """Create the allocations entered on the wizard (inventory users; firm:
        inventory managers). Quantities are checked against what the purchase
        lines still have to receive and the order line still has to deliver."""
        Alloc = self.env["wholtra.allocation"]
        Alloc._wholtra_check_group("stock.group_stock_user")
        Alloc._wholtra_check_records(self)
        if len(self) != 1:
            raise UserError(self.env._("Confirm one allocation wizard at a time."))
        if self.firm:
            Alloc._wholtra_check_group("stock.group_stock_manager")
        todo = self.line_ids.filtered(lambda wl: wl.quantity)
        if not self.line_ids:
            raise UserError(
                self.env._(
                    "No inbound supply of %(product)s is free: re-plan by priority, "
                    "or release an allocation of a lower-priority order.",
                    product=self.product_id.display_name,
                )
            )
        if not todo:
            raise UserError(self.env._("Enter a quantity on at least one line."))
        Alloc.create(
            [
                {
                    "sale_line_id": self.sale_line_id.id,
                    "purchase_line_id": wl.purchase_line_id.id,
                    "quantity": wl.quantity,
                    "state": "firm" if self.firm else "soft",
                }
                for wl in todo
            ]
        )
        return {"type": "ir.actions.act_window_close"}

    def action_replan(self):
        """Re-plan the line's product by customer priority (inventory users),
        with the engine's one rule (planned at once when its rows are free,
        queued for the re-plan scheduled action otherwise). Shows what changed,
        then the wizard again with the line's new allocation and its holders."""
        Alloc = self.env["wholtra.allocation"]
        Alloc._wholtra_check_group("stock.group_stock_user")
        Alloc._wholtra_check_records(self)
        if len(self) != 1:
            raise UserError(self.env._("Re-plan one order line at a time."))
        sol = self.sale_line_id
        sol._wholtra_check_allocatable()
        action = self.env["wholtra.allocation.engine"]._action_run(
            sol.company_id, products=sol.product_id
        )
        action["params"]["next"] = sol.action_wholtra_allocate()
        return action
