from odoo import fields, models


class ProductPricelist(models.Model):
    _inherit = "product.pricelist"

    wholtra_tier_ids = fields.One2many(
        "wholtra.price.tier", "pricelist_id", string="Price tiers"
    )
    wholtra_contract_partner_ids = fields.One2many(
        "res.partner", "wholtra_contract_pricelist_id", string="Contract customers"
    )

    def _wholtra_is_trade_pricelist(self):
        """Tier or contract pricelist: our validations apply to these only."""
        self.ensure_one()
        return bool(self.wholtra_tier_ids or self.wholtra_contract_partner_ids)
