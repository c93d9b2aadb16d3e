from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import AllocCommon


@tagged("post_install", "-at_install")
class TestAllocationScreens(AllocCommon):
    """What the inventory clerk sees in the allocation wizard and the open
    backorders list (issue 15, items 4 and 8)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stock_user = new_test_user(
            cls.env, "screens_stock_user", groups="stock.group_stock_user"
        )
        cls.sales_user = new_test_user(
            cls.env,
            "screens_sales_user",
            groups="sales_team.group_sale_salesman_all_leads",
        )

    def _wizard_form(self, so, user=None):
        line = so.order_line.with_user(user or self.stock_user)
        action = line.action_wholtra_allocate()
        return Form(
            self.env[action["res_model"]]
            .with_user(user or self.stock_user)
            .with_context(action["context"])
        )

    def test_free_supply_defaults_to_what_can_be_allocated(self):
        po_early = self._create_po(5, days=4)
        po_late = self._create_po(10, days=12)
        so = self._create_so(self.gold, 8)
        wizard_form = self._wizard_form(so)
        self.assertEqual(wizard_form.qty_open, 8)
        self.assertEqual(len(wizard_form.line_ids), 2)
        with wizard_form.line_ids.edit(0) as wl:
            self.assertEqual((wl.qty_free, wl.quantity), (5, 5))
        with wizard_form.line_ids.edit(1) as wl:
            # at most what the order line still misses after the first PO
            self.assertEqual((wl.qty_free, wl.quantity), (10, 3))
        wizard = wizard_form.save()
        self.assertFalse(wizard.holder_ids)
        wizard.action_allocate()
        self.env.invalidate_all()
        self.assertEqual(
            {(a.purchase_id, a.quantity) for a in self._allocs(so)},
            {(po_early, 5), (po_late, 3)},
        )
        self.assertEqual(so.order_line.wholtra_alloc_status, "allocated")
        self.assertEqual(po_late.order_line.wholtra_qty_free, 7)

    def test_partly_allocated_line_defaults_to_its_remainder(self):
        po = self._create_po(10)
        so = self._create_so(self.gold, 8)
        self._allocate(so, po, 6)
        wizard_form = self._wizard_form(so)
        self.assertEqual(wizard_form.qty_open, 2)
        with wizard_form.line_ids.edit(0) as wl:
            self.assertEqual((wl.qty_free, wl.quantity), (4, 2))

    def test_no_free_supply_lists_holders_and_replans_by_priority(self):
        self._require_priorities()
        po = self._create_po(8)
        bronze_so = self._create_so(self.bronze, 8, days_ago=3)
        gold_so = self._create_so(self.gold, 8)
        bronze_alloc = self._allocate(bronze_so, po, 8)
        wizard = self._wizard_form(gold_so).save()
        # no dead end: nothing to enter, the holders and their priority shown
        self.assertFalse(wizard.line_ids)
        self.assertEqual(wizard.qty_open, 8)
        self.assertEqual(wizard.priority, 30)
        self.assertEqual(wizard.holder_ids, bronze_alloc)
        self.assertEqual(
            [
                (h.order_id, h.partner_id, h.quantity, h.priority)
                for h in wizard.holder_ids
            ],
            [(bronze_so, self.bronze, 8, 10)],
        )
        with self.assertRaisesRegex(UserError, "No inbound supply .* is free"):
            wizard.action_allocate()
        # the re-plan by priority gives the supply to the Gold customer
        action = wizard.action_replan()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("Allocation planned", action["params"]["message"])
        nxt = action["params"]["next"]
        self.assertEqual(nxt["res_model"], "wholtra.allocation.wizard")
        self.assertEqual(nxt["context"]["default_sale_line_id"], gold_so.order_line.id)
        self.env.invalidate_all()
        self.assertEqual(
            [(a.purchase_id, a.quantity, a.state) for a in self._allocs(gold_so)],
            [(po, 8, "soft")],
        )
        self.assertFalse(self._allocs(bronze_so))
        self.assertEqual(gold_so.order_line.wholtra_alloc_status, "allocated")
        self.assertEqual(bronze_so.order_line.wholtra_alloc_status, "unallocated")
        # reopened: the Gold line is covered; the Bronze line now sees who holds it
        again = self._wizard_form(gold_so).save()
        self.assertEqual(again.qty_open, 0)
        bronze_wizard = self._wizard_form(bronze_so).save()
        self.assertFalse(bronze_wizard.line_ids)
        self.assertEqual(
            [(h.order_id, h.quantity, h.priority) for h in bronze_wizard.holder_ids],
            [(gold_so, 8, 30)],
        )

    def test_replan_rights(self):
        po = self._create_po(8)
        so = self._create_so(self.gold, 8)
        self._allocate(self._create_so(self.bronze, 8), po, 8)
        wizard = self._wizard_form(so).save()
        with self.assertRaises(AccessError):
            wizard.with_user(self.sales_user).action_replan()
        with self.assertRaisesRegex(UserError, "Select at least one"):
            wizard.browse().action_replan()

    def test_open_backorders_lists_only_lines_needing_supply(self):
        po = self._create_po(10, days=9)
        waiting = self._create_so(self.gold, 6)
        short = self._create_so(self.gold, 12, product=self.other_product)
        in_stock = self._create_so(self.gold, 2, product=self.other_product)
        self.env["stock.quant"]._update_available_quantity(
            self.other_product, self.stock_location, 2
        )
        in_stock.picking_ids.action_assign()
        self._allocate(waiting, po, 6)
        self.env.invalidate_all()
        self.assertEqual(in_stock.order_line.wholtra_alloc_status, "reserved")
        action = self.gold.with_user(self.sales_user).action_wholtra_open_backorders()
        self.assertIn("search_default_needs_supply", action["context"])
        SOL = self.env["sale.order.line"].with_user(self.sales_user)
        lines = SOL.search(
            action["domain"]
            + [("wholtra_is_open", "=", True), ("wholtra_needs_supply", "=", True)],
            order="id",
        )
        # the line reserved from stock is not a backorder
        self.assertEqual(lines, (waiting | short).order_line)
        self.assertEqual(
            [
                (
                    line.wholtra_alloc_status,
                    line.wholtra_qty_allocated,
                    line.wholtra_qty_reserved,
                    line.wholtra_qty_missing,
                )
                for line in lines
            ],
            [("allocated", 6, 0, 0), ("unallocated", 0, 0, 12)],
        )
        self.assertEqual(
            lines[0].wholtra_promised_date.date(), po.order_line.date_planned.date()
        )
        self.assertFalse(lines[1].wholtra_promised_date)
        # the figures are columns and badges, not a sentence
        view = self.env.ref(
            "wholtra_inventory_alloc.sale_order_line_view_list_wholtra_backorders"
        )
        arch = view.arch
        self.assertNotIn("wholtra_alloc_summary", arch)
        self.assertIn('name="wholtra_qty_missing"', arch)
        self.assertIn('name="wholtra_promised_date" widget="date"', arch)
        search = self.env.ref(
            "wholtra_inventory_alloc.sale_order_line_view_search_wholtra_backorders"
        )
        self.assertIn("wholtra_needs_supply", search.arch)

    def test_board_has_week_axis_and_no_cross_product_sum(self):
        board = self.env["wholtra.allocation.board"]
        pivot = board.get_view(view_type="pivot")["arch"]
        self.assertIn('name="date" interval="week" type="col"', pivot)
        self.assertIn('name="product_id" type="row"', pivot)
        graph = board.get_view(view_type="graph")["arch"]
        self.assertIn('interval="week"', graph)
        self.assertNotIn('type="measure"', graph)  # counts lines by default
        action = self.env.ref("wholtra_inventory_alloc.wholtra_allocation_board_action")
        self.assertIn("graph", action.view_mode)
