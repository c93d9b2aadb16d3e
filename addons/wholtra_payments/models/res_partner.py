from odoo import api, fields, models
from odoo.exceptions import UserError


class ResPartner(models.Model):
    _inherit = "res.partner"

    wholtra_statement_link_ids = fields.One2many(
        "wholtra.statement.link",
        "partner_id",
        string="Statement links",
        groups="account.group_account_invoice",
    )

    wholtra_cod = fields.Boolean(
        string="Cash on delivery",
        groups="base.group_user",
        help="Deliveries to this customer are paid to the driver (when cash on "
        "delivery is enabled in the settings).",
    )
    wholtra_statement_links_enabled = fields.Boolean(
        compute="_compute_wholtra_statement_links_enabled", groups="base.group_user"
    )

    @api.depends_context("company")
    def _compute_wholtra_statement_links_enabled(self):
        self.wholtra_statement_links_enabled = (
            self.env.company.wholtra_statement_links_enabled
        )

    @api.model
    def _commercial_fields(self):
        return [*super()._commercial_fields(), "wholtra_cod"]

    def action_wholtra_statement_link(self):
        """Open the customer's statement link (created when missing). Invoicing users
        only."""
        Link = self.env["wholtra.statement.link"]
        Link._wholtra_check_billing()
        partner = self.exists()
        if len(partner) != 1:
            raise UserError(self.env._("Choose one customer."))
        partner.check_access("read")
        link = Link._wholtra_get_or_create_for_partner(partner)
        return {
            "type": "ir.actions.act_window",
            "res_model": "wholtra.statement.link",
            "res_id": link.id,
            "view_mode": "form",
            "target": "current",
        }
