from odoo import api, fields, models
from odoo.exceptions import MissingError, UserError
from odoo.tools import SQL

BUCKETS = [
    ("0_current", "Current"),
    ("1_30", "1-30"),
    ("31_60", "31-60"),
    ("61_90", "61-90"),
    ("91_plus", "90+"),
]
# The amount column of each bucket (the keys of the External API's aging).
BUCKET_AMOUNT_FIELDS = {
    "0_current": "amount_current",
    "1_30": "amount_1_30",
    "31_60": "amount_31_60",
    "61_90": "amount_61_90",
    "91_plus": "amount_90_plus",
}


class WholtraArAging(models.Model):
    """Open receivable items of customers, aged as of today (or the date in
    the context key ``wholtra_aging_date``) in buckets by days overdue, as
    Wholtra defines overdue (due date plus the company's grace days, disputed
    invoices excluded)."""

    _name = "wholtra.ar.aging"
    _description = "AR Aging"
    _auto = False
    _order = "days_overdue desc, id"
    _rec_name = "move_id"
    _depends = {
        "account.move.line": [
            "move_id",
            "partner_id",
            "company_id",
            "company_currency_id",
            "date",
            "date_maturity",
            "amount_residual",
            "reconciled",
            "parent_state",
            "account_id",
        ],
        "account.move": [
            "commercial_partner_id",
            "invoice_date_due",
            "payment_state",
            "state",
            "invoice_user_id",
            "move_type",
            "wholtra_disputed",
        ],
    }

    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    invoice_user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    move_type = fields.Selection(
        selection=[
            ("out_invoice", "Invoice"),
            ("out_refund", "Credit Note"),
            ("entry", "Entry"),
            ("out_receipt", "Receipt"),
        ],
        string="Type",
        readonly=True,
    )
    date = fields.Date(readonly=True)
    date_maturity = fields.Date(string="Due date", readonly=True)
    days_overdue = fields.Integer(
        string="Days overdue", readonly=True, aggregator="max"
    )
    bucket = fields.Selection(selection=BUCKETS, string="Aging", readonly=True)
    disputed = fields.Boolean(string="In dispute", readonly=True)
    amount_residual = fields.Monetary(string="Open amount", readonly=True)
    amount_current = fields.Monetary(string="Current", readonly=True)
    amount_1_30 = fields.Monetary(string="1-30", readonly=True)
    amount_31_60 = fields.Monetary(string="31-60", readonly=True)
    amount_61_90 = fields.Monetary(string="61-90", readonly=True)
    amount_90_plus = fields.Monetary(string="90+", readonly=True)

    @api.model
    def _wholtra_aging_date(self):
        value = self.env.context.get("wholtra_aging_date")
        if not value:
            return fields.Date.context_today(self)
        try:
            return fields.Date.to_date(value)
        except (TypeError, ValueError):
            raise UserError(
                self.env._("The aging date %(date)s is not a valid date.", date=value)
            ) from None

    @property
    def _table_query(self):
        as_of = self._wholtra_aging_date()
        # Days overdue come from the one definition of overdue (wholtra_orders'
        # account.move._wholtra_overdue_domain / _wholtra_overdue_days): an open
        # customer invoice is overdue by as_of - due date - the company's grace
        # days when the definition says it is overdue (never when disputed);
        # everything else (credit notes, open payments) is current.
        Move = self.env["account.move"].sudo()
        companies = self.env["res.company"].sudo().search([])
        overdue = Move._search(Move._wholtra_overdue_domain(as_of, companies))
        grace = SQL(
            "CASE move.company_id %s ELSE 0 END",
            SQL(" ").join(
                SQL(
                    "WHEN %s THEN %s",
                    company.id,
                    Move._wholtra_overdue_grace_days(company),
                )
                for company in companies
            ),
        )

        # The overdue set is joined once (not one subplan per use of the days
        # in the buckets); the days are computed in the inner query and the
        # buckets from them. Open receivable items are found through the
        # partial index of account.move.line (_wholtra_open_receivable_idx),
        # whose predicate the WHERE clause repeats word for word.
        def bucket_amount(low, high):
            return SQL(
                "CASE WHEN base.days_overdue BETWEEN %s AND %s"
                " THEN base.amount_residual ELSE 0 END",
                low,
                high,
            )

        return SQL(
            """
            SELECT base.*,
                   CASE WHEN base.days_overdue = 0 THEN '0_current'
                        WHEN base.days_overdue <= 30 THEN '1_30'
                        WHEN base.days_overdue <= 60 THEN '31_60'
                        WHEN base.days_overdue <= 90 THEN '61_90'
                        ELSE '91_plus' END AS bucket,
                   %(current)s AS amount_current,
                   %(b1)s AS amount_1_30,
                   %(b2)s AS amount_31_60,
                   %(b3)s AS amount_61_90,
                   CASE WHEN base.days_overdue > 90 THEN base.amount_residual
                        ELSE 0 END AS amount_90_plus
              FROM (
                SELECT aml.id,
                       aml.move_id,
                       COALESCE(move.commercial_partner_id, aml.partner_id)
                           AS partner_id,
                       aml.company_id,
                       aml.company_currency_id AS currency_id,
                       move.invoice_user_id,
                       move.move_type,
                       aml.date,
                       COALESCE(aml.date_maturity, aml.date) AS date_maturity,
                       CASE WHEN overdue.id IS NOT NULL
                            THEN %(as_of)s::date - move.invoice_date_due - %(grace)s
                            ELSE 0 END AS days_overdue,
                       COALESCE(move.wholtra_disputed, FALSE) AS disputed,
                       aml.amount_residual
                  FROM account_move_line aml
                  JOIN account_move move ON move.id = aml.move_id
                  JOIN account_account account ON account.id = aml.account_id
                  LEFT JOIN (%(overdue)s) overdue ON overdue.id = move.id
                 WHERE NOT aml.reconciled
                   AND aml.amount_residual <> 0
                   AND aml.parent_state = 'posted'
                   AND account.account_type = 'asset_receivable'
                   AND aml.date <= %(as_of)s
              ) base
            """,
            current=bucket_amount(0, 0),
            b1=bucket_amount(1, 30),
            b2=bucket_amount(31, 60),
            b3=bucket_amount(61, 90),
            as_of=as_of,
            grace=grace,
            overdue=overdue.subselect(),
        )

    def action_open_move(self):
        """Open the invoice of one aging row (users who can read it)."""
        if len(self) != 1:
            raise UserError(self.env._("Open one receivable line at a time."))
        if not self.exists():
            raise MissingError(self.env._("This receivable line is no longer open."))
        self.check_access("read")
        self.move_id.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.move_id.id,
            "views": [(False, "form")],
        }
