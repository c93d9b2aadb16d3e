from unittest.mock import patch

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import WholtraInvoicingCommon


@tagged("post_install", "-at_install")
class TestOrderChanges(WholtraInvoicingCommon):
    def _line(self, order, product):
        return order.order_line.filtered(lambda sol: sol.product_id == product)

    def test_draft_invoice_follows_price_and_discount(self):
        order = self._create_order()
        self._ship(order.picking_ids)
        invoice = order.invoice_ids
        self.assertEqual(invoice.state, "draft")
        self.env.user.group_ids += self.env.ref("sale.group_discount_per_so_line")
        with Form(order) as form:
            with form.order_line.edit(0) as line:
                line.price_unit = 3.0
                line.discount = 10.0
        aml = invoice.invoice_line_ids.filtered(
            lambda aml: aml.product_id == self.crisps
        )
        self.assertEqual(aml.price_unit, 3.0)
        self.assertEqual(aml.discount, 10.0)
        self.assertAlmostEqual(invoice.amount_untaxed, 10 * 3.0 * 0.9 + 5 * 12.0)
        self.assertAlmostEqual(invoice.amount_tax, invoice.amount_untaxed * 0.1)
        self.assertFalse(order.wholtra_pending_adjustment)

    def test_draft_invoice_follows_quantity(self):
        order = self._create_order()
        # billed up front from the order (order policy), then shipped
        invoice = order._create_invoices()
        self.assertEqual(self._qty_by_product(invoice), {self.crisps: 10})
        crisps = self._line(order, self.crisps)
        crisps.product_uom_qty = 12
        self.assertEqual(self._qty_by_product(invoice), {self.crisps: 12})
        crisps.product_uom_qty = 7
        self.assertEqual(self._qty_by_product(invoice), {self.crisps: 7})
        self.assertAlmostEqual(invoice.amount_untaxed, 7 * 2.5)
        # the delivery does not bill the crisps a second time, only the cola
        self._ship(order.picking_ids)
        dispatch = order.picking_ids.wholtra_invoice_ids
        self.assertEqual(self._qty_by_product(dispatch), {self.cola: 5})

    def test_manual_mode_drafts_do_not_follow(self):
        self.company.wholtra_invoice_mode = "manual"
        order = self._create_order()
        invoice = order._create_invoices()
        self._line(order, self.crisps).price_unit = 9.0
        self.assertEqual(invoice.invoice_line_ids.price_unit, 2.5)

    def test_posted_invoice_price_change_gives_adjustment(self):
        self.company.wholtra_invoice_auto_post = True
        order = self._create_order()
        self._ship(order.picking_ids)
        invoice = order.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self._line(order, self.crisps).price_unit = 3.0
        self.assertEqual(
            invoice.invoice_line_ids[0].price_unit, 2.5, "posted: untouched"
        )
        self.assertAlmostEqual(
            self._line(order, self.crisps).wholtra_pending_adjustment, 5.0
        )
        self.assertAlmostEqual(order.wholtra_pending_adjustment, 5.0)
        order.action_wholtra_invoice_adjustments()
        adjustment = order.invoice_ids - invoice
        self.assertEqual(adjustment.move_type, "out_invoice")
        self.assertEqual(adjustment.state, "posted")
        self.assertAlmostEqual(adjustment.amount_untaxed, 5.0)
        self.assertAlmostEqual(adjustment.amount_total, 5.5)
        self.assertEqual(self._line(order, self.crisps).qty_invoiced, 10)
        self.assertFalse(order.wholtra_pending_adjustment)
        # a price decrease is credited
        self._line(order, self.cola).write({"price_unit": 10.0})
        self.assertAlmostEqual(order.wholtra_pending_adjustment, -10.0)
        order.action_wholtra_invoice_adjustments()
        credit = order.invoice_ids.filtered(lambda m: m.move_type == "out_refund")
        self.assertAlmostEqual(credit.amount_untaxed, 10.0)
        self.assertFalse(order.wholtra_pending_adjustment)
        self.assertEqual(self._line(order, self.cola).qty_invoiced, 5)
        total = sum(m.amount_untaxed_signed for m in order.invoice_ids)
        self.assertAlmostEqual(total, order.amount_untaxed)

    def test_cancelled_line_after_invoicing_is_credited(self):
        self.company.wholtra_invoice_auto_post = True
        order = self._create_order()
        invoice = order._create_invoices()
        invoice.action_post()
        self._line(order, self.crisps).product_uom_qty = 0
        self.assertAlmostEqual(order.wholtra_pending_adjustment, -25.0)
        order.action_wholtra_invoice_adjustments()
        credit = order.invoice_ids.filtered(lambda m: m.move_type == "out_refund")
        self.assertEqual(self._qty_by_product(credit), {self.crisps: 10})
        self.assertAlmostEqual(credit.amount_total, 27.5)
        self.assertEqual(self._line(order, self.crisps).qty_invoiced, 0)
        self.assertFalse(order.wholtra_pending_adjustment)

    def test_no_adjustment_raises_clear_error(self):
        order = self._create_order()
        with self.assertRaises(Exception) as err:
            order.action_wholtra_invoice_adjustments()
        self.assertIn("no pending invoice adjustment", str(err.exception))

    def test_posted_adjustment_rides_with_next_dispatch(self):
        self.company.wholtra_invoice_auto_post = True
        order = self._create_order()
        backorder = self._ship(order.picking_ids, {self.crisps: 4, self.cola: 5})
        first = order.invoice_ids
        self._line(order, self.cola).price_unit = 13.0
        self.assertAlmostEqual(order.wholtra_pending_adjustment, 5.0)
        self._ship(backorder)
        second = backorder.wholtra_invoice_ids
        # 6 crisps shipped + the cola price difference on the 5 already billed
        self.assertAlmostEqual(second.amount_untaxed, 6 * 2.5 + 5 * 1.0)
        self.assertFalse(order.wholtra_pending_adjustment)
        self.assertEqual(order.order_line.mapped("qty_invoiced"), [10, 5])
        self.assertEqual(order.invoice_ids, first | second)


