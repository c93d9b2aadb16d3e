from psycopg2.errors import SerializationFailure

from odoo import api, fields, models
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, split_every
from odoo.tools.sql import column_exists, create_column

from .system_fields import check_system_fields

AR_STATUSES = [
    ("open", "Open"),
    ("partial", "Partially paid"),
    ("paid", "Paid"),
    ("past_due", "Past due"),
    ("disputed", "In dispute"),
]

# Computed (AR status) or set by their owning method only: the links by
# dispatch invoicing, the dispute by the dispute wizard / resolve button.
SYSTEM_FIELDS = (
    "wholtra_ar_status",
    "wholtra_picking_ids",
    "wholtra_disputed",
    "wholtra_dispute_reason",
)
DISPUTE_GROUP = "account.group_account_invoice"


class AccountMove(models.Model):
    _inherit = "account.move"

    wholtra_picking_ids = fields.Many2many(
        comodel_name="stock.picking",
        relation="wholtra_invoice_picking_rel",
        column1="move_id",
        column2="picking_id",
        string="Deliveries",
        copy=False,
        readonly=True,
        groups="base.group_user",
        help="The deliveries (or returns) this invoice (or credit note) bills.",
    )
    wholtra_picking_count = fields.Integer(
        compute="_compute_wholtra_picking_count", groups="base.group_user"
    )
    wholtra_ar_status = fields.Selection(
        selection=AR_STATUSES,
        string="AR status",
        compute="_compute_wholtra_ar_status",
        store=True,
        tracking=True,
        index="btree_not_null",
        groups="base.group_user",
        help="Receivable status of a posted customer invoice. Past due: overdue "
        "by more than the company's grace days. In dispute: excluded from overdue "
        "counts and reminders.",
    )
    wholtra_days_overdue = fields.Integer(
        string="Days overdue",
        compute="_compute_wholtra_days_overdue",
        groups="base.group_user",
    )
    wholtra_disputed = fields.Boolean(
        string="In dispute",
        copy=False,
        readonly=True,
        tracking=True,
        groups="base.group_user",
        help="Set with the Dispute button (billing users), with a reason.",
    )
    wholtra_dispute_reason = fields.Char(
        string="Dispute reason",
        copy=False,
        readonly=True,
        tracking=True,
        groups="base.group_user",
    )

    def _auto_init(self):
        """Fill the stored AR status in one UPDATE at install instead of an ORM
        recompute of every journal entry."""
        if not column_exists(self.env.cr, "account_move", "wholtra_ar_status"):
            create_column(self.env.cr, "account_move", "wholtra_ar_status", "varchar")
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE account_move
                       SET wholtra_ar_status = CASE
                           WHEN payment_state IN ('paid', 'in_payment', 'reversed') THEN 'paid'
                           WHEN move_type = 'out_invoice'
                            AND payment_state IN ('not_paid', 'partial')
                            AND invoice_date_due < CURRENT_DATE THEN 'past_due'
                           WHEN payment_state = 'partial' THEN 'partial'
                           ELSE 'open' END
                     WHERE state = 'posted' AND move_type IN ('out_invoice', 'out_refund')
                    """
                )
            )
        return super()._auto_init()

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_system_fields(self, vals, SYSTEM_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_system_fields(self, vals, SYSTEM_FIELDS)
        if not (isinstance(vals, dict) and vals.get("state") == "cancel"):
            return super().write(vals)
        released = self._wholtra_get_dispatch_pickings()
        res = super().write(vals)
        if released:
            released._wholtra_dispatch_document_gone()
        return res

    def unlink(self):
        released = self._wholtra_get_dispatch_pickings()
        res = super().unlink()
        if released:
            released._wholtra_dispatch_document_gone()
        return res

    def _wholtra_get_dispatch_pickings(self):
        """The deliveries billed by the invoices of ``self`` and the returns
        credited by its credit notes (dispatch invoicing)."""
        service = self.env["wholtra.dispatch.invoicing"]
        moves_sudo = self.sudo()  # the links are internal data of the documents
        pickings_sudo = self.env["stock.picking"].sudo()
        for move_sudo in moves_sudo.filtered("wholtra_picking_ids"):
            delivery = move_sudo.move_type == "out_invoice"
            if move_sudo.move_type in ("out_invoice", "out_refund"):
                pickings_sudo |= move_sudo.wholtra_picking_ids.filtered(
                    lambda p, d=delivery: service._is_customer_delivery(p) == d
                )
        return pickings_sudo

    @api.constrains("wholtra_disputed", "wholtra_dispute_reason")
    def _check_wholtra_dispute_reason(self):
        for move in self:
            if (
                move.wholtra_disputed
                and not (move.wholtra_dispute_reason or "").strip()
            ):
                raise ValidationError(
                    self.env._(
                        "Give the reason why invoice %(name)s is disputed.",
                        name=move.name,
                    )
                )

    @api.depends("wholtra_picking_ids")
    def _compute_wholtra_picking_count(self):
        for move in self:
            move.wholtra_picking_count = len(move.wholtra_picking_ids)

    def _message_track(self, fields_iter, initial_values_dict):
        # The AR status is traced in the chatter only once the company uses
        # Wholtra invoicing (with everything off, chatters stay as in vanilla).
        for move in self:
            values = initial_values_dict.get(move.id)
            if values and move.company_id.wholtra_invoice_mode == "manual":
                values.pop("wholtra_ar_status", None)
        return super()._message_track(fields_iter, initial_values_dict)

    # ------------------------------------------------------------------
    # Overdue: the hooks of wholtra_orders' one definition
    # ------------------------------------------------------------------
    @api.model
    def _wholtra_overdue_grace_days(self, company):
        """The company's grace days (Settings: Past due after)."""
        return company.wholtra_past_due_grace_days

    @api.model
    def _wholtra_overdue_exclusion_domain(self):
        """Invoices in dispute are never overdue."""
        return super()._wholtra_overdue_exclusion_domain() | Domain(
            "wholtra_disputed", "=", True
        )

    @api.model
    def _wholtra_today(self):
        value = self.env.context.get("wholtra_today")
        return fields.Date.to_date(value) if value else fields.Date.context_today(self)

    @api.depends(
        "move_type", "state", "payment_state", "invoice_date_due", "wholtra_disputed"
    )
    def _compute_wholtra_ar_status(self):
        today = self._wholtra_today()
        posted = self.filtered(
            lambda m: m.state == "posted"
            and m.move_type in ("out_invoice", "out_refund")
        )
        past_due = posted.filtered_domain(
            self._wholtra_overdue_domain(today, posted.company_id)
        )
        for move in self:
            if move not in posted:
                move.wholtra_ar_status = False
            elif move.payment_state in ("paid", "in_payment", "reversed"):
                move.wholtra_ar_status = "paid"
            elif move.wholtra_disputed:
                move.wholtra_ar_status = "disputed"
            elif move in past_due:
                move.wholtra_ar_status = "past_due"
            elif move.payment_state == "partial":
                move.wholtra_ar_status = "partial"
            else:
                move.wholtra_ar_status = "open"

    def _compute_wholtra_days_overdue(self):
        today = self._wholtra_today()
        for move in self:
            move.wholtra_days_overdue = (
                move._wholtra_overdue_days(today) if move.id else 0
            )

    @api.model
    def _cron_wholtra_refresh_ar_status(self, today=None, batch_size=1000):
        """Daily: open invoices that fell past due get their status (and a
        chatter trace). Only the rows that change are selected; they are
        claimed in batches of ``batch_size`` under row lock, skipping rows
        locked by a concurrent run (which refreshes them). In a scheduled
        action each batch is committed with its progress and the run stops
        when its time is up; the next run (or a run after a killed one)
        resumes with the invoices still 'open' or 'partial'."""
        today = today or fields.Date.context_today(self)
        companies = self.env["res.company"].search([])
        move_ids = list(
            self._search(
                self._wholtra_overdue_domain(today, companies)
                & Domain("wholtra_ar_status", "in", ("open", "partial")),
                order="id",
            )
        )
        in_cron = bool(self.env.context.get("cron_id"))
        Cron = self.env["ir.cron"]
        if in_cron:
            Cron._commit_progress(remaining=len(move_ids))
        moves_today = self.with_context(wholtra_today=today)
        for batch_ids in split_every(batch_size, move_ids):
            moves = moves_today.browse(batch_ids)._wholtra_lock_skip_locked()
            if moves:
                moves._wholtra_recompute_ar_status()
            if in_cron and not Cron._commit_progress(len(batch_ids)):
                break
            self.env.invalidate_all()
        return True

    def _wholtra_reconciliation_changed(self):
        """Hook: the reconciliation of these customer invoices / credit notes
        changed (reconcile or unreconcile of any kind). Called once per
        operation by ``account.partial.reconcile`` create/unlink, after the
        partials exist (or are gone): residuals and payment state read from
        here are the new ones. Here: the AR status is recomputed (it may also
        have fallen past due since the last daily run). Extend with super()."""
        self.env.add_to_compute(self._fields["wholtra_ar_status"], self)

    def _wholtra_lock_skip_locked(self):
        """The moves of ``self`` this transaction could lock (others are being
        updated by a concurrent transaction, which refreshes them)."""
        if not self:
            return self
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM account_move WHERE id IN %s"
                        " FOR UPDATE SKIP LOCKED",
                        tuple(self.ids),
                    ),
                    log_exceptions=False,
                )
                ids = [row[0] for row in self.env.cr.fetchall()]
        except SerializationFailure:
            return self.browse()
        return self.browse(ids)

    def _wholtra_recompute_ar_status(self):
        self.env.add_to_compute(self._fields["wholtra_ar_status"], self)
        self.flush_recordset(["wholtra_ar_status"])

    def _wholtra_post_and_send(self):
        """Post (auto-post setting) and queue the email (send setting) of the
        moves created from deliveries and returns."""
        to_post = self.filtered(
            lambda m: m.state == "draft" and m.company_id.wholtra_invoice_auto_post
        )
        if to_post:
            to_post.action_post()
        to_send = to_post.filtered(lambda m: m.company_id.wholtra_invoice_send_email)
        if to_send:
            to_send.sending_data = {
                "author_user_id": self.env.user.id,
                "author_partner_id": self.env.user.partner_id.id,
            }
            cron = self.env.ref(
                "account.ir_cron_account_move_send", raise_if_not_found=False
            )
            if cron:
                cron._trigger()

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------
    def _wholtra_check_input(self):
        if not self:
            raise UserError(self.env._("Select at least one invoice."))
        missing = self - self.exists()
        if missing:
            raise MissingError(
                self.env._(
                    "Some invoices no longer exist (ids %(ids)s).",
                    ids=", ".join(map(str, missing.ids)),
                )
            )
        self.check_access("read")

    @api.model
    def _wholtra_check_dispute_group(self):
        if not (self.env.su or self.env.user.has_group(DISPUTE_GROUP)):
            raise AccessError(
                self.env._("Only billing users can open or resolve invoice disputes.")
            )

    def action_wholtra_view_pickings(self):
        """Open the deliveries or returns billed by this invoice (users with
        access to transfers; one invoice)."""
        self._wholtra_check_input()
        if len(self) != 1:
            raise UserError(self.env._("Open the deliveries of one invoice at a time."))
        if not (
            self.env.su or self.env.user.has_group("base.group_user")
        ) or not self.env["stock.picking"].has_access("read"):
            raise AccessError(
                self.env._("You are not allowed to see deliveries and returns.")
            )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock.action_picking_tree_all"
        )
        pickings = self.wholtra_picking_ids
        if len(pickings) == 1:
            action.update(
                views=[(self.env.ref("stock.view_picking_form").id, "form")],
                res_id=pickings.id,
            )
        else:
            action["domain"] = [("id", "in", pickings.ids)]
        action["context"] = {"create": False}
        return action

    def _wholtra_check_disputable(self):
        wrong = self.filtered(
            lambda m: m.state != "posted"
            or m.move_type not in ("out_invoice", "out_refund")
        )
        if wrong:
            raise UserError(
                self.env._(
                    "Only posted customer invoices and credit notes can be "
                    "disputed: %(names)s.",
                    names=", ".join(wrong.mapped("display_name")),
                )
            )

    def action_wholtra_dispute(self):
        """Open the dispute wizard (billing users) on posted customer invoices."""
        self._wholtra_check_dispute_group()
        self._wholtra_check_input()
        self._wholtra_check_disputable()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Dispute invoice"),
            "res_model": "wholtra.dispute.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_ids": self.ids},
        }

    def _wholtra_set_dispute(self, reason):
        """Put ``self`` in dispute for ``reason`` (owning method of the dispute
        fields, called by the dispute wizard after its checks)."""
        self._wholtra_check_dispute_group()
        self._wholtra_check_disputable()
        reason = (reason or "").strip() if isinstance(reason, str) else ""
        if not reason:
            raise UserError(self.env._("Give the reason of the dispute."))
        self.check_access("write")
        moves_sudo = self.sudo()  # the dispute fields are written here only
        moves_sudo.write({"wholtra_disputed": True, "wholtra_dispute_reason": reason})
        return True

    def action_wholtra_resolve_dispute(self):
        """End the dispute of the selected invoices (billing users)."""
        self._wholtra_check_dispute_group()
        self._wholtra_check_input()
        not_disputed = self.filtered(lambda m: not m.wholtra_disputed)
        if not_disputed:
            raise UserError(
                self.env._(
                    "These invoices are not in dispute: %(names)s.",
                    names=", ".join(not_disputed.mapped("display_name")),
                )
            )
        self.check_access("write")
        moves_sudo = self.sudo()  # the dispute fields are written here only
        moves_sudo.write({"wholtra_disputed": False, "wholtra_dispute_reason": False})
        return True

    # ------------------------------------------------------------------
    # External API (JSON-2)
    # ------------------------------------------------------------------
    def _wholtra_get_dispute_values(self):
        return [
            {
                "move_id": move.id,
                "disputed": move.wholtra_disputed,
                "reason": move.wholtra_dispute_reason or None,
                "ar_status": move.wholtra_ar_status or None,
            }
            for move in self
        ]

    def wholtra_set_dispute(self, reason):
        """Put posted customer invoices / credit notes in dispute (as the
        *Dispute* button and its wizard do). Billing users only.

        :param str reason: why the customer disputes them (required).
        :return: one dict per invoice: ``move_id``, ``disputed`` (true),
            ``reason``, ``ar_status`` ('disputed' unless already paid).
        :raise AccessError: not a billing user, or no access to the invoices.
        :raise MissingError: an invoice does not exist.
        :raise UserError: no reason, no invoice, or not a posted customer
            invoice / credit note.
        """
        self._wholtra_check_dispute_group()
        self._wholtra_check_input()
        self._wholtra_set_dispute(reason)
        return self._wholtra_get_dispute_values()

    def wholtra_clear_dispute(self, reason=None):
        """End the dispute of invoices (as the *Resolve dispute* button does);
        an optional reason is logged in each invoice's chatter. Billing users
        only.

        :param str reason: optional note (why the dispute is over).
        :return: one dict per invoice: ``move_id``, ``disputed`` (false),
            ``reason`` (null), ``ar_status`` (open, partial, past_due, paid).
        :raise AccessError: not a billing user, or no access to the invoices.
        :raise MissingError: an invoice does not exist.
        :raise UserError: no invoice, an invoice not in dispute, or a reason
            that is not text.
        """
        self._wholtra_check_dispute_group()
        self._wholtra_check_input()
        if reason is not None and not isinstance(reason, str):
            raise UserError(self.env._("The reason must be a text."))
        note = (reason or "").strip()
        self.action_wholtra_resolve_dispute()
        if note:
            for move in self:
                move.message_post(
                    body=self.env._("Dispute resolved: %(reason)s", reason=note)
                )
        return self._wholtra_get_dispute_values()

    def _wholtra_get_api_values(self):
        """The External API's view of one invoice (amounts rounded to its
        currency)."""
        self.ensure_one()
        currency = self.currency_id
        return {
            "id": self.id,
            "name": self.name,
            "state": self.state,
            "move_type": self.move_type,
            "amount_untaxed": currency.round(self.amount_untaxed),
            "amount_tax": currency.round(self.amount_tax),
            "amount_total": currency.round(self.amount_total),
            "amount_residual": currency.round(self.amount_residual),
            "currency": currency.name,
            "invoice_date": fields.Date.to_string(self.invoice_date) or None,
            "lines": [
                {
                    "product_id": line.product_id.id or None,
                    "quantity": line.quantity,
                    "price_unit": line.price_unit,
                    "discount": line.discount,
                    "price_subtotal": currency.round(line.price_subtotal),
                }
                for line in self.invoice_line_ids
                if line.display_type == "product"
            ],
        }
