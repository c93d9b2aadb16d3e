from odoo import models


class AccountPaymentRegister(models.TransientModel):
    _inherit = "account.payment.register"

    def _create_payments(self):
        payments = super()._create_payments()
        customer_payments = payments.filtered(lambda p: p.partner_type == "customer")
        if customer_payments:
            # Paying clears the collection level (and lifts its hold) at once.
            self.env["wholtra.collection.status"]._wholtra_refresh_partners(
                customer_payments.partner_id
            )
        return payments
