import logging

from psycopg2.errors import SerializationFailure

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.tools import SQL

from .system_fields import check_system_fields

_logger = logging.getLogger(__name__)

QUEUE_FIELDS = ("wholtra_adjustment_queue_uid", "wholtra_adjustment_queue_state")
SYSTEM_FIELDS = ("wholtra_pending_adjustment", *QUEUE_FIELDS)
# Invoice adjustments of more orders than this go to the scheduled action.
ADJUSTMENT_SYNC_LIMIT = 20
ADJUSTMENT_CRON_BATCH = 20


class SaleOrder(models.Model):
    _inherit = "sale.order"

    wholtra_pending_adjustment = fields.Monetary(
        string="Pending invoice adjustment",
        compute="_compute_wholtra_pending_adjustment",
        groups="base.group_user",
        help="Untaxed amount to invoice (positive) or credit (negative) because "
        "lines changed after their invoice was posted.",
    )

    # The queue of the invoice adjustments scheduled action (system-managed): who
    # asked, and where the order stands until that user has had the summary.
    wholtra_adjustment_queue_uid = fields.Many2one(
        "res.users",
        string="Invoice adjustments queued by",
        copy=False,
        readonly=True,
        index="btree_not_null",
        groups="base.group_user",
    )
    wholtra_adjustment_queue_state = fields.Selection(
        [
            ("queued", "Queued"),
            ("done", "Adjustment invoiced"),
            ("nothing", "Nothing to adjust"),
            ("failed", "Failed"),
        ],
        string="Invoice adjustments queue",
        copy=False,
        readonly=True,
        index="btree_not_null",
        groups="base.group_user",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_system_fields(self, vals, SYSTEM_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_system_fields(self, vals, SYSTEM_FIELDS)
        return super().write(vals)

    @api.depends("state", "order_line.wholtra_pending_adjustment")
    def _compute_wholtra_pending_adjustment(self):
        for order in self:
            if order.state != "sale":
                order.wholtra_pending_adjustment = 0.0
                continue
            amount = self.env["sale.order.line"]._wholtra_get_adjustment_amount(
                order._wholtra_get_adjustment_line_specs()
            )
            order.wholtra_pending_adjustment = (
                0.0 if order.currency_id.is_zero(amount) else amount
            )

    def _wholtra_get_adjustment_line_specs(self):
        """[(order line, adjustment specs)] of the lines an adjustment document
        of this order settles (those with a pending adjustment). The order's
        pending adjustment is that document's untaxed amount, rounded as one
        invoice (with global tax rounding, it may differ by a cent from the
        sum of the lines' figures)."""
        self.ensure_one()
        return [
            (line, line._wholtra_get_adjustment_specs())
            for line in self.order_line
            if line.wholtra_pending_adjustment
        ]

    def _wholtra_follows_changes(self):
        """Whether draft invoices follow this order's line edits (any invoicing
        mode other than manual for its customer)."""
        self.ensure_one()
        return self.partner_id._wholtra_get_invoice_mode(self.company_id) != "manual"

    def _wholtra_prepare_adjustment_vals(self):
        self.ensure_one()
        order = self.with_company(self.company_id)
        if order.partner_invoice_id.lang:
            order = order.with_context(lang=order.partner_invoice_id.lang)
        line_vals = []
        for seq, line in enumerate(order.order_line, start=1):
            line_vals += line._wholtra_prepare_adjustment_lines(sequence=seq)
        total = order.wholtra_pending_adjustment  # what this document bills
        if not line_vals or order.currency_id.is_zero(total):
            return False  # never a zero-amount document
        vals = order._prepare_invoice()
        if total < 0:
            vals["move_type"] = "out_refund"
            for v in line_vals:
                v["quantity"] = -v["quantity"]
        vals["invoice_line_ids"] = [Command.create(v) for v in line_vals]
        vals["ref"] = self.env._("Adjustment of %(order)s", order=self.name)
        return vals

    def action_wholtra_invoice_adjustments(self):
        """Invoice (or credit) what changed on the orders after their invoices
        were posted (billing users)."""
        moves = self._wholtra_invoice_adjustments()
        if isinstance(moves, int):
            return self._wholtra_adjustments_queued_notification(moves)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", moves.ids)]
        if len(moves) == 1:
            action.update(
                views=[(self.env.ref("account.view_move_form").id, "form")],
                res_id=moves.id,
            )
        return action

    def _wholtra_invoice_adjustments(self):
        """Checks and work of *Invoice adjustments*: the adjustment documents
        created, or the number of orders queued for the scheduled action."""
        if not (
            self.env.su or self.env.user.has_group("account.group_account_invoice")
        ):
            raise AccessError(
                self.env._("Only billing users can invoice order adjustments.")
            )
        if not self:
            raise UserError(self.env._("Select at least one sales order."))
        missing = self - self.exists()
        if missing:
            raise MissingError(
                self.env._(
                    "Some sales orders no longer exist (ids %(ids)s).",
                    ids=", ".join(map(str, missing.ids)),
                )
            )
        self.check_access("write")
        if len(self) > ADJUSTMENT_SYNC_LIMIT:
            return self._wholtra_queue_adjustments()
        vals_list = [
            vals for order in self if (vals := order._wholtra_prepare_adjustment_vals())
        ]
        if not vals_list:
            raise UserError(
                self.env._("There is no pending invoice adjustment on these orders.")
            )
        moves = self._create_account_invoices(vals_list, final=False)
        moves._wholtra_post_and_send()
        return moves

    def wholtra_invoice_adjustments(self):
        """Invoice (or credit) what changed on confirmed orders after their
        invoices were posted, as the *Invoice adjustments* button does: one
        document per order (posted when the company posts dispatch invoices).
        Billing users only.

        :return: ``{"invoice_ids": [...], "credit_note_ids": [...]}`` (the
            documents created); or ``{"queued": n}`` when more than 20 orders
            are handed to the scheduled action.
        :raise AccessError: not a billing user, or no access to the orders.
        :raise MissingError: an order does not exist.
        :raise UserError: no order, or nothing pending on any of them.
        """
        moves = self._wholtra_invoice_adjustments()
        if isinstance(moves, int):
            return {"queued": moves}
        return {
            "invoice_ids": moves.filtered(lambda m: m.move_type == "out_invoice").ids,
            "credit_note_ids": moves.filtered(
                lambda m: m.move_type == "out_refund"
            ).ids,
        }

    # ------------------------------------------------------------------
    # Invoice adjustments of many orders: the scheduled action
    # ------------------------------------------------------------------
    def _wholtra_queue_adjustments(self):
        """Hand the invoice adjustments of these orders (rights checked by the
        caller) to the scheduled action, run at once: the user is notified of
        the progress and sent a summary when it is done. Orders already queued
        stay in their queue."""
        orders_sudo = self.sudo().filtered(
            lambda o: o.wholtra_adjustment_queue_state != "queued"
        )
        orders_sudo.write(
            {
                "wholtra_adjustment_queue_uid": self.env.uid,
                "wholtra_adjustment_queue_state": "queued",
            }
        )
        self.env.ref(
            "wholtra_invoicing.ir_cron_wholtra_invoice_adjustments"
        ).sudo()._trigger()
        return len(orders_sudo)

    @api.model
    def _wholtra_adjustments_queued_notification(self, count):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": self.env._("Invoice adjustments started"),
                "message": self.env._(
                    "The adjustments of %(count)s sales orders are being invoiced "
                    "in the background: you will be notified when it is done.",
                    count=count,
                ),
                "sticky": False,
            },
        }

    @api.model
    def _wholtra_claim_queued_adjustments(self, limit):
        """Ids of up to ``limit`` queued orders, locked for this transaction
        (rows locked by a concurrent worker are skipped); None when a row was
        changed by a worker that committed after this transaction began (the
        caller commits and claims again)."""
        self.flush_model(QUEUE_FIELDS)
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM sale_order"
                        " WHERE wholtra_adjustment_queue_state = 'queued'"
                        " ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
                        limit,
                    ),
                    log_exceptions=False,
                )
                return [row[0] for row in self.env.cr.fetchall()]
        except SerializationFailure:
            return None

    @api.model
    def _cron_wholtra_invoice_adjustments(self, batch_size=ADJUSTMENT_CRON_BATCH):
        """Scheduled action: invoice (or credit) the pending adjustments of the
        queued orders, as the user who queued them. Batches are claimed with
        ``FOR UPDATE SKIP LOCKED`` (two workers share the queue; an order is
        adjusted once) and committed with their queue state and progress: a
        run killed halfway resumes with what is still queued."""
        Cron = self.env["ir.cron"]
        in_cron = bool(self.env.context.get("cron_id"))
        while True:
            claimed_ids = self._wholtra_claim_queued_adjustments(batch_size)
            if claimed_ids is None:
                Cron._commit_progress(0)  # new snapshot
                continue
            if not claimed_ids:
                return True
            claimed_sudo = self.sudo().browse(claimed_ids)
            users = claimed_sudo.wholtra_adjustment_queue_uid
            for user in users:
                orders = claimed_sudo.filtered(
                    lambda o, u=user: o.wholtra_adjustment_queue_uid == u
                )
                states = (
                    self.with_user(user)
                    .browse(orders.ids)
                    ._wholtra_invoice_queued_adjustments()
                )
                for state, ids in states.items():
                    self.sudo().browse(ids).write(
                        {"wholtra_adjustment_queue_state": state}
                    )
            remaining = self.sudo().search_count(
                [("wholtra_adjustment_queue_state", "=", "queued")]
            )
            if in_cron:
                time_left = Cron._commit_progress(len(claimed_ids), remaining=remaining)
            else:
                time_left = True
            self._wholtra_notify_adjustment_queue(users)
            self.env.invalidate_all()
            if not time_left:
                return True

    def _wholtra_invoice_queued_adjustments(self):
        """Invoice the pending adjustments of ``self`` (in the environment of
        the user who queued them): one document per order, created in one
        batch, or order by order when the batch fails. Each order's chatter
        says what was done. Returns {queue state: [order ids]}."""
        states = {"done": [], "nothing": [], "failed": []}
        if not (
            self.env.su or self.env.user.has_group("account.group_account_invoice")
        ):
            states["failed"] = self.ids
            return states
        todo = []
        for order in self:
            try:
                with self.env.cr.savepoint():
                    vals = order._wholtra_prepare_adjustment_vals()
            except Exception:
                _logger.exception("Invoice adjustment of %s failed", order.name)
                states["failed"].append(order.id)
                continue
            if vals:
                todo.append((order, vals))
            else:
                states["nothing"].append(order.id)
        moves_by_order = {}
        try:
            with self.env.cr.savepoint():
                moves = self._create_account_invoices(
                    [vals for _order, vals in todo], final=False
                )
                moves._wholtra_post_and_send()
                moves_by_order = dict(zip([o for o, _v in todo], moves, strict=True))
        except Exception:
            _logger.info("Batch of invoice adjustments failed, one by one")
            for order, vals in todo:
                try:
                    with self.env.cr.savepoint():
                        move = order._create_account_invoices([vals], final=False)
                        move._wholtra_post_and_send()
                        moves_by_order[order] = move
                except Exception:
                    _logger.exception("Invoice adjustment of %s failed", order.name)
                    states["failed"].append(order.id)
        for order, move in moves_by_order.items():
            states["done"].append(order.id)
            order.message_post(
                body=self.env._(
                    "Invoice adjustments: %(document)s created.",
                    document=move._get_html_link(),
                )
            )
        for order in self.browse(states["nothing"]):
            order.message_post(
                body=self.env._("Invoice adjustments: nothing pending on this order.")
            )
        return states

    @api.model
    def _wholtra_notify_adjustment_queue(self, users):
        """Tell each of ``users`` how far the adjustments they started are; when
        nothing of theirs is queued any more, send the summary and empty their
        queue (one worker does it: the rows are claimed)."""
        Orders_sudo = self.sudo()
        for user in users:
            counts = dict(
                Orders_sudo._read_group(
                    [("wholtra_adjustment_queue_uid", "=", user.id)],
                    ["wholtra_adjustment_queue_state"],
                    ["__count"],
                )
            )
            total = sum(counts.values())
            if counts.get("queued"):
                user._bus_send(
                    "simple_notification",
                    {
                        "type": "info",
                        "title": self.env._("Invoice adjustments in progress"),
                        "message": self.env._(
                            "%(done)s of %(total)s sales orders processed.",
                            done=total - counts["queued"],
                            total=total,
                        ),
                    },
                )
                continue
            rows = self.env.execute_query(
                SQL(
                    "SELECT id, wholtra_adjustment_queue_state FROM sale_order"
                    " WHERE wholtra_adjustment_queue_uid = %s"
                    " AND wholtra_adjustment_queue_state IN ('done', 'nothing', 'failed')"
                    " FOR UPDATE SKIP LOCKED",
                    user.id,
                )
            )
            if not rows:
                continue  # summarised by another worker
            by_state = {"done": 0, "nothing": 0, "failed": 0}
            for _id, state in rows:
                by_state[state] += 1
            Orders_sudo.browse(row[0] for row in rows).write(
                dict.fromkeys(QUEUE_FIELDS, False)
            )
            user._bus_send(
                "simple_notification",
                {
                    "type": "success" if not by_state["failed"] else "warning",
                    "title": self.env._("Invoice adjustments done"),
                    "message": self.env._(
                        "%(total)s sales orders: %(done)s adjustment documents "
                        "created, %(nothing)s with nothing pending, %(failed)s "
                        "failed (see each order's chatter).",
                        total=len(rows),
                        done=by_state["done"],
                        nothing=by_state["nothing"],
                        failed=by_state["failed"],
                    ),
                    "sticky": True,
                },
            )
            if self.env.context.get("cron_id"):
                self.env["ir.cron"]._commit_progress(0)

    # ------------------------------------------------------------------
    # Demo data helpers (called from demo/*.xml)
    # ------------------------------------------------------------------
    def _wholtra_demo_ship(self, fraction=1.0):
        """Validate the open deliveries of the orders, shipping ``fraction`` of
        each move (the rest goes to a backorder)."""
        pickings = self.picking_ids.filtered(
            lambda p: p.state not in ("done", "cancel")
            and p.picking_type_code == "outgoing"
        )
        for move in pickings.move_ids:
            move.quantity = move.product_uom.round(move.product_uom_qty * fraction)
            move.picked = True
        pickings.with_context(skip_backorder=True).button_validate()
        return True

    def _wholtra_demo_return(self, quantity=1.0):
        """Return (with refund) ``quantity`` of each product of the first done
        delivery of the orders."""
        for order in self:
            picking = order.picking_ids.filtered(
                lambda p: p.state == "done" and p.picking_type_code == "outgoing"
            )[:1]
            wizard = (
                self.env["stock.return.picking"]
                .with_context(
                    active_id=picking.id,
                    active_ids=picking.ids,
                    active_model="stock.picking",
                )
                .create({})
            )
            for line in wizard.product_return_moves:
                line.quantity = quantity
                line.to_refund = True
            ret = wizard._create_return()
            for move in ret.move_ids:
                move.quantity = move.product_uom_qty
                move.picked = True
            ret.button_validate()
        return True
