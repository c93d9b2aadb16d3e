import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from unittest.mock import patch

from odoo import Command, api
from odoo.exceptions import ValidationError
from odoo.modules.registry import DummyRLock, Registry
from odoo.service.model import retrying
from odoo.tests.common import BaseCase, get_db_name, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestConcurrentAllocation(BaseCase):
    """Two users allocate the last units of a PO line at the same moment, each
    in its own transaction: one wins, the other gets a clear error."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls.addClassCleanup(cls.cleanUpClass)
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            cls.was_enabled = company.wholtra_allocation_enabled
            company.wholtra_allocation_enabled = True
            product = env["product.product"].create(
                {"name": "Concurrent Cola", "is_storable": True}
            )
            vendor = env["res.partner"].create({"name": "Concurrent Vendor"})
            customer = env["res.partner"].create({"name": "Concurrent Customer"})
            po = env["purchase.order"].create(
                {
                    "partner_id": vendor.id,
                    "company_id": company.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "product_qty": 10,
                                "price_unit": 1,
                            }
                        )
                    ],
                }
            )
            po.button_confirm()
            sos = env["sale.order"].create(
                [
                    {
                        "partner_id": customer.id,
                        "company_id": company.id,
                        "order_line": [
                            Command.create(
                                {"product_id": product.id, "product_uom_qty": 6}
                            )
                        ],
                    }
                    for _i in range(2)
                ]
            )
            sos.action_confirm()
            cls.po_id, cls.so_ids = po.id, sos.ids
            cls.pl_id = po.order_line.id
            cls.sl_ids = sos.order_line.ids

    @classmethod
    def cleanUpClass(cls):
        """Remove what setUpClass committed so other suites see a clean DB."""
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            env["wholtra.allocation"].search(
                [("purchase_line_id", "=", cls.pl_id)]
            ).unlink()
            orders = env["sale.order"].browse(cls.so_ids)
            purchase = env["purchase.order"].browse(cls.po_id)
            pickings = orders.picking_ids | purchase.picking_ids
            products = purchase.order_line.product_id
            partners = orders.partner_id | purchase.partner_id
            orders._action_cancel()
            purchase.button_cancel()
            pickings.unlink()
            orders.unlink()
            purchase.unlink()
            env["wholtra.allocation.queue"].search(
                [("product_id", "in", products.ids)]
            ).unlink()
            products.action_archive()
            partners.action_archive()
            env.ref("base.main_company").wholtra_allocation_enabled = cls.was_enabled

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_last_units(self):
        barrier = threading.Barrier(2)

        def allocate(env, sale_line_id):
            env["wholtra.allocation"].create(
                {
                    "sale_line_id": sale_line_id,
                    "purchase_line_id": self.pl_id,
                    "quantity": 6,
                }
            )

        def run(sale_line_id):
            with self.registry.cursor() as cr:
                env = api.Environment(cr, api.SUPERUSER_ID, {})
                # both transactions see 10 free units before either writes
                pline = env["purchase.order.line"].browse(self.pl_id)
                assert pline.wholtra_qty_free == 10
                barrier.wait(timeout=10)
                try:
                    retrying(partial(allocate, env, sale_line_id), env)
                except ValidationError as e:
                    return str(e)
            return None

        # The server holds Registry._lock while it runs the post-install tests;
        # worker threads need Registry() to build their environment. Odoo's own
        # test harness swaps it for a DummyRLock in the same way.
        with (
            patch.object(Registry, "_lock", DummyRLock()),
            ThreadPoolExecutor(max_workers=2) as executor,
        ):
            futures = [executor.submit(run, sl_id) for sl_id in self.sl_ids]
            errors = [f.result(timeout=60) for f in futures]

        failed = [e for e in errors if e]
        self.assertEqual(len(failed), 1, errors)
        self.assertIn("left to allocate", failed[0])
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            allocs = env["wholtra.allocation"].search(
                [("purchase_line_id", "=", self.pl_id)]
            )
            self.assertEqual(allocs.mapped("quantity"), [6.0])
