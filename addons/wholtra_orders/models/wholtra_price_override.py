from odoo import fields, models


class WholtraPriceOverride(models.Model):
    _name = "wholtra.price.override"
    _description = "Audited Price Override"
    _order = "create_date desc, id desc"
    _rec_name = "order_id"

    # Plain fields, not related ones: the trail outlives a deleted quotation line.
    order_line_id = fields.Many2one(
        "sale.order.line", ondelete="set null", index="btree_not_null"
    )
    order_id = fields.Many2one(
        "sale.order", string="Order", required=True, ondelete="cascade", index=True
    )
    partner_id = fields.Many2one("res.partner", string="Customer", index=True)
    product_id = fields.Many2one("product.product", string="Product")
    company_id = fields.Many2one("res.company", required=True, index=True)
    currency_id = fields.Many2one(related="order_id.currency_id")
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
