from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    wholtra_invoice_mode = fields.Selection(
        related="company_id.wholtra_invoice_mode",
        readonly=False,
    )
    wholtra_invoice_period = fields.Selection(
        related="company_id.wholtra_invoice_period",
        readonly=False,
    )
    wholtra_invoice_auto_post = fields.Boolean(
        related="company_id.wholtra_invoice_auto_post",
        readonly=False,
    )
    wholtra_invoice_send_email = fields.Boolean(
        related="company_id.wholtra_invoice_send_email",
        readonly=False,
    )
    wholtra_past_due_grace_days = fields.Integer(
        related="company_id.wholtra_past_due_grace_days",
        readonly=False,
    )
