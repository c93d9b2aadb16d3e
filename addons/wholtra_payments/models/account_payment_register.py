from odoo import models


class AccountPaymentRegister(models.TransientModel):
    _inherit = "account.payment.register"

    def _create_payments(self):
        """Register payment reconciles the invoices one payment at a time: the
        collection status of their customers is refreshed once, at the end."""
        with self.env["wholtra.collection.status"]._wholtra_refresh_deferred():
            return super()._create_payments()
