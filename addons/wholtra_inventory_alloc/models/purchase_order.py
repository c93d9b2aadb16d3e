from odoo import fields, models


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    wholtra_allocation_enabled = fields.Boolean(
        related="company_id.wholtra_allocation_enabled"
    )

    def button_approve(self, force=False):
        res = super().button_approve(force=force)
        # new inbound supply: its products are re-planned
        confirmed = self.filtered(lambda po: po.state == "purchase")
        self.env["wholtra.allocation.queue"]._wholtra_queue_lines(confirmed.order_line)
        return res

    def button_cancel(self):
        res = super().button_cancel()
        if any(self.company_id.mapped("wholtra_allocation_enabled")):
            self.order_line._wholtra_shrink_allocations()
            self.env["wholtra.allocation.queue"]._wholtra_queue_lines(self.order_line)
        return res

    def action_wholtra_view_allocations(self):
        """Who is promised what on these purchase orders (sales and inventory
        users)."""
        Alloc = self.env["wholtra.allocation"]
        Alloc._wholtra_check_group(
            "sales_team.group_sale_salesman", "stock.group_stock_user"
        )
        Alloc._wholtra_check_records(self)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "wholtra_inventory_alloc.wholtra_allocation_action"
        )
        action["domain"] = [("purchase_id", "in", self.ids)]
        return action
