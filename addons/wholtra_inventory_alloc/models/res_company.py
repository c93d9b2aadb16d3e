from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    wholtra_allocation_enabled = fields.Boolean(
        string="Allocate sales to inbound supply",
        help="Promise order lines against confirmed purchase order lines, by customer priority, with promised dates that follow the POs.",
    )
