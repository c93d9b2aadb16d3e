from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import format_amount

# Who decides that a customer pays cash on delivery.
COD_GROUPS = (
    "account.group_account_invoice",
    "wholtra_orders.group_wholtra_credit_manager",
)


class ResPartner(models.Model):
    _inherit = "res.partner"

    wholtra_statement_link_ids = fields.One2many(
        "wholtra.statement.link",
        "partner_id",
        string="Statement links",
        groups="account.group_account_invoice",
    )

    wholtra_cod = fields.Boolean(
        string="Cash on delivery",
        groups="base.group_user",
        help="Deliveries to this customer are paid to the driver (when cash on "
        "delivery is enabled in the settings). Set by billing users and credit "
        "managers.",
    )
    wholtra_statement_links_enabled = fields.Boolean(
        compute="_compute_wholtra_statement_links_enabled", groups="base.group_user"
    )

    @api.depends_context("company")
    def _compute_wholtra_statement_links_enabled(self):
        self.wholtra_statement_links_enabled = (
            self.env.company.wholtra_statement_links_enabled
        )

    def _wholtra_collection_reminder_values(self):
        """What a collection reminder tells this customer, computed when the mail is
        rendered (by the collection sequence or from *Send message*), from the one
        definition of overdue (``account.move._wholtra_overdue_domain``) in the
        current company:

        - ``amount``: the overdue amount (company currency) and ``amount_text`` the
          same, formatted;
        - ``invoices``: the overdue invoices, oldest due first;
        - ``url``: the customer's statement link (created when missing; False when
          statement links are off).

        The date is the collection run's (``wholtra_collection_date`` in the
        context), else today. Invoices and the link are read in sudo: whoever may
        send a reminder to the customer states what it owes."""
        self.ensure_one()
        commercial = self.commercial_partner_id
        company = self.env.company
        currency = company.currency_id
        today = self.env.context.get(
            "wholtra_collection_date"
        ) or fields.Date.context_today(self)
        moves_sudo = self.env["account.move"].sudo()
        amount, _count, _oldest = moves_sudo._wholtra_overdue_groups(
            commercial, today, company
        ).get(commercial, (0.0, 0, False))
        invoices_sudo = moves_sudo.search(
            moves_sudo._wholtra_overdue_domain(today, company)
            & Domain("commercial_partner_id", "=", commercial.id),
            order="invoice_date_due, id",
        )
        url = False
        if company.wholtra_statement_links_enabled:
            url = (
                self.env["wholtra.statement.link"]
                .sudo()
                .with_company(company)
                ._wholtra_get_or_create_for_partner(commercial)
                .url
            )
        return {
            "amount": amount,
            "amount_text": format_amount(self.env, amount, currency),
            "currency": currency,
            "invoices": invoices_sudo,
            "url": url,
        }

    @api.model
    def _commercial_fields(self):
        return [*super()._commercial_fields(), "wholtra_cod"]

    # ------------------------------------------------------------------
    # Cash on delivery: a billing / credit decision
    # ------------------------------------------------------------------
    @api.model
    def _wholtra_can_set_cod(self):
        user = self.env.user
        return self.env.su or any(user.has_group(group) for group in COD_GROUPS)

    def _wholtra_check_cod_vals(self, vals):
        """Only billing users and credit managers decide that a customer pays cash on
        delivery. Others may only leave it as it is, or copy it from the contact's
        company (Odoo syncs commercial fields to contacts)."""
        if (
            not isinstance(vals, dict)
            or "wholtra_cod" not in vals
            or self._wholtra_can_set_cod()
        ):
            return
        new = bool(vals["wholtra_cod"])
        records_sudo = self.sudo()
        if not records_sudo:  # create
            parent_id = vals.get("parent_id")
            parent_sudo = records_sudo.browse(
                parent_id if isinstance(parent_id, int) else []
            )
            allowed = not new or (
                parent_sudo.exists()
                and parent_sudo.commercial_partner_id.wholtra_cod == new
            )
        else:
            allowed = all(
                partner.wholtra_cod == new
                or (
                    "parent_id" not in vals
                    and "is_company" not in vals
                    and partner.commercial_partner_id != partner
                    and partner.commercial_partner_id.wholtra_cod == new
                )
                for partner in records_sudo
            )
        if not allowed:
            raise AccessError(
                self.env._(
                    "Only billing users and credit managers can change whether a "
                    "customer pays cash on delivery."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._wholtra_check_cod_vals(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._wholtra_check_cod_vals(vals)
        return super().write(vals)

    def action_wholtra_statement_link(self):
        """Open the customer's statement link (created when missing). Invoicing users
        only."""
        Link = self.env["wholtra.statement.link"]
        Link._wholtra_check_billing()
        partner = self.exists()
        if len(partner) != 1:
            raise UserError(self.env._("Choose one customer."))
        partner.check_access("read")
        link = Link._wholtra_get_or_create_for_partner(partner)
        return {
            "type": "ir.actions.act_window",
            "res_model": "wholtra.statement.link",
            "res_id": link.id,
            "view_mode": "form",
            "target": "current",
        }
