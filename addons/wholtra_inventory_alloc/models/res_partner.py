from odoo import api, fields, models
from odoo.fields import Domain


class ResPartner(models.Model):
    _inherit = "res.partner"

    wholtra_allocation_enabled = fields.Boolean(
        compute="_compute_wholtra_allocation_enabled"
    )

    @api.depends_context("company")
    def _compute_wholtra_allocation_enabled(self):
        self.wholtra_allocation_enabled = self.env.company.wholtra_allocation_enabled

    def action_wholtra_open_backorders(self):
        """The customer's confirmed lines still to deliver, with availability,
        allocation status and promised dates (salespeople)."""
        Alloc = self.env["wholtra.allocation"]
        Alloc._wholtra_check_group("sales_team.group_sale_salesman")
        Alloc._wholtra_check_records(self)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "wholtra_inventory_alloc.sale_order_line_action_wholtra_backorders"
        )
        action["domain"] = [
            ("order_partner_id", "child_of", self.commercial_partner_id.ids)
        ]
        return action

    def _wholtra_lift_hold(self, reason):
        """Lifting a manual hold puts the customer's open demand back in its
        priority at once: the engine re-plans the products of its open order
        lines in the current company (automatic holds that end with a payment
        wait for the next engine run)."""
        res = super()._wholtra_lift_hold(reason)
        self._wholtra_replan_open_demand()
        return res

    def _wholtra_replan_open_demand(self):
        company = self.env.company
        if not (company.wholtra_allocation_enabled and company.wholtra_alloc_held_last):
            return
        # a system update: the credit manager need not be an inventory user
        SaleLine = self.env["sale.order.line"].sudo()
        lines = SaleLine.search(
            SaleLine._wholtra_demand_domain(company)
            & Domain("order_partner_id", "child_of", self.commercial_partner_id.ids)
            & Domain("wholtra_is_open", "=", True)
        )
        if lines:
            self.env["wholtra.allocation.engine"].sudo()._run(
                company, products=lines.product_id
            )
