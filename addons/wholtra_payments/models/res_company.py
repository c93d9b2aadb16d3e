from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    wholtra_statement_links_enabled = fields.Boolean(
        string="Customer statement links",
        help="One secure link per customer to pay any set of open invoices in one "
        "transaction.",
    )
    wholtra_statement_link_validity_days = fields.Integer(
        string="Statement link validity (days)",
        help="New statement links expire after this many days. 0 = no expiry.",
    )
    wholtra_statement_overpay_tolerance = fields.Monetary(
        string="Statement overpayment tolerance",
        currency_field="currency_id",
        help="How much a customer may pay above the balance of the invoices selected "
        "on the statement (it stays as credit on the account). 0 = never more than "
        "the balance.",
    )
    wholtra_payment_matching_enabled = fields.Boolean(
        string="Payment matching",
        help="Propose how customer payments without invoice reference settle the "
        "customer's open invoices: exact amount first, then oldest due first.",
    )
    wholtra_cod_enabled = fields.Boolean(
        string="Cash on delivery",
        help="Deliveries of COD customers cannot be validated until the driver records "
        "the amount collected.",
    )
    wholtra_cod_journal_id = fields.Many2one(
        "account.journal",
        string="COD journal",
        domain="[('type', 'in', ('cash', 'bank')), ('company_id', '=', id)]",
        help="Journal receiving the cash/cheque/card amounts collected by drivers. "
        "Empty = the first cash journal of the company, else its first bank journal.",
    )
    wholtra_collection_enabled = fields.Boolean(
        string="Collection sequence",
        help="A daily scheduled action sends reminder levels to customers with "
        "overdue invoices and puts them on hold at the hold level.",
    )
    wholtra_collection_lift_hold = fields.Boolean(
        string="Lift hold when paid",
        default=True,
        help="When a customer on a collection hold has no overdue invoice left, the "
        "hold set by the collection sequence is lifted automatically.",
    )

    def _wholtra_cod_payment_journal(self):
        """The journal COD payments are posted in: the configured one, else the
        company's first cash journal, else its first bank journal (Odoo's generic
        chart has only a bank journal). Empty when the company has neither."""
        self.ensure_one()
        if self.wholtra_cod_journal_id:
            return self.wholtra_cod_journal_id
        journals_sudo = (
            self.env["account.journal"]
            .sudo()
            .search(
                [("type", "in", ("cash", "bank")), ("company_id", "=", self.id)],
                order="sequence, id",
            )
        )
        return (
            journals_sudo.filtered(lambda j: j.type == "cash")[:1]
            or (journals_sudo[:1])
        )

    _wholtra_overpay_tolerance_positive = models.Constraint(
        "CHECK(wholtra_statement_overpay_tolerance >= 0)",
        "The statement overpayment tolerance cannot be negative.",
    )
