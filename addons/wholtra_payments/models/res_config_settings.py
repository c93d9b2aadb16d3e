from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    wholtra_statement_links_enabled = fields.Boolean(
        related="company_id.wholtra_statement_links_enabled",
        readonly=False,
    )
    wholtra_statement_link_validity_days = fields.Integer(
        related="company_id.wholtra_statement_link_validity_days",
        readonly=False,
    )
    wholtra_statement_overpay_tolerance = fields.Monetary(
        related="company_id.wholtra_statement_overpay_tolerance",
        readonly=False,
    )
    wholtra_payment_matching_enabled = fields.Boolean(
        related="company_id.wholtra_payment_matching_enabled",
        readonly=False,
    )
    wholtra_cod_enabled = fields.Boolean(
        related="company_id.wholtra_cod_enabled",
        readonly=False,
    )
    wholtra_cod_journal_id = fields.Many2one(
        related="company_id.wholtra_cod_journal_id",
        readonly=False,
    )
    wholtra_cod_journal_warning = fields.Char(
        compute="_compute_wholtra_cod_journal_warning"
    )
    wholtra_collection_enabled = fields.Boolean(
        related="company_id.wholtra_collection_enabled",
        readonly=False,
    )
    wholtra_collection_lift_hold = fields.Boolean(
        related="company_id.wholtra_collection_lift_hold",
        readonly=False,
    )

    @api.depends("wholtra_cod_enabled", "wholtra_cod_journal_id", "company_id")
    def _compute_wholtra_cod_journal_warning(self):
        for settings in self:
            settings.wholtra_cod_journal_warning = (
                settings.wholtra_cod_enabled
                and not settings.wholtra_cod_journal_id
                and not settings.company_id._wholtra_cod_payment_journal()
                and self.env._(
                    "Cash on delivery needs a cash or bank journal: this company has "
                    "none. Create one and set it as COD journal, or deliveries of COD "
                    "customers cannot be validated."
                )
            )
