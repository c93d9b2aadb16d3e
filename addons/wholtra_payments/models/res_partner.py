from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
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

    # ------------------------------------------------------------------
    # External API (JSON-2)
    # ------------------------------------------------------------------
    def _wholtra_api_customers(self, single=False):
        """The existing customers of the call, readable by the current user."""
        if not self or (single and len(self) != 1):
            raise UserError(
                self.env._("Choose one customer.")
                if single
                else self.env._("Choose the customers.")
            )
        if len(self.exists()) != len(self):
            raise MissingError(self.env._("Some of these customers do not exist."))
        self.check_access("read")
        return self

    def wholtra_create_statement_link(self, expiry_date=None):
        """Create the customer's statement link in the current company, or return its
        active one (a customer has one active link per company), as the Statement
        link button of the customer does.

        Invoicing users; statement links switched on in the Invoicing settings.

        :param str expiry_date: ISO date (YYYY-MM-DD) the link expires on, today or
            later; omitted: the link keeps its expiry (new link: the settings'
            validity days)
        :return: {"link_id": int, "partner_id": int (the commercial entity), "url":
            str, "state": "active", "expires": ISO date or null}
        :raise AccessError: not an invoicing user
        :raise UserError: not exactly one customer, statement links off
        :raise ValidationError: expiry date not a date or in the past
        :raise MissingError: unknown customer
        """
        Link = self.env["wholtra.statement.link"]
        Link._wholtra_check_billing()
        partner = self._wholtra_api_customers(single=True)
        vals = {}
        if expiry_date is not None:
            if not isinstance(expiry_date, str) or not expiry_date:
                raise ValidationError(
                    self.env._("The expiry date must be an ISO date (YYYY-MM-DD).")
                )
            vals["expiry_date"] = expiry_date
            Link._wholtra_check_expiry(vals)
        link = Link._wholtra_get_or_create_for_partner(partner)
        if vals:
            link.write(vals)
        return link._wholtra_api_values()

    def wholtra_get_collection_level(self):
        """Read where each customer stands in the collection sequence of the current
        company: its level (from the last collection run) and its overdue figures
        today (overdue = past due by more than the grace days, disputes excluded).

        Invoicing users.

        :return: [{"partner_id": int (commercial entity), "level": int or null (the
            wholtra.collection.level id), "level_name": str or null, "since": ISO
            date or null (when that level's action was taken), "next_action_date":
            ISO date or null (when the next level applies if nothing is paid),
            "overdue_amount": float, "days_overdue": int, "currency": str}]
        :raise AccessError: not an invoicing user
        :raise UserError: no customer given
        :raise MissingError: unknown customer
        """
        if not self.env.su and not self.env.user.has_group(
            "account.group_account_invoice"
        ):
            raise AccessError(
                self.env._("Only invoicing users can read collection levels.")
            )
        partners = self._wholtra_api_customers()
        commercials = partners.commercial_partner_id
        company = self.env.company
        currency = company.currency_id
        today = fields.Date.context_today(self)
        Status = self.env["wholtra.collection.status"]
        statuses = {
            status.partner_id: status
            for status in Status.search(
                [
                    ("partner_id", "in", commercials.ids),
                    ("company_id", "=", company.id),
                ]
            )
        }
        overdue = Status._wholtra_overdue_by_partner(company, today, commercials)
        levels = self.env["wholtra.collection.level"].search(
            [("company_id", "=", company.id)]
        )
        grace = self.env["account.move"]._wholtra_overdue_grace_days(company)
        result = []
        for partner in partners:
            commercial = partner.commercial_partner_id
            status = statuses.get(commercial, Status)
            amount, oldest, days = overdue.get(commercial, (0.0, False, 0))
            current = status.level_id.days_overdue or 0
            following = levels.filtered(lambda lv, c=current: lv.days_overdue > c)[:1]
            next_date = None
            if oldest and following and currency.compare_amounts(amount, 0) > 0:
                next_date = fields.Date.to_string(
                    max(
                        oldest + timedelta(days=grace + following.days_overdue),
                        today,
                    )
                )
            result.append(
                {
                    "partner_id": commercial.id,
                    "level": status.level_id.id or None,
                    "level_name": status.level_id.name or None,
                    "since": fields.Date.to_string(status.last_action_date) or None,
                    "next_action_date": next_date,
                    "overdue_amount": currency.round(amount),
                    "days_overdue": max(days, 0) if oldest else 0,
                    "currency": currency.name,
                }
            )
        return result

    @api.model
    def _wholtra_hold_set_by_sequence(self, held_sudo):
        """The holds the collection sequence set read as such, not as a credit
        manager's manual hold (one query, only when some customer is held)."""
        ids = super()._wholtra_hold_set_by_sequence(held_sudo)
        statuses = (
            self.env["wholtra.collection.status"]
            .sudo()
            .search_fetch(
                [
                    ("partner_id", "in", held_sudo.ids),
                    ("company_id", "=", self.env.company.id),
                    ("hold_set", "=", True),
                ],
                ["partner_id"],
            )
        )
        return ids | set(statuses.partner_id.ids)
