import math

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..models.wholtra_allocation import MAX_QUANTITY


class WholtraAllocationWizardLine(models.TransientModel):
    _name = "wholtra.allocation.wizard.line"
    _description = "Inbound supply line offered for allocation"

    wizard_id = fields.Many2one(
        "wholtra.allocation.wizard", required=True, ondelete="cascade"
    )
    purchase_line_id = fields.Many2one(
        "purchase.order.line", required=True, readonly=True
    )
    purchase_id = fields.Many2one(related="purchase_line_id.order_id")
    vendor_id = fields.Many2one(related="purchase_line_id.order_id.partner_id")
    date_planned = fields.Datetime(
        related="purchase_line_id.date_planned", string="ETA"
    )
    qty_free = fields.Float(
        related="purchase_line_id.wholtra_qty_free",
        string="Free",
        digits="Product Unit",
    )
    quantity = fields.Float("To Allocate", digits="Product Unit")

    @api.model
    def _check_quantity_vals(self, vals):
        """A finite number of zero or more (the ORM cannot round NaN or inf)."""
        if "quantity" not in vals:
            return
        qty = vals["quantity"]
        if qty is False or qty is None:
            return
        if (
            isinstance(qty, bool)
            or not isinstance(qty, int | float)
            or not math.isfinite(qty)
            or qty < 0
            or qty >= MAX_QUANTITY
        ):
            raise ValidationError(
                self.env._(
                    "The quantity to allocate must be zero or a positive number."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if isinstance(vals, dict):
                self._check_quantity_vals(vals)
        return super().create(vals_list)

    def write(self, vals):
        if isinstance(vals, dict):
            self._check_quantity_vals(vals)
        return super().write(vals)
