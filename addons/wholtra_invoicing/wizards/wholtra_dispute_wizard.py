from odoo import api, fields, models
from odoo.exceptions import MissingError, UserError


class WholtraDisputeWizard(models.TransientModel):
    _name = "wholtra.dispute.wizard"
    _description = "Dispute invoices"

    move_ids = fields.Many2many("account.move", string="Invoices", required=True)
    reason = fields.Char(required=True, help="Why the customer disputes the invoice.")

    @api.model_create_multi
    def create(self, vals_list):
        self.env["account.move"]._wholtra_check_dispute_group()
        return super().create(vals_list)

    def action_confirm(self):
        """Put the wizard's invoices in dispute with its reason (billing
        users; posted customer invoices and credit notes only)."""
        self.env["account.move"]._wholtra_check_dispute_group()
        if len(self) != 1:
            raise UserError(self.env._("Confirm one dispute at a time."))
        if not self.exists():
            raise MissingError(
                self.env._("This dispute form was closed, open it again.")
            )
        moves = self.move_ids
        if not moves:
            raise UserError(self.env._("Select the invoices in dispute."))
        moves._wholtra_check_input()
        moves._wholtra_set_dispute(self.reason)
        return {"type": "ir.actions.act_window_close"}
