from odoo.tests import tagged

from .common import AllocCommon


@tagged("post_install", "-at_install")
class TestReceipt(AllocCommon):
    def test_receipt_goes_to_allocated_delivery_first(self):
        po = self._create_po(10)
        # bronze ordered first and is not allocated; vanilla would reserve it first
        early_so = self._create_so(self.bronze, 5, days_ago=3)
        gold_so = self._create_so(self.gold, 10)
        self._allocate(gold_so, po, 10)
        self._receive(po, 10)
        self.assertEqual(gold_so.picking_ids.move_ids.quantity, 10)
        self.assertEqual(gold_so.picking_ids.state, "assigned")
        self.assertEqual(early_so.picking_ids.move_ids.quantity, 0)
        self.assertEqual(self._allocs(gold_so, states=("done",)).quantity, 10)
        self.assertFalse(self._allocs(gold_so))
        self.assertEqual(gold_so.order_line.wholtra_alloc_status, "reserved")

    def test_vanilla_when_disabled(self):
        self.company.wholtra_allocation_enabled = False
        po = self._create_po(10)
        early_so = self._create_so(self.bronze, 5, days_ago=3)
        gold_so = self._create_so(self.gold, 10)
        self._receive(po, 10)
        # Odoo's own order: the older delivery reserves first
        self.assertEqual(early_so.picking_ids.move_ids.quantity, 5)
        self.assertEqual(gold_so.picking_ids.move_ids.quantity, 5)

    def test_partial_receipt_in_priority_order(self):
        po = self._create_po(10)
        first = self._create_so(self.gold, 6, days_ago=2)
        second = self._create_so(self.bronze, 4, days_ago=1)
        other = self._create_so(self.bronze, 5, days_ago=5)
        self._allocate(first, po, 6)
        self._allocate(second, po, 4)
        self._receive(po, 7)
        self.assertEqual(first.picking_ids.move_ids.quantity, 6)
        self.assertEqual(second.picking_ids.move_ids.quantity, 1)
        self.assertEqual(other.picking_ids.move_ids.quantity, 0)
        # the rest stays allocated to the PO backorder
        self.assertEqual(self._allocs(second).quantity, 3)
        self.assertEqual(self._allocs(second).purchase_line_id, po.order_line)
        backorder = po.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        self.assertEqual(backorder.move_ids.product_uom_qty, 3)
        self.assertEqual(po.order_line.wholtra_qty_allocated, 3)
        self.assertEqual(po.order_line.wholtra_qty_free, 0)
        # the rest arrives: the remaining allocation is served
        self._receive(po, 3)
        self.assertEqual(second.picking_ids.move_ids.quantity, 4)
        self.assertFalse(self._allocs(second))

    def test_partial_delivery_keeps_open_qty_allocated(self):
        self.env["stock.quant"]._update_available_quantity(
            self.product, self.stock_location, 4
        )
        po = self._create_po(10)
        so = self._create_so(self.gold, 10)
        self._allocate(so, po, 6)
        picking = so.picking_ids
        picking.move_ids.quantity = 4
        picking.move_ids.picked = True
        res = picking.button_validate()
        self.env["stock.backorder.confirmation"].with_context(res["context"]).create(
            {}
        ).process()
        self.assertEqual(so.order_line.qty_delivered, 4)
        self.assertEqual(self._allocs(so).quantity, 6)
        self.assertEqual(so.order_line.wholtra_alloc_status, "allocated")

    def test_customer_open_backorders(self):
        po = self._create_po(10)
        so = self._create_so(self.gold, 6)
        done_so = self._create_so(self.gold, 2, product=self.other_product)
        self.env["stock.quant"]._update_available_quantity(
            self.other_product, self.stock_location, 2
        )
        done_so.picking_ids.action_assign()
        done_so.picking_ids.move_ids.picked = True
        done_so.picking_ids.button_validate()
        self._create_so(self.bronze, 3)
        self._allocate(so, po, 6)
        action = self.gold.action_wholtra_open_backorders()
        lines = self.env["sale.order.line"].search(
            action["domain"] + [("wholtra_is_open", "=", True)]
        )
        self.assertEqual(lines, so.order_line)
        self.assertEqual(lines.wholtra_alloc_status, "allocated")
        self.assertEqual(
            lines.wholtra_promised_date.date(), (po.order_line.date_planned).date()
        )
