from odoo import api, fields, models
from odoo.exceptions import AccessError, MissingError, UserError

from .system_fields import check_system_fields

# Set by dispatch invoicing (wholtra.dispatch.invoicing) only.
SYSTEM_FIELDS = (
    "wholtra_invoice_state",
    "wholtra_invoice_ids",
    "wholtra_invoice_error",
)


# Retrying more transfers than this is handed to the scheduled action.
RETRY_SYNC_LIMIT = 20


class StockPicking(models.Model):
    _inherit = "stock.picking"

    wholtra_invoice_ids = fields.Many2many(
        comodel_name="account.move",
        relation="wholtra_invoice_picking_rel",
        column1="picking_id",
        column2="move_id",
        string="Dispatch invoices",
        copy=False,
        readonly=True,
        groups="base.group_user",
        help="Invoices and credit notes created from this delivery or return.",
    )
    wholtra_invoice_count = fields.Integer(
        compute="_compute_wholtra_invoice_count", groups="base.group_user"
    )
    wholtra_invoice_state = fields.Selection(
        selection=[
            ("to_invoice", "To invoice"),
            ("invoiced", "Invoiced"),
            ("nothing", "Nothing to invoice"),
        ],
        string="Dispatch invoicing",
        copy=False,
        readonly=True,
        index="btree_not_null",
        groups="base.group_user",
        help="To invoice: waiting for the invoice (periodic run, or a retry after "
        "an error). Invoiced: its invoice or credit note exists.",
    )
    wholtra_invoice_error = fields.Text(
        string="Invoicing error",
        copy=False,
        readonly=True,
        groups="base.group_user",
    )

    @api.depends("wholtra_invoice_ids")
    def _compute_wholtra_invoice_count(self):
        for picking in self:
            picking.wholtra_invoice_count = len(picking.wholtra_invoice_ids)

    # ------------------------------------------------------------------
    # System-managed fields
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_system_fields(self, vals, SYSTEM_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_system_fields(self, vals, SYSTEM_FIELDS)
        return super().write(vals)

    # ------------------------------------------------------------------
    # Hooks
    # ------------------------------------------------------------------
    def _action_done(self):
        res = super()._action_done()
        self.env["wholtra.dispatch.invoicing"]._invoice_done_pickings(self)
        return res

    def _wholtra_dispatch_invoices_created(self, invoices):
        """Hook called right after the invoices of validated deliveries are
        created (and posted when auto-post is on), in the environment of the
        user who validated the deliveries (or of the scheduled action): the
        invoices are not readable by a warehouse user without accounting
        rights. Sibling addons extend it (e.g. cash on delivery)."""
        return True

    def _wholtra_dispatch_document_gone(self):
        """The dispatch invoice (delivery) or credit note (return) of these
        transfers was cancelled or deleted. Nothing shipped stays unbilled:
        the done transfers left without an active document of their kind go
        back to 'to invoice' with a banner, and are billed again by the
        scheduled action (or *Retry invoicing*)."""
        service = self.env["wholtra.dispatch.invoicing"]
        pickings_sudo = self.sudo().exists()  # owning method of the state

        def has_active_document(picking):
            move_type = (
                "out_invoice"
                if service._is_customer_delivery(picking)
                else "out_refund"
            )
            return any(
                m.state != "cancel" and m.move_type == move_type
                for m in picking.wholtra_invoice_ids
            )

        to_reset = pickings_sudo.filtered(
            lambda p: p.state == "done"
            and p.wholtra_invoice_state == "invoiced"
            and not has_active_document(p)
        )
        if not to_reset:
            return
        message = self.env._(
            "Its invoice was cancelled or deleted: this transfer will be "
            "invoiced again by the next invoicing run (or Retry invoicing)."
        )
        to_reset.write(
            {"wholtra_invoice_state": "to_invoice", "wholtra_invoice_error": message}
        )
        for picking_sudo in to_reset:
            picking_sudo.message_post(body=message)

    @api.model
    def _cron_wholtra_invoice_pending(self, batch_size=50, today=None):
        """Scheduled action (see wholtra.dispatch.invoicing)."""
        return self.env["wholtra.dispatch.invoicing"]._cron_invoice_pending(
            batch_size=batch_size, today=today
        )

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------
    def _wholtra_check_buttons_input(self):
        if not self:
            raise UserError(self.env._("Select at least one transfer."))
        missing = self - self.exists()
        if missing:
            raise MissingError(
                self.env._(
                    "Some transfers no longer exist (ids %(ids)s).",
                    ids=", ".join(map(str, missing.ids)),
                )
            )
        self.check_access("read")

    def action_wholtra_view_invoices(self):
        """Open the invoices and credit notes created from this transfer.
        Salespeople and billing users only; one transfer."""
        if not (
            self.env.su
            or self.env.user.has_group("account.group_account_invoice")
            or self.env.user.has_group("sales_team.group_sale_salesman")
        ):
            raise AccessError(
                self.env._("Only salespeople and billing users can open invoices.")
            )
        self._wholtra_check_buttons_input()
        if len(self) != 1:
            raise UserError(self.env._("Open the invoices of one transfer at a time."))
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        invoices = self.wholtra_invoice_ids
        if len(invoices) == 1:
            action.update(
                views=[(self.env.ref("account.view_move_form").id, "form")],
                res_id=invoices.id,
            )
        else:
            action["domain"] = [("id", "in", invoices.ids)]
        action["context"] = {"create": False}
        return action

    def action_wholtra_retry_invoicing(self):
        """Retry now the invoicing of deliveries or returns whose invoice could
        not be created (billing users). Each transfer must be waiting for its
        invoice; the result is the same as the scheduled action's."""
        queued = self._wholtra_retry_invoicing()
        if not queued:
            return True
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": self.env._("Invoicing started"),
                "message": self.env._(
                    "%(count)s transfers are being invoiced in the background "
                    "by the scheduled action: each shows its invoice (or the "
                    "error) when done.",
                    count=queued,
                ),
                "sticky": False,
            },
        }

    def _wholtra_retry_invoicing(self):
        """Checks and retry of *Retry invoicing*; returns the number of
        transfers handed to the scheduled action (0: invoiced now)."""
        if not (
            self.env.su or self.env.user.has_group("account.group_account_invoice")
        ):
            raise AccessError(
                self.env._("Only billing users can retry the invoicing of a delivery.")
            )
        self._wholtra_check_buttons_input()
        self.check_access("write")
        waiting = self.filtered(lambda p: p.wholtra_invoice_state == "to_invoice")
        if waiting != self:
            raise UserError(
                self.env._(
                    "Only deliveries and returns waiting for their invoice can be "
                    "retried: %(names)s.",
                    names=", ".join((self - waiting).mapped("display_name")),
                )
            )
        if len(self) > RETRY_SYNC_LIMIT:
            # many deliveries: the scheduled action invoices them now, in
            # committed batches (each delivery shows its invoice, or its error)
            self.env.ref(
                "wholtra_invoicing.ir_cron_wholtra_invoice_pending"
            ).sudo()._trigger()
            return len(self)
        self.env["wholtra.dispatch.invoicing"]._invoice_safely(self)
        return 0

    # ------------------------------------------------------------------
    # External API (JSON-2)
    # ------------------------------------------------------------------
    def wholtra_get_invoices(self):
        """Dispatch invoicing of deliveries and returns: their state, error and
        the invoices / credit notes created from them. Users who may read both
        transfers and invoices (inventory users with billing or sales rights,
        billing users, salespeople).

        :return: one dict per transfer: ``picking_id``, ``dispatch_state``
            (``to_invoice``, ``invoiced``, ``nothing`` or null when dispatch
            invoicing does not apply), ``error`` (text or null), ``invoices``:
            [{``id``, ``name``, ``state``, ``move_type`` (out_invoice /
            out_refund), ``amount_untaxed``, ``amount_tax``, ``amount_total``,
            ``amount_residual``, ``currency``, ``invoice_date``, ``lines``:
            [{``product_id``, ``quantity``, ``price_unit``, ``discount``,
            ``price_subtotal``}]}].
        :raise AccessError: no access to the transfers or their invoices.
        :raise MissingError: a transfer does not exist.
        :raise UserError: no transfer given.
        """
        user = self.env.user
        if not (
            self.env.su
            or user.has_group("account.group_account_invoice")
            or user.has_group("account.group_account_readonly")
            or user.has_group("sales_team.group_sale_salesman")
        ):
            raise AccessError(
                self.env._(
                    "Only billing users and salespeople can read the invoices of "
                    "a delivery."
                )
            )
        self._wholtra_check_buttons_input()
        invoices = self.wholtra_invoice_ids
        invoices.check_access("read")
        return [
            {
                "picking_id": picking.id,
                "dispatch_state": picking.wholtra_invoice_state or None,
                "error": picking.wholtra_invoice_error or None,
                "invoices": [
                    move._wholtra_get_api_values()
                    for move in picking.wholtra_invoice_ids.sorted("id")
                ],
            }
            for picking in self
        ]

    def wholtra_retry_invoicing(self):
        """Retry now the invoicing of deliveries or returns waiting for their
        invoice (after an error, or a cancelled invoice), as *Retry
        invoicing* does. Billing users only.

        :return: as ``wholtra_get_invoices``; or ``{"queued": n}`` when more
            than 20 transfers are handed to the scheduled action.
        :raise AccessError: not a billing user, or no access to the transfers.
        :raise MissingError: a transfer does not exist.
        :raise UserError: no transfer, or a transfer not waiting for its
            invoice.
        """
        queued = self._wholtra_retry_invoicing()
        if queued:
            return {"queued": queued}
        return self.wholtra_get_invoices()
