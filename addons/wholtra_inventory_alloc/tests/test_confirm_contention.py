from concurrent.futures import ThreadPoolExecutor, TimeoutError
from unittest.mock import patch

from odoo import Command, api
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests.common import BaseCase, get_db_name, tagged
from odoo.tools import SQL


@tagged("post_install", "-at_install")
class TestConfirmContention(BaseCase):
    """Allocate on confirmation while another transaction holds the product's
    rows (a concurrent confirmation, delivery or re-plan): the confirmation
    neither waits nor fails — the order is confirmed, its product is queued and
    the re-plan allocates it once the other transaction is over. Committed data
    (two real transactions), cleaned up after."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls.so_ids = []
        cls.addClassCleanup(cls.cleanUpClass)
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            cls.was = (
                company.wholtra_allocation_enabled,
                company.wholtra_allocate_on_confirm,
            )
            company.wholtra_allocation_enabled = True
            company.wholtra_allocate_on_confirm = True
            product = env["product.product"].create(
                {"name": "Contention Cola", "is_storable": True}
            )
            vendor = env["res.partner"].create({"name": "Contention Vendor"})
            customers = env["res.partner"].create(
                [{"name": f"Contention Customer {i}"} for i in range(3)]
            )
            purchase = env["purchase.order"].create(
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
            purchase.button_confirm()
            # an open order of 3, allocated at its confirmation
            first = cls._order(env, customers[0], product, 3)
            first.action_confirm()
            cls.company_id = company.id
            cls.product_id = product.id
            cls.customer_ids = customers.ids
            cls.po_id = purchase.id
            cls.pl_id = purchase.order_line.id
            cls.first_line_id = first.order_line.id
            cls.so_ids.append(first.id)
            # nothing queued for it: planned at once
            env["wholtra.allocation.queue"].search(
                [("product_id", "=", product.id)]
            ).unlink()
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            assert (
                env["sale.order.line"].browse(cls.first_line_id).wholtra_qty_allocated
                == 3
            )

    @classmethod
    def _order(cls, env, customer, product, qty):
        order = env["sale.order"].create(
            {
                "partner_id": customer.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": qty})
                ],
            }
        )
        cls.so_ids.append(order.id)
        return order

    @classmethod
    def cleanUpClass(cls):
        """Remove what the tests committed so other suites see a clean DB."""
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            product = env["product.product"].browse(cls.product_id)
            env["wholtra.allocation"].search(
                [("product_id", "=", product.id)]
            ).with_context(wholtra_alloc_trusted=True).unlink()
            orders = env["sale.order"].browse(cls.so_ids).exists()
            purchase = env["purchase.order"].browse(cls.po_id)
            pickings = orders.picking_ids | purchase.picking_ids
            partners = orders.partner_id | purchase.partner_id
            orders._action_cancel()
            purchase.button_cancel()
            pickings.unlink()
            orders.unlink()
            purchase.unlink()
            env["wholtra.allocation.queue"].search(
                [("product_id", "=", product.id)]
            ).unlink()
            product.action_archive()
            partners.action_archive()
            company = env["res.company"].browse(cls.company_id)
            (
                company.wholtra_allocation_enabled,
                company.wholtra_allocate_on_confirm,
            ) = cls.was

    def _confirm_while_locked(self, table, row_id, customer_index, qty):
        """Cursor A locks `table` row `row_id` (its transaction stays open);
        cursor B creates and confirms an order of `qty` meanwhile. Returns the
        order id. B must finish while A still holds its lock."""

        def confirm(env):
            customer = env["res.partner"].browse(self.customer_ids[customer_index])
            product = env["product.product"].browse(self.product_id)
            order = self._order(env, customer, product, qty)
            order.action_confirm()
            return order.id

        return self._while_locked(table, row_id, confirm)

    def _while_locked(self, table, row_id, func):
        """Cursor A locks `table` row `row_id` (its transaction stays open);
        `func(env)` runs meanwhile in cursor B and is committed. Returns its
        result. B must finish while A still holds its lock."""

        def run():
            with self.registry.cursor() as cr:
                return func(api.Environment(cr, api.SUPERUSER_ID, {}))

        with (
            patch.object(Registry, "_lock", DummyRLock()),
            ThreadPoolExecutor(max_workers=1) as executor,
            self.registry.cursor() as cr_a,
        ):
            cr_a.execute(
                SQL(
                    "SELECT id FROM %s WHERE id = %s FOR UPDATE",
                    SQL.identifier(table),
                    row_id,
                )
            )
            future = executor.submit(run)
            try:
                result = future.result(timeout=60)
            except TimeoutError:
                cr_a.rollback()  # let B finish, then fail
                future.result()
                self.fail("it waited for the other transaction")
            cr_a.rollback()
        return result

    def _check_queued_then_allocated(self, order_id, qty):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            order = env["sale.order"].browse(order_id)
            # confirmed all the same; its allocation follows through the queue
            self.assertEqual(order.state, "sale")
            self.assertFalse(order.order_line.wholtra_allocation_ids)
            self.assertTrue(
                env["wholtra.allocation.queue"].search_count(
                    [("product_id", "=", self.product_id)]
                )
            )
            # the earlier order kept its allocation (the planning was rolled back)
            first = env["sale.order.line"].browse(self.first_line_id)
            self.assertEqual(first.wholtra_qty_allocated, 3)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            env["wholtra.allocation.queue"]._wholtra_process(commit=False)
            cr.commit()
            env.invalidate_all()
            order = env["sale.order"].browse(order_id)
            allocs = order.order_line.wholtra_allocation_ids.filtered(
                lambda a: a.state == "soft"
            )
            self.assertEqual(sum(allocs.mapped("quantity")), qty)
            self.assertEqual(allocs.purchase_line_id.id, self.pl_id)
            self.assertFalse(
                env["wholtra.allocation.queue"].search_count(
                    [("product_id", "=", self.product_id)]
                )
            )
            # never beyond what the purchase line still has to receive
            pl_allocs = env["wholtra.allocation"].search(
                [
                    ("purchase_line_id", "=", self.pl_id),
                    ("state", "in", ("soft", "firm")),
                ]
            )
            self.assertLessEqual(sum(pl_allocs.mapped("quantity")), 10)

    def test_1_purchase_line_held(self):
        """Another transaction holds the purchase line (a delivery, a re-plan)."""
        order_id = self._confirm_while_locked("purchase_order_line", self.pl_id, 1, 4)
        self._check_queued_then_allocated(order_id, 4)

    def test_2_order_line_held(self):
        """Another transaction holds an open order line of the product (a
        concurrent confirmation planning the same product)."""
        order_id = self._confirm_while_locked(
            "sale_order_line", self.first_line_id, 2, 2
        )
        self._check_queued_then_allocated(order_id, 2)

    def test_4_run_allocation_button(self):
        """*Run allocation* on an order while another transaction holds the
        purchase line: the user is told the products are queued (no wait, no
        error after retries), and the queue allocates the order afterwards."""
        # the purchase line's last unit (10 = 3 + 4 + 2 + 1)
        order_id = self._confirm_while_locked("purchase_order_line", self.pl_id, 1, 1)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            env["wholtra.allocation.queue"].search(
                [("product_id", "=", self.product_id)]
            ).unlink()

        def run_allocation(env):
            return env["sale.order"].browse(order_id).action_wholtra_run_allocation()

        action = self._while_locked("purchase_order_line", self.pl_id, run_allocation)
        self.assertEqual(action["params"]["type"], "info")
        self.assertIn("queued", action["params"]["message"])
        self._check_queued_then_allocated(order_id, 1)
        # without contention the button plans at once
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            action = env["sale.order"].browse(order_id).action_wholtra_run_allocation()
            self.assertEqual(action["params"]["type"], "success")

    def test_3_queueing_does_not_collide(self):
        """Queueing a product is append-only: a transaction whose snapshot
        predates another's queueing of the same product, or a worker holding
        the product's row, neither waits nor fails; a change queued while a
        worker holds the product is not lost."""
        pair = [(self.company_id, self.product_id)]
        with (
            self.registry.cursor() as cr_w,
            self.registry.cursor() as cr_b,
            self.registry.cursor() as cr_c,
        ):
            env_w = api.Environment(cr_w, api.SUPERUSER_ID, {})
            env_b = api.Environment(cr_b, api.SUPERUSER_ID, {})
            env_c = api.Environment(cr_c, api.SUPERUSER_ID, {})
            cr_b.execute("SELECT 1")  # B's snapshot is taken now
            env_c["wholtra.allocation.queue"]._wholtra_queue(pair, trigger=False)
            cr_c.commit()
            # the worker claims the product queued by C and holds its row
            rows = env_w["wholtra.allocation.queue"]._wholtra_claim(10)
            mine = [r for r in rows if r[2] == self.product_id]
            self.assertEqual(len(mine), 1)
            # B queues the same product meanwhile: no wait, no conflict
            env_b["wholtra.allocation.queue"]._wholtra_queue(pair, trigger=False)
            cr_b.commit()
            # the worker is done with what it saw
            env_w["wholtra.allocation.queue"]._wholtra_delete_seen(
                set(pair), [r[0] for r in mine]
            )
            cr_w.commit()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            # B's change stays queued for the next run
            self.assertEqual(
                env["wholtra.allocation.queue"].search_count(
                    [("product_id", "=", self.product_id)]
                ),
                1,
            )
            env["wholtra.allocation.queue"].search(
                [("product_id", "=", self.product_id)]
            ).unlink()
