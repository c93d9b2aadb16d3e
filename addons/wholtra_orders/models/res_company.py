from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    wholtra_enforce_account_terms = fields.Boolean(
        string="Enforce account terms",
        help="Block orders and deliveries of customers on credit hold, under the minimum order value or off the MOQ.",
    )
