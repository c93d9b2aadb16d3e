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

    _wholtra_moq_positive = models.Constraint(
        "CHECK(wholtra_moq >= 0 AND wholtra_order_multiple >= 0)",
        "Minimum order quantity and order multiple cannot be negative.",
    )
