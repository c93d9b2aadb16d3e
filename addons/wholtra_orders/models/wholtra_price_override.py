from odoo import fields, models


class WholtraPriceOverride(models.Model):
    _name = "wholtra.price.override"
    _description = "Audited Price Override"
    _order = "create_date desc, id desc"
    _rec_name = "order_line_id"

    order_line_id = fields.Many2one(
        "sale.order.line", required=True, ondelete="cascade", index=True
    )
    order_id = fields.Many2one(
        related="order_line_id.order_id", store=True, index=True, string="Order"
    )
    partner_id = fields.Many2one(
        related="order_line_id.order_id.partner_id", store=True, string="Customer"
    )
    product_id = fields.Many2one(
        related="order_line_id.product_id", store=True, string="Product"
    )
    company_id = fields.Many2one(
        related="order_line_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="order_line_id.currency_id")
    user_id = fields.Many2one(
        "res.users", string="Changed by", required=True, default=lambda s: s.env.uid
    )
    date = fields.Datetime(string="When", required=True, default=fields.Datetime.now)
    pricelist_price = fields.Monetary(string="Pricelist price")
    pricelist_discount = fields.Float(string="Pricelist discount (%)")
    price_unit = fields.Monetary(string="New price")
    discount = fields.Float(string="New discount (%)")
    deviation = fields.Float(
        string="Deviation (%)", help="Difference of the net unit price."
    )
    reason = fields.Char()
