from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    wholtra_statement_links_enabled = fields.Boolean(
        related="company_id.wholtra_statement_links_enabled",
        readonly=False,
    )
