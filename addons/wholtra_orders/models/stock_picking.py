from odoo import fields, models
from odoo.exceptions import UserError


class StockPicking(models.Model):
    _inherit = "stock.picking"

    wholtra_hold_message = fields.Text(
        string="Stop-ship", compute="_compute_wholtra_hold_message"
    )

    def _wholtra_pickings_to_check(self):
        return self.filtered(
            lambda p: p.picking_type_code == "outgoing"
            and p.partner_id
            and p.state not in ("done", "cancel")
            and not p.sale_id.wholtra_hold_released
        )

    def _compute_wholtra_hold_message(self):
        self.wholtra_hold_message = False
        to_check = self._wholtra_pickings_to_check()
        reasons = to_check.partner_id._wholtra_hold_reasons_batch()
        for picking in to_check:
            partner_reasons = reasons.get(picking.partner_id.commercial_partner_id.id)
            if partner_reasons:
                picking.wholtra_hold_message = "\n".join(partner_reasons)

    def _wholtra_check_credit_hold(self):
        """Stop-ship: outgoing deliveries of customers on hold cannot be validated,
        unless a credit manager released their sales order."""
        pickings = self._wholtra_pickings_to_check()
        for partner, partner_pickings in pickings.grouped(
            lambda p: p.partner_id.commercial_partner_id
        ).items():
            reasons = partner.with_company(
                partner_pickings.company_id[:1] or self.env.company
            )._wholtra_get_hold_reasons()
            if reasons:
                raise UserError(
                    self.env._(
                        "%(pickings)s cannot be shipped: %(customer)s is on credit "
                        "hold:\n%(reasons)s\nA credit manager can release the sales "
                        "order or lift the hold.",
                        pickings=", ".join(partner_pickings.mapped("name")),
                        customer=partner.name,
                        reasons="\n".join(f"- {reason}" for reason in reasons),
                    )
                )

    def button_validate(self):
        self._wholtra_check_credit_hold()
        return super().button_validate()

    def _action_done(self):
        self._wholtra_check_credit_hold()
        return super()._action_done()
