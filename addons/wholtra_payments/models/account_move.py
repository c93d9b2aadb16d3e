from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        # A dispatch invoice posted after its COD delivery (auto-post off): settle it
        # with what the driver collected.
        cod_pickings = posted.filtered(
            lambda move: move.move_type == "out_invoice"
        ).wholtra_picking_ids.filtered("wholtra_cod_payment_id")
        for picking in cod_pickings:
            picking._wholtra_cod_reconcile(picking.wholtra_invoice_ids & posted)
        return posted
