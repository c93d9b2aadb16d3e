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

    def _wholtra_reconciliation_changed(self):
        """Any reconciliation of customer invoices (payment, statement link, COD,
        manual reconcile in Accounting, bank reconciliation, credit note applied,
        unreconcile): re-evaluate the collection level of the customers concerned,
        at once and in one batch. Levels are only cleared or lowered here (and the
        collection hold lifted when nothing is overdue any more): reminders wait for
        the scheduled run."""
        res = super()._wholtra_reconciliation_changed()
        self._wholtra_refresh_collection()
        return res

    def _wholtra_set_dispute(self, reason):
        """A disputed invoice is not overdue any more: its customer's collection
        status shows it at once (level cleared or lowered, never raised)."""
        res = super()._wholtra_set_dispute(reason)
        self._wholtra_refresh_collection()
        return res

    def action_wholtra_resolve_dispute(self):
        """The invoice counts as overdue again: its customer's collection status
        shows it at once; a reminder waits for the scheduled run."""
        res = super().action_wholtra_resolve_dispute()
        self._wholtra_refresh_collection()
        return res

    def _wholtra_refresh_collection(self):
        """Re-evaluate, in one batch, the collection status of the customers of
        ``self`` (companies with the collection sequence on)."""
        moves = self.filtered(lambda move: move.company_id.wholtra_collection_enabled)
        if moves:
            self.env["wholtra.collection.status"]._wholtra_refresh_partners(
                moves.commercial_partner_id
            )
