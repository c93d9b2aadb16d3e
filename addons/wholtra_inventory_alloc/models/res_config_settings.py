from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    wholtra_allocation_enabled = fields.Boolean(
        related="company_id.wholtra_allocation_enabled",
        readonly=False,
    )
