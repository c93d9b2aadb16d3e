import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial
from unittest.mock import patch

from odoo import Command, api, fields
from odoo.exceptions import UserError
from odoo.modules.registry import DummyRLock, Registry
from odoo.service.model import retrying
from odoo.tests.common import BaseCase, get_db_name, new_test_user, tagged
from odoo.tools import mute_logger

_logger = logging.getLogger(__name__)

COMPANY_FIELDS = (
    "wholtra_invoice_mode",
    "wholtra_invoice_period",
    "wholtra_invoice_auto_post",
    "wholtra_invoice_send_email",
)


@tagged("post_install", "-at_install")
class TestConcurrentDispatchInvoicing(BaseCase):
    """Two warehouse users validate the same delivery at the same moment, and
    the invoicing scheduled action runs in two workers at once, each in its
    own transaction on committed data: exactly one invoice per delivery."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls.addClassCleanup(cls.cleanUpClass)
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {"tracking_disable": True})
            company = env.ref("base.main_company")
            cls.saved_settings = {fname: company[fname] for fname in COMPANY_FIELDS}
            company.write(
                {
                    "wholtra_invoice_mode": "dispatch",
                    "wholtra_invoice_period": "week",
                    "wholtra_invoice_auto_post": False,
                    "wholtra_invoice_send_email": False,
                }
            )
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", company.id)], limit=1
            )
            product = env["product.product"].create(
                {
                    "name": "Concurrent Crisps",
                    "is_storable": True,
                    "list_price": 2.5,
                    "invoice_policy": "delivery",
                }
            )
            env["stock.quant"]._update_available_quantity(
                product, warehouse.lot_stock_id, 1000
            )
            dispatch, periodic, retry, kiosk = env["res.partner"].create(
                [
                    {"name": "Concurrent Deli", "wholtra_invoice_mode": "dispatch"},
                    {"name": "Concurrent Vending", "wholtra_invoice_mode": "periodic"},
                    {"name": "Concurrent Grill", "wholtra_invoice_mode": "periodic"},
                    {"name": "Concurrent Kiosk", "wholtra_invoice_mode": "periodic"},
                ]
            )
            users = [
                new_test_user(
                    env, login=f"wi_conc_stock_{i}", groups="stock.group_stock_user"
                )
                for i in (1, 2)
            ]
            orders = env["sale.order"].create(
                [
                    {
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "order_line": [
                            Command.create(
                                {
                                    "product_id": product.id,
                                    "product_uom_qty": qty,
                                    "price_unit": 2.5,
                                }
                            )
                        ],
                    }
                    for partner, qty in (
                        (dispatch, 10),
                        (periodic, 4),
                        (periodic, 6),
                        (retry, 3),
                        (kiosk, 2),
                    )
                ]
            )
            orders.action_confirm()
            for move in orders.picking_ids.move_ids:
                move.quantity = move.product_uom_qty
                move.picked = True
            # periodic customers' deliveries of last week wait for the cron; the
            # last customer then goes per dispatch: the cron retries it
            waiting = orders[1:].picking_ids
            waiting.button_validate()
            # this week's delivery of the kiosk waits: its period is open
            (waiting - orders[4].picking_ids).date_done = (
                fields.Datetime.now() - timedelta(days=14)
            )
            retry.wholtra_invoice_mode = "dispatch"
            cls.company_id = company.id
            cls.user_ids = [user.id for user in users]
            cls.product_id = product.id
            cls.partner_ids = (dispatch | periodic | retry | kiosk).ids
            cls.open_period_picking_id = orders[4].picking_ids.id
            cls.order_ids = orders.ids
            cls.delivery_id = orders[0].picking_ids.id
            cls.periodic_picking_ids = orders[1:3].picking_ids.ids
            cls.retry_picking_id = orders[3].picking_ids.id
            assert set(waiting.mapped("wholtra_invoice_state")) == {"to_invoice"}

    @classmethod
    def cleanUpClass(cls):
        """Remove or archive what setUpClass committed and restore the company's
        settings. Done deliveries cannot be deleted: they stay, invoiced, for an
        archived customer and product."""
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {"tracking_disable": True})
            orders = env["sale.order"].browse(cls.order_ids)
            invoices = orders.invoice_ids
            invoices.filtered(lambda m: m.state == "posted").button_draft()
            invoices.unlink()
            orders.picking_ids.filtered(lambda p: p.state != "done").action_cancel()
            # the done transfers stay: settled, so no later run bills them again
            cr.execute(
                "UPDATE stock_picking SET wholtra_invoice_state = 'nothing',"
                " wholtra_invoice_error = NULL WHERE id IN %s AND state = 'done'",
                [tuple(orders.picking_ids.ids)],
            )
            env["product.product"].browse(cls.product_id).action_archive()
            env["res.partner"].browse(cls.partner_ids).action_archive()
            env["res.users"].browse(cls.user_ids).action_archive()
            env["res.company"].browse(cls.company_id).write(cls.saved_settings)

    def _run_in_threads(self, functions):
        # The server holds Registry._lock while it runs the post-install tests;
        # worker threads need Registry() to build their environment (Odoo's own
        # test harness swaps it for a DummyRLock in the same way).
        with (
            patch.object(Registry, "_lock", DummyRLock()),
            ThreadPoolExecutor(max_workers=len(functions)) as executor,
        ):
            futures = [executor.submit(function) for function in functions]
            return [future.result(timeout=120) for future in futures]

    def test_claim_after_a_concurrent_commit(self):
        """A worker whose transaction began before another one invoiced (and
        committed) a delivery skips it instead of failing its whole run."""
        picking_id = self.open_period_picking_id
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            env1 = api.Environment(cr1, api.SUPERUSER_ID, {})
            env2 = api.Environment(cr2, api.SUPERUSER_ID, {})
            late = env2["stock.picking"].browse(picking_id)
            # the late worker's snapshot is taken here
            self.assertEqual(late.wholtra_invoice_state, "to_invoice")
            service1 = env1["wholtra.dispatch.invoicing"]
            claimed = service1._claim(env1["stock.picking"].browse(picking_id))
            self.assertTrue(claimed)
            claimed.write({"wholtra_invoice_state": "invoiced"})
            env1.flush_all()
            cr1.commit()
            self.assertFalse(env2["wholtra.dispatch.invoicing"]._claim(late))
            # its transaction is still usable for the next batches
            cr2.execute("SELECT 1")
            self.assertEqual(cr2.fetchone(), (1,))

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_two_stock_users_validate_the_same_delivery(self):
        barrier = threading.Barrier(2)

        def validate(env):
            env["stock.picking"].browse(self.delivery_id).button_validate()

        def run(uid):
            with self.registry.cursor() as cr:
                env = api.Environment(cr, uid, {})
                picking = env["stock.picking"].browse(self.delivery_id)
                assert picking.state == "assigned", picking.state
                barrier.wait(timeout=20)
                try:
                    retrying(partial(validate, env), env)
                except UserError as error:
                    return str(error)
            return None

        results = self._run_in_threads([partial(run, uid) for uid in self.user_ids])
        _logger.info("Concurrent validation of one delivery: %s", results)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            picking = env["stock.picking"].browse(self.delivery_id)
            self.assertEqual(picking.state, "done", results)
            self.assertEqual(picking.wholtra_invoice_state, "invoiced")
            order = picking.sale_id
            self.assertEqual(len(order.invoice_ids), 1, results)
            self.assertEqual(order.invoice_ids.wholtra_picking_ids, picking)
            self.assertEqual(order.order_line.qty_invoiced, 10)
            self.assertIn(order.invoice_ids.create_uid.id, self.user_ids)

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_invoicing_cron_in_two_workers(self):
        barrier = threading.Barrier(2)

        def run():
            with self.registry.cursor() as cr:
                env = api.Environment(cr, api.SUPERUSER_ID, {})
                cron = env.ref("wholtra_invoicing.ir_cron_wholtra_invoice_pending")
                pending = env["stock.picking"].search(
                    [("wholtra_invoice_state", "=", "to_invoice")]
                )
                assert pending, "both workers see the pending deliveries"
                barrier.wait(timeout=20)
                # as the scheduler calls it: each batch is committed
                env["stock.picking"].with_context(
                    cron_id=cron.id
                )._cron_wholtra_invoice_pending()
            return None

        results = self._run_in_threads([run, run])
        self.assertEqual(results, [None, None])
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            periodic = env["stock.picking"].browse(self.periodic_picking_ids)
            retried = env["stock.picking"].browse(self.retry_picking_id)
            self.assertEqual(
                set((periodic | retried).mapped("wholtra_invoice_state")),
                {"invoiced"},
            )
            consolidated = periodic.wholtra_invoice_ids
            self.assertEqual(len(consolidated), 1, "one invoice for the period")
            self.assertEqual(consolidated.wholtra_picking_ids, periodic)
            self.assertEqual(
                sorted(consolidated.invoice_line_ids.mapped("quantity")), [4, 6]
            )
            self.assertEqual(len(retried.wholtra_invoice_ids), 1)
            self.assertEqual(len(retried.sale_id.invoice_ids), 1)
            self.assertEqual(len(periodic.sale_id.invoice_ids), 1)


@tagged("post_install", "-at_install")
class TestPeriodicInvoicingTwoWorkers(BaseCase):
    """Two cron workers run the periodic invoicing at the same moment over
    many customers, each claiming small batches in its own transaction and
    committing each: every delivery is billed once, one invoice per customer
    and week, whichever worker got it."""

    CUSTOMERS = 8

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls.addClassCleanup(cls.cleanUpClass)
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {"tracking_disable": True})
            company = env.ref("base.main_company")
            cls.saved_settings = {fname: company[fname] for fname in COMPANY_FIELDS}
            company.write(
                {
                    "wholtra_invoice_mode": "periodic",
                    "wholtra_invoice_period": "week",
                    "wholtra_invoice_auto_post": False,
                    "wholtra_invoice_send_email": False,
                }
            )
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", company.id)], limit=1
            )
            product = env["product.product"].create(
                {
                    "name": "Two-worker Crisps",
                    "is_storable": True,
                    "list_price": 2.0,
                    "invoice_policy": "delivery",
                }
            )
            env["stock.quant"]._update_available_quantity(
                product, warehouse.lot_stock_id, 1000
            )
            customers = env["res.partner"].create(
                [{"name": f"Two-worker customer {i}"} for i in range(cls.CUSTOMERS)]
            )
            orders = env["sale.order"].create(
                [
                    {
                        "partner_id": customer.id,
                        "company_id": company.id,
                        "order_line": [
                            Command.create(
                                {
                                    "product_id": product.id,
                                    "product_uom_qty": qty,
                                    "price_unit": 2.0,
                                }
                            )
                        ],
                    }
                    for customer in customers
                    for qty in (1, 2, 3)
                ]
            )
            orders.action_confirm()
            pickings = orders.picking_ids
            pickings.move_ids.picked = True
            pickings.button_validate()
            pickings.date_done = fields.Datetime.now() - timedelta(days=14)
            assert set(pickings.mapped("wholtra_invoice_state")) == {"to_invoice"}
            cr.execute("SELECT COALESCE(max(id), 0) FROM account_move")
            cls.last_move_id = cr.fetchone()[0]
            cls.company_id = company.id
            cls.product_id = product.id
            cls.customer_ids = customers.ids
            cls.order_ids = orders.ids

    @classmethod
    def cleanUpClass(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {"tracking_disable": True})
            orders = env["sale.order"].browse(cls.order_ids)
            # every invoice the runs committed (theirs, and any other transfer
            # left waiting in the database, which goes back to waiting)
            invoices = env["account.move"].search(
                [("id", ">", cls.last_move_id), ("move_type", "=", "out_invoice")]
            )
            invoices.filtered(lambda m: m.state == "posted").button_draft()
            invoices.unlink()
            cr.execute(
                "UPDATE stock_picking SET wholtra_invoice_state = 'nothing',"
                " wholtra_invoice_error = NULL WHERE id IN %s",
                [tuple(orders.picking_ids.ids)],
            )
            env["product.product"].browse(cls.product_id).action_archive()
            env["res.partner"].browse(cls.customer_ids).action_archive()
            env["res.company"].browse(cls.company_id).write(cls.saved_settings)

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_periodic_invoicing_in_two_workers(self):
        barrier = threading.Barrier(2)

        def run():
            with self.registry.cursor() as cr:
                env = api.Environment(cr, api.SUPERUSER_ID, {})
                cron = env.ref("wholtra_invoicing.ir_cron_wholtra_invoice_pending")
                barrier.wait(timeout=20)
                # batches of 3 deliveries (one customer's week), each committed
                env["stock.picking"].with_context(
                    cron_id=cron.id
                )._cron_wholtra_invoice_pending(batch_size=3)
            return None

        with (
            patch.object(Registry, "_lock", DummyRLock()),
            ThreadPoolExecutor(max_workers=2) as executor,
        ):
            futures = [executor.submit(run) for _i in range(2)]
            results = [future.result(timeout=300) for future in futures]
        self.assertEqual(results, [None, None])
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            orders = env["sale.order"].browse(self.order_ids)
            self.assertEqual(
                set(orders.picking_ids.mapped("wholtra_invoice_state")), {"invoiced"}
            )
            invoices = orders.invoice_ids
            self.assertEqual(len(invoices), self.CUSTOMERS)
            for customer_id in self.customer_ids:
                invoice = invoices.filtered(
                    lambda m, c=customer_id: m.partner_id.id == c
                )
                self.assertEqual(len(invoice), 1, "one invoice per customer and week")
                self.assertEqual(invoice.amount_untaxed, 12.0)
                self.assertEqual(len(invoice.wholtra_picking_ids), 3)
            self.assertEqual(
                orders.order_line.mapped("qty_invoiced"),
                orders.order_line.mapped("qty_delivered"),
            )
