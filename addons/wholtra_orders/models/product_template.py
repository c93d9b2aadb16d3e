from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    wholtra_moq = fields.Float(
        string="Minimum order quantity",
        digits="Product Unit",
        help="Smallest quantity a customer may order, in the product's unit "
        "(0: no minimum). Enforced when account terms are enforced.",
    )
    wholtra_order_multiple = fields.Float(
        string="Order multiple",
        digits="Product Unit",
        help="Quantities must be a multiple of this, e.g. a case of 24 (0: any).",
    )
    wholtra_margin_floor = fields.Float(
        string="Margin floor (%)",
        groups="wholtra_orders.group_wholtra_user",
        help="Lines of this product under this margin need a manager's approval; "
        "overrides the customer's tier floor (0: use the tier's).",
    )

    _wholtra_moq_positive = models.Constraint(
        "CHECK(wholtra_moq >= 0 AND wholtra_order_multiple >= 0)",
        "Minimum order quantity and order multiple cannot be negative.",
    )
    _wholtra_margin_floor_range = models.Constraint(
        "CHECK(wholtra_margin_floor >= 0 AND wholtra_margin_floor < 100)",
        "The margin floor must be between 0 and 100%.",
    )
