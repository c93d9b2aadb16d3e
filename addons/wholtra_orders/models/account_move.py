from datetime import timedelta

from odoo import api, models
from odoo.fields import Domain


class AccountMove(models.Model):
    """The one definition of "overdue" in Wholtra.

    An invoice is overdue on a date when it is a posted customer invoice with
    something left to pay whose due date, plus the company's grace days, lies
    before that date. The overdue hold, the customer intelligence panel, the
    invoice AR status and the collection sequence all read it from here:

    - ``_wholtra_overdue_domain(as_of)``: the invoices overdue on ``as_of``;
    - ``_wholtra_overdue_days(as_of)``: how many days one invoice is overdue;
    - ``_wholtra_overdue_groups(commercials, as_of)``: amount, count and oldest
      due date per customer, in company currency, in one query.

    Hooks: ``_wholtra_overdue_grace_days(company)`` (0 here; wholtra_invoicing
    returns the company's grace days) and ``_wholtra_overdue_exclusion_domain()``
    (nothing here; wholtra_invoicing excludes invoices in dispute).
    """

    _inherit = "account.move"

    # the open receivables of a customer (unpaid figure of the intelligence panel,
    # res.partner._wholtra_receivable_groups): without it a seq scan of every
    # journal entry per panel (50 ms at 46k entries, linear beyond)
    _wholtra_open_receivable_idx = models.Index(
        "(commercial_partner_id) WHERE move_type IN ('out_invoice', 'out_refund') "
        "AND state = 'posted' AND payment_state IN ('not_paid', 'partial')"
    )

    @api.model
    def _wholtra_overdue_grace_days(self, company):
        """Days after the due date before an invoice of ``company`` counts as
        overdue."""
        return 0

    @api.model
    def _wholtra_overdue_exclusion_domain(self):
        """Open invoices that are never counted as overdue (hook)."""
        return Domain.FALSE

    @api.model
    def _wholtra_overdue_domain(self, as_of, companies=None):
        """Customer invoices overdue on ``as_of`` in ``companies`` (default: the
        companies of the environment)."""
        companies = self.env.companies if companies is None else companies
        due_before = Domain.OR(
            Domain("company_id", "=", company.id)
            & Domain(
                "invoice_date_due",
                "<",
                as_of - timedelta(days=self._wholtra_overdue_grace_days(company)),
            )
            for company in companies
        )
        return (
            Domain(
                [
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
                ]
            )
            & due_before
            & ~self._wholtra_overdue_exclusion_domain()
        )

    def _wholtra_overdue_days(self, as_of):
        """Days this invoice is overdue on ``as_of`` (0 when it is not)."""
        self.ensure_one()
        if not self.filtered_domain(
            self._wholtra_overdue_domain(as_of, self.company_id)
        ):
            return 0
        grace = self._wholtra_overdue_grace_days(self.company_id)
        return (as_of - self.invoice_date_due).days - grace

    @api.model
    def _wholtra_overdue_groups(self, commercials, as_of, companies=None):
        """{commercial partner: (amount, count, oldest due date)} of the invoices
        overdue on ``as_of``; amounts in company currency (residual, signed)."""
        domain = self._wholtra_overdue_domain(as_of, companies) & Domain(
            "commercial_partner_id", "in", commercials.ids
        )
        groups = self.sudo()._read_group(
            domain,
            ["commercial_partner_id"],
            ["amount_residual_signed:sum", "__count", "invoice_date_due:min"],
        )
        return {
            partner: (amount, count, oldest)
            for partner, amount, count, oldest in groups
        }
