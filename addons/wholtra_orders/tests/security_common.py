from odoo import Command
from odoo.tests import new_test_user

from .common import WholtraOrdersCommon


class WholtraSecurityCommon(WholtraOrdersCommon):
    """The roles of a distributor's Odoo, next to the sales users of common.py."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.company
        cls.company_b = cls.env["res.company"].create({"name": "Wholtra Orders Co B"})
        cls.portal_partner = cls.env["res.partner"].create(
            {"name": "Deli buyer (portal)", "parent_id": cls.deli.id}
        )
        cls.portal = new_test_user(
            cls.env,
            login="wh_portal",
            groups="base.group_portal",
            partner_id=cls.portal_partner.id,
        )
        # a salesperson who may also edit contacts (Contact Creation): what stops
        # them from changing terms is our guard, not the partner ACL
        cls.salesman_contacts = new_test_user(
            cls.env,
            login="wh_salesman_contacts",
            groups="sales_team.group_sale_salesman,base.group_partner_manager",
        )
        cls.stock_user = new_test_user(
            cls.env, login="wh_stock_user", groups="stock.group_stock_user"
        )
        cls.billing = new_test_user(
            cls.env, login="wh_billing", groups="account.group_account_invoice"
        )
        cls.credit_manager_b = new_test_user(
            cls.env,
            login="wh_credit_manager_b",
            groups="sales_team.group_sale_salesman,base.group_partner_manager,"
            "wholtra_orders.group_wholtra_credit_manager,stock.group_stock_user",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )

    def _confirmed_order(self, partner, qty=5, product=None):
        order = self._order(partner, [(product or self.crisps, qty)])
        order.action_confirm()
        return order

    def _prepare_delivery(self, picking):
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
