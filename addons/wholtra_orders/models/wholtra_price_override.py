from odoo import api, fields, models
from odoo.exceptions import AccessError


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
        "res.users",
        string="Changed by",
        required=True,
        readonly=True,
        default=lambda s: s.env.uid,
    )
    date = fields.Datetime(
        string="When", required=True, readonly=True, default=fields.Datetime.now
    )
    # unit prices keep the product price precision (they may have more decimals
    # than the currency): the log records exactly the price the line got
    pricelist_price = fields.Float(
        string="Pricelist price", min_display_digits="Product Price"
    )
    pricelist_discount = fields.Float(string="Pricelist discount (%)")
    price_unit = fields.Float(string="New price", min_display_digits="Product Price")
    discount = fields.Float(string="New discount (%)")
    deviation = fields.Float(
        string="Deviation (%)", help="Difference of the net unit price."
    )
    reason = fields.Char()

    # An audit trail: entries are created by the sale line audit only
    # (sale.order.line._wholtra_log_price_overrides, in sudo), never edited or
    # deleted by a user. The ACL gives no create/write/unlink right to any group;
    # these checks also hold for a superuser-free path and state who and when.
    def _wholtra_check_system(self):
        if not self.env.su:
            raise AccessError(
                self.env._(
                    "You are not allowed to create, change or delete entries of "
                    "the price override log: it is an audit trail, recorded by "
                    "the system when a line's price changes."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._wholtra_check_system()
        now = fields.Datetime.now()
        for vals in vals_list:
            # author and date are the server's, whatever the caller sent
            vals.update(user_id=self.env.uid, date=now)
        return super().create(vals_list)

    def write(self, vals):
        self._wholtra_check_system()
        # even the system does not rewrite who changed a price and when
        vals = {k: v for k, v in vals.items() if k not in ("user_id", "date")}
        return super().write(vals)

    def unlink(self):
        self._wholtra_check_system()
        return super().unlink()
