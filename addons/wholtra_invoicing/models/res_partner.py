from odoo import api, fields, models
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.fields import Domain

from .res_company import INVOICE_MODES
from .wholtra_ar_aging import BUCKET_AMOUNT_FIELDS

# Who decides how a customer is invoiced.
INVOICE_MODE_GROUP = "account.group_account_invoice"
AR_GROUPS = (
    "sales_team.group_sale_salesman,account.group_account_invoice,"
    "account.group_account_readonly"
)
# Who reads the aging of receivables by bucket over the API.
AGING_GROUPS = "account.group_account_invoice,account.group_account_readonly"


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

    # ------------------------------------------------------------------
    # External API (JSON-2)
    # ------------------------------------------------------------------
    def _wholtra_check_api_customers(self, groups):
        user = self.env.user
        if not (self.env.su or any(user.has_group(g) for g in groups.split(","))):
            raise AccessError(
                self.env._("You are not allowed to read customers' receivables.")
            )
        if not self:
            raise UserError(self.env._("Select at least one customer."))
        missing = self - self.exists()
        if missing:
            raise MissingError(
                self.env._(
                    "Some customers no longer exist (ids %(ids)s).",
                    ids=", ".join(map(str, missing.ids)),
                )
            )
        self.check_access("read")

    def wholtra_get_ar_status(self):
        """Receivable status and figures of customers (their commercial entity),
        in the current company's currency. Salespeople, billing users and
        accounting auditors.

        AR status: ``past_due`` (an invoice overdue by more than the company's
        grace days, disputed invoices excluded), else ``disputed`` (an open
        invoice in dispute), else ``partial`` (an open invoice partly paid),
        else ``open`` (something to pay), else ``paid`` (nothing open).

        :return: one dict per customer: ``partner_id``, ``ar_status``,
            ``total_due`` (open invoices less open credit notes),
            ``overdue_amount``, ``disputed_amount``, ``currency`` (ISO code).
        :raise AccessError: not allowed to read receivables or the customers.
        :raise MissingError: a customer does not exist.
        :raise UserError: no customer given.
        """
        self._wholtra_check_api_customers(AR_GROUPS)
        commercials = self.commercial_partner_id
        currency = self.env.company.currency_id
        Move = self.env["account.move"]
        open_domain = Domain(
            [
                ("commercial_partner_id", "in", commercials.ids),
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("company_id", "in", self.env.companies.ids),
            ]
        )
        # figures of the customer, not of the caller's own documents (as the
        # credit hold figures): read as superuser after the rights check
        groups = Move.sudo()._read_group(
            open_domain,
            ["commercial_partner_id", "wholtra_disputed", "payment_state"],
            ["amount_residual_signed:sum"],
        )
        overdue = Move._wholtra_overdue_groups(commercials, Move._wholtra_today())
        figures = {}
        for commercial, disputed, payment_state, amount in groups:
            fig = figures.setdefault(
                commercial.id,
                {"total": 0.0, "disputed": 0.0, "partial": False, "open": False},
            )
            fig["total"] += amount
            fig["open"] = True
            if disputed:
                fig["disputed"] += amount
            elif payment_state == "partial":
                fig["partial"] = True
        result = []
        for partner in self:
            commercial = partner.commercial_partner_id
            fig = figures.get(commercial.id, {})
            overdue_amount = overdue.get(commercial, (0.0,))[0]
            disputed_amount = fig.get("disputed", 0.0)
            if currency.compare_amounts(overdue_amount, 0.0) > 0:
                status = "past_due"
            elif fig and not currency.is_zero(disputed_amount):
                status = "disputed"
            elif fig.get("partial"):
                status = "partial"
            elif fig.get("open"):
                status = "open"
            else:
                status = "paid"
            result.append(
                {
                    "partner_id": partner.id,
                    "ar_status": status,
                    "total_due": currency.round(fig.get("total", 0.0)),
                    "overdue_amount": currency.round(overdue_amount),
                    "disputed_amount": currency.round(disputed_amount),
                    "currency": currency.name,
                }
            )
        return result

    def wholtra_get_aging(self, as_of=None):
        """Open receivables of customers (their commercial entity) by aging
        bucket, as the AR Aging report shows them (days overdue after the
        company's grace days; disputed invoices stay current). Billing users
        and accounting auditors.

        :param str as_of: ISO date (YYYY-MM-DD) to age on; default today.
        :return: per customer and currency: ``partner_id``, ``currency`` (ISO
            code), ``buckets`` (``0_current``, ``1_30``, ``31_60``, ``61_90``,
            ``91_plus``: amounts), ``total``. A customer with nothing open
            gets one entry of zeros in the company's currency.
        :raise AccessError: not a billing user / auditor, or no access to the
            customers.
        :raise MissingError: a customer does not exist.
        :raise UserError: no customer given, or ``as_of`` is not an ISO date.
        """
        self._wholtra_check_api_customers(AGING_GROUPS)
        day = None
        if as_of is not None:
            try:
                if not isinstance(as_of, str):
                    raise ValueError(as_of)
                day = fields.Date.to_date(as_of)
            except ValueError:
                raise UserError(
                    self.env._(
                        "The aging date must be an ISO date (YYYY-MM-DD), not "
                        "%(value)s.",
                        value=str(as_of)[:40],
                    )
                ) from None
        Aging = self.env["wholtra.ar.aging"].with_context(
            wholtra_aging_date=fields.Date.to_string(day) if day else False
        )
        Aging.check_access("read")
        commercials = self.commercial_partner_id
        amount_fields = list(BUCKET_AMOUNT_FIELDS.values())
        groups = Aging._read_group(
            [
                ("partner_id", "in", commercials.ids),
                ("company_id", "in", self.env.companies.ids),
            ],
            ["partner_id", "currency_id"],
            [f"{fname}:sum" for fname in amount_fields] + ["amount_residual:sum"],
        )
        by_partner = {}
        for partner, currency, *amounts in groups:
            by_partner.setdefault(partner.id, []).append((currency, amounts))
        company_currency = self.env.company.currency_id
        zeros = [0.0] * (len(amount_fields) + 1)
        result = []
        for partner in self:
            rows = by_partner.get(partner.commercial_partner_id.id) or [
                (company_currency, zeros)
            ]
            for currency, amounts in rows:
                result.append(
                    {
                        "partner_id": partner.id,
                        "currency": currency.name,
                        "buckets": {
                            key: currency.round(amount or 0.0)
                            for key, amount in zip(
                                BUCKET_AMOUNT_FIELDS, amounts, strict=False
                            )
                        },
                        "total": currency.round(amounts[-1] or 0.0),
                    }
                )
        return result
