from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    wholtra_allocation_enabled = fields.Boolean(
        related="company_id.wholtra_allocation_enabled",
        readonly=False,
    )
    wholtra_presale_policy = fields.Selection(
        related="company_id.wholtra_presale_policy",
        readonly=False,
    )
    wholtra_allocate_on_confirm = fields.Boolean(
        related="company_id.wholtra_allocate_on_confirm",
        readonly=False,
    )
    wholtra_alloc_held_last = fields.Boolean(
        related="company_id.wholtra_alloc_held_last",
        readonly=False,
    )
