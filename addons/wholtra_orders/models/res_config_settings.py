from odoo import fields, models


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
