from unittest.mock import patch

from odoo.tests import tagged

from .common import AllocCommon


@tagged("post_install", "-at_install")
class TestIncrementalReplan(AllocCommon):
    """Changes queue the products they touch; the re-plan scheduled action plans
    only those (allocation on confirmation off: the queue is the only way)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Queue = cls.env["wholtra.allocation.queue"]
        cls.cron = cls.env.ref(
            "wholtra_inventory_alloc.ir_cron_wholtra_allocation_replan"
        )

    def _queued(self):
        self.env.flush_all()
        return {(q.company_id, q.product_id) for q in self.Queue.search([])}

    def _replan(self):
        return self.Queue._wholtra_process(commit=False)

    def test_new_order_queues_its_products_and_replan_allocates(self):
        po = self._create_po(10)
        self._replan()
        triggers = self.env["ir.cron.trigger"].search_count(
            [("cron_id", "=", self.cron.id)]
        )
        so = self._create_so(self.gold, 6)
        # not planned yet: queued, and the re-plan scheduled action triggered
        self.assertFalse(self._allocs(so))
        self.assertEqual(self._queued(), {(self.company, self.product)})
        self.assertGreater(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)]),
            triggers,
        )
        stats = self._replan()
        self.assertEqual(stats["products"], 1)
        self.assertEqual(self._allocs(so).quantity, 6)
        self.assertEqual(self._allocs(so).purchase_id, po)
        self.assertFalse(self._queued())
        # rerun-safe: nothing queued, nothing changes
        self.assertEqual(self._replan()["products"], 0)
        self.assertEqual(self._allocs(so).quantity, 6)

    def test_po_change_and_receipt_replan_only_their_products(self):
        po = self._create_po(10)
        other_po = self._create_po(5, product=self.other_product)
        so = self._create_so(self.gold, 8)
        other_so = self._create_so(self.bronze, 4, product=self.other_product)
        self._replan()
        self.assertEqual(self._allocs(so).quantity, 8)
        self.assertEqual(self._allocs(other_so).quantity, 4)
        # the buyer reduces the PO: only its product is queued
        po.order_line.product_qty = 6
        self.assertEqual(self._queued(), {(self.company, self.product)})
        with patch.object(
            type(self.env["wholtra.allocation.engine"]),
            "_plan_products",
            autospec=True,
            side_effect=type(self.env["wholtra.allocation.engine"])._plan_products,
        ) as plan:
            self._replan()
        self.assertEqual(plan.call_args.args[2], self.product)
        self.assertEqual(self._allocs(so).quantity, 6)
        # a second PO arrives: the rest of the order is planned on it
        po2 = self._create_po(5, days=14)
        self._replan()
        self.assertEqual(sorted(self._allocs(so).mapped("quantity")), [2.0, 6.0])
        self.assertEqual(self._allocs(so).purchase_id, po | po2)
        # the receipt of the other product queues it
        self._receive(other_po, 5)
        self.assertIn((self.company, self.other_product), self._queued())
        self._replan()
        self.assertEqual(other_so.order_line.wholtra_qty_reserved, 4)
        self.assertFalse(self._allocs(other_so))

    def test_cancelled_order_gives_supply_to_the_next(self):
        self._create_po(10)
        first = self._create_so(self.gold, 10)
        second = self._create_so(self.bronze, 7)
        self._replan()
        self.assertEqual(self._allocs(first).quantity, 10)
        self.assertFalse(self._allocs(second))
        first._action_cancel()
        self.assertEqual(self._queued(), {(self.company, self.product)})
        self._replan()
        self.assertEqual(self._allocs(second).quantity, 7)

    def test_disabled_company_queues_nothing(self):
        self.company.wholtra_allocation_enabled = False
        self._create_po(10)
        self._create_so(self.gold, 6)
        self.assertFalse(self._queued())

    def test_run_button_hands_large_runs_to_the_cron(self):
        po = self._create_po(10)
        so = self._create_so(self.gold, 6)
        self._replan()
        so.order_line.wholtra_allocation_ids.sudo().with_context(
            wholtra_alloc_trusted=True
        ).unlink()
        engine = self.env["wholtra.allocation.engine"]
        with patch.object(type(engine), "_sync_limit", 0):
            action = engine.action_run()
        self.assertIn("queued", action["params"]["message"])
        self.assertFalse(self._allocs(so))
        row = self.Queue.search([])
        self.assertEqual(row.product_id, self.product)
        self.assertEqual(row.user_id, self.env.user)
        self.env.cr.precommit.data.pop("bus.bus.values", None)
        self._replan()
        self.assertEqual(self._allocs(so).quantity, 6)
        self.assertEqual(self._allocs(so).purchase_id, po)
        # the user who asked is told the outcome
        messages = [
            vals["message"]
            for vals in self.env.cr.precommit.data.get("bus.bus.values", [])
        ]
        self.assertTrue(
            any("1 products re-planned: 1 allocations created" in m for m in messages),
            messages,
        )
        # small runs still plan at once
        so.order_line.wholtra_allocation_ids.sudo().with_context(
            wholtra_alloc_trusted=True
        ).unlink()
        engine.action_run()
        self.assertEqual(self._allocs(so).quantity, 6)

    def test_allocate_on_confirm_plans_at_once(self):
        self.company.wholtra_allocate_on_confirm = True
        self._create_po(10)
        self._replan()
        so = self._create_so(self.gold, 6)
        self.assertEqual(self._allocs(so).quantity, 6)
        self.assertFalse(self._queued())
