from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    wholtra_invoice_mode = fields.Selection(
        related="company_id.wholtra_invoice_mode",
        readonly=False,
    )
