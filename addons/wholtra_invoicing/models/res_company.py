from odoo import fields, models

INVOICE_MODES = [
    ("manual", "Manual"),
    ("dispatch", "Per dispatch"),
    ("periodic", "Periodic"),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    wholtra_invoice_mode = fields.Selection(
        selection=INVOICE_MODES,
        string="Invoicing of deliveries",
        default="manual",
        required=True,
        help="Manual: Odoo's standard invoicing. Per dispatch: one invoice per "
        "validated delivery. Periodic: one consolidated invoice per customer and "
        "period.",
    )
    wholtra_invoice_period = fields.Selection(
        selection=[("day", "Daily"), ("week", "Weekly"), ("month", "Monthly")],
        string="Consolidation period",
        default="week",
        required=True,
        help="Periodic mode: deliveries of a closed period are billed on one "
        "invoice per customer.",
    )
    wholtra_invoice_auto_post = fields.Boolean(
        string="Post dispatch invoices",
        help="Confirm the invoices created from deliveries and returns at once "
        "(otherwise they stay in draft for review).",
    )
    wholtra_invoice_send_email = fields.Boolean(
        string="Send dispatch invoices by email",
        help="Posted dispatch invoices are sent in the background with Odoo's "
        "invoice email template.",
    )
    wholtra_past_due_grace_days = fields.Integer(
        string="Past due after (days)",
        default=0,
        help="An open invoice gets the AR status 'Past due' when it is overdue by "
        "more than this number of days.",
    )

    _wholtra_past_due_grace_days_positive = models.Constraint(
        "CHECK(wholtra_past_due_grace_days >= 0)",
        "The number of days before an invoice is past due cannot be negative.",
    )
