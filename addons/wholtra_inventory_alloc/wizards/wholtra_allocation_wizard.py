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
                Command.create({"purchase_line_id": pl.id, "quantity": 0.0})
                for pl in self._get_open_supply(sol)
            ]
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
