from odoo import fields, models
from odoo.exceptions import UserError


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    wholtra_enforce_account_terms = fields.Boolean(
        related="company_id.wholtra_enforce_account_terms",
        readonly=False,
    )
    wholtra_hold_overdue_days = fields.Integer(
        related="company_id.wholtra_hold_overdue_days",
        readonly=False,
    )
    wholtra_terms_allow_override = fields.Boolean(
        related="company_id.wholtra_terms_allow_override",
        readonly=False,
    )
    wholtra_margin_control = fields.Boolean(
        related="company_id.wholtra_margin_control",
        readonly=False,
    )
    wholtra_default_margin_floor = fields.Float(
        related="company_id.wholtra_default_margin_floor",
        readonly=False,
    )
    wholtra_audit_price_overrides = fields.Boolean(
        related="company_id.wholtra_audit_price_overrides",
        readonly=False,
    )
    wholtra_override_reason_threshold = fields.Float(
        related="company_id.wholtra_override_reason_threshold",
        readonly=False,
    )

    def set_values(self):
        self._wholtra_check_tier_features()
        super().set_values()

    def _wholtra_check_tier_features(self):
        """Price tiers need Pricelists (and Discounts when they give a discount
        allowance): refuse to switch those off while tiers use them (Odoo would
        archive every pricelist and customers would silently pay list price)."""
        tiers = self.env["wholtra.price.tier"].sudo().search([])
        if not tiers:
            return
        needed = tiers._wholtra_required_features()
        fields_by_group = {
            "product.group_product_pricelist": "group_product_pricelist",
            "sale.group_discount_per_so_line": "group_discount_per_so_line",
        }
        Groups = self.env["res.groups"]
        for xmlid in needed:
            fname = fields_by_group.get(xmlid)
            switched_off = (
                fname in self._fields
                and not self[fname]
                and Groups._is_feature_enabled(xmlid)
            )
            if switched_off:
                raise UserError(
                    self.env._(
                        "%(feature)s cannot be switched off: the price tiers "
                        "%(tiers)s use it. Archive those tiers (or set their "
                        "discount allowance to 0) first.",
                        feature=self._fields[fname].string,
                        tiers=", ".join(
                            (
                                tiers
                                if fname == "group_product_pricelist"
                                else tiers.filtered("max_discount")
                            ).mapped("display_name")
                        ),
                    )
                )
