from odoo import fields, models


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
