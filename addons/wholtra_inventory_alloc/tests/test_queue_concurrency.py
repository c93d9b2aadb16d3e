import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from unittest.mock import patch

from odoo import Command, api
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests.common import BaseCase, get_db_name, tagged

PRODUCTS = 6


@tagged("post_install", "-at_install")
class TestTwoReplanWorkers(BaseCase):
    """Two cron workers work through the same re-plan queue at once, each in its
    own transaction: every queued product is planned exactly once, and the plan
    is the one a single run makes (no allocation twice, no PO line beyond its
    open quantity)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls.addClassCleanup(cls.cleanUpClass)
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            cls.was = (
                company.wholtra_allocation_enabled,
                company.wholtra_allocate_on_confirm,
            )
            company.wholtra_allocation_enabled = True
            company.wholtra_allocate_on_confirm = False
            products = env["product.product"].create(
                [
                    {"name": f"Queue Cola {i}", "is_storable": True}
                    for i in range(PRODUCTS)
                ]
            )
            vendor = env["res.partner"].create({"name": "Queue Vendor"})
            customers = env["res.partner"].create(
                [{"name": f"Queue Customer {i}"} for i in range(2)]
            )
            purchase = env["purchase.order"].create(
                {
                    "partner_id": vendor.id,
                    "company_id": company.id,
                    "order_line": [
                        Command.create(
                            {"product_id": p.id, "product_qty": 10, "price_unit": 1}
                        )
                        for p in products
                    ],
                }
            )
            purchase.button_confirm()
            # two orders of 6 per product: 10 inbound serve 6 + 4
            orders = env["sale.order"].create(
                [
                    {
                        "partner_id": customer.id,
                        "company_id": company.id,
                        "order_line": [
                            Command.create({"product_id": p.id, "product_uom_qty": 6})
                            for p in products
                        ],
                    }
                    for customer in customers
                ]
            )
            orders.action_confirm()
            cls.company_id = company.id
            cls.product_ids = products.ids
            cls.po_id, cls.so_ids = purchase.id, orders.ids
            cls.first_so_id = orders[0].id
            queued = env["wholtra.allocation.queue"].search(
                [("product_id", "in", products.ids)]
            )
            assert len(queued) == PRODUCTS, queued

    @classmethod
    def cleanUpClass(cls):
        """Remove what setUpClass committed so other suites see a clean DB."""
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            products = env["product.product"].browse(cls.product_ids)
            env["wholtra.allocation"].search(
                [("product_id", "in", products.ids)]
            ).with_context(wholtra_alloc_trusted=True).unlink()
            orders = env["sale.order"].browse(cls.so_ids)
            purchase = env["purchase.order"].browse(cls.po_id)
            pickings = orders.picking_ids | purchase.picking_ids
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
            company = env["res.company"].browse(cls.company_id)
            (
                company.wholtra_allocation_enabled,
                company.wholtra_allocate_on_confirm,
            ) = cls.was

    def test_two_workers_share_the_queue(self):
        Engine = self.registry["wholtra.allocation.engine"]
        original = Engine._plan_products
        planned = []  # (worker, product id) for each product planned
        barrier = threading.Barrier(2)

        def plan(engine, company, products):
            planned.extend(
                (threading.current_thread().name, pid) for pid in products.ids
            )
            res = original(engine, company, products)
            # hold the claimed row a moment: the other worker must skip it
            time.sleep(0.05)
            return res

        def worker():
            with self.registry.cursor() as cr:
                env = api.Environment(cr, api.SUPERUSER_ID, {})
                barrier.wait(timeout=10)
                return env["wholtra.allocation.queue"]._wholtra_process(
                    commit=True, batch_size=1
                )

        # The server holds Registry._lock while it runs the post-install tests;
        # worker threads need Registry() to build their environment.
        with (
            patch.object(Registry, "_lock", DummyRLock()),
            patch.object(Engine, "_plan_products", plan),
            ThreadPoolExecutor(max_workers=2) as executor,
        ):
            futures = [executor.submit(worker) for _i in range(2)]
            results = [f.result(timeout=120) for f in futures]

        mine = [(w, pid) for w, pid in planned if pid in self.product_ids]
        counts = Counter(pid for _w, pid in mine)
        # every product planned, none twice
        self.assertEqual(set(counts), set(self.product_ids))
        self.assertEqual(set(counts.values()), {1}, counts)
        self.assertGreaterEqual(sum(r["products"] for r in results), PRODUCTS)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            self.assertFalse(
                env["wholtra.allocation.queue"].search_count(
                    [("product_id", "in", self.product_ids)]
                )
            )
            allocs = env["wholtra.allocation"].search(
                [
                    ("product_id", "in", self.product_ids),
                    ("state", "=", "soft"),
                ]
            )
            # one allocation per order line: 6 to the first order, 4 to the second
            self.assertEqual(len(allocs), 2 * PRODUCTS)
            self.assertEqual(
                len({(a.sale_line_id.id, a.purchase_line_id.id) for a in allocs}),
                2 * PRODUCTS,
            )
            for product_id in self.product_ids:
                product_allocs = allocs.filtered(
                    lambda a, p=product_id: a.product_id.id == p
                )
                self.assertEqual(sum(product_allocs.mapped("quantity")), 10)
                first = product_allocs.filtered(
                    lambda a: a.order_id.id == self.first_so_id
                )
                self.assertEqual(first.quantity, 6)
