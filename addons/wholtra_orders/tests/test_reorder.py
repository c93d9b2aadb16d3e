from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import WholtraOrdersCommon


@tagged("post_install", "-at_install")
class TestReorder(WholtraOrdersCommon):
    def test_reorder_past_order_at_todays_prices(self):
        order = self._order(self.grill, [(self.crisps, 12), (self.cola, 24)])
        order.action_confirm()
        self.pl_gold.item_ids.fixed_price = 15.0  # price moved since
        action = order.with_user(self.salesman).action_wholtra_reorder()
        new_order = self.env["sale.order"].browse(action["res_id"])
        self.assertNotEqual(new_order, order)
        self.assertEqual(new_order.state, "draft")
        self.assertEqual(new_order.partner_id, self.grill)
        self.assertEqual(new_order.origin, order.name)
        self.assertEqual(
            [(line.product_id, line.product_uom_qty) for line in new_order.order_line],
            [(self.crisps, 12), (self.cola, 24)],
        )
        self.assertEqual(new_order.order_line[0].price_unit, 15.0)
        self.assertEqual(order.order_line[0].price_unit, 16.0)

    def test_reorder_from_customer_takes_last_order(self):
        with self.assertRaisesRegex(UserError, "no confirmed order"):
            self.grill.action_wholtra_reorder()
        first = self._order(self.grill, [(self.crisps, 6)])
        first.action_confirm()
        last = self._order(self.grill, [(self.cola, 3)])
        last.action_confirm()
        action = self.grill.action_wholtra_reorder()
        new_order = self.env["sale.order"].browse(action["res_id"])
        self.assertEqual(new_order.order_line.product_id, self.cola)
        self.assertEqual(new_order.order_line.product_uom_qty, 3)
