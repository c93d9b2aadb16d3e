from odoo import fields, models


class WholtraCollectionLevel(models.Model):
    _name = "wholtra.collection.level"
    _description = "Collection Level"
    _order = "company_id, days_overdue, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    active = fields.Boolean(default=True)
    days_overdue = fields.Integer(
        required=True,
        help="The level applies when the customer's oldest overdue invoice (disputed "
        "invoices excluded) is overdue by at least this many days: days past the "
        "due date minus the company's grace days (Past due after).",
    )
    action = fields.Selection(
        [("email", "Send email"), ("email_hold", "Send email and put on hold")],
        required=True,
        default="email",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email template",
        domain="[('model', '=', 'res.partner')]",
        help="Sent to the customer when it reaches this level. In the template, "
        "object._wholtra_collection_reminder_values() gives the overdue amount, the "
        "overdue invoices and the statement link, computed when the mail is rendered.",
    )
    partner_count = fields.Integer(compute="_compute_partner_count", string="Customers")

    _days_positive = models.Constraint(
        "CHECK(days_overdue > 0)", "A collection level starts at 1 day overdue or more."
    )
    _days_uniq = models.UniqueIndex(
        "(company_id, days_overdue) WHERE active",
        "Two active collection levels cannot start on the same day overdue.",
    )

    def _compute_partner_count(self):
        counts = dict(
            self.env["wholtra.collection.status"]._read_group(
                [("level_id", "in", self.ids)], ["level_id"], ["__count"]
            )
        )
        for level in self:
            level.partner_count = counts.get(level, 0)
