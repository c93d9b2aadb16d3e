from odoo import fields, models
from odoo.exceptions import UserError


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

    def write(self, vals):
        if isinstance(vals, dict) and "active" in vals and not vals["active"]:
            self._wholtra_check_not_in_use()
        return super().write(vals)

    def _wholtra_check_not_in_use(self):
        """An archived pricelist prices nothing: the customers of a tier (or a
        contract) using it would silently get another one."""
        self_sudo = self.sudo()
        tiers = self_sudo.wholtra_tier_ids.filtered("active")
        contracts = self_sudo.wholtra_contract_partner_ids.filtered("wholtra_tier_id")
        if tiers or contracts:
            raise UserError(
                self.env._(
                    "%(pricelists)s price the tiers %(tiers)s or the contract "
                    "prices of %(customers)s: change or archive those first.",
                    pricelists=", ".join(
                        (
                            tiers.pricelist_id | contracts.wholtra_contract_pricelist_id
                        ).mapped("display_name")
                    ),
                    tiers=", ".join(tiers.mapped("display_name")) or "-",
                    customers=", ".join(contracts[:5].mapped("display_name")) or "-",
                )
            )
