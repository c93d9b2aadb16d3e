import math
import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import consteq, float_repr

from odoo.addons.payment import utils as payment_utils


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

    def _compute_display_name(self):
        for link in self:
            link.display_name = self.env._(
                "Statement of %(partner)s", partner=link.partner_id.display_name
            )

    @api.model_create_multi
    def create(self, vals_list):
        partners = self.env["res.partner"].browse(
            [vals["partner_id"] for vals in vals_list if vals.get("partner_id")]
        )
        if partners.filtered("parent_id"):
            raise ValidationError(
                self.env._(
                    "A statement link belongs to the customer company, not to one of "
                    "its contacts."
                )
            )
        return super().create(vals_list)

    def _wholtra_portal_path(self):
        self.ensure_one()
        return f"/wholtra/statement/{self.id}/{self.access_token}"

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_revoke(self):
        self.write({"active": False, "revoke_date": fields.Datetime.now()})

    def action_open_portal(self):
        self.ensure_one()
        return {"type": "ir.actions.act_url", "url": self.url, "target": "new"}

    # ------------------------------------------------------------------
    # Portal access (called in sudo by the controller)
    # ------------------------------------------------------------------
    @api.model
    def _wholtra_get_by_token(self, link_id, token):
        """Return the usable link with this id whose token matches, else an empty
        recordset. The token is compared in constant time; inactive, expired links and
        links of a company where statement links are off are refused."""
        link = self.browse(link_id).exists()
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

    def _wholtra_open_invoices_domain(self):
        self.ensure_one()
        return Domain(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("company_id", "=", self.company_id.id),
                ("commercial_partner_id", "=", self.partner_id.id),
                ("payment_state", "in", ("not_paid", "partial")),
                ("amount_residual", ">", 0),
            ]
        )

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
        if amount is not None and (
            not amount
            or not math.isfinite(amount)
            or selected.currency_id.compare_amounts(amount, 0) <= 0
        ):
            raise ValidationError(self.env._("The amount to pay must be positive."))
        return selected

    def _wholtra_statement_page_values(self, chosen_ids=None, amount=None):
        """Rendering values of the statement page.

        :param list chosen_ids: invoices ticked by the customer; None = first display
            (overdue invoices preselected)
        :param str amount: the amount typed by the customer (empty = selection total)
        """
        self.ensure_one()
        invoices = self._wholtra_get_open_invoices()
        today = fields.Date.context_today(self)
        values = {
            "link": self,
            "partner": self.partner_id,
            "invoices": invoices,
            "today": today,
            "currency": invoices.currency_id[:1] or self.company_id.currency_id,
            "page_path": self._wholtra_portal_path(),
            "error": False,
            "paid_invoices": self._wholtra_recently_paid_invoices(),
            "credit": self._wholtra_available_credit(),
            "selected": False,
        }
        if chosen_ids is None:
            values["selected_ids"] = [
                inv.id
                for inv in invoices
                if inv.invoice_date_due and inv.invoice_date_due < today
            ]
            return values
        values["selected_ids"] = chosen_ids
        try:
            selected = self._wholtra_check_selection(chosen_ids)
            total = sum(selected.mapped("amount_residual"))
            try:
                pay_amount = float(amount) if amount not in (None, "") else total
            except ValueError:
                pay_amount = 0.0
            if not math.isfinite(pay_amount):
                pay_amount = 0.0
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
            float_repr(amount, currency.decimal_places),
            currency.id,
            env=self.env,
        )

    def _wholtra_check_signature(self, signature, invoices, amount):
        self.ensure_one()
        expected = self._wholtra_payment_signature(invoices, amount)
        return bool(signature) and consteq(str(signature), expected)

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
