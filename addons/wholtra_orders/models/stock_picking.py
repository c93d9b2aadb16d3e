from collections import defaultdict

from odoo import fields, models
from odoo.exceptions import UserError

WHOLTRA_USER = "wholtra_orders.group_wholtra_user"
STOCK_USER = "stock.group_stock_user"
# ids of the deliveries whose hold button_validate has just checked
CHECKED_KEY = "wholtra_orders_hold_checked_pickings"


class StockPicking(models.Model):
    _inherit = "stock.picking"

    wholtra_hold_message = fields.Text(
        string="Stop-ship",
        compute="_compute_wholtra_hold_message",
        groups=f"{STOCK_USER},{WHOLTRA_USER}",
    )

    def _wholtra_pickings_to_check(self):
        """Outgoing deliveries still to ship whose sales order is not released.

        Read in sudo: a stock user validating a delivery need not read sales
        orders or customers' credit data to be stopped by the hold."""
        pickings_sudo = self.sudo()
        return pickings_sudo.filtered(
            lambda p: p.picking_type_code == "outgoing"
            and (p.sale_id or p.partner_id)
            and p.state not in ("done", "cancel")
            and not p.sale_id.wholtra_hold_released
        )

    def _wholtra_hold_customer(self):
        """The customer whose hold stops this delivery: the sales order's
        commercial partner, whatever the delivery's partner says (it may be
        changed or cleared on the delivery); the delivery's partner without a
        sales order."""
        self.ensure_one()
        partner = self.sale_id.partner_id or self.partner_id
        return partner.commercial_partner_id

    def _wholtra_hold_groups(self):
        """{(customer, company): pickings} of the pickings to check, in sudo."""
        return self._wholtra_pickings_to_check().grouped(
            lambda p: (p._wholtra_hold_customer(), p.company_id)
        )

    def _wholtra_hold_reasons(self):
        """[(customer, pickings, reasons)] of the pickings to check whose customer
        is on hold, in sudo: one hold evaluation per company, not per customer."""
        groups = self._wholtra_hold_groups()
        customers_by_company = defaultdict(lambda: self.env["res.partner"].sudo())
        for customer_sudo, company in groups:
            customers_by_company[company] |= customer_sudo
        reasons = {
            company: customers_sudo.with_company(
                company or self.env.company
            )._wholtra_hold_reasons_batch()
            for company, customers_sudo in customers_by_company.items()
        }
        return [
            (customer_sudo, pickings_sudo, reasons[company][customer_sudo.id])
            for (customer_sudo, company), pickings_sudo in groups.items()
            if reasons[company].get(customer_sudo.id)
        ]

    def _compute_wholtra_hold_message(self):
        self.wholtra_hold_message = False
        for _customer_sudo, pickings_sudo, reasons in self._wholtra_hold_reasons():
            self.browse(pickings_sudo.ids).wholtra_hold_message = "\n".join(reasons)

    def _wholtra_check_credit_hold(self):
        """Stop-ship: outgoing deliveries of customers on hold cannot be validated,
        unless a credit manager released their sales order. Deliveries already
        checked by the validation under way (``button_validate``) are not
        evaluated again when they are done."""
        checked = self.env.cr.cache.get(CHECKED_KEY, ())
        for customer_sudo, pickings_sudo, reasons in (
            self - self.browse(checked)
        )._wholtra_hold_reasons():
            raise UserError(
                self.env._(
                    "%(pickings)s cannot be shipped: %(customer)s is on credit "
                    "hold:\n%(reasons)s\nA credit manager can release the sales "
                    "order or lift the hold.",
                    pickings=", ".join(pickings_sudo.mapped("name")),
                    customer=customer_sudo.name,
                    reasons="\n".join(f"- {reason}" for reason in reasons),
                )
            )

    def button_validate(self):
        # Odoo's own checks and access rights apply (an empty call is a no-op)
        self._wholtra_check_credit_hold()
        # the deliveries just checked are not evaluated again by _action_done in
        # this validation (key in cr.cache: no caller can set it)
        cache = self.env.cr.cache
        outer = cache.get(CHECKED_KEY)
        cache[CHECKED_KEY] = frozenset(outer or ()) | frozenset(self.ids)
        try:
            return super().button_validate()
        finally:
            if outer is None:
                cache.pop(CHECKED_KEY, None)
            else:
                cache[CHECKED_KEY] = outer

    def _action_done(self):
        self._wholtra_check_credit_hold()
        return super()._action_done()
