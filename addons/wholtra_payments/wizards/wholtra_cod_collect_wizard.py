from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.stock_picking import COD_METHODS


class WholtraCodCollectWizard(models.TransientModel):
    _name = "wholtra.cod.collect.wizard"
    _description = "Record Cash on Delivery Collection"

    picking_id = fields.Many2one("stock.picking", required=True, readonly=True)
    partner_id = fields.Many2one(related="picking_id.partner_id")
    currency_id = fields.Many2one(related="picking_id.wholtra_cod_currency_id")
    expected_amount = fields.Monetary(related="picking_id.wholtra_cod_expected")
    amount = fields.Monetary(string="Amount collected", required=True)
    method = fields.Selection(COD_METHODS, required=True, default="cash")
    reference = fields.Char(help="Cheque number or card terminal receipt.")
    driver_id = fields.Many2one(
        "res.users", string="Driver", required=True, default=lambda self: self.env.user
    )
    difference = fields.Monetary(compute="_compute_difference")

    @api.depends("amount", "expected_amount")
    def _compute_difference(self):
        for wizard in self:
            wizard.difference = wizard.amount - wizard.expected_amount

    def action_confirm(self):
        """Record the collection on the delivery, then resume its validation."""
        self.ensure_one()
        if self.amount < 0:
            raise UserError(self.env._("The amount collected cannot be negative."))
        if self.method in ("cheque", "card") and not self.reference:
            raise UserError(
                self.env._("Enter the cheque number or the card terminal receipt.")
            )
        picking = self.picking_id
        if picking.state in ("done", "cancel"):
            raise UserError(self.env._("This delivery is already closed."))
        picking.sudo().write(self._prepare_picking_values())
        validate_ids = (
            self.env.context.get("button_validate_picking_ids") or picking.ids
        )
        return self.env["stock.picking"].browse(validate_ids).button_validate()

    def _prepare_picking_values(self):
        return {
            "wholtra_cod_amount": self.amount,
            "wholtra_cod_method": self.method,
            "wholtra_cod_reference": self.reference,
            "wholtra_cod_driver_id": self.driver_id.id,
            "wholtra_cod_date": fields.Date.context_today(self),
        }