class GoldCustomerCommon(WholtraInvoicingCommon):
    """A Gold customer (10 % pricelist) buying salted nuts at 3.35, invoices
    posted at dispatch."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.wholtra_invoice_auto_post = True
        # as an admin does in Settings: Pricelists and Discounts on
        cls.env["res.config.settings"].create(
            {"group_product_pricelist": True, "group_discount_per_so_line": True}
        ).execute()
        cls.gold = cls.env["product.pricelist"].create(
            {
                "name": "Gold",
                "company_id": cls.company.id,
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "3_global",
                            "compute_price": "percentage",
                            "percent_price": 10.0,
                        }
                    )
                ],
            }
        )
        cls.customer.with_company(
            cls.company
        ).specific_property_product_pricelist = cls.gold
        cls.nuts = cls._create_product("Salted nuts", 3.35, "delivery")

    def _gold_order(self, qty):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create({"product_id": self.nuts.id, "product_uom_qty": qty})
                ],
            }
        )
        order.action_confirm()
        return order

    def _no_adjustment_to_invoice(self, order):
        before = order.invoice_ids
        for _run in range(2):
            with self.assertRaises(UserError):
                order.action_wholtra_invoice_adjustments()
        self.env.invalidate_all()
        self.assertEqual(order.invoice_ids, before, "no document created")


@tagged("post_install", "-at_install")
class TestNoPhantomAdjustment(GoldCustomerCommon):
    """Issue 12 (3): a Gold customer (10 % off) pays 3.015 a unit of a 3.35
    product. Invoices carry 3.35 − 10 %; the order compares like with like and
    shows no pending adjustment; *Invoice adjustments* never posts a 0.00
    document."""

    def test_gold_customer_dispatch_has_no_phantom_adjustment(self):
        order = self._gold_order(9)
        self.env.invalidate_all()
        self.assertEqual(order.pricelist_id, self.gold)
        line = order.order_line
        self.assertEqual((line.price_unit, line.discount), (3.35, 10.0))
        self._ship(order.picking_ids)
        self.env.invalidate_all()
        invoice = order.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertAlmostEqual(invoice.amount_untaxed, 27.14, "9 × 3.015")
        self.assertEqual(order.wholtra_pending_adjustment, 0.0)
        self.assertEqual(line.wholtra_pending_adjustment, 0.0)
        self._no_adjustment_to_invoice(order)

    def test_split_dispatches_then_real_change_then_nothing(self):
        """1 + 1 + 7 units on three invoices (3.02 + 3.02 + 21.11 = 27.15,
        one cent over 9 × 3.015): still nothing pending. A real discount
        change is settled once, by one credit note; a second run does
        nothing."""
        order = self._gold_order(9)
        picking = order.picking_ids
        for qty in (1, 1):
            picking = self._ship(picking, {self.nuts: qty})
        self._ship(picking)
        self.env.invalidate_all()
        self.assertEqual(len(order.invoice_ids), 3)
        self.assertAlmostEqual(sum(order.invoice_ids.mapped("amount_untaxed")), 27.15)
        self.assertEqual(order.wholtra_pending_adjustment, 0.0)
        self._no_adjustment_to_invoice(order)
        # the customer moves to 20 % off on this order
        order.order_line.discount = 20.0
        self.env.invalidate_all()
        # 9 reversed at 3.35 − 10 % (27.14), 9 billed at 3.35 − 20 % (24.12)
        self.assertAlmostEqual(order.wholtra_pending_adjustment, -3.02)
        order.action_wholtra_invoice_adjustments()
        self.env.invalidate_all()
        credit = order.invoice_ids.filtered(lambda m: m.move_type == "out_refund")
        self.assertEqual(credit.state, "posted")
        self.assertAlmostEqual(credit.amount_untaxed, 3.02)
        self.assertEqual(order.order_line.qty_invoiced, 9)
        self.assertEqual(order.wholtra_pending_adjustment, 0.0)
        self._no_adjustment_to_invoice(order)


@tagged("post_install", "-at_install")
class TestAdjustmentAtLinePrice(GoldCustomerCommon):
    """A price with more digits than "Product Price" shows (Odoo 19 keeps
    them, as pricelist formulas give them: 3.35 − 10 % = 3.015) is billed as
    the line carries it: the pending adjustment is what the adjustment
    document bills, and nothing is left pending after it."""

    def _lines(self, move):
        return sorted(
            (aml.quantity, aml.price_unit, aml.discount, aml.price_subtotal)
            for aml in move.invoice_line_ids
        )

    def _story(self, pending, billed):
        """9 nuts dispatched to the Gold customer (27.14), then the price is
        changed to 1.005: ``pending`` is credited by one credit note re-billing
        at 1.005, after which ``billed`` is the net untaxed amount invoiced."""
        order = self._gold_order(9)
        line = order.order_line
        self._ship(order.picking_ids)
        self.env.invalidate_all()
        dispatch = order.invoice_ids
        self.assertAlmostEqual(dispatch.amount_untaxed, 27.14, msg="9 × 3.35 − 10 %")
        # the salesperson agrees 1.005 a unit (before the customer's 10 %)
        line.price_unit = 1.005
        self.env.invalidate_all()
        self.assertEqual(line.price_unit, 1.005, "Odoo 19 keeps the 3rd digit")
        self.assertAlmostEqual(line.wholtra_pending_adjustment, pending)
        self.assertAlmostEqual(order.wholtra_pending_adjustment, pending)
        order.action_wholtra_invoice_adjustments()
        self.env.invalidate_all()
        credit = order.invoice_ids - dispatch
        self.assertEqual((credit.move_type, credit.state), ("out_refund", "posted"))
        self.assertAlmostEqual(credit.amount_untaxed, -pending, msg="what was pending")
        # the dispatch reversed at its price, re-billed at the line's 1.005
        self.assertEqual(
            self._lines(credit), [(-9.0, 1.005, 10.0, -8.14), (9.0, 3.35, 10.0, 27.14)]
        )
        total = sum(order.invoice_ids.mapped("amount_untaxed_signed"))
        self.assertAlmostEqual(total, billed, msg="9 × 1.005 − 10 % = 8.1405")
        self.assertEqual(line.qty_invoiced, 9)
        self.assertEqual(line.wholtra_pending_adjustment, 0.0)
        self.assertEqual(order.wholtra_pending_adjustment, 0.0)
        self._no_adjustment_to_invoice(order)  # second run: nothing, no 0.00
        # 1.01 is another price than 1.005 (9 × 1.01 − 10 % = 8.181): billed
        # 0.04 more, though both show as 1.01 with 2 "Product Price" digits
        line.price_unit = 1.01
        self.env.invalidate_all()
        self.assertAlmostEqual(order.wholtra_pending_adjustment, 0.04)
        order.action_wholtra_invoice_adjustments()
        self.env.invalidate_all()
        invoice = order.invoice_ids - dispatch - credit
        self.assertEqual((invoice.move_type, invoice.state), ("out_invoice", "posted"))
        self.assertAlmostEqual(invoice.amount_untaxed, 0.04)
        self.assertEqual(
            self._lines(invoice), [(-9.0, 1.005, 10.0, -8.14), (9.0, 1.01, 10.0, 8.18)]
        )
        self.assertEqual(order.wholtra_pending_adjustment, 0.0)
        self._no_adjustment_to_invoice(order)

    def test_price_changed_to_1_005_after_gold_dispatch_round_per_line(self):
        """Taxes rounded per line (Settings): 8.14 − 27.14 = −19.00."""
        self.env["res.config.settings"].create(
            {"tax_calculation_rounding_method": "round_per_line"}
        ).execute()
        self.assertEqual(self.company.tax_calculation_rounding_method, "round_per_line")
        self._story(pending=-19.00, billed=8.14)

    def test_price_changed_to_1_005_after_gold_dispatch_round_per_tax(self):
        """Odoo's default, taxes rounded per tax: the credit note's untaxed
        amount is 27.135 − 8.1405 = 18.9945, rounded once: 18.99 (its lines
        still show 27.14 and −8.14); the order says −18.99, not −19.00."""
        self.assertEqual(self.company.tax_calculation_rounding_method, "round_globally")
        self._story(pending=-18.99, billed=8.15)


@tagged("post_install", "-at_install")
class TestAdjustmentsQueue(WholtraInvoicingCommon):
    """Invoice adjustments of many orders go to their scheduled action: the
    button queues them and triggers it; the action invoices each pending
    adjustment once, says so in each order's chatter, and empties the queue
    with a summary for the user who asked."""

    def test_many_orders_are_adjusted_by_the_scheduled_action(self):
        self.company.wholtra_invoice_auto_post = True
        orders = self.env["sale.order"]
        for _i in range(3):
            order = self._create_order(lines=[(self.crisps, 10, 2.5)])
            self._ship(order.picking_ids)
            orders |= order
        # two price changes after posting; the third order has nothing pending
        orders[:2].order_line.write({"price_unit": 3.0})
        self.assertEqual(orders.mapped("wholtra_pending_adjustment"), [5.0, 5.0, 0.0])
        cron = self.env.ref("wholtra_invoicing.ir_cron_wholtra_invoice_adjustments")
        Trigger = self.env["ir.cron.trigger"]
        triggers = Trigger.search_count([("cron_id", "=", cron.id)])
        with patch(
            "odoo.addons.wholtra_invoicing.models.sale_order.ADJUSTMENT_SYNC_LIMIT", 2
        ):
            action = orders.action_wholtra_invoice_adjustments()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(
            Trigger.search_count([("cron_id", "=", cron.id)]),
            triggers + 1,
            "the scheduled action runs now",
        )
        self.assertEqual(
            set(orders.mapped("wholtra_adjustment_queue_state")), {"queued"}
        )
        self.assertEqual(len(orders.invoice_ids), 3, "nothing invoiced yet")

        self.env["sale.order"]._cron_wholtra_invoice_adjustments(batch_size=2)
        self.env.invalidate_all()
        for order, expected in zip(orders, (5.0, 5.0, 0.0), strict=True):
            adjustments = order.invoice_ids.filtered(
                lambda m: m.ref and m.ref.startswith("Adjustment")
            )
            self.assertEqual(len(adjustments), 1 if expected else 0)
            self.assertAlmostEqual(sum(adjustments.mapped("amount_untaxed")), expected)
            if expected:
                self.assertEqual(adjustments.state, "posted")
            self.assertFalse(order.wholtra_pending_adjustment)
        self.assertEqual(
            orders.mapped("wholtra_adjustment_queue_state"), [False] * 3, "summarised"
        )
        self.assertFalse(orders.wholtra_adjustment_queue_uid)
        self.assertIn(
            "nothing pending",
            orders[2].message_ids[:1].body,
        )
        # a rerun has nothing to do: no document twice
        self.env["sale.order"]._cron_wholtra_invoice_adjustments()
        self.assertEqual(len(orders.invoice_ids), 5)
