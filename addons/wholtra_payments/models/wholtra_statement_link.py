import math
import secrets
import uuid
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, consteq, float_repr

from odoo.addons.payment import utils as payment_utils

from ..tools import AMOUNT_CEILING, to_amount, to_id

BILLING = "account.group_account_invoice"
# Set when the link is created or revoked, never typed: a changed partner or company
# would show another customer's invoices to whoever holds the link.
PROTECTED_FIELDS = ("access_token", "revoke_date", "partner_id", "company_id")
# A transaction still open on the statement blocks a second payment of the same
# invoices; a draft one (never confirmed by the provider) only for this long.
PENDING_DRAFT_MINUTES = 60


def _new_token(_model=None):
    return secrets.token_urlsafe(32)


class WholtraStatementLink(models.Model):
    _name = "wholtra.statement.link"
    _description = "Customer Statement Link"
    _order = "id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        domain="[('parent_id', '=', False)]",
        help="The commercial entity whose open invoices the link shows.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    access_token = fields.Char(
        required=True, copy=False, readonly=True, default=_new_token
    )
    active = fields.Boolean(default=True)
    expiry_date = fields.Date(
        string="Expires on",
        default=lambda self: self._default_expiry_date(),
        help="Empty = the link does not expire.",
    )
    revoke_date = fields.Datetime(string="Revoked on", readonly=True, copy=False)
    url = fields.Char(string="Link", compute="_compute_url")
    transaction_ids = fields.One2many(
        "payment.transaction", "wholtra_statement_link_id", string="Transactions"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_open = fields.Monetary(
        string="Total owed",
        compute="_compute_amounts_owed",
        help="Balance of the customer's open invoices in the link's company, in "
        "company currency: what the statement page shows as total owed.",
    )
    amount_overdue = fields.Monetary(
        string="Overdue",
        compute="_compute_amounts_owed",
        help="Part of the total owed that is overdue (grace days and disputes as in "
        "the collection sequence).",
    )

    _token_uniq = models.UniqueIndex(
        "(access_token)", "A statement link token is unique."
    )
    _one_active_per_customer = models.UniqueIndex(
        "(partner_id, company_id) WHERE active",
        "A customer has only one active statement link per company: revoke the old "
        "one first.",
    )

    @api.model
    def _default_expiry_date(self):
        days = self.env.company.wholtra_statement_link_validity_days
        return fields.Date.context_today(self) + timedelta(days=days) if days else False

    @api.depends("access_token")
    def _compute_url(self):
        for link in self:
            link.url = link.id and f"{link.get_base_url()}{link._wholtra_portal_path()}"

    @api.depends("partner_id", "company_id")
    def _compute_amounts_owed(self):
        """One grouped read for all links (open, then overdue), company currency."""
        links = self.filtered(lambda link: link.partner_id and link.company_id)
        (self - links).update({"amount_open": 0.0, "amount_overdue": 0.0})
        if not links:
            return
        Move = self.env["account.move"]
        domain = self._wholtra_open_invoices_base_domain() & Domain(
            [
                ("commercial_partner_id", "in", links.partner_id.ids),
                ("company_id", "in", links.company_id.ids),
            ]
        )
        overdue_domain = domain & Move._wholtra_overdue_domain(
            fields.Date.context_today(self), links.company_id
        )
        groupby = ["commercial_partner_id", "company_id"]
        aggregate = ["amount_residual_signed:sum"]
        owed = {
            (partner.id, company.id): total
            for partner, company, total in Move._read_group(domain, groupby, aggregate)
        }
        overdue = {
            (partner.id, company.id): total
            for partner, company, total in Move._read_group(
                overdue_domain, groupby, aggregate
            )
        }
        for link in links:
            key = (link.partner_id.id, link.company_id.id)
            link.amount_open = owed.get(key, 0.0)
            link.amount_overdue = overdue.get(key, 0.0)

    def _compute_display_name(self):
        for link in self:
            link.display_name = self.env._(
                "Statement of %(partner)s", partner=link.partner_id.display_name
            )

    # ------------------------------------------------------------------
    # Guards: links are created by billing users; the token, the customer, the
    # company and the revocation are set by the code, never typed.
    # ------------------------------------------------------------------
    @api.model
    def _wholtra_check_billing(self):
        if not self.env.su and not self.env.user.has_group(BILLING):
            raise AccessError(
                self.env._("Only invoicing users can manage customer statement links.")
            )

    @api.model
    def _wholtra_check_expiry(self, vals):
        if not vals.get("expiry_date"):
            return
        try:
            expiry = fields.Date.to_date(vals["expiry_date"])
        except (TypeError, ValueError) as error:
            raise ValidationError(
                self.env._("The expiry date of a statement link is not a valid date.")
            ) from error
        if expiry < fields.Date.context_today(self):
            raise ValidationError(
                self.env._(
                    "A statement link cannot expire in the past (%(date)s): revoke it "
                    "instead.",
                    date=expiry,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._wholtra_check_billing()
        partner_ids = []
        for vals in vals_list:
            if not self.env.su and {"access_token", "revoke_date"} & vals.keys():
                raise AccessError(
                    self.env._(
                        "The token and the revocation date of a statement link are set "
                        "by Odoo."
                    )
                )
            partner_id = to_id(vals.get("partner_id"))
            if partner_id is None:
                raise ValidationError(self.env._("Choose the customer of the link."))
            partner_ids.append(partner_id)
            self._wholtra_check_expiry(vals)
        partners = self.env["res.partner"].browse(partner_ids)
        if len(partners.exists()) != len(set(partner_ids)):
            raise ValidationError(self.env._("Choose the customer of the link."))
        if partners.filtered("parent_id"):
            raise ValidationError(
                self.env._(
                    "A statement link belongs to the customer company, not to one of "
                    "its contacts."
                )
            )
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            if protected := set(PROTECTED_FIELDS) & vals.keys():
                raise AccessError(
                    self.env._(
                        "%(fields)s of a statement link cannot be changed: revoke the "
                        "link and create a new one.",
                        fields=", ".join(
                            self._fields[name].string for name in sorted(protected)
                        ),
                    )
                )
            if "active" in vals:
                if vals["active"] and self.filtered("revoke_date"):
                    raise UserError(
                        self.env._(
                            "A revoked statement link cannot be restored: create a new "
                            "one."
                        )
                    )
                if not vals["active"]:
                    # Archiving is revoking: done by the method that owns it.
                    self.action_revoke()
                    vals = {k: v for k, v in vals.items() if k != "active"}
                    if not vals:
                        return True
        self._wholtra_check_expiry(vals)
        return super().write(vals)

    def _wholtra_portal_path(self):
        self.ensure_one()
        return f"/wholtra/statement/{self.id}/{self.access_token}"

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_revoke(self):
        """Revoke the links: the customer can no longer open or pay through them."""
        self._wholtra_check_billing()
        links = self.exists()
        if not links:
            raise UserError(self.env._("Choose the statement link to revoke."))
        links.check_access("write")
        links_sudo = links.filtered("active").sudo()
        links_sudo.write({"active": False, "revoke_date": fields.Datetime.now()})
        return True

    def action_open_portal(self):
        """Open the customer's statement page in a new tab."""
        self._wholtra_check_billing()
        link = self.exists()
        if len(link) != 1:
            raise UserError(self.env._("Choose one statement link to open."))
        link.check_access("read")
        return {"type": "ir.actions.act_url", "url": link.url, "target": "new"}

    # ------------------------------------------------------------------
    # External API (JSON-2): one link per call, plain JSON answers
    # ------------------------------------------------------------------
    def _wholtra_state(self):
        """``revoked``, ``expired``, ``disabled`` (statement links switched off in
        the company) or ``active``: whether the customer can open the link."""
        self.ensure_one()
        if not self.active or self.revoke_date:
            return "revoked"
        if self.expiry_date and self.expiry_date < fields.Date.context_today(self):
            return "expired"
        if not self.company_id.wholtra_statement_links_enabled:
            return "disabled"
        return "active"

    def _wholtra_api_values(self):
        self.ensure_one()
        return {
            "link_id": self.id,
            "partner_id": self.partner_id.id,
            "url": self.url,
            "state": self._wholtra_state(),
            "expires": fields.Date.to_string(self.expiry_date) or None,
        }

    def _wholtra_api_one(self):
        """The one existing link of the call, readable by the current invoicing user."""
        self._wholtra_check_billing()
        if len(self) != 1:
            raise UserError(self.env._("Choose one statement link."))
        if not self.exists():
            raise MissingError(self.env._("This statement link does not exist."))
        self.check_access("read")
        return self

    def wholtra_get_url(self):
        """Read the link's public URL (built from the database's web.base.url).

        Invoicing users; one link.

        :return: {"link_id": int, "partner_id": int, "url": str, "state":
            "active", "expired", "revoked" or "disabled", "expires": ISO date or null}
        :raise AccessError: not an invoicing user
        :raise UserError: not exactly one link
        :raise MissingError: unknown link
        """
        return self._wholtra_api_one()._wholtra_api_values()

    def wholtra_send(self):
        """Mail the link to the customer (mail template *Statement link*, posted in
        the customer's chatter), as the Send button of the link does.

        Invoicing users; one active link; the customer (or its invoice address)
        needs an email.

        :return: {"link_id": int, "sent_to": [email, ...]}
        :raise AccessError: not an invoicing user
        :raise UserError: not exactly one link, link not active, no email
        :raise MissingError: unknown link
        """
        link = self._wholtra_api_one()
        link.check_access("write")
        if (state := link._wholtra_state()) != "active":
            raise UserError(
                self.env._(
                    "This statement link cannot be sent: it is %(state)s.", state=state
                )
            )
        partner = link.partner_id
        recipient = partner.browse(partner.address_get(["invoice"])["invoice"])
        if not recipient.email:
            recipient = partner
        if not recipient.email:
            raise UserError(
                self.env._(
                    "%(customer)s has no email address: add one to send the statement "
                    "link.",
                    customer=partner.display_name,
                )
            )
        template = self.env.ref("wholtra_payments.mail_template_statement_link")
        rendered = template._generate_template(link.ids, ("subject", "body_html"))[
            link.id
        ]
        # Posted in the customer's chatter in sudo: invoicing users may send the
        # link (checked above) without the right to edit the customer.
        partner.sudo().message_post(
            author_id=self.env.user.partner_id.id,
            body=rendered["body_html"],
            subject=rendered["subject"],
            partner_ids=recipient.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            email_layout_xmlid="mail.mail_notification_light",
        )
        return {"link_id": link.id, "sent_to": [recipient.email]}

    def action_send(self):
        """Send button: mail the link to the customer (see ``wholtra_send``)."""
        self.wholtra_send()
        return True

    def wholtra_revoke(self):
        """Revoke the link: the customer can no longer open or pay through it.

        Invoicing users; one link (revoking a revoked link changes nothing).

        :return: {"link_id": int, "state": "revoked"}
        :raise AccessError: not an invoicing user
        :raise UserError: not exactly one link
        :raise MissingError: unknown link
        """
        link = self._wholtra_api_one()
        link.action_revoke()
        return {"link_id": link.id, "state": link._wholtra_state()}

    # ------------------------------------------------------------------
    # Portal access (called in sudo by the controller)
    # ------------------------------------------------------------------
    @api.model
    def _wholtra_get_by_token(self, link_id, token):
        """Return the usable link with this id whose token matches, else an empty
        recordset. The token is compared in constant time; inactive, expired links and
        links of a company where statement links are off are refused."""
        link_id = to_id(link_id)
        link = self.browse(link_id).exists() if link_id else self.browse()
        if (
            not link
            or not token
            or not isinstance(token, str)
            or not consteq(link.access_token, token)
        ):
            return self.browse()
        if not link._wholtra_is_usable():
            return self.browse()
        return link

    def _wholtra_is_usable(self):
        self.ensure_one()
        return (
            self.active
            and self.company_id.wholtra_statement_links_enabled
            and (
                not self.expiry_date
                or self.expiry_date >= fields.Date.context_today(self)
            )
        )

    @api.model
    def _wholtra_open_invoices_base_domain(self):
        """Open posted customer invoices, any customer (the one definition of what a
        statement lists and totals)."""
        return Domain(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("amount_residual", ">", 0),
            ]
        )

    def _wholtra_open_invoices_domain(self):
        self.ensure_one()
        return self._wholtra_open_invoices_base_domain() & Domain(
            [
                ("company_id", "=", self.company_id.id),
                ("commercial_partner_id", "=", self.partner_id.id),
            ]
        )

    def _wholtra_invoice_pdf_urls(self, invoices):
        """Odoo's portal PDF link (/my/invoices/<id>?access_token=...) of each of the
        link's open invoices, as /my/invoices and invoice emails give them: the
        invoice's own access token opens that invoice only. Tokens missing are set
        here (in sudo, as ``_portal_ensure_token`` does).

        :return: {invoice id: url}
        """
        self.ensure_one()
        invoices = invoices.filtered_domain(self._wholtra_open_invoices_domain())
        for invoice in invoices.sudo().filtered(lambda inv: not inv.access_token):
            invoice.write({"access_token": str(uuid.uuid4())})
        return {
            invoice.id: invoice.get_portal_url(report_type="pdf", download=True)
            for invoice in invoices
        }

    def _wholtra_get_open_invoices(self):
        """Open posted customer invoices of the link's customer, oldest due first."""
        self.ensure_one()
        return self.env["account.move"].search(
            self._wholtra_open_invoices_domain(),
            order="invoice_date_due asc, invoice_date asc, id asc",
        )

    def _wholtra_recently_paid_invoices(self, limit=20):
        """Invoices settled by this link's confirmed payments (thank-you list)."""
        self.ensure_one()
        txs = self.env["payment.transaction"].search(
            [("wholtra_statement_link_id", "=", self.id), ("state", "=", "done")],
            order="id desc",
            limit=limit,
        )
        return txs.invoice_ids.filtered(
            lambda inv: inv.payment_state in ("paid", "in_payment")
        ).sorted("invoice_date_due")

    def _wholtra_available_credit(self):
        """Unallocated customer payments/credit notes in company currency (shown on
        the statement, e.g. after an overpayment)."""
        self.ensure_one()
        groups = self.env["account.move.line"]._read_group(
            [
                ("partner_id", "child_of", self.partner_id.id),
                ("company_id", "=", self.company_id.id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual", "<", 0),
            ],
            [],
            ["amount_residual:sum"],
        )
        return -(groups[0][0] or 0.0)

    def _wholtra_check_selection(self, invoice_ids, amount=None):
        """Re-validate on the server what the customer chose to pay.

        :param list invoice_ids: ids of account.move ticked by the customer
        :param float amount: the amount the customer pays (None: not checked)
        :return: the selected invoices, oldest due first
        :raise ValidationError: unknown, foreign or closed invoice; mixed currencies;
            amount not positive
        """
        self.ensure_one()
        if not invoice_ids:
            raise ValidationError(self.env._("Select at least one invoice to pay."))
        open_invoices = self._wholtra_get_open_invoices()
        selected = open_invoices.filtered(lambda inv: inv.id in set(invoice_ids))
        if len(selected) != len(set(invoice_ids)):
            raise ValidationError(
                self.env._("Some selected invoices cannot be paid from this statement.")
            )
        if len(selected.currency_id) != 1:
            raise ValidationError(
                self.env._("Invoices in different currencies must be paid separately.")
            )
        if amount is not None:
            self._wholtra_check_amount(selected, amount)
        return selected

    def _wholtra_max_amount(self, invoices):
        """The most the customer may pay for ``invoices``: their balance plus the
        company's overpayment tolerance (converted to the invoices' currency)."""
        self.ensure_one()
        currency = invoices.currency_id[:1] or self.company_id.currency_id
        tolerance = self.company_id.currency_id._convert(
            self.company_id.wholtra_statement_overpay_tolerance,
            currency,
            self.company_id,
            fields.Date.context_today(self),
        )
        return currency.round(sum(invoices.mapped("amount_residual")) + tolerance)

    def _wholtra_check_amount(self, invoices, amount):
        """Refuse an amount that is not a finite positive number within the selected
        balance (plus the overpayment tolerance)."""
        self.ensure_one()
        currency = invoices.currency_id[:1] or self.company_id.currency_id
        if (
            not isinstance(amount, int | float)
            or isinstance(amount, bool)
            or not math.isfinite(amount)
            or amount <= 0
            or (amount < AMOUNT_CEILING and currency.compare_amounts(amount, 0) <= 0)
        ):
            raise ValidationError(self.env._("The amount to pay must be positive."))
        balance = sum(invoices.mapped("amount_residual"))
        if amount < AMOUNT_CEILING and currency.compare_amounts(amount, balance) <= 0:
            return  # within the balance: the tolerance is not even read
        maximum = self._wholtra_max_amount(invoices)
        if amount >= AMOUNT_CEILING or currency.compare_amounts(amount, maximum) > 0:
            raise ValidationError(
                self.env._(
                    "The amount to pay cannot exceed %(maximum)s for the selected "
                    "invoices.",
                    maximum=float_repr(maximum, currency.decimal_places),
                )
            )

    def _wholtra_statement_page_values(self, chosen_ids=None, amount=None):
        """Rendering values of the statement page.

        :param list chosen_ids: invoices ticked by the customer; None = first display
            (overdue invoices preselected: the one definition of overdue, so never an
            invoice in dispute; those are listed, marked, and paid only if ticked)
        :param str amount: the amount typed by the customer (empty = selection total)
        """
        self.ensure_one()
        invoices = self._wholtra_get_open_invoices()
        today = fields.Date.context_today(self)
        overdue = invoices.filtered_domain(
            invoices._wholtra_overdue_domain(today, self.company_id)
        )
        values = {
            "link": self,
            "partner": self.partner_id,
            "invoices": invoices,
            "company_currency": self.company_id.currency_id,
            "total_owed": sum(invoices.mapped("amount_residual_signed")),
            "total_overdue": sum(overdue.mapped("amount_residual_signed")),
            "pdf_urls": self._wholtra_invoice_pdf_urls(invoices),
            "overdue_ids": set(overdue.ids),
            "disputed_ids": set(invoices.filtered("wholtra_disputed").ids),
            "today": today,
            "currency": invoices.currency_id[:1] or self.company_id.currency_id,
            "page_path": self._wholtra_portal_path(),
            "error": False,
            "paid_invoices": self._wholtra_recently_paid_invoices(),
            "credit": self._wholtra_available_credit(),
            "selected": False,
        }
        if chosen_ids is None:
            values["selected_ids"] = overdue.ids
        else:
            values["selected_ids"] = chosen_ids
        ticked = invoices.filtered(lambda inv: inv.id in set(values["selected_ids"]))
        values["ticked_total"] = sum(ticked.mapped("amount_residual"))
        values["ticked_count"] = len(ticked)
        if chosen_ids is None:
            return values
        try:
            selected = self._wholtra_check_selection(chosen_ids)
            total = sum(selected.mapped("amount_residual"))
            if amount in (None, ""):
                pay_amount = total
            else:
                pay_amount = to_amount(amount)
                if pay_amount is None:
                    raise ValidationError(
                        self.env._("The amount to pay must be a number.")
                    )
                if abs(pay_amount) < AMOUNT_CEILING:
                    pay_amount = selected.currency_id.round(pay_amount)
            self._wholtra_check_selection(selected.ids, pay_amount)
        except ValidationError as error:
            values["error"] = error.args[0]
            return values
        currency = selected.currency_id
        ids_path = "-".join(str(i) for i in sorted(selected.ids))
        values.update(
            {
                "selected": selected,
                "selected_total": total,
                "amount": pay_amount,
                "amount_input": float_repr(pay_amount, currency.decimal_places),
                "currency": currency,
                "transaction_route": f"{values['page_path']}/transaction/{ids_path}",
                "signature": self._wholtra_payment_signature(selected, pay_amount),
            }
        )
        return values

    def _wholtra_payment_signature(self, invoices, amount):
        """HMAC binding the link, the invoice set, the amount and the currency, so the
        transaction route can refuse any value changed in the browser."""
        self.ensure_one()
        currency = invoices.currency_id[:1] or self.company_id.currency_id
        return payment_utils.generate_access_token(
            self.id,
            "-".join(str(i) for i in sorted(invoices.ids)),
            float_repr(amount, currency.decimal_places)
            if math.isfinite(amount) and abs(amount) < AMOUNT_CEILING
            else repr(amount),
            currency.id,
            env=self.env,
        )

    def _wholtra_check_signature(self, signature, invoices, amount):
        self.ensure_one()
        expected = self._wholtra_payment_signature(invoices, amount)
        return bool(signature) and consteq(str(signature), expected)

    def _wholtra_check_payment_option(
        self, invoices, amount, provider_id, payment_method_id, token_id, flow
    ):
        """Refuse a payment option the statement page does not offer to the current
        visitor. A saved card (flow 'token') is offered only to a logged-in user of the
        link's customer, and only the customer's own cards. Every refusal is the same
        error, whether the id is unknown, archived or someone else's.

        :return: (provider, payment method, token) records, in sudo
        """
        self.ensure_one()
        refused = ValidationError(
            self.env._(
                "This payment method is not available for this statement. Reload the "
                "page and choose another one."
            )
        )
        currency = invoices.currency_id
        providers_sudo = (
            self.env["payment.provider"]
            .sudo()
            ._get_compatible_providers(
                self.company_id.id, self.partner_id.id, amount, currency_id=currency.id
            )
        )
        provider_sudo = providers_sudo.filtered(lambda p: p.id == to_id(provider_id))
        if flow not in ("direct", "redirect", "token") or not provider_sudo:
            raise refused
        token_sudo = self.env["payment.token"].sudo()
        if flow == "token":
            user = self.env.user
            if (
                user._is_public()
                or user.partner_id.commercial_partner_id != self.partner_id
            ):
                raise refused
            token_sudo = token_sudo.search(
                [
                    ("id", "=", to_id(token_id) or 0),
                    ("provider_id", "=", provider_sudo.id),
                    ("partner_id", "child_of", self.partner_id.id),
                ]
            )
            if not token_sudo:
                raise refused
            method_sudo = token_sudo.payment_method_id
        else:
            method_sudo = (
                self.env["payment.method"]
                .sudo()
                ._get_compatible_payment_methods(
                    provider_sudo.ids, self.partner_id.id, currency_id=currency.id
                )
                .filtered(lambda m: m.id == to_id(payment_method_id))
            )
            if not method_sudo:
                raise refused
        return provider_sudo, method_sudo, token_sudo

    def _wholtra_is_customer_user(self):
        """Whether the current user is a logged-in user of the link's customer."""
        self.ensure_one()
        user = self.env.user
        return (
            not user._is_public()
            and user.partner_id.commercial_partner_id == self.partner_id
        )

    def _wholtra_lock_for_payment(self, invoices):
        """Serialise the payments of one link and refuse a second payment of invoices
        that a transaction still in progress pays (two tabs, a double click).

        The link row is locked (``FOR UPDATE``) and touched: a concurrent request
        waits, then fails to serialise and is retried by Odoo; on retry it sees the
        transaction created here and is refused."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM wholtra_statement_link WHERE id = %s FOR UPDATE",
                self.id,
            )
        )
        self.env.cr.execute(
            SQL(
                "UPDATE wholtra_statement_link "
                "SET write_date = (now() AT TIME ZONE 'UTC') WHERE id = %s",
                self.id,
            )
        )
        self.invalidate_recordset(["write_date"])
        draft_limit = fields.Datetime.now() - timedelta(minutes=PENDING_DRAFT_MINUTES)
        in_progress = (
            self.env["payment.transaction"]
            .sudo()
            .search_count(
                Domain("wholtra_statement_link_id", "=", self.id)
                & Domain("invoice_ids", "in", invoices.ids)
                & (
                    Domain("state", "in", ("pending", "authorized"))
                    | (
                        Domain("state", "=", "draft")
                        & Domain("create_date", ">=", draft_limit)
                    )
                ),
                limit=1,
            )
        )
        if in_progress:
            raise ValidationError(
                self.env._(
                    "A payment of these invoices is already in progress. Wait for its "
                    "confirmation and reload the statement before paying again."
                )
            )

    def _wholtra_prepare_transaction_values(self, invoices):
        """Values merged into the payment.transaction created for the statement."""
        self.ensure_one()
        return {
            "invoice_ids": [fields.Command.set(invoices.ids)],
            "wholtra_statement_link_id": self.id,
        }

    @api.model
    def _wholtra_get_or_create_for_partner(self, partner):
        """The active, usable link of the partner's commercial entity in the current
        company (created when missing). Used by reminders and the partner button."""
        commercial = partner.commercial_partner_id
        company = self.env.company
        if not company.wholtra_statement_links_enabled:
            raise UserError(
                self.env._("Statement links are disabled in the Invoicing settings.")
            )
        link = self.search(
            [("partner_id", "=", commercial.id), ("company_id", "=", company.id)],
            limit=1,
        )
        if link and not link._wholtra_is_usable():
            link.action_revoke()
            link = self.browse()
        if not link:
            link = self.create({"partner_id": commercial.id, "company_id": company.id})
        return link
