from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    wholtra_enforce_account_terms = fields.Boolean(
        string="Enforce account terms",
        help="Block orders and deliveries of customers on credit hold (over credit "
        "limit, overdue invoices), under the minimum order value or off the MOQ.",
    )
    wholtra_hold_overdue_days = fields.Integer(
        string="Hold when overdue more than (days)",
        help="Put a customer on hold when one of its invoices is overdue by more "
        "than this many days. 0 ignores overdue invoices.",
    )
    wholtra_terms_allow_override = fields.Boolean(
        string="Managers may override MOV / MOQ",
        help="When set, a sales manager can confirm an order under the minimum order "
        "value or off the MOQ / order multiple with a recorded reason. Otherwise "
        "such orders are simply blocked.",
    )
    wholtra_margin_control = fields.Boolean(
        string="Margin floor and discount allowance",
        help="Block confirmation of orders with lines under the margin floor or over "
        "the discount allowance of the customer's tier, until a sales manager "
        "approves them.",
    )
    wholtra_default_margin_floor = fields.Float(
        string="Default margin floor (%)",
        help="Margin floor for customers whose tier sets none.",
    )
    wholtra_audit_price_overrides = fields.Boolean(
        string="Audit price overrides",
        help="Log every manual change of a line's unit price or discount away from "
        "the pricelist, and keep it through price recomputation.",
    )
    wholtra_override_reason_threshold = fields.Float(
        string="Reason required above (%)",
        default=5.0,
        help="A reason is required when a manual price deviates from the pricelist "
        "price by more than this percentage (0: always).",
    )
