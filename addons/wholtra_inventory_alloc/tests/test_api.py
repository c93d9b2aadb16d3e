"""The allocation API as an integrator calls it: Odoo 19's External JSON-2 API over HTTP
with users' API keys (``POST /json/2/<model>/<method>``), on a database without demo data
with allocation switched on in Settings."""

from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.wholtra_orders.tests.common_json2 import Json2TestMixin


@tagged("post_install", "-at_install")
class TestAllocationApi(Json2TestMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        # as an admin would: Settings > Inventory > Allocate sales to inbound supply
        cls.env["res.config.settings"].create(
            {"wholtra_allocation_enabled": True}
        ).execute()
        cls.stock_user = new_test_user(
            cls.env, "api_stock_user", groups="stock.group_stock_user"
        )
        cls.stock_manager = new_test_user(
            cls.env, "api_stock_manager", groups="stock.group_stock_manager"
        )
        cls.salesman = new_test_user(
            cls.env, "api_salesman", groups="sales_team.group_sale_salesman"
        )
        cls._json2_make_keys(cls.stock_user, cls.stock_manager, cls.salesman)
        cls.vendor = cls.env["res.partner"].create({"name": "Fizz Beverages"})
        # customer lead time: 2 days after the goods arrive
        cls.product = cls.env["product.product"].create(
            {
                "name": "Cola Cans 24x33cl",
                "type": "consu",
                "is_storable": True,
                "sale_delay": 2,
            }
        )
        # two customers of different priority (wholtra_orders tiers)
        cls.gold = cls._customer("Gold Freshmart", 30)
        cls.bronze = cls._customer("Bronze Corner Deli", 10)
        now = fields.Datetime.now().replace(microsecond=0)
        cls.eta = now + timedelta(days=7)
        cls.po = cls.env["purchase.order"].create(
            {
                "partner_id": cls.vendor.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": cls.product.id,
                            "product_qty": 10,
                            "price_unit": 3.35,
                            "date_planned": cls.eta,
                        }
                    )
                ],
            }
        )
        cls.po.button_confirm()
        cls.pl = cls.po.order_line
        # the bronze customer ordered first: priority still serves gold first
        cls.so_bronze = cls._order(cls.bronze, 8, now - timedelta(days=1))
        cls.so_gold = cls._order(cls.gold, 6, now)
        cls.promised = fields.Datetime.to_string(cls.eta + timedelta(days=2))

    @classmethod
    def _customer(cls, name, priority):
        pricelist = cls.env["product.pricelist"].create({"name": f"List {name}"})
        tier = cls.env["wholtra.price.tier"].create(
            {
                "name": f"Tier {priority}",
                "allocation_priority": priority,
                "pricelist_id": pricelist.id,
            }
        )
        return cls.env["res.partner"].create({"name": name, "wholtra_tier_id": tier.id})

    @classmethod
    def _order(cls, partner, qty, date_order):
        so = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "user_id": cls.salesman.id,
                "date_order": date_order,
                "order_line": [
                    Command.create(
                        {
                            "product_id": cls.product.id,
                            "product_uom_qty": qty,
                            "price_unit": 3.35,
                        }
                    )
                ],
            }
        )
        so.action_confirm()
        return so

    def _refused(self, user, model, method, status, error, **body):
        count = self.env["wholtra.allocation"].search_count([])
        payload = self._json2_refused(user, model, method, status, error, **body)
        self.assertNotIn("Traceback", payload["message"])
        self.env.invalidate_all()
        self.assertEqual(self.env["wholtra.allocation"].search_count([]), count)
        return payload["message"]

    def _availability(self, order):
        rows = self._json2_ok(
            self.salesman, "sale.order", "wholtra_get_availability", ids=order.ids
        )
        self.assertEqual(len(rows), 1)
        return rows[0]

    def _run(self, **body):
        return self._json2_ok(
            self.stock_user, "wholtra.allocation.engine", "wholtra_run", **body
        )

    # ------------------------------------------------------------------
    def test_engine_serves_priority_on_a_partial_po(self):
        """14 ordered, 10 inbound: the gold customer is promised all 6, the bronze
        customer (older order, lower priority) the 4 left; releasing gold's
        allocation gives them back to the purchase line."""
        result = self._run(order_ids=[self.so_bronze.id, self.so_gold.id])
        self.assertEqual(
            result, {"planned": {"created": 2, "updated": 0, "removed": 0}}
        )
        gold = self._availability(self.so_gold)
        self.assertEqual(
            gold,
            {
                "line_id": self.so_gold.order_line.id,
                "product_id": self.product.id,
                "quantity": 6.0,
                "on_hand": 0.0,
                "free": 0.0,
                "incoming": 10.0,
                "next_eta": fields.Datetime.to_string(self.eta),
                "reserved": 0.0,
                "allocated": 6.0,
                "allocation_status": "allocated",
                "promised_date": self.promised,
            },
        )
        bronze = self._availability(self.so_bronze)
        self.assertEqual(
            (bronze["allocated"], bronze["allocation_status"], bronze["promised_date"]),
            (4.0, "partial", None),
        )
        # the same figures line by line
        rows = self._json2_ok(
            self.stock_user,
            "sale.order.line",
            "wholtra_get_availability",
            ids=(self.so_gold.order_line | self.so_bronze.order_line).ids,
        )
        self.assertEqual([r["allocated"] for r in rows], [6.0, 4.0])
        # a second run changes nothing
        self.assertEqual(
            self._run(product_ids=[self.product.id]),
            {"planned": {"created": 0, "updated": 0, "removed": 0}},
        )
        gold_alloc = self.so_gold.order_line.wholtra_allocation_ids
        self.assertEqual(
            self._json2_ok(
                self.stock_user,
                "wholtra.allocation",
                "wholtra_release",
                ids=gold_alloc.ids,
            ),
            [{"allocation_id": gold_alloc.id, "state": "cancelled", "quantity": 6.0}],
        )
        # the 6 released go to the bronze order by hand: now fully promised
        result = self._json2_ok(
            self.stock_user,
            "sale.order.line",
            "wholtra_allocate",
            ids=self.so_bronze.order_line.ids,
            purchase_line_id=self.pl.id,
            quantity=4,
        )
        self.assertEqual(
            (result["state"], result["quantity"], result["promised_date"]),
            ("soft", 4.0, self.promised),
        )
        bronze = self._availability(self.so_bronze)
        self.assertEqual(
            (bronze["allocated"], bronze["allocation_status"], bronze["promised_date"]),
            (8.0, "allocated", self.promised),
        )
        self.assertEqual(
            self._availability(self.so_gold)["allocation_status"], "unallocated"
        )
        # over the synchronous limit the run is queued for the scheduled action
        Engine = type(self.env["wholtra.allocation.engine"])
        with patch.object(Engine, "_sync_limit", 0):
            self.assertEqual(self._run(product_ids=[self.product.id]), {"queued": 1})
        self.assertEqual(self._availability(self.so_gold)["allocated"], 0.0)

    def test_firm_allocation_is_kept_by_the_engine(self):
        """A firm allocation (inventory managers only) is not re-planned for a
        higher-priority customer; made soft again, the engine re-plans it."""
        line = self.so_bronze.order_line
        self._refused(
            self.stock_user,
            "sale.order.line",
            "wholtra_allocate",
            403,
            "AccessError",
            ids=line.ids,
            purchase_line_id=self.pl.id,
            quantity=8,
            firm=True,
        )
        result = self._json2_ok(
            self.stock_manager,
            "sale.order.line",
            "wholtra_allocate",
            ids=line.ids,
            purchase_line_id=self.pl.id,
            quantity=8,
            firm=True,
        )
        self.assertEqual(
            {k: result[k] for k in ("state", "quantity", "promised_date")},
            {"state": "firm", "quantity": 8.0, "promised_date": self.promised},
        )
        firm_id = result["allocation_id"]
        self.assertEqual(
            self._run(order_ids=[self.so_gold.id])["planned"]["created"], 1
        )
        self.assertEqual(self._availability(self.so_gold)["allocated"], 2.0)
        self.assertEqual(self._availability(self.so_bronze)["allocated"], 8.0)
        # an inventory user may not release nor soften it
        for method in ("wholtra_release", "wholtra_make_soft"):
            self._refused(
                self.stock_user,
                "wholtra.allocation",
                method,
                403,
                "AccessError",
                ids=[firm_id],
            )
        self.assertEqual(
            self._json2_ok(
                self.stock_manager,
                "wholtra.allocation",
                "wholtra_make_soft",
                ids=[firm_id],
            ),
            [{"allocation_id": firm_id, "state": "soft", "quantity": 8.0}],
        )
        self._run(product_ids=[self.product.id])
        self.assertEqual(self._availability(self.so_gold)["allocated"], 6.0)
        bronze = self._availability(self.so_bronze)
        self.assertEqual(
            (bronze["allocated"], bronze["allocation_status"]), (4.0, "partial")
        )
        self.assertEqual(
            self._json2_ok(
                self.stock_manager,
                "wholtra.allocation",
                "wholtra_make_firm",
                ids=[firm_id],
            ),
            [{"allocation_id": firm_id, "state": "firm", "quantity": 4.0}],
        )

    def test_refusals_are_clean_and_change_nothing(self):
        line = self.so_bronze.order_line
        args = {"ids": line.ids, "purchase_line_id": self.pl.id}
        message = self._refused(
            self.stock_user,
            "sale.order.line",
            "wholtra_allocate",
            422,
            "ValidationError",
            quantity=11,
            **args,
        )
        self.assertIn("only 10.0 Units of Cola Cans 24x33cl left to allocate", message)
        self._refused(
            self.salesman,
            "sale.order.line",
            "wholtra_allocate",
            403,
            "AccessError",
            quantity=1,
            **args,
        )
        for quantity in ("x", 0, -1, None):
            self._refused(
                self.stock_user,
                "sale.order.line",
                "wholtra_allocate",
                422,
                "ValidationError",
                quantity=quantity,
                **args,
            )
        self._refused(
            self.stock_user,
            "sale.order.line",
            "wholtra_allocate",
            404,
            "MissingError",
            ids=line.ids,
            purchase_line_id=999999999,
            quantity=1,
        )
        self._refused(
            self.stock_user,
            "wholtra.allocation",
            "wholtra_release",
            404,
            "MissingError",
            ids=[999999999],
        )
        draft = self.so_gold.copy()
        message = self._refused(
            self.stock_user,
            "wholtra.allocation.engine",
            "wholtra_run",
            422,
            "UserError",
            order_ids=[draft.id],
        )
        self.assertIn("Confirm the order", message)
        self._refused(
            self.salesman,
            "wholtra.allocation.engine",
            "wholtra_run",
            403,
            "AccessError",
        )
        # a salesperson reads availability, an order he does not own is refused
        other = self.so_gold.copy({"user_id": self.stock_manager.id})
        self._refused(
            self.salesman,
            "sale.order",
            "wholtra_get_availability",
            403,
            "AccessError",
            ids=other.ids,
        )

    def test_webhook_promised_date_changed(self):
        """The example automation rule, activated as an admin would, posts the
        allocation's order line and promised date once when the purchase
        line's ETA moves."""
        result = self._json2_ok(
            self.stock_user,
            "sale.order.line",
            "wholtra_allocate",
            ids=self.so_gold.order_line.ids,
            purchase_line_id=self.pl.id,
            quantity=6,
        )
        rule = self.env.ref("wholtra_inventory_alloc.webhook_promised_date_changed")
        self.assertFalse(rule.active)
        rule.active = True
        new_eta = self.eta + timedelta(days=3)
        with self._capture_webhooks() as calls:
            self.pl.date_planned = new_eta
            self.env.flush_all()
            self.env.cr.postcommit.run()
        self.assertEqual(len(calls), 1)
        url, payload = calls[0]
        self.assertEqual(
            url, "https://integrator.example.com/wholtra/promised-date-changed"
        )
        self.assertEqual(payload["_model"], "wholtra.allocation")
        self.assertEqual(payload["_id"], result["allocation_id"])
        self.assertEqual(payload["sale_line_id"], self.so_gold.order_line.id)
        self.assertEqual(payload["order_id"], self.so_gold.id)
        self.assertEqual(payload["quantity"], 6.0)
        self.assertEqual(payload["state"], "soft")
        self.assertEqual(payload["date_promised"], str(new_eta + timedelta(days=2)))
        self.assertEqual(
            self._availability(self.so_gold)["promised_date"],
            fields.Datetime.to_string(new_eta + timedelta(days=2)),
        )
