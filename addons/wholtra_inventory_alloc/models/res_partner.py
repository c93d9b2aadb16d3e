from odoo import api, fields, models


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
