from odoo import fields, models
from odoo.exceptions import UserError


class WholtraDisputeWizard(models.TransientModel):
    _name = "wholtra.dispute.wizard"
    _description = "Dispute invoices"

    move_ids = fields.Many2many("account.move", string="Invoices", required=True)
    reason = fields.Char(required=True, help="Why the customer disputes the invoice.")

    def action_confirm(self):
        self.ensure_one()
        moves = self.move_ids.filtered(
            lambda m: m.move_type in ("out_invoice", "out_refund")
            and m.state == "posted"
        )
        if not moves:
            raise UserError(
                self.env._("Only posted customer invoices can be disputed.")
            )
        if not (self.reason or "").strip():
            raise UserError(self.env._("Give the reason of the dispute."))
        moves.write(
            {"wholtra_disputed": True, "wholtra_dispute_reason": self.reason.strip()}
        )
        return {"type": "ir.actions.act_window_close"}
