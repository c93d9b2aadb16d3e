from datetime import timedelta

from odoo.tests import tagged

from .common import AllocCommon


@tagged("post_install", "-at_install")
class TestPurchaseChanges(AllocCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.po = cls._create_po(10)
        cls.gold_so = cls._create_so(cls.gold, 6, days_ago=2)
        cls.bronze_so = cls._create_so(cls.bronze, 4, days_ago=1)

    def setUp(self):
        super().setUp()
        self.gold_alloc = self._allocate(self.gold_so, self.po, 6)
        self.bronze_alloc = self._allocate(self.bronze_so, self.po, 4)
        self.gold_alloc.priority = 30
        self.bronze_alloc.priority = 10

    def _activities(self, order):
        return self.env["mail.activity"].search(
            [("res_model", "=", "sale.order"), ("res_id", "=", order.id)]
        )

    def test_qty_reduced_releases_lowest_priority(self):
        # keep the date: vanilla Odoo resets date_planned when the quantity changes
        date = self.po.order_line.date_planned
        self.po.order_line.write({"product_qty": 7, "date_planned": date})
        self.assertEqual(self.gold_alloc.quantity, 6)
        self.assertEqual(self.bronze_alloc.quantity, 1)
        self.assertFalse(self._activities(self.gold_so))
        activity = self._activities(self.bronze_so)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.salesperson)
        self.assertIn(self.bronze_so.name, activity.summary)
        self.assertIn(self.product.display_name, str(activity.note))
        self.po.order_line.write({"product_qty": 3, "date_planned": date})
        self.assertEqual(self.bronze_alloc.state, "cancelled")
        self.assertEqual(self.gold_alloc.quantity, 3)
        self.assertEqual(self.bronze_so.order_line.wholtra_alloc_status, "unallocated")

    def test_firm_released_after_soft(self):
        self.gold_alloc.state = "firm"
        self.bronze_alloc.priority = 50
        self.po.order_line.write(
            {"product_qty": 6, "date_planned": self.po.order_line.date_planned}
        )
        self.assertEqual(self.bronze_alloc.state, "cancelled")
        self.assertEqual((self.gold_alloc.state, self.gold_alloc.quantity), ("firm", 6))

    def test_po_cancelled_releases_all(self):
        self.po.button_cancel()
        self.assertEqual(
            (self.gold_alloc + self.bronze_alloc).mapped("state"),
            ["cancelled", "cancelled"],
        )
        self.assertTrue(self._activities(self.gold_so))
        self.assertTrue(self._activities(self.bronze_so))
        self.assertFalse(self.gold_so.wholtra_expected_date)

    def test_date_moved_recomputes_and_notifies(self):
        new_date = self.po.order_line.date_planned + timedelta(days=10)
        self.po.order_line.date_planned = new_date
        self.assertEqual(self.gold_alloc.date_expected, new_date)
        lead = self.gold_so.order_line.customer_lead
        promised = new_date + timedelta(days=lead)
        self.assertEqual(self.gold_so.order_line.wholtra_promised_date, promised)
        self.assertEqual(self.gold_so.wholtra_expected_date, promised)
        for order in (self.gold_so, self.bronze_so):
            activity = self._activities(order)
            self.assertEqual(len(activity), 1)
            self.assertIn(str(promised.date()), str(activity.note))
        self.assertEqual(self.gold_alloc.quantity, 6)
