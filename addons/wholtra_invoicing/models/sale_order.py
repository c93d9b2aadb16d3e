from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, MissingError, UserError

from .system_fields import check_system_fields

SYSTEM_FIELDS = ("wholtra_pending_adjustment",)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    wholtra_pending_adjustment = fields.Monetary(
        string="Pending invoice adjustment",
        compute="_compute_wholtra_pending_adjustment",
        groups="base.group_user",
        help="Untaxed amount to invoice (positive) or credit (negative) because "
        "lines changed after their invoice was posted.",
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
        vals_list = [
            vals for order in self if (vals := order._wholtra_prepare_adjustment_vals())
        ]
        if not vals_list:
            raise UserError(
                self.env._("There is no pending invoice adjustment on these orders.")
            )
        moves = self._create_account_invoices(vals_list, final=False)
        moves._wholtra_post_and_send()
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
