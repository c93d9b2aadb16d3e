from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

CREDIT_MANAGER = "wholtra_orders.group_wholtra_credit_manager"
MANAGER = "wholtra_orders.group_wholtra_manager"

REQUIRED_GROUPS = {
    "release_hold": CREDIT_MANAGER,
    "set_hold": CREDIT_MANAGER,
    "lift_hold": CREDIT_MANAGER,
    "approve_margin": MANAGER,
    "override_terms": MANAGER,
}


class WholtraOrderApprovalWizard(models.TransientModel):
    _name = "wholtra.order.approval.wizard"
    _description = "Approve, release or put on hold with a reason"

    approval_type = fields.Selection(
        [
            ("release_hold", "Release the credit hold for this order"),
            ("approve_margin", "Approve margin and discounts"),
            ("override_terms", "Override minimum order value / MOQ"),
            ("set_hold", "Put the customer on hold"),
            ("lift_hold", "Lift the customer's hold"),
        ],
        required=True,
    )
    order_id = fields.Many2one("sale.order")
    partner_id = fields.Many2one("res.partner")
    block_message = fields.Text(compute="_compute_block_message")
    reason = fields.Char(required=True)

    @api.model
    def _wholtra_open(self, approval_type, order=None, partner=None):
        return {
            "type": "ir.actions.act_window",
            "name": dict(self._fields["approval_type"].selection)[approval_type],
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
        for wizard in self:
            if wizard.order_id:
                key = {
                    "release_hold": "wholtra_hold_message",
                    "approve_margin": "wholtra_margin_message",
                    "override_terms": "wholtra_terms_message",
                }.get(wizard.approval_type)
                wizard.block_message = key and wizard.order_id[key]
            else:
                wizard.block_message = wizard.partner_id.wholtra_hold_status

    def action_apply(self):
        self.ensure_one()
        if not self.env.user.has_group(REQUIRED_GROUPS[self.approval_type]):
            raise AccessError(
                self.env._(
                    "You are not allowed to do this: %(what)s.",
                    what=dict(self._fields["approval_type"].selection)[
                        self.approval_type
                    ],
                )
            )
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(self.env._("Enter a reason."))
        if self.approval_type == "set_hold":
            self.partner_id._wholtra_set_hold(reason)
        elif self.approval_type == "lift_hold":
            self.partner_id._wholtra_lift_hold(reason)
        else:
            self.order_id._wholtra_approve(self.approval_type, reason)
        return {"type": "ir.actions.act_window_close"}
