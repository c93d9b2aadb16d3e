from datetime import datetime, timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from .common import WholtraInvoicingCommon


@tagged("post_install", "-at_install")
class TestPeriodic(WholtraInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {"wholtra_invoice_mode": "periodic", "wholtra_invoice_period": "week"}
        )

    def _deliver(self, partner, lines, when):
        order = self._create_order(partner=partner, lines=lines)
        picking = order.picking_ids
        self._ship(picking)
        picking.date_done = when
        return order, picking

    def test_periodic_consolidates_per_customer_and_week(self):
        today = fields.Date.to_date("2026-11-18")  # a Wednesday
        last_week = datetime(2026, 11, 10, 9, 0)
        o1, p1 = self._deliver(self.customer, [(self.crisps, 10, 2.5)], last_week)
        o2, p2 = self._deliver(
            self.customer, [(self.cola, 5, 12.0)], last_week + timedelta(days=2)
        )
        o3, p3 = self._deliver(
            self.customer,
            [(self.crisps, 4, 2.5), (self.water, 3, 8.0)],
            last_week + timedelta(days=4),
        )
        ob, pb = self._deliver(self.customer_b, [(self.water, 2, 8.0)], last_week)
        # this week's delivery waits for its period to close
        oc, pc = self._deliver(
            self.customer, [(self.cola, 1, 12.0)], datetime(2026, 11, 17, 9, 0)
        )
        pickings = p1 | p2 | p3 | pb | pc
        self.assertEqual(set(pickings.mapped("wholtra_invoice_state")), {"to_invoice"})
        self.assertFalse((o1 | o2 | o3 | ob | oc).invoice_ids)

        self.env["stock.picking"]._cron_wholtra_invoice_pending(today=today)
        invoice = (o1 | o2 | o3).invoice_ids
        self.assertEqual(len(invoice), 1, "one invoice for the customer's week")
        self.assertEqual(invoice.wholtra_picking_ids, p1 | p2 | p3)
        self.assertEqual(
            self._qty_by_product(invoice),
            {self.crisps: 14, self.cola: 5, self.water: 3},
        )
        self.assertAlmostEqual(invoice.amount_untaxed, 14 * 2.5 + 5 * 12 + 3 * 8)
        self.assertEqual(len(ob.invoice_ids), 1)
        self.assertFalse(oc.invoice_ids)
        self.assertEqual(pc.wholtra_invoice_state, "to_invoice")

        # rerun: nothing new
        self.env["stock.picking"]._cron_wholtra_invoice_pending(today=today)
        self.assertEqual((o1 | o2 | o3 | ob | oc).invoice_ids, invoice | ob.invoice_ids)

        # next week the open delivery is billed alone
        self.env["stock.picking"]._cron_wholtra_invoice_pending(
            today=today + timedelta(days=7)
        )
        self.assertEqual(len(oc.invoice_ids), 1)
        self.assertEqual(self._qty_by_product(oc.invoice_ids), {self.cola: 1})

    def test_periodic_daily_splits_by_day(self):
        self.company.wholtra_invoice_period = "day"
        o1, _p1 = self._deliver(
            self.customer, [(self.crisps, 1, 2.5)], datetime(2026, 11, 10, 9)
        )
        o2, _p2 = self._deliver(
            self.customer, [(self.crisps, 2, 2.5)], datetime(2026, 11, 11, 9)
        )
        self.env["stock.picking"]._cron_wholtra_invoice_pending(
            today=fields.Date.to_date("2026-11-12")
        )
        self.assertEqual(len((o1 | o2).invoice_ids), 2)

    def test_periodic_delivery_with_return_before_billing(self):
        order, picking = self._deliver(
            self.customer, [(self.crisps, 10, 2.5)], datetime(2026, 11, 10, 9)
        )
        ret = self._return(picking, {self.crisps: 3})
        self.assertEqual(
            ret.wholtra_invoice_state, "nothing", "never invoiced: no credit"
        )
        self.assertFalse(order.invoice_ids)
        self.env["stock.picking"]._cron_wholtra_invoice_pending(
            today=fields.Date.to_date("2026-11-18")
        )
        self.assertEqual(self._qty_by_product(order.invoice_ids), {self.crisps: 7})


@tagged("post_install", "-at_install")
class TestPeriodicBatches(WholtraInvoicingCommon):
    """The scheduled action works in batches: a run killed after some batches
    leaves the rest 'to invoice' and the next run bills exactly that."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {"wholtra_invoice_mode": "periodic", "wholtra_invoice_period": "week"}
        )
        cls.customers = cls.env["res.partner"].create(
            [{"name": f"Batch customer {i}"} for i in range(5)]
        )

    def test_run_killed_after_first_batches_resumes_without_double(self):
        last_week = datetime(2026, 11, 10, 9, 0)
        today = fields.Date.to_date("2026-11-18")
        orders = self.env["sale.order"]
        for i, customer in enumerate(self.customers):
            for day in range(2):
                order = self._create_order(
                    partner=customer, lines=[(self.crisps, 1 + i, 2.5)]
                )
                self._ship(order.picking_ids)
                order.picking_ids.date_done = last_week + timedelta(days=day)
                orders |= order
        pickings = orders.picking_ids
        service_class = type(self.env["wholtra.dispatch.invoicing"])
        original = service_class._invoice_periodic_groups
        calls = []

        def killed_after_two(service, groups):
            if len(calls) == 2:
                raise KeyboardInterrupt("worker killed")
            calls.append(len(groups))
            return original(service, groups)

        # batches of 2 deliveries = one customer's week each (not assertRaises:
        # Odoo's rolls back to a savepoint, a killed worker keeps its commits)
        killed = False
        with patch.object(service_class, "_invoice_periodic_groups", killed_after_two):
            try:
                self.env["stock.picking"]._cron_wholtra_invoice_pending(
                    batch_size=2, today=today
                )
            except KeyboardInterrupt:
                killed = True
        self.assertTrue(killed)
        self.assertEqual(calls, [1, 1])
        self.assertEqual(
            len(pickings.filtered(lambda p: p.wholtra_invoice_state == "invoiced")), 4
        )
        self.assertEqual(len(orders.invoice_ids), 2)

        # the next run bills the three other customers, nothing twice
        self.env["stock.picking"]._cron_wholtra_invoice_pending(
            batch_size=2, today=today
        )
        self.assertEqual(set(pickings.mapped("wholtra_invoice_state")), {"invoiced"})
        invoices = orders.invoice_ids
        self.assertEqual(len(invoices), 5, "one invoice per customer and week")
        for i, customer in enumerate(self.customers):
            invoice = invoices.filtered(lambda m, c=customer: m.partner_id == c)
            self.assertEqual(len(invoice), 1)
            self.assertEqual(self._qty_by_product(invoice), {self.crisps: 2 * (1 + i)})
        self.assertEqual(
            orders.order_line.mapped("qty_invoiced"),
            orders.order_line.mapped("qty_delivered"),
        )
