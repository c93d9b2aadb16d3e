from odoo.tests import new_test_user, tagged

from .common import AllocCommon

CREDIT_MANAGER = "wholtra_orders.group_wholtra_credit_manager"


@tagged("post_install", "-at_install")
class TestHeldCustomersLast(AllocCommon):
    """Customers on credit hold cannot ship: their demand goes after everyone
    else's, at the engine and at the receipt, and a credit manager is told."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.credit_manager = new_test_user(
            cls.env,
            login="alloc_credit_manager",
            groups=f"sales_team.group_sale_salesman,{CREDIT_MANAGER}",
        )
        cls.silver = cls.env["res.partner"].create({"name": "Silver Superette"})
        cls.engine = cls.env["wholtra.allocation.engine"]

    def _hold(self, partner):
        partner.with_user(self.credit_manager)._wholtra_set_hold("Cheque bounced")

    def _lift(self, partner):
        partner.with_user(self.credit_manager)._wholtra_lift_hold("Paid in full")

    def _held_activities(self, order):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "sale.order"),
                ("res_id", "=", order.id),
                ("summary", "ilike", "on hold"),
            ]
        )

    def _settings(self, **vals):
        self.env["res.config.settings"].create(vals).execute()
        self.env.invalidate_all()

    def _reserved(self, *orders):
        self.env.invalidate_all()
        return [so.picking_ids.move_ids.quantity for so in orders]

    def test_held_customer_goes_after_and_comes_back_when_lifted(self):
        # on by default, as installed
        self.assertTrue(
            self.env["res.config.settings"].create({}).wholtra_alloc_held_last
        )
        po = self._create_po(10, days=5)
        held_so = self._create_so(self.bronze, 10, days_ago=3)
        other_so = self._create_so(self.gold, 10, days_ago=1)
        self.engine._run(self.company)
        # the older order was promised the PO
        self.assertEqual(self._allocs(held_so).quantity, 10)
        self.assertFalse(self._allocs(other_so))

        # the earlier customer goes on hold before the next engine run; the
        # goods arrive: the customer who can ship gets them
        self._hold(self.bronze)
        self._receive(po, 10)
        self.assertEqual(self._reserved(other_so, held_so), [10, 0])
        self.assertFalse(self._allocs(held_so, states=("soft", "firm", "done")))
        self.assertEqual(self._allocs(held_so, states=("cancelled",)).quantity, 10)
        self.assertEqual(po.order_line.wholtra_qty_allocated, 0)
        activity = self._held_activities(held_so)
        self.assertEqual(len(activity), 1)
        self.assertTrue(activity.user_id.has_group(CREDIT_MANAGER))
        self.assertIn(self.bronze.name, str(activity.note))
        self.assertFalse(self._held_activities(other_so))

        # while held, new supply goes to a later order first
        po2 = self._create_po(10, days=10)
        later_so = self._create_so(self.silver, 10)
        self.engine._run(self.company)
        self.assertEqual(self._allocs(later_so).quantity, 10)
        self.assertFalse(self._allocs(held_so))

        # hold lifted: back in its priority at once (re-planned on the lift),
        # and the next receipt serves it before the later order
        self._lift(self.bronze)
        self.env.invalidate_all()
        self.assertEqual(self._allocs(held_so).quantity, 10)
        self.assertFalse(self._allocs(later_so))
        self._receive(po2, 10)
        self.assertEqual(self._reserved(held_so, later_so), [10, 0])
        # one activity, not one per event
        self.assertEqual(len(self._held_activities(held_so)), 1)

    def test_engine_replans_held_demand_last(self):
        po = self._create_po(10, days=5)
        held_so = self._create_so(self.bronze, 10, days_ago=3)
        other_so = self._create_so(self.gold, 10, days_ago=1)
        self.engine._run(self.company)
        self._hold(self.bronze)
        self.engine._run(self.company)
        self.assertEqual(self._allocs(other_so).quantity, 10)
        self.assertFalse(self._allocs(held_so))
        self.assertEqual(len(self._held_activities(held_so)), 1)
        # a credit manager releases the order: it ships, so it is served again
        held_so.sudo().wholtra_hold_released = True
        self.engine._run(self.company)
        self.assertEqual(self._allocs(held_so).quantity, 10)
        self.assertEqual(po.order_line.wholtra_qty_allocated, 10)

    def test_receipt_without_allocations_reserves_held_last(self):
        """No allocation planned: Odoo reserves the receipt to waiting
        deliveries, the held customer's after the others'."""
        po = self._create_po(10)
        held_so = self._create_so(self.bronze, 8, days_ago=3)
        other_so = self._create_so(self.gold, 8, days_ago=1)
        self._hold(self.bronze)
        self._receive(po, 10)
        self.assertEqual(self._reserved(other_so, held_so), [8, 2])
        self.assertEqual(len(self._held_activities(held_so)), 1)

    def test_setting_off_keeps_odoo_order(self):
        self._settings(wholtra_alloc_held_last=False)
        self.assertFalse(self.company.wholtra_alloc_held_last)
        po = self._create_po(10)
        held_so = self._create_so(self.bronze, 8, days_ago=3)
        other_so = self._create_so(self.gold, 8, days_ago=1)
        self._hold(self.bronze)
        self._receive(po, 10)
        self.assertEqual(self._reserved(held_so, other_so), [8, 2])
        self.assertFalse(self._held_activities(held_so))

    def test_nothing_changes_without_allocation(self):
        self._settings(wholtra_allocation_enabled=False)
        self.assertTrue(self.company.wholtra_alloc_held_last)
        po = self._create_po(10)
        held_so = self._create_so(self.bronze, 8, days_ago=3)
        other_so = self._create_so(self.gold, 8, days_ago=1)
        self._hold(self.bronze)
        self._receive(po, 10)
        self.assertEqual(self._reserved(held_so, other_so), [8, 2])
        self.assertFalse(self._held_activities(held_so))
