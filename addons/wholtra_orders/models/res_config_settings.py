from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    wholtra_enforce_account_terms = fields.Boolean(
        related="company_id.wholtra_enforce_account_terms",
        readonly=False,
    )
