from odoo import api, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    wholtra_cod = fields.Boolean(
        string="Cash on delivery",
        compute="_compute_wholtra_cod",
        store=True,
        readonly=False,
        precompute=True,
        groups="base.group_user",
        help="The driver collects the payment at delivery. Defaults from the customer.",
    )

    @api.depends("partner_id")
    def _compute_wholtra_cod(self):
        for order in self:
            order.wholtra_cod = order.partner_id.commercial_partner_id.wholtra_cod
