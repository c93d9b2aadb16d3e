from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        # A dispatch invoice posted after its COD delivery (auto-post off): settle it
        # with what the driver collected. Billing users do not read deliveries: the
        # deliveries and their COD payment are read in sudo, nothing else.
        invoices_sudo = posted.sudo().filtered(
            lambda move: move.move_type == "out_invoice"
        )
        cod_pickings_sudo = invoices_sudo.wholtra_picking_ids.filtered(
            "wholtra_cod_payment_id"
        )
        for picking_sudo in cod_pickings_sudo:
            picking_sudo._wholtra_cod_reconcile(
                picking_sudo.wholtra_invoice_ids & invoices_sudo
            )
        return posted
