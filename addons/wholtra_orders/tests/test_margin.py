from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import WholtraOrdersCommon


@tagged("post_install", "-at_install")
class TestMarginControl(WholtraOrdersCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable(wholtra_margin_control=True)
        cls.tier_gold.write({"margin_floor": 30.0, "max_discount": 5.0})

    def _approve(self, order, user, reason="Matching competitor offer"):
        action = order.with_user(user).action_wholtra_approve_margin()
        wizard_form = Form(
            self.env[action["res_model"]]
            .with_user(user)
            .with_context(action["context"])
        )
        wizard_form.reason = reason
        wizard_form.save().action_apply()

    def test_margin_floor_blocks_and_names_lines(self):
        # Gold crisps at 16 with cost 12 -> 25% margin < 30%; cola at 15/9 -> 40%
        order = self._order(self.grill, [(self.crisps, 5), (self.cola, 5)])
        with self.assertRaisesRegex(UserError, r"Crisps 24x50g: margin 25.0% under"):
            order.action_confirm()
        self.assertNotIn("Cola", order.wholtra_margin_message)
        self.assertEqual(order.state, "draft")

    def test_discount_over_allowance_blocks(self):
        order = self._order(self.grill, [(self.cola, 5, {"discount": 8.0})])
        with self.assertRaisesRegex(
            UserError, r"discount 8.0% over the allowance of 5.0%"
        ):
            order.action_confirm()
        order.order_line.discount = 5.0
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_salesperson_cannot_approve(self):
        order = self._order(self.grill, [(self.crisps, 5)])
        with self.assertRaises(AccessError):
            self._approve(order, self.salesman)
        with self.assertRaises(AccessError):
            order.with_user(self.salesman).write({"wholtra_margin_approved": True})
        with self.assertRaises(UserError):
            order.with_user(self.salesman).action_confirm()

    def test_manager_approval_with_logged_reason(self):
        order = self._order(self.grill, [(self.crisps, 5)])
        self._approve(order, self.sales_manager, "Clearance of short-dated stock")
        self.assertTrue(order.wholtra_margin_approved)
        self.assertEqual(order.wholtra_margin_approved_by_id, self.sales_manager)
        self.assertEqual(
            order.wholtra_margin_approval_reason, "Clearance of short-dated stock"
        )
        self.assertIn(
            "Clearance of short-dated stock",
            "\n".join(order.message_ids.mapped("body")),
        )
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.copy().wholtra_margin_approved)

    def test_company_default_floor(self):
        self.company.wholtra_default_margin_floor = 50.0
        order = self._order(self.deli, [(self.cola, 5)])  # bronze: 15/9 -> 40%
        with self.assertRaisesRegex(UserError, "under the floor of 50.0%"):
            order.action_confirm()

    def test_off_by_default(self):
        self.company.wholtra_margin_control = False
        order = self._order(self.grill, [(self.crisps, 5, {"discount": 50.0})])
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_changing_lines_withdraws_the_approval(self):
        order = self._order(self.grill, [(self.crisps, 5)])
        self._approve(order, self.sales_manager)
        self.assertTrue(order.wholtra_margin_approved)
        order.with_user(self.salesman).order_line.discount = 4.0
        self.assertFalse(order.wholtra_margin_approved)
        with self.assertRaisesRegex(UserError, "margin"):
            order.action_confirm()

    def test_free_line_is_under_the_floor(self):
        order = self._order(self.grill, [(self.cola, 5, {"price_unit": 0.0})])
        with self.assertRaisesRegex(UserError, "Cola 24x330ml: margin"):
            order.action_confirm()

    def test_product_floor_wins_over_tier_floor(self):
        # cola at Gold: 15 / 9 -> 40% margin, above the tier's 30%
        self.cola.product_tmpl_id.wholtra_margin_floor = 45.0
        order = self._order(self.grill, [(self.cola, 5), (self.crisps, 5)])
        message = order.wholtra_margin_message
        self.assertIn("Cola 24x330ml: margin 40.0% under the floor of 45.0%", message)
        self.assertIn("Crisps 24x50g: margin 25.0% under the floor of 30.0%", message)
