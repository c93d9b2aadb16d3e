from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    wholtra_invoice_mode = fields.Selection(
        selection=[
            ("manual", "Manual"),
            ("dispatch", "Per dispatch"),
            ("periodic", "Periodic"),
        ],
        string="Invoicing of deliveries",
        default="manual",
        required=True,
        help="Manual: Odoo's standard invoicing. Per dispatch: one invoice per validated delivery. Periodic: one consolidated invoice per customer and period.",
    )
