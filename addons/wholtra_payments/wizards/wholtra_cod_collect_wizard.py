from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..models.stock_picking import COD_METHODS
from ..tools import AMOUNT_CEILING, to_amount, to_id


class WholtraCodCollectWizard(models.TransientModel):
    _name = "wholtra.cod.collect.wizard"
    _description = "Record Cash on Delivery Collection"

    picking_id = fields.Many2one(
        "stock.picking", string="Delivery", required=True, readonly=True
    )
    partner_id = fields.Many2one(related="picking_id.partner_id", string="Customer")
    currency_id = fields.Many2one(related="picking_id.wholtra_cod_currency_id")
    expected_amount = fields.Monetary(related="picking_id.wholtra_cod_expected")
    amount = fields.Monetary(string="Amount collected", required=True)
    method = fields.Selection(COD_METHODS, required=True, default="cash")
    reference = fields.Char(help="Cheque number or card terminal receipt.")
    driver_id = fields.Many2one(
        "res.users", string="Driver", required=True, default=lambda self: self.env.user
    )
    difference = fields.Monetary(compute="_compute_difference")

    @api.model
    def _wholtra_check_amount_value(self, vals):
        if "amount" not in vals:
            return
        amount = to_amount(vals["amount"])
        if amount is not None and abs(amount) >= AMOUNT_CEILING:
            raise ValidationError(
                self.env._("The amount collected is not a plausible amount.")
            )
        if amount is None:
            raise ValidationError(self.env._("The amount collected must be a number."))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._wholtra_check_amount_value(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._wholtra_check_amount_value(vals)
        return super().write(vals)

    @api.depends("amount", "expected_amount")
    def _compute_difference(self):
        for wizard in self:
            wizard.difference = wizard.amount - wizard.expected_amount

    def action_confirm(self):
        """Record the collection on the delivery, then resume its validation.

        Inventory users only; the amount must be a finite positive number within what
        the customer can owe, checked before anything is written."""
        if not self.env.su and not self.env.user.has_group("stock.group_stock_user"):
            raise AccessError(
                self.env._("Only inventory users record cash-on-delivery collections.")
            )
        wizard = self.exists()
        if len(wizard) != 1:
            raise UserError(self.env._("Open the collection from the delivery."))
        if wizard.method in ("cheque", "card") and not wizard.reference:
            raise UserError(
                self.env._("Enter the cheque number or the card terminal receipt.")
            )
        picking = wizard.picking_id
        picking.check_access("write")
        picking._wholtra_cod_record(
            wizard.amount, wizard.method, wizard.reference, wizard.driver_id
        )
        raw_ids = self.env.context.get("button_validate_picking_ids") or picking.ids
        if not isinstance(raw_ids, list | tuple):
            raw_ids = picking.ids
        validate_ids = [to_id(value) for value in raw_ids]
        if None in validate_ids:
            validate_ids = picking.ids
        pickings = self.env["stock.picking"].browse(validate_ids).exists()
        return (pickings or picking).button_validate()
