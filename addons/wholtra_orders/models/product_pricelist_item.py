from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ProductPricelistItem(models.Model):
    _inherit = "product.pricelist.item"

    wholtra_tier_id = fields.Many2one(
        "wholtra.price.tier",
        string="Tier",
        compute="_compute_wholtra_tier_id",
        store=True,
        index="btree_not_null",
    )
    wholtra_is_promo = fields.Boolean(
        string="Promotion",
        compute="_compute_wholtra_is_promo",
        help="The rule only applies inside a date window.",
    )

    @api.depends("pricelist_id.wholtra_tier_ids")
    def _compute_wholtra_tier_id(self):
        for item in self:
            item.wholtra_tier_id = item.pricelist_id.wholtra_tier_ids[:1]

    @api.depends("date_start", "date_end")
    def _compute_wholtra_is_promo(self):
        for item in self:
            item.wholtra_is_promo = bool(item.date_start or item.date_end)

    @api.constrains("fixed_price", "compute_price")
    def _check_wholtra_price_not_negative(self):
        for item in self:
            if (
                item.compute_price == "fixed"
                and item.fixed_price < 0
                and item.pricelist_id._wholtra_is_trade_pricelist()
            ):
                raise ValidationError(
                    self.env._(
                        "The price of rule %(rule)s of pricelist %(pricelist)s is "
                        "negative: enter a price of zero or more.",
                        rule=item.display_name,
                        pricelist=item.pricelist_id.display_name,
                    )
                )

    def _wholtra_target_key(self):
        """Items with the same key price the same products at the same minimum
        quantity. A product-level (template) item and a variant-level item of one
        of its variants share the key of the template: their promotions compete
        for the same order line."""
        self.ensure_one()
        template = self.product_tmpl_id
        if self.applied_on == "0_product_variant":
            template = self.product_id.product_tmpl_id
        if self.applied_on in ("0_product_variant", "1_product"):
            return (self.pricelist_id.id, "product", template.id, self.min_quantity)
        return (
            self.pricelist_id.id,
            self.applied_on,
            self.categ_id.id,
            self.min_quantity,
        )

    def _wholtra_competes_with(self, other):
        """Two items of the same key compete unless both are variant-level items
        of different variants."""
        self.ensure_one()
        return not (
            self.applied_on == other.applied_on == "0_product_variant"
            and self.product_id != other.product_id
        )

    @api.constrains(
        "date_start",
        "date_end",
        "min_quantity",
        "product_id",
        "product_tmpl_id",
        "categ_id",
        "applied_on",
        "pricelist_id",
    )
    def _check_wholtra_promo_overlap(self):
        """Two promotion windows of a tier pricelist for the same product and minimum
        quantity may not overlap, at the same level or between a product-level
        and a variant-level rule: the customer's price would be ambiguous."""
        promos = self.filtered(
            lambda i: (i.date_start or i.date_end)
            and i.pricelist_id._wholtra_is_trade_pricelist()
        )
        if not promos:
            return
        candidates = self.search(
            [
                ("pricelist_id", "in", promos.pricelist_id.ids),
                "|",
                ("date_start", "!=", False),
                ("date_end", "!=", False),
            ]
        )
        by_key = candidates.grouped(lambda i: i._wholtra_target_key())
        for item in promos:
            start = item.date_start or fields.Datetime.to_datetime("1900-01-01")
            end = item.date_end or fields.Datetime.to_datetime("9999-12-31")
            for other in by_key.get(item._wholtra_target_key(), []):
                if other == item or not item._wholtra_competes_with(other):
                    continue
                other_start = other.date_start or fields.Datetime.to_datetime(
                    "1900-01-01"
                )
                other_end = other.date_end or fields.Datetime.to_datetime("9999-12-31")
                if start <= other_end and other_start <= end:
                    raise ValidationError(
                        self.env._(
                            "The promotion %(rule)s (%(start)s – %(end)s) overlaps "
                            "another promotion for the same product and minimum "
                            "quantity in %(pricelist)s (%(other)s). Shorten one of "
                            "the windows.",
                            rule=item.display_name,
                            start=item.date_start or "…",
                            end=item.date_end or "…",
                            pricelist=item.pricelist_id.display_name,
                            other=other.display_name,
                        )
                    )
