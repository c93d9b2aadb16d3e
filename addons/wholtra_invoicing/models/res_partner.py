from odoo import api, fields, models

from .res_company import INVOICE_MODES


class ResPartner(models.Model):
    _inherit = "res.partner"

    wholtra_invoice_mode = fields.Selection(
        selection=INVOICE_MODES,
        string="Invoicing of deliveries",
        help="Overrides the company's invoicing mode for this customer. Empty: "
        "company default.",
    )
    wholtra_overdue_invoice_count = fields.Integer(
        string="Past due invoices",
        compute="_compute_wholtra_overdue",
        help="Posted invoices with the AR status 'Past due' (disputed invoices "
        "are not counted).",
    )
    wholtra_overdue_amount = fields.Monetary(
        string="Past due amount",
        compute="_compute_wholtra_overdue",
        currency_field="currency_id",
    )

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + ["wholtra_invoice_mode"]

    def _wholtra_get_invoice_mode(self, company=None):
        """Effective invoicing mode of this customer in ``company``."""
        self.ensure_one()
        company = company or self.env.company
        return self.commercial_partner_id.wholtra_invoice_mode or (
            company.wholtra_invoice_mode
        )

    def _compute_wholtra_overdue(self):
        groups = self.env["account.move"]._read_group(
            [
                ("commercial_partner_id", "in", self.commercial_partner_id.ids),
                ("wholtra_ar_status", "=", "past_due"),
                ("company_id", "in", self.env.companies.ids),
            ],
            groupby=["commercial_partner_id"],
            aggregates=["__count", "amount_residual_signed:sum"],
        )
        result = {partner: (count, amount) for partner, count, amount in groups}
        for partner in self:
            count, amount = result.get(partner.commercial_partner_id, (0, 0.0))
            partner.wholtra_overdue_invoice_count = count
            partner.wholtra_overdue_amount = amount
