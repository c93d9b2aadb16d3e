from odoo import fields, models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    wholtra_statement_link_id = fields.Many2one(
        "wholtra.statement.link",
        string="Statement link",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
    )

    def _post_process(self):
        super()._post_process()
        paid = self.filtered(lambda tx: tx.state == "done" and tx.invoice_ids)
        if paid:
            self.env["wholtra.collection.status"]._wholtra_refresh_partners(
                paid.invoice_ids.commercial_partner_id
            )
