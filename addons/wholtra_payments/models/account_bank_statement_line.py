import logging

from psycopg2.errors import SerializationFailure

from odoo import api, fields, models
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.fields import Command
from odoo.tools import SQL

from ..tools import claim_skip_locked

_logger = logging.getLogger(__name__)

# Reconciling more transactions than this from the button is handed to the
# scheduled action (a request would hit the time limit); fewer are done at once.
MATCH_SYNC_LIMIT = 20
# Transactions reconciled per committed batch by the scheduled action.
MATCH_CRON_BATCH = 50
QUEUE_FIELDS = ("wholtra_match_queue_uid", "wholtra_match_queue_state")


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
    # The queue of the scheduled action (system-managed): who asked, and where the
    # transaction stands until that user has been sent the summary.
    wholtra_match_queue_uid = fields.Many2one(
        "res.users",
        string="Matching queued by",
        copy=False,
        readonly=True,
        index="btree_not_null",
    )
    wholtra_match_queue_state = fields.Selection(
        [
            ("queued", "Queued"),
            ("done", "Reconciled"),
            ("failed", "Not reconciled"),
        ],
        string="Matching queue",
        copy=False,
        readonly=True,
        index="btree_not_null",
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
        self.wholtra_propose_matching()
        return True

    def wholtra_propose_matching(self):
        """Propose the open invoices each incoming customer transfer settles: the
        invoice of exactly the amount, else oldest due first (a balance is never
        proposed twice). Lines already reconciled, outgoing or without customer keep
        no proposal.

        Invoicing users who may edit bank transactions (Accounting: Basic);
        payment matching switched on in the settings.

        :return: [{"line_id": int, "amount": float, "currency": str, "rule":
            "exact", "oldest", "manual" or null, "proposals": [{"move_id": int, "name":
            str, "amount": float (what the line pays on it)}]}]
        :raise AccessError: not an invoicing user, or no write access
        :raise UserError: no line given
        :raise MissingError: unknown line
        """
        lines = self._wholtra_api_records()
        lines._wholtra_propose_matching()
        return self.env["account.payment"]._wholtra_matching_values(lines, "line_id")

    def wholtra_confirm_matching(self):
        """Reconcile each line with its proposed invoices (as *Reconcile with
        proposed invoices*): the line's suspense becomes the customer's receivable,
        settling the invoices oldest due first; what is left is customer credit.
        More than 20 lines are handed to the scheduled action (``queued``).

        Invoicing users who may edit bank transactions (Accounting: Basic).

        :return: [{"line_id": int, "reconciled": bool, "queued": bool, "move_ids":
            [int] (the invoices the line settled)}]
        :raise AccessError: not an invoicing user, or no write access
        :raise UserError: no line given; one line without proposal
        :raise MissingError: unknown line
        """
        lines = self._wholtra_api_records()
        lines._wholtra_confirm_matching()
        return [
            {
                "line_id": line.id,
                "reconciled": line.is_reconciled,
                "queued": line.wholtra_match_queue_state == "queued",
                "move_ids": line.move_id.line_ids.matched_debit_ids.debit_move_id.move_id.filtered(
                    lambda move: move.is_invoice(include_receipts=True)
                ).ids,
            }
            for line in lines
        ]

    def _wholtra_api_records(self):
        """The existing lines of the call the user may change."""
        self.env["account.payment"]._wholtra_check_billing()
        if not self:
            raise UserError(self.env._("Choose the bank transactions to match."))
        if len(self.exists()) != len(self):
            raise MissingError(
                self.env._("Some of these bank transactions do not exist.")
            )
        return self._wholtra_checked_records()

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
        return self._wholtra_checked_records()._wholtra_confirm_matching()

    def _wholtra_confirm_matching(self):
        """Reconcile the lines with their proposals (checked records); more than
        MATCH_SYNC_LIMIT lines are queued (returns the notification), else True."""
        lines = self.filtered(
            lambda line: line.wholtra_match_invoice_ids and not line.is_reconciled
        )
        if not lines and len(self) == 1:
            raise UserError(
                self.env._("Propose invoices before reconciling this transaction.")
            )
        if len(lines) > MATCH_SYNC_LIMIT:
            return lines._wholtra_queue_reconcile()
        with self.env["wholtra.collection.status"]._wholtra_refresh_deferred():
            for line in lines:
                line._wholtra_reconcile_invoices(line.wholtra_match_invoice_ids)
        return True

    def _wholtra_queue_reconcile(self):
        """Hand the reconciliation of these transactions to the scheduled action
        (run at once): the user is notified of the progress and sent a summary when
        it is done. Transactions already queued stay in their queue."""
        lines_sudo = self.sudo().filtered(
            lambda line: line.wholtra_match_queue_state != "queued"
        )
        lines_sudo.write(
            {
                "wholtra_match_queue_uid": self.env.uid,
                "wholtra_match_queue_state": "queued",
            }
        )
        self.env.ref(
            "wholtra_payments.ir_cron_wholtra_statement_matching"
        ).sudo()._trigger()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": self.env._("Reconciliation started"),
                "message": self.env._(
                    "%(count)s bank transactions are being reconciled in the "
                    "background: you will be notified when it is done.",
                    count=len(lines_sudo),
                ),
                "sticky": False,
            },
        }

    @api.model
    def _cron_wholtra_statement_matching(self):
        """Scheduled action: reconcile the queued transactions with their proposed
        invoices. Batches are claimed with ``FOR UPDATE SKIP LOCKED`` (two workers
        share the queue; a transaction is reconciled once) and committed with their
        queue state: a run killed halfway resumes with what is still queued."""
        while True:
            claimed_ids = claim_skip_locked(
                self.env,
                SQL(
                    "SELECT id FROM account_bank_statement_line "
                    "WHERE wholtra_match_queue_state = 'queued' "
                    "ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
                    MATCH_CRON_BATCH,
                ),
            )
            if claimed_ids is None:
                continue  # a row committed by another worker meanwhile: new snapshot
            claimed = self.browse(claimed_ids)
            if not claimed:
                return
            with self.env["wholtra.collection.status"]._wholtra_refresh_deferred():
                done, failed = self._wholtra_reconcile_queued(claimed)
            done.sudo().write({"wholtra_match_queue_state": "done"})
            failed.sudo().write({"wholtra_match_queue_state": "failed"})
            users = claimed.wholtra_match_queue_uid
            remaining = self.sudo().search_count(
                [("wholtra_match_queue_state", "=", "queued")]
            )
            time_left = self.env["ir.cron"]._commit_progress(
                len(claimed), remaining=remaining
            )
            self._wholtra_notify_queue(users)
            self.env.invalidate_all()
            if not time_left:
                return

    @api.model
    def _wholtra_reconcile_queued(self, claimed):
        """Reconcile each claimed transaction (a failure is logged and leaves it
        unreconciled). Returns (done, failed)."""
        done = failed = self.browse()
        for line in claimed:
            if line.is_reconciled or not line.wholtra_match_invoice_ids:
                failed |= line
                continue
            try:
                with self.env.cr.savepoint():
                    line.with_company(line.company_id)._wholtra_reconcile_invoices(
                        line.wholtra_match_invoice_ids
                    )
                done |= line
            except SerializationFailure:
                raise  # a concurrent update: the batch is rolled back and retried
            except Exception:
                _logger.exception(
                    "Reconciliation of bank transaction %s failed", line.id
                )
                failed |= line
        return done, failed

    @api.model
    def _wholtra_notify_queue(self, users):
        """Tell each of ``users`` how far the reconciliation they started is; when
        nothing of theirs is queued any more, send the summary and empty their
        queue (one worker does it: the rows are claimed)."""
        for user in users:
            counts = dict(
                self.sudo()._read_group(
                    [("wholtra_match_queue_uid", "=", user.id)],
                    ["wholtra_match_queue_state"],
                    ["__count"],
                )
            )
            total = sum(counts.values())
            if counts.get("queued"):
                user._bus_send(
                    "simple_notification",
                    {
                        "type": "info",
                        "title": self.env._("Reconciliation in progress"),
                        "message": self.env._(
                            "%(done)s of %(total)s bank transactions processed.",
                            done=total - counts["queued"],
                            total=total,
                        ),
                    },
                )
                continue
            rows = self.env.execute_query(
                SQL(
                    "SELECT id, wholtra_match_queue_state "
                    "FROM account_bank_statement_line "
                    "WHERE wholtra_match_queue_uid = %s "
                    "AND wholtra_match_queue_state IN ('done', 'failed') "
                    "FOR UPDATE SKIP LOCKED",
                    user.id,
                )
            )
            if not rows:
                continue  # summarised by another worker
            reconciled = sum(1 for _id, state in rows if state == "done")
            self.browse(row[0] for row in rows).sudo().write(
                dict.fromkeys(QUEUE_FIELDS, False)
            )
            user._bus_send(
                "simple_notification",
                {
                    "type": "success" if reconciled == len(rows) else "warning",
                    "title": self.env._("Reconciliation done"),
                    "message": self.env._(
                        "%(reconciled)s of %(total)s bank transactions reconciled with "
                        "their proposed invoices; %(failed)s not reconciled (already "
                        "reconciled, no proposal or refused: see them in Bank "
                        "transactions to match).",
                        reconciled=reconciled,
                        total=len(rows),
                        failed=len(rows) - reconciled,
                    ),
                    "sticky": True,
                },
            )
            self.env["ir.cron"]._commit_progress(0)

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

    @api.model
    def _wholtra_check_queue_vals(self, vals):
        if not self.env.su and set(QUEUE_FIELDS) & set(vals):
            raise AccessError(
                self.env._(
                    "The reconciliation queue is kept by the scheduled action: start "
                    "it with Reconcile with proposed invoices."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._wholtra_check_queue_vals(vals)
            self.env["account.payment"]._wholtra_check_match_rule_vals(vals)
        lines = super().create(vals_list)
        # Only a system flow (in sudo) skips the proposal.
        if not (self.env.su and self.env.context.get("wholtra_no_matching")):
            lines._wholtra_propose_matching()
        return lines

    def write(self, vals):
        self._wholtra_check_queue_vals(vals)
        self.env["account.payment"]._wholtra_check_match_rule_vals(vals)
        return super().write(vals)
