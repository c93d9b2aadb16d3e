from datetime import timedelta

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import AllocCommon


@tagged("post_install", "-at_install")
class TestEngine(AllocCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.po_early = cls._create_po(10, days=5)
        cls.po_late = cls._create_po(10, days=15)
        cls.engine = cls.env["wholtra.allocation.engine"]

    def _snapshot(self):
        return sorted(
            (a.id, a.order_id.name, a.purchase_id.name, a.quantity, a.state)
            for a in self._allocs()
        )

    def _run(self):
        return self.engine._run(self.company)

    def test_earliest_eta_then_order_date_and_rerun_safe(self):
        # same priority: the older order is served first, from the earliest PO
        old = self._create_so(self.bronze, 12, days_ago=3)
        new = self._create_so(self.gold, 12, days_ago=1)
        stats = self._run()
        self.assertEqual(stats["created"], 3)
        self.assertEqual(
            {(a.purchase_id, a.quantity) for a in self._allocs(old)},
            {(self.po_early, 10), (self.po_late, 2)},
        )
        self.assertEqual(
            {(a.purchase_id, a.quantity) for a in self._allocs(new)},
            {(self.po_late, 8)},
        )
        self.assertEqual(new.order_line.wholtra_alloc_status, "partial")
        before = self._snapshot()
        stats = self._run()
        self.assertEqual(stats, {"created": 0, "updated": 0, "removed": 0})
        self.assertEqual(self._snapshot(), before)

    def test_commitment_date_first(self):
        relaxed = self._create_so(self.bronze, 10, days_ago=3)
        urgent = self._create_so(
            self.bronze, 10, days_ago=1, commitment_date=self.now + timedelta(days=2)
        )
        self._run()
        self.assertEqual(self._allocs(urgent).purchase_id, self.po_early)
        self.assertEqual(self._allocs(relaxed).purchase_id, self.po_late)

    def test_priority_replans_soft_not_firm(self):
        self._require_priorities()
        bronze_so = self._create_so(self.bronze, 10, days_ago=5)
        self._run()
        self.assertEqual(self._allocs(bronze_so).purchase_id, self.po_early)
        gold_so = self._create_so(self.gold, 10)
        self._run()
        # the higher priority customer takes the earliest supply, bronze re-planned
        self.assertEqual(self._allocs(gold_so).purchase_id, self.po_early)
        self.assertEqual(self._allocs(bronze_so).purchase_id, self.po_late)
        self.assertEqual(self._allocs(gold_so).priority, 30)
        # bronze's salesperson learns the new promise
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "sale.order"), ("res_id", "=", bronze_so.id)]
        )
        self.assertEqual(len(activity), 1)
        self.assertIn("Re-planned", str(activity.note))
        self.assertIn(
            str(self.po_late.order_line.date_planned.date()), str(activity.note)
        )
        self.assertFalse(
            self.env["mail.activity"].search(
                [("res_model", "=", "sale.order"), ("res_id", "=", gold_so.id)]
            )
        )
        # firm allocations are never moved
        self._allocs().unlink()
        self._allocate(bronze_so, self.po_early, 6, state="firm")
        self._run()
        self.assertEqual(
            {(a.purchase_id, a.quantity, a.state) for a in self._allocs(bronze_so)},
            {(self.po_early, 6, "firm"), (self.po_late, 4, "soft")},
        )
        self.assertEqual(
            {(a.purchase_id, a.quantity) for a in self._allocs(gold_so)},
            {(self.po_early, 4), (self.po_late, 6)},
        )

    def test_stock_covers_before_inbound(self):
        self.env["stock.quant"]._update_available_quantity(
            self.product, self.stock_location, 4
        )
        so = self._create_so(self.bronze, 10)
        # confirmed order reserved the 4 in stock; only 6 are planned on inbound
        self._run()
        self.assertEqual(so.order_line.wholtra_qty_reserved, 4)
        self.assertEqual(self._allocs(so).quantity, 6)
        self.assertEqual(so.order_line.wholtra_alloc_status, "allocated")
        lead = so.order_line.customer_lead
        self.assertEqual(
            so.order_line.wholtra_promised_date,
            self.po_early.order_line.date_planned + timedelta(days=lead),
        )
        self.assertEqual(so.wholtra_expected_date, so.order_line.wholtra_promised_date)

    def test_disabled_company_does_nothing(self):
        self.company.wholtra_allocation_enabled = False
        self._create_so(self.bronze, 5)
        self.engine._cron_run()
        self.assertFalse(self._allocs())

    def test_availability_fields(self):
        self.env["stock.quant"]._update_available_quantity(
            self.product, self.stock_location, 7
        )
        so = self._create_so(self.bronze, 3, confirm=False)
        line = so.order_line
        self.assertEqual(line.wholtra_qty_on_hand, 7)
        self.assertEqual(line.wholtra_qty_free, 7)
        self.assertEqual(line.wholtra_qty_free_all, 7)
        # another warehouse's stock shows only in the all-warehouses figure
        other_wh = self.env["stock.warehouse"].create(
            {"name": "North Depot", "code": "NTH", "company_id": self.company.id}
        )
        self.env["stock.quant"]._update_available_quantity(
            self.product, other_wh.lot_stock_id, 5
        )
        self.env.invalidate_all()
        self.assertEqual(line.wholtra_qty_free, 7)
        self.assertEqual(line.wholtra_qty_free_all, 12)
        self.assertEqual(line.wholtra_qty_incoming, 20)
        self.assertEqual(line.wholtra_next_eta, self.po_early.order_line.date_planned)

    def test_engine_button_access(self):
        so = self._create_so(self.bronze, 4)
        sales_user = new_test_user(
            self.env,
            "alloc_engine_sales",
            groups="sales_team.group_sale_salesman_all_leads",
        )
        stock_user = new_test_user(
            self.env,
            "alloc_engine_stock",
            groups="stock.group_stock_user,sales_team.group_sale_salesman_all_leads",
        )
        with self.assertRaises(AccessError):
            so.with_user(sales_user).action_wholtra_run_allocation()
        self.assertFalse(self._allocs(so))
        action = so.with_user(stock_user).action_wholtra_run_allocation()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(self._allocs(so).quantity, 4)
        self.assertEqual(self._allocs(so).purchase_id, self.po_early)
