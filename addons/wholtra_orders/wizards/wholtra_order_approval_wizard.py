from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools import check_group, ensure_one_record

CREDIT_MANAGER = "wholtra_orders.group_wholtra_credit_manager"


class WholtraOrderApprovalWizard(models.TransientModel):
    _name = "wholtra.order.approval.wizard"
    _description = "Approve, release or put on hold with a reason"

    approval_type = fields.Selection(
        selection="_selection_approval_type", required=True
    )
    order_id = fields.Many2one("sale.order")
    partner_id = fields.Many2one("res.partner")
    block_message = fields.Text(compute="_compute_block_message")
    reason = fields.Char(required=True)

    @api.model
    def _wholtra_partner_actions(self):
        """Customer-level actions of the wizard: {key: label} (credit managers)."""
        return {
            "set_hold": self.env._("Put the customer on hold"),
            "lift_hold": self.env._("Lift the customer's hold"),
        }

    @api.model
    def _selection_approval_type(self):
        # order approvals come from the registry of sale.order
        order_types = self.env["sale.order"]._wholtra_approval_types()
        selection = [(key, approval["label"]) for key, approval in order_types.items()]
        selection += list(self._wholtra_partner_actions().items())
        return selection

    @api.model
    def _wholtra_open(self, approval_type, order=None, partner=None):
        return {
            "type": "ir.actions.act_window",
            "name": dict(self._selection_approval_type())[approval_type],
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_approval_type": approval_type,
                "default_order_id": order.id if order else False,
                "default_partner_id": partner.id if partner else False,
            },
        }

    @api.depends("approval_type", "order_id", "partner_id")
    def _compute_block_message(self):
        order_types = self.env["sale.order"]._wholtra_approval_types()
        for wizard in self:
            approval = order_types.get(wizard.approval_type)
            if approval and wizard.order_id:
                wizard.block_message = wizard.order_id.sudo()[approval["message_field"]]
            elif wizard.partner_id and not approval:
                wizard.block_message = wizard.partner_id.sudo().wholtra_hold_status
            else:
                wizard.block_message = False

    def action_apply(self):
        """Apply the approval / hold with the reason given (the group owning the
        decision is checked, then the target, its company and state)."""
        ensure_one_record(self)
        order_types = self.env["sale.order"]._wholtra_approval_types()
        partner_actions = self._wholtra_partner_actions()
        approval = order_types.get(self.approval_type)
        if approval:
            check_group(self.env, approval["group"], approval["label"])
        elif self.approval_type in partner_actions:
            check_group(self.env, CREDIT_MANAGER, partner_actions[self.approval_type])
        else:
            raise UserError(self.env._("Choose what to approve."))
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(self.env._("Enter a reason."))
        if approval:
            if not self.order_id:
                raise UserError(self.env._("Choose the quotation to approve."))
            self.order_id._wholtra_approve(self.approval_type, reason)
        else:
            partner = self.partner_id
            if not partner:
                raise UserError(self.env._("Choose the customer."))
            if not partner.exists():
                raise UserError(self.env._("This customer no longer exists."))
            if not self.env.su and not partner.has_access("read"):
                raise AccessError(
                    self.env._("You cannot change the hold of this customer.")
                )
            if self.approval_type == "set_hold":
                partner._wholtra_set_hold(reason)
            else:
                partner._wholtra_lift_hold(reason)
        return {"type": "ir.actions.act_window_close"}
