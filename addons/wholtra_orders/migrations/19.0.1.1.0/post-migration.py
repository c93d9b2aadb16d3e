"""Issue 12: earlier versions left the tier pricelist to Odoo's fallback (nothing
stored when it was the company's only pricelist, and nothing at all while
Pricelists was off). Switch on the features the tiers need and store every
tiered customer's pricelist explicitly."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    tiers = env["wholtra.price.tier"].search([])
    if not tiers:
        return
    tiers._wholtra_ensure_features()
    partners = env["res.partner"].search(
        [("wholtra_tier_id", "!=", False), ("parent_id", "=", False)]
    )
    partners._wholtra_tier_mismatches()._wholtra_apply_tier()
