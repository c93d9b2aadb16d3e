from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    wholtra_statement_links_enabled = fields.Boolean(
        string="Customer statement links",
        help="One secure link per customer to pay any set of open invoices in one transaction.",
    )
