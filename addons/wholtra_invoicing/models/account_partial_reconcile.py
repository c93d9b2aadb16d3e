from odoo import api, models


class AccountPartialReconcile(models.Model):
    """Every reconciliation of Odoo goes through here (payment registration,
    manual reconcile in Accounting, bank reconciliation, a credit note applied
    to an invoice, reversal): one call of
    ``account.move._wholtra_reconciliation_changed()`` per reconcile or
    unreconcile operation, on the customer invoices and credit notes it
    touched."""

    _inherit = "account.partial.reconcile"

    def _wholtra_customer_moves(self):
        moves = (self.debit_move_id | self.credit_move_id).move_id
        return moves.filtered(lambda m: m.move_type in ("out_invoice", "out_refund"))

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        moves = partials._wholtra_customer_moves()
        if moves:
            moves._wholtra_reconciliation_changed()
        return partials

    def unlink(self):
        moves = self._wholtra_customer_moves()
        res = super().unlink()
        moves = moves.exists()
        if moves:
            moves._wholtra_reconciliation_changed()
        return res
