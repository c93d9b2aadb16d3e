from collections import defaultdict
from datetime import date

from odoo import api, fields, models
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.fields import Domain

BILLING = "account.group_account_invoice"


class AccountPayment(models.Model):
    _inherit = "account.payment"

    wholtra_match_invoice_ids = fields.Many2many(
        "account.move",
        "wholtra_account_payment_match_rel",
        "payment_id",
        "move_id",
        string="Proposed invoices",
        copy=False,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'), "
        "('commercial_partner_id', '=', partner_id), "
        "('payment_state', 'in', ('not_paid', 'partial'))]",
        help="Open invoices this payment will settle when posted (oldest due first). "
        "Proposed automatically; edit or clear before posting.",
    )
    wholtra_match_rule = fields.Selection(
        [
            ("exact", "Exact amount"),
            ("oldest", "Oldest due first"),
            ("manual", "Manual"),
        ],
        string="Matched by",
        copy=False,
        readonly=True,
    )
    wholtra_matching_enabled = fields.Boolean(
        related="company_id.wholtra_payment_matching_enabled"
    )

    # ------------------------------------------------------------------
    # Reconciliation helper shared by statement, COD and matching flows
    # ------------------------------------------------------------------
    @api.model
    def _wholtra_sort_invoices(self, invoices):
        return invoices.sorted(
            lambda inv: (
                inv.invoice_date_due or date.max,
                inv.invoice_date or date.max,
                inv.id,
            )
        )

    def _wholtra_reconcile_in_order(self, invoices):
        """Reconcile the payment with `invoices`, oldest due first, each fully before
        the next. What the invoices do not absorb stays open on the payment (customer
        credit)."""
        self.ensure_one()
        account = self.destination_account_id
        for invoice in self._wholtra_sort_invoices(invoices):
            pay_lines = self.move_id.line_ids.filtered(
                lambda line: line.account_id == account and not line.reconciled
            )
            if not pay_lines:
                break
            inv_lines = invoice.line_ids.filtered(
                lambda line: line.account_id == account and not line.reconciled
            )
            if inv_lines:
                (pay_lines + inv_lines).reconcile()

    # ------------------------------------------------------------------
    # Payment matching
    # ------------------------------------------------------------------
    def _wholtra_is_matchable(self):
        self.ensure_one()
        return (
            self.company_id.wholtra_payment_matching_enabled
            and self.state == "draft"
            and self.payment_type == "inbound"
            and self.partner_type == "customer"
            and self.partner_id
            and not self.invoice_ids
            and self.amount > 0
        )

    @api.model
    def _wholtra_match_invoices(self, invoices, amount, currency, residuals):
        """Choose which of `invoices` (oldest due first) a payment of `amount` settles.

        Exact amount first: the oldest invoice whose residual equals the amount. Else
        oldest due first until the amount is used (the last one may be partial).

        :param dict residuals: invoice id -> amount still unallocated; updated in place
            so a batch never allocates the same balance twice
        :return: (invoices recordset, rule)
        """
        candidates = [
            inv
            for inv in invoices
            if currency.compare_amounts(residuals[inv.id], 0) > 0
        ]
        for inv in candidates:
            if currency.compare_amounts(residuals[inv.id], amount) == 0:
                residuals[inv.id] = 0.0
                return inv, "exact"
        chosen = self.env["account.move"]
        left = amount
        for inv in candidates:
            if currency.compare_amounts(left, 0) <= 0:
                break
            used = min(left, residuals[inv.id])
            residuals[inv.id] -= used
            left -= used
            chosen |= inv
        return chosen, "oldest" if chosen else False

    @api.model
    def _wholtra_check_billing(self):
        if not self.env.su and not self.env.user.has_group(BILLING):
            raise AccessError(
                self.env._("Only invoicing users can match payments to invoices.")
            )

    def _wholtra_checked_records(self):
        """``self`` when the user may change it (API entry points): AccessError /
        UserError; unknown ids end in MissingError when read, never a traceback."""
        self._wholtra_check_billing()
        if not self:
            raise UserError(self.env._("Choose the payments to match."))
        self.check_access("write")
        return self

    def action_wholtra_propose_matching(self):
        """Propose the invoices each payment settles: exact amount first, then oldest
        due first. Invoicing users; draft incoming customer payments only."""
        return self._wholtra_checked_records()._wholtra_propose_matching()

    def wholtra_propose_matching(self):
        """Propose the invoices each draft incoming customer payment settles: the
        invoice of exactly the amount, else oldest due first (as *Propose
        invoices*). Posting the payment (``wholtra_confirm_matching``) reconciles
        them.

        Invoicing users; payment matching switched on in the settings.

        :return: [{"payment_id": int, "amount": float, "currency": str, "rule":
            "exact", "oldest", "manual" or null, "proposals": [{"move_id": int, "name":
            str, "amount": float (what the payment pays on it)}]}]
        :raise AccessError: not an invoicing user, or no write access
        :raise UserError: no payment given; one payment that cannot be matched
        :raise MissingError: unknown payment
        """
        payments = self._wholtra_api_records()
        payments._wholtra_propose_matching()
        return self._wholtra_matching_values(payments, "payment_id")

    def wholtra_confirm_matching(self):
        """Post the draft payments: each settles its proposed invoices, oldest due
        first; what is left is customer credit.

        Invoicing users.

        :return: [{"payment_id": int, "state": str, "reconciled": bool, "move_ids":
            [int] (the invoices the payment settled)}]
        :raise AccessError: not an invoicing user, or no write access
        :raise UserError: no payment given, a payment not in draft
        :raise MissingError: unknown payment
        """
        payments = self._wholtra_api_records()
        if payments.filtered(lambda p: p.state != "draft"):
            raise UserError(self.env._("Only draft payments can be confirmed."))
        payments.action_post()
        return [
            {
                "payment_id": payment.id,
                "state": payment.state,
                "reconciled": bool(payment.reconciled_invoice_ids),
                "move_ids": payment.reconciled_invoice_ids.ids,
            }
            for payment in payments
        ]

    def _wholtra_api_records(self):
        """The existing payments of the call the user may change."""
        self._wholtra_check_billing()
        if not self:
            raise UserError(self.env._("Choose the payments to match."))
        if len(self.exists()) != len(self):
            raise MissingError(self.env._("Some of these payments do not exist."))
        return self._wholtra_checked_records()

    @api.model
    def _wholtra_matching_values(self, records, key):
        """The proposals of ``records`` (payments or statement lines) with what each
        pays on every invoice, oldest due first (the reconciliation order)."""
        result = []
        for record in records:
            currency = record.currency_id
            left = record.amount
            proposals = []
            for invoice in self._wholtra_sort_invoices(
                record.wholtra_match_invoice_ids
            ):
                used = max(min(left, invoice.amount_residual), 0.0)
                left -= used
                proposals.append(
                    {
                        "move_id": invoice.id,
                        "name": invoice.name,
                        "amount": currency.round(used),
                    }
                )
            result.append(
                {
                    key: record.id,
                    "amount": currency.round(record.amount),
                    "currency": currency.name,
                    "rule": record.wholtra_match_rule or None,
                    "proposals": proposals,
                }
            )
        return result

    def _wholtra_propose_matching(self):
        """Propose the invoices each payment settles (batch-safe: one search for all
        the customers, allocations shared across the batch)."""
        payments = self.filtered(lambda p: p._wholtra_is_matchable())
        if not payments:
            if len(self) == 1:
                raise UserError(
                    self.env._(
                        "Only draft incoming customer payments without invoice, with "
                        "payment matching enabled, can be matched."
                    )
                )
            return True
        open_invoices = self._wholtra_get_open_invoices(payments)
        # Already proposed on other draft payments: not offered twice.
        reserved = self.search(
            [
                ("id", "not in", payments.ids),
                ("state", "=", "draft"),
                ("wholtra_match_invoice_ids", "in", open_invoices.ids),
            ]
        ).wholtra_match_invoice_ids
        self._wholtra_write_proposals(payments, open_invoices - reserved)
        return True

    @api.model
    def _wholtra_get_open_invoices(self, records):
        """Open posted customer invoices of the customers of ``records`` (payments or
        statement lines), oldest due first."""
        return self.env["account.move"].search(
            Domain(
                [
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    (
                        "commercial_partner_id",
                        "in",
                        records.partner_id.commercial_partner_id.ids,
                    ),
                    ("company_id", "in", records.company_id.ids),
                    ("payment_state", "in", ("not_paid", "partial")),
                ]
            ),
            order="invoice_date_due asc, invoice_date asc, id asc",
        )

    @api.model
    def _wholtra_write_proposals(self, records, invoices):
        """Propose ``invoices`` to ``records`` (payments or statement lines, by date):
        same customer, company and currency; a balance is never used twice."""
        by_key = defaultdict(list)
        for inv in invoices:
            by_key[
                (inv.commercial_partner_id.id, inv.company_id.id, inv.currency_id.id)
            ].append(inv)
        residuals = {inv.id: inv.amount_residual for inv in invoices}
        # The rule is system-managed: written here, in sudo (callers checked the
        # user's rights on ``records``).
        for record in records.sudo().sorted(lambda r: (r.date, r.id)):
            key = (
                record.partner_id.commercial_partner_id.id,
                record.company_id.id,
                record.currency_id.id,
            )
            chosen, rule = self._wholtra_match_invoices(
                by_key.get(key, []), record.amount, record.currency_id, residuals
            )
            record.write(
                {
                    "wholtra_match_invoice_ids": [fields.Command.set(chosen.ids)],
                    "wholtra_match_rule": rule,
                }
            )

    def action_wholtra_clear_matching(self):
        """Clear the proposed invoices of draft payments. Invoicing users."""
        payments = self._wholtra_checked_records().filtered(
            lambda p: p.state == "draft"
        )
        payments.sudo().write(  # the rule is system-managed; rights checked above
            {
                "wholtra_match_invoice_ids": [fields.Command.clear()],
                "wholtra_match_rule": False,
            }
        )
        return True

    # ------------------------------------------------------------------
    # Guard: "Matched by" is written by the matching methods only; invoices chosen
    # by hand make it "Manual".
    # ------------------------------------------------------------------
    @api.model
    def _wholtra_check_match_rule_vals(self, vals):
        if not self.env.su and "wholtra_match_rule" in vals:
            raise AccessError(
                self.env._(
                    "How a payment was matched is recorded by the matching, not typed: "
                    "change the proposed invoices instead."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._wholtra_check_match_rule_vals(vals)
            if not self.env.su and vals.get("wholtra_match_invoice_ids"):
                vals["wholtra_match_rule"] = "manual"
        payments = super().create(vals_list)
        to_match = payments.filtered(
            lambda p: p._wholtra_is_matchable() and not p.wholtra_match_invoice_ids
        )
        # Only a system flow (in sudo: the COD payment) skips the proposal.
        if to_match and not (
            self.env.su and self.env.context.get("wholtra_no_matching")
        ):
            to_match._wholtra_propose_matching()
        return payments

    def write(self, vals):
        self._wholtra_check_match_rule_vals(vals)
        res = super().write(vals)
        if not self.env.su and "wholtra_match_invoice_ids" in vals:
            payments_sudo = self.sudo()
            payments_sudo.filtered("wholtra_match_invoice_ids").write(
                {"wholtra_match_rule": "manual"}
            )
            payments_sudo.filtered(lambda p: not p.wholtra_match_invoice_ids).write(
                {"wholtra_match_rule": False}
            )
        return res

    def action_post(self):
        with self.env["wholtra.collection.status"]._wholtra_refresh_deferred():
            return self._wholtra_post_and_reconcile()

    def _wholtra_post_and_reconcile(self):
        res = super().action_post()
        for pay in self.filtered(lambda p: p.wholtra_match_invoice_ids and p.move_id):
            invoices = pay.wholtra_match_invoice_ids.filtered(
                lambda inv, pay=pay: inv.state == "posted"
                and inv.payment_state in ("not_paid", "partial")
                and inv.commercial_partner_id == pay.partner_id.commercial_partner_id
            )
            pay._wholtra_reconcile_in_order(invoices)
        return res
