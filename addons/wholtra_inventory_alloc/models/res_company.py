from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    wholtra_allocation_enabled = fields.Boolean(
        string="Allocate sales to inbound supply",
        help="Promise order lines against confirmed purchase order lines, by customer priority, with promised dates that follow the POs.",
    )
    wholtra_presale_policy = fields.Selection(
        [
            ("none", "Allow"),
            ("warn", "Warn"),
            ("block", "Block"),
        ],
        string="Orders without stock or supply",
        default="none",
        required=True,
        help="What happens when an order asks for more than the free stock plus the "
        "free inbound supply, and its lines are not marked pre-sale.",
    )
    wholtra_allocate_on_confirm = fields.Boolean(
        string="Allocate on order confirmation",
        help="Run the allocation engine for the products of an order when it is "
        "confirmed.",
    )
    wholtra_alloc_held_last = fields.Boolean(
        string="Customers on hold served last",
        default=True,
        help="While a customer is on credit hold (and the order not released), "
        "its demand goes after every other customer's: the engine plans it last "
        "and receipts reserve goods to the deliveries of customers who can ship "
        "first. A credit manager gets an activity; lifting the hold puts the "
        "demand back in its priority. Only acts when allocation is enabled.",
    )
