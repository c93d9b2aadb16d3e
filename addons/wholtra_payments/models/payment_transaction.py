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
