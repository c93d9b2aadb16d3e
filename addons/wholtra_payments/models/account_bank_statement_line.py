from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command


class AccountBankStatementLine(models.Model):
    _inherit = "account.bank.statement.line"

    wholtra_match_invoice_ids = fields.Many2many(
        "account.move",
        "wholtra_st_line_match_rel",
        "st_line_id",
        "move_id",
        string="Proposed invoices",
        copy=False,
        help="Open customer invoices this bank transaction settles when reconciled "
        "(oldest due first).",
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

    def _wholtra_is_matchable(self):
        self.ensure_one()
        return (
            self.company_id.wholtra_payment_matching_enabled
            and not self.is_reconciled
            and self.partner_id
            and self.currency_id.compare_amounts(self.amount, 0) > 0
        )

    def _wholtra_checked_records(self):
        """``self`` when the user may change it (API entry points): AccessError /
        UserError; unknown ids end in MissingError when read, never a traceback."""
        self.env["account.payment"]._wholtra_check_billing()
        if not self:
            raise UserError(self.env._("Choose the bank transactions to match."))
        self.check_access("write")
        return self

    def action_wholtra_propose_matching(self):
        """Propose open invoices for incoming customer transfers (exact amount, then
        oldest due first). Invoicing users."""
        return self._wholtra_checked_records()._wholtra_propose_matching()

    def _wholtra_propose_matching(self):
        """Propose open invoices for incoming customer transfers (exact amount, then
        oldest due first), in one batch without allocating a balance twice."""
        lines = self.filtered(lambda line: line._wholtra_is_matchable())
        if not lines:
            return True
        Payment = self.env["account.payment"]
        Payment._wholtra_write_proposals(
            lines, Payment._wholtra_get_open_invoices(lines)
        )
        return True

    def action_wholtra_clear_matching(self):
        """Clear the proposed invoices of unreconciled transactions. Invoicing
        users."""
        lines = self._wholtra_checked_records().filtered(
            lambda line: not line.is_reconciled
        )
        lines.sudo().write(  # the rule is system-managed; rights checked above
            {
                "wholtra_match_invoice_ids": [Command.clear()],
                "wholtra_match_rule": False,
            }
        )
        return True

    def action_wholtra_reconcile_matching(self):
        """Reconcile each transaction with its proposed invoices: the suspense line
        becomes the customer's receivable, settled oldest due first; what is left is
        customer credit. Invoicing users."""
        checked = self._wholtra_checked_records()
        lines = checked.filtered(
            lambda line: line.wholtra_match_invoice_ids and not line.is_reconciled
        )
        if not lines and len(checked) == 1:
            raise UserError(
                self.env._("Propose invoices before reconciling this transaction.")
            )
        for line in lines:
            line._wholtra_reconcile_invoices(line.wholtra_match_invoice_ids)
        return True

    def _wholtra_reconcile_invoices(self, invoices):
        self.ensure_one()
        commercial = self.partner_id.commercial_partner_id
        invoices = invoices.filtered(
            lambda inv: inv.state == "posted"
            and inv.payment_state in ("not_paid", "partial")
            and inv.commercial_partner_id == commercial
        )
        if not invoices:
            return
        _liquidity, suspense, _other = self._seek_for_lines()
        receivable = invoices.line_ids.filtered(
            lambda aml: aml.account_id.account_type == "asset_receivable"
        )[:1].account_id
        if not suspense or not receivable:
            return
        self.move_id.with_context(skip_readonly_check=True).write(
            {
                "line_ids": [
                    Command.update(
                        suspense.id,
                        {"account_id": receivable.id, "partner_id": commercial.id},
                    )
                ]
            }
        )
        for invoice in self.env["account.payment"]._wholtra_sort_invoices(invoices):
            open_lines = self.move_id.line_ids.filtered(
                lambda aml: aml.account_id == receivable and not aml.reconciled
            )
            if not open_lines:
                break
            inv_lines = invoice.line_ids.filtered(
                lambda aml: aml.account_id == receivable and not aml.reconciled
            )
            (open_lines + inv_lines).reconcile()

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self.env["account.payment"]._wholtra_check_match_rule_vals(vals)
        lines = super().create(vals_list)
        # Only a system flow (in sudo) skips the proposal.
        if not (self.env.su and self.env.context.get("wholtra_no_matching")):
            lines._wholtra_propose_matching()
        return lines

    def write(self, vals):
        self.env["account.payment"]._wholtra_check_match_rule_vals(vals)
        return super().write(vals)
