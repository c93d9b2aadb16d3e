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


@tagged("post_install", "-at_install")
class TestDemandChanges(AllocCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.po_early = cls._create_po(5, days=3)
        cls.po_late = cls._create_po(10, days=20)
        cls.so = cls._create_so(cls.gold, 10)

    def setUp(self):
        super().setUp()
        self.early = self._allocate(self.so, self.po_early, 5)
        self.late = self._allocate(self.so, self.po_late, 5)

    def test_order_qty_reduced_releases_latest_eta_first(self):
        self.so.order_line.product_uom_qty = 7
        self.assertEqual((self.early.quantity, self.early.state), (5, "soft"))
        self.assertEqual((self.late.quantity, self.late.state), (2, "soft"))
        self.so.order_line.product_uom_qty = 4
        self.assertEqual(self.late.state, "cancelled")
        self.assertEqual(self.early.quantity, 4)
        self.assertEqual(self.po_late.order_line.wholtra_qty_free, 10)

    def test_order_cancelled_releases_everything(self):
        self.so._action_cancel()
        self.assertEqual((self.early | self.late).mapped("state"), ["cancelled"] * 2)
        self.assertEqual(self.po_early.order_line.wholtra_qty_free, 5)

    def test_delivered_from_stock_shrinks(self):
        self.env["stock.quant"]._update_available_quantity(
            self.product, self.stock_location, 8
        )
        picking = self.so.picking_ids
        picking.action_assign()
        picking.move_ids.quantity = 8
        picking.move_ids.picked = True
        res = picking.button_validate()
        self.env["stock.backorder.confirmation"].with_context(res["context"]).create(
            {}
        ).process()
        # 2 left to deliver: the early allocation keeps 2, the late one is released
        self.assertEqual(self.so.order_line.qty_delivered, 8)
        self.assertEqual(self.late.state, "cancelled")
        self.assertEqual(self.early.quantity, 2)
