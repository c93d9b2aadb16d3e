from odoo import api, fields, models
from odoo.exceptions import AccessError

from .res_company import INVOICE_MODES

# Who decides how a customer is invoiced.
INVOICE_MODE_GROUP = "account.group_account_invoice"
AR_GROUPS = (
    "sales_team.group_sale_salesman,account.group_account_invoice,"
    "account.group_account_readonly"
)


class ResPartner(models.Model):
    _inherit = "res.partner"

    wholtra_invoice_mode = fields.Selection(
        selection=INVOICE_MODES,
        string="Invoicing of deliveries",
        groups="base.group_user",
        help="Overrides the company's invoicing mode for this customer. Empty: "
        "company default. Set by billing users.",
    )
    wholtra_overdue_invoice_count = fields.Integer(
        string="Past due invoices",
        compute="_compute_wholtra_overdue",
        groups=AR_GROUPS,
        help="Posted invoices overdue by more than the company's grace days "
        "(disputed invoices are not counted). The amount is the customer's "
        "Overdue figure.",
    )

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + ["wholtra_invoice_mode"]

    # ------------------------------------------------------------------
    # Invoicing mode: a billing decision
    # ------------------------------------------------------------------
    @api.model
    def _wholtra_can_set_invoice_mode(self):
        return self.env.su or self.env.user.has_group(INVOICE_MODE_GROUP)

    def _wholtra_check_invoice_mode_vals(self, vals):
        """Only billing users choose how a customer is invoiced. Others may
        only leave it as it is, or copy it from the contact's company (Odoo
        syncs commercial fields to contacts)."""
        if (
            not isinstance(vals, dict)
            or "wholtra_invoice_mode" not in vals
            or self._wholtra_can_set_invoice_mode()
        ):
            return
        new = vals["wholtra_invoice_mode"] or False
        records_sudo = self.sudo()
        if not records_sudo:  # create
            parent_id = vals.get("parent_id")
            parent_sudo = records_sudo.browse(
                parent_id if isinstance(parent_id, int) else []
            )
            allowed = not new or (
                parent_sudo.exists()
                and parent_sudo.commercial_partner_id.wholtra_invoice_mode == new
            )
        else:
            allowed = all(
                (partner.wholtra_invoice_mode or False) == new
                or (
                    "parent_id" not in vals
                    and "is_company" not in vals
                    and partner.commercial_partner_id != partner
                    and partner.commercial_partner_id.wholtra_invoice_mode == new
                )
                for partner in records_sudo
            )
        if not allowed:
            raise AccessError(
                self.env._(
                    "Only billing users can change how a customer's deliveries "
                    "are invoiced."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._wholtra_check_invoice_mode_vals(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._wholtra_check_invoice_mode_vals(vals)
        return super().write(vals)

    def _wholtra_get_invoice_mode(self, company=None):
        """Effective invoicing mode of this customer in ``company``."""
        self.ensure_one()
        company = company or self.env.company
        return self.commercial_partner_id.wholtra_invoice_mode or (
            company.wholtra_invoice_mode
        )

    def _compute_wholtra_overdue(self):
        today = fields.Date.context_today(self)
        groups = self.env["account.move"]._wholtra_overdue_groups(
            self.commercial_partner_id, today
        )
        for partner in self:
            group = groups.get(partner.commercial_partner_id)
            partner.wholtra_overdue_invoice_count = group[1] if group else 0
