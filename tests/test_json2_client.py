"""The whole order-to-cash flow of a small distributor, driven as an integrator would: from
API keys only, over HTTP with Odoo 19's External JSON-2 API (``POST /json/2/<model>/
<method>``), through the example client ``examples/wholtra_client.py`` (``requests`` only).
No ORM shortcut after the fixture (which only creates the users and their API keys): every
step writes over JSON-2 and asserts amounts, quantities and states read back over JSON-2.

Wholtra's public API methods (``wholtra_*``, README "External API") drive the business
steps; Odoo's standard methods (create / write / search_read / action_confirm /
button_validate / wizards) the rest, as an integrator does.

The suite fails if the server logs an ERROR or a traceback while it runs. A second test
shows the legacy XML-RPC path still answers (deprecated in Odoo 19) and that nothing of
ours calls it."""

import logging
import pathlib
import re
import sys
from datetime import date, datetime, timedelta

import requests

from odoo.tests import HttpCase, tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))

from wholtra_client import Json2, Json2Error  # noqa: E402

DATETIME = "%Y-%m-%d %H:%M:%S"


class ErrorCollector(logging.Handler):
    """Records the server's ERROR / CRITICAL records and any record with a traceback."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        if record.levelno >= logging.ERROR or record.exc_info:
            self.records.append(record)


class ServerSession(requests.Session):
    """A plain ``requests`` session that the test server accepts: like HttpCase's own
    opener, it flushes the test transaction and carries the test cursor cookie."""

    def __init__(self, test_case):
        super().__init__()
        self.test_case = test_case

    def request(self, *args, **kwargs):
        self.test_case.cr.flush()
        self.test_case.cr.clear()
        with self.test_case.allow_requests():
            cookie = self.test_case.opener.cookies.get(TEST_CURSOR_COOKIE_NAME)
            self.cookies.set(TEST_CURSOR_COOKIE_NAME, cookie)
            return super().request(*args, **kwargs)


class Json2Case(HttpCase):
    """Users and their API keys (the only ORM work), a JSON-2 client per user, and the
    'odoo' logger watched for errors."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.admin_user = env.ref("base.user_admin")
        groups = [
            "sales_team.group_sale_manager",
            "purchase.group_purchase_manager",
            "stock.group_stock_manager",
            "account.group_account_manager",
            "wholtra_orders.group_wholtra_manager",
            "wholtra_orders.group_wholtra_credit_manager",
            "product.group_product_pricelist",
            "product.group_product_manager",
        ]
        cls.bot_user = env["res.users"].create(
            {
                "name": "Shop connector (bot)",
                "login": "json2-bot@wholtra.example.com",
                "email": "json2-bot@wholtra.example.com",
                "group_ids": [(6, 0, [env.ref(g).id for g in groups])],
            }
        )
        cls.sales_user = env["res.users"].create(
            {
                "name": "Sam (sales)",
                "login": "json2-sales@wholtra.example.com",
                "group_ids": [(6, 0, [env.ref("sales_team.group_sale_salesman").id])],
            }
        )
        cls.keys = {
            name: env["res.users.apikeys"]
            .with_user(user)
            .sudo()
            ._generate(None, f"json2 client {name}", None)
            for name, user in (
                ("admin", cls.admin_user),
                ("bot", cls.bot_user),
                ("sales", cls.sales_user),
            )
        }

    def setUp(self):
        super().setUp()
        self.errors = ErrorCollector()
        odoo_logger = logging.getLogger("odoo")
        odoo_logger.addHandler(self.errors)
        self.addCleanup(odoo_logger.removeHandler, self.errors)
        # the test configuration may silence Odoo's log (--log-level): errors and
        # warnings with a traceback must still reach the collector
        if odoo_logger.getEffectiveLevel() > logging.WARNING:
            self.addCleanup(odoo_logger.setLevel, odoo_logger.level)
            odoo_logger.setLevel(logging.WARNING)
        url = self.base_url()
        db = self.env.cr.dbname
        self.admin, self.bot, self.sales = (
            Json2(url, db, self.keys[name], session=ServerSession(self))
            for name in ("admin", "bot", "sales")
        )

    def tearDown(self):
        self.assertFalse(
            [self.errors.format(r) for r in self.errors.records],
            "the server logged an error or a traceback",
        )
        super().tearDown()

    # --- small readers over JSON-2 --------------------------------------------
    def one(self, model, record_id, fields):
        return self.bot.read_one(model, record_id, fields)

    def field(self, model, record_id, name):
        return self.one(model, record_id, [name])[name]

    def moves(self, picking_id):
        return self.bot.search_read(
            "stock.move",
            [["picking_id", "=", picking_id]],
            ["product_id", "product_uom_qty", "quantity", "state"],
            order="id",
        )

    def qty_by_product(self, picking_id, field):
        return {row["product_id"][0]: row[field] for row in self.moves(picking_id)}

    def open_picking(self, order_id):
        rows = self.bot.search_read(
            "stock.picking",
            [
                ["sale_id", "=", order_id],
                ["state", "not in", ["done", "cancel"]],
                ["picking_type_code", "=", "outgoing"],
            ],
            ["name", "state"],
        )
        self.assertEqual(len(rows), 1, rows)
        return rows[0]["id"]

    def ship(self, picking_id, quantities):
        """Validate a transfer with {product id: quantity}; the rest is backordered
        (Odoo's context key ``skip_backorder``: no backorder wizard)."""
        for move in self.moves(picking_id):
            self.bot.write(
                "stock.move",
                [move["id"]],
                {
                    "quantity": quantities.get(move["product_id"][0], 0.0),
                    "picked": True,
                },
            )
        self.bot.call(
            "stock.picking",
            "button_validate",
            ids=[picking_id],
            context={"skip_backorder": True},
        )
        self.assertEqual(self.field("stock.picking", picking_id, "state"), "done")


@tagged("post_install", "-at_install")
class TestOrderToCashOverJson2(Json2Case):
    def availability(self, order_id):
        """{sale line id: availability row} of an order (wholtra_get_availability)."""
        rows = self.bot.call("sale.order", "wholtra_get_availability", ids=[order_id])
        return {row["line_id"]: row for row in rows}

    def invoices_of_picking(self, picking_id):
        [row] = self.bot.call("stock.picking", "wholtra_get_invoices", ids=[picking_id])
        self.assertEqual(row["picking_id"], picking_id)
        self.assertEqual(row["dispatch_state"], "invoiced")
        self.assertFalse(row["error"])
        return row["invoices"]

    def test_order_to_cash_over_json2(self):
        bot = self.bot
        today = date.today()

        # 1. Settings, as an administrator would (Settings form = create + execute).
        settings_id = self.admin.create(
            "res.config.settings",
            {
                "group_product_pricelist": True,
                "group_discount_per_so_line": True,
                "wholtra_enforce_account_terms": True,
                "wholtra_allocation_enabled": True,
                "wholtra_allocate_on_confirm": True,
                "wholtra_invoice_mode": "dispatch",
                "wholtra_invoice_auto_post": True,
                "wholtra_invoice_send_email": False,
                "wholtra_statement_links_enabled": True,
                "wholtra_statement_link_validity_days": 30,
            },
        )
        self.admin.call("res.config.settings", "execute", ids=[settings_id])
        company = self.one(
            "res.company",
            self.admin_user.company_id.id,
            [
                "wholtra_enforce_account_terms",
                "wholtra_allocation_enabled",
                "wholtra_allocate_on_confirm",
                "wholtra_invoice_mode",
                "wholtra_invoice_auto_post",
                "wholtra_statement_links_enabled",
                "wholtra_statement_link_validity_days",
            ],
        )
        self.assertEqual(
            company,
            {
                "id": self.admin_user.company_id.id,
                "wholtra_enforce_account_terms": True,
                "wholtra_allocation_enabled": True,
                "wholtra_allocate_on_confirm": True,
                "wholtra_invoice_mode": "dispatch",
                "wholtra_invoice_auto_post": True,
                "wholtra_statement_links_enabled": True,
                "wholtra_statement_link_validity_days": 30,
            },
        )

        # 2. Catalog, tiers, customers, a contract price.
        juice, crisps = bot.create(
            "product.product",
            [
                {
                    "name": "Orange Juice 12x1l (json2)",
                    "type": "consu",
                    "is_storable": True,
                    "invoice_policy": "delivery",
                    "list_price": 3.95,
                    "standard_price": 2.10,
                    "taxes_id": [[5, 0, 0]],
                },
                {
                    "name": "Sea Salt Crisps 24x40g (json2)",
                    "type": "consu",
                    "is_storable": True,
                    "invoice_policy": "delivery",
                    "list_price": 18.50,
                    "standard_price": 11.0,
                    "taxes_id": [[5, 0, 0]],
                },
            ],
        )
        juice_tmpl = self.field("product.product", juice, "product_tmpl_id")[0]
        tiers = {}
        for name, priority, price in (("Gold", 30, 3.35), ("Bronze", 10, 3.70)):
            item = {
                "applied_on": "1_product",
                "product_tmpl_id": juice_tmpl,
                "compute_price": "fixed",
                "fixed_price": price,
            }
            pricelist = bot.create(
                "product.pricelist",
                {"name": f"{name} trade prices (json2)", "item_ids": [[0, 0, item]]},
            )
            tiers[name] = bot.create(
                "wholtra.price.tier",
                {
                    "name": name,
                    "pricelist_id": pricelist,
                    "allocation_priority": priority,
                },
            )
        gold, bronze = bot.create(
            "res.partner",
            [
                {
                    "name": "FreshMart Convenience Stores",
                    "is_company": True,
                    "email": "ap@freshmart.example.com",
                },
                {"name": "Corner Deli", "is_company": True},
            ],
        )
        vendor = bot.create("res.partner", {"name": "Sunny Groves Ltd"})
        for partner, name in ((gold, "Gold"), (bronze, "Bronze")):
            [row] = bot.call(
                "res.partner", "wholtra_set_tier", ids=[partner], tier_id=tiers[name]
            )
            self.assertEqual(
                (row["partner_id"], row["tier_id"]), (partner, tiers[name])
            )
            self.assertEqual(
                self.field("res.partner", partner, "property_product_pricelist")[0],
                row["pricelist_id"],
            )
        contract = bot.call(
            "res.partner",
            "wholtra_set_contract_prices",
            ids=[gold],
            prices=[{"product_id": crisps, "price": 17.40}],
        )
        self.assertEqual(len(contract["item_ids"]), 1)
        self.assertEqual(
            self.field("res.partner", gold, "wholtra_contract_pricelist_id")[0],
            contract["pricelist_id"],
        )
        prices = bot.call(
            "res.partner",
            "wholtra_get_prices",
            ids=[gold],
            lines=[
                {"product_id": juice, "quantity": 7},
                {"product_id": crisps, "quantity": 4},
            ],
        )
        self.assertEqual(
            [(p["product_id"], p["price_unit"], p["source"]) for p in prices],
            [(juice, 3.35, "tier"), (crisps, 17.40, "contract")],
        )

        # 3. Stock: 40 crisps counted on hand, no juice; 11 juice on a purchase.
        [warehouse] = bot.search_read("stock.warehouse", [], ["lot_stock_id"], limit=1)
        quant = bot.create(
            "stock.quant",
            {
                "product_id": crisps,
                "location_id": warehouse["lot_stock_id"][0],
                "inventory_quantity": 40,
            },
            context={"inventory_mode": True},
        )
        bot.call("stock.quant", "action_apply_inventory", ids=[quant])
        self.assertEqual(self.field("product.product", crisps, "qty_available"), 40)
        eta = (datetime.now() + timedelta(days=5)).replace(microsecond=0)
        purchase = bot.create(
            "purchase.order",
            {
                "partner_id": vendor,
                "order_line": [
                    [
                        0,
                        0,
                        {
                            "product_id": juice,
                            "product_qty": 11,
                            "price_unit": 2.10,
                            "date_planned": eta.strftime(DATETIME),
                        },
                    ]
                ],
            },
        )
        bot.call("purchase.order", "button_confirm", ids=[purchase])
        po = self.one("purchase.order", purchase, ["state", "amount_untaxed"])
        self.assertEqual((po["state"], po["amount_untaxed"]), ("purchase", 23.10))
        self.assertEqual(self.field("product.product", juice, "incoming_qty"), 11)

        # 4. Two competing orders: Bronze first (6 juice), Gold two days later
        # (7 juice at 3.35 less 10 %, 4 crisps at its contract price).
        def confirmed_order(partner, lines, days_ago):
            when = datetime.now() - timedelta(days=days_ago)
            order_id = bot.create(
                "sale.order",
                {
                    "partner_id": partner,
                    "date_order": when.strftime(DATETIME),
                    "order_line": [[0, 0, line] for line in lines],
                },
            )
            bot.call("sale.order", "action_confirm", ids=[order_id])
            self.assertEqual(self.field("sale.order", order_id, "state"), "sale")
            return order_id

        bronze_order = confirmed_order(
            bronze, [{"product_id": juice, "product_uom_qty": 6}], 3
        )
        gold_order = confirmed_order(
            gold,
            [
                {"product_id": juice, "product_uom_qty": 7, "discount": 10.0},
                {"product_id": crisps, "product_uom_qty": 4},
            ],
            1,
        )
        line_fields = ["product_id", "price_unit", "discount", "price_subtotal"]
        gold_lines = {
            ln["product_id"][0]: ln
            for ln in bot.search_read(
                "sale.order.line", [["order_id", "=", gold_order]], line_fields
            )
        }
        gold_juice, gold_crisps = gold_lines[juice]["id"], gold_lines[crisps]["id"]
        self.assertEqual(
            [
                (ln["price_unit"], ln["discount"], ln["price_subtotal"])
                for ln in (gold_lines[juice], gold_lines[crisps])
            ],
            [(3.35, 10.0, 21.11), (17.40, 0.0, 69.60)],  # 7 x 3.35 x 0.9 = 21.105
        )
        self.assertEqual(self.field("sale.order", gold_order, "amount_untaxed"), 90.71)
        self.assertEqual(
            self.field("sale.order", bronze_order, "amount_untaxed"), 22.20
        )
        [bronze_juice] = self.field("sale.order", bronze_order, "order_line")

        # 5. Allocation of the inbound purchase: Gold (priority 30) before Bronze's
        # older order; the promised date is the purchase's.
        run = bot.call("wholtra.allocation.engine", "wholtra_run", product_ids=[juice])
        self.assertTrue({"planned", "queued"} & set(run), run)
        gold_avail = self.availability(gold_order)
        self.assertEqual(gold_avail[gold_juice]["allocated"], 7)
        self.assertEqual(gold_avail[gold_juice]["allocation_status"], "allocated")
        self.assertEqual(gold_avail[gold_juice]["incoming"], 11)
        self.assertTrue(gold_avail[gold_juice]["promised_date"])
        self.assertEqual(gold_avail[gold_crisps]["allocation_status"], "reserved")
        self.assertEqual(self.availability(bronze_order)[bronze_juice]["allocated"], 4)
        # The key account's promise is made firm by the inventory manager.
        gold_allocations = bot.search_read(
            "wholtra.allocation",
            [["order_id", "=", gold_order], ["state", "=", "soft"]],
            ["quantity"],
        )
        firm = bot.call(
            "wholtra.allocation",
            "wholtra_make_firm",
            ids=[a["id"] for a in gold_allocations],
        )
        self.assertEqual(
            sorted((a["state"], a["quantity"]) for a in firm), [("firm", 7.0)]
        )
        gold_delivery = self.open_picking(gold_order)
        bronze_delivery = self.open_picking(bronze_order)
        self.assertEqual(
            self.qty_by_product(gold_delivery, "quantity"),
            {juice: 0, crisps: 4},
            "crisps reserved from stock, juice not received yet",
        )

        # 6. Partial receipt of 5: all reserved for Gold's delivery.
        [receipt] = bot.search_read(
            "stock.picking",
            [["purchase_id", "=", purchase], ["state", "not in", ["done", "cancel"]]],
            ["name"],
        )
        self.ship(receipt["id"], {juice: 5})
        self.assertEqual(self.field("product.product", juice, "qty_available"), 5)
        self.assertEqual(self.qty_by_product(gold_delivery, "quantity")[juice], 5)
        self.assertEqual(self.qty_by_product(bronze_delivery, "quantity")[juice], 0)
        self.assertEqual(self.availability(gold_order)[gold_juice]["allocated"], 2)

        # 7. Partial dispatch: 5 juice + 4 crisps ship -> one posted invoice for
        # exactly that: 5 x 3.35 less 10 % = 15.075 -> 15.08, 4 x 17.40 = 69.60.
        self.ship(gold_delivery, {juice: 5, crisps: 4})
        [invoice] = self.invoices_of_picking(gold_delivery)
        self.assertEqual(
            {k: invoice[k] for k in ("state", "move_type", "amount_untaxed")},
            {"state": "posted", "move_type": "out_invoice", "amount_untaxed": 84.68},
        )
        self.assertEqual(invoice["amount_total"], 84.68)
        self.assertEqual(invoice["amount_residual"], 84.68)
        self.assertEqual(
            sorted(
                (
                    ln["product_id"],
                    ln["quantity"],
                    ln["price_unit"],
                    ln["discount"],
                    ln["price_subtotal"],
                )
                for ln in invoice["lines"]
            ),
            sorted([(juice, 5.0, 3.35, 10.0, 15.08), (crisps, 4.0, 17.40, 0.0, 69.60)]),
        )
        line = self.one(
            "sale.order.line", gold_juice, ["qty_delivered", "qty_invoiced"]
        )
        self.assertEqual((line["qty_delivered"], line["qty_invoiced"]), (5, 5))
        gold_backorder = self.open_picking(gold_order)
        self.assertEqual(
            self.qty_by_product(gold_backorder, "product_uom_qty"), {juice: 2}
        )

        # 8. An order change: Gold wants 6 juice, not 7 (the backorder drops to 1),
        # and the crisps already invoiced get a price correction 17.40 -> 16.85.
        # Odoo recomputes a line's discount from the pricelist when its quantity
        # changes: a client that changes the quantity sends the agreed discount too.
        bot.write(
            "sale.order.line", [gold_juice], {"product_uom_qty": 6, "discount": 10.0}
        )
        bot.write("sale.order.line", [gold_crisps], {"price_unit": 16.85})
        self.assertEqual(
            self.qty_by_product(gold_backorder, "product_uom_qty"), {juice: 1}
        )
        self.assertEqual(
            self.field("sale.order", gold_order, "amount_untaxed"),
            85.49,  # 6 x 3.35 x 0.9 = 18.09, 4 x 16.85 = 67.40
        )
        self.assertEqual(
            self.field("sale.order", gold_order, "wholtra_pending_adjustment"), -2.20
        )
        adjustments = bot.call(
            "sale.order", "wholtra_invoice_adjustments", ids=[gold_order]
        )
        self.assertEqual(adjustments["invoice_ids"], [])
        [price_credit_note] = adjustments["credit_note_ids"]
        adjustment = self.one(
            "account.move", price_credit_note, ["move_type", "state", "amount_total"]
        )
        self.assertEqual(
            (adjustment["move_type"], adjustment["amount_total"]), ("out_refund", 2.20)
        )
        if adjustment["state"] == "draft":
            bot.call("account.move", "action_post", ids=[price_credit_note])
        self.assertEqual(
            self.field("account.move", price_credit_note, "state"), "posted"
        )
        self.assertEqual(
            self.field("sale.order", gold_order, "wholtra_pending_adjustment"), 0.0
        )

        # 9. A return: 2 juice come back -> a posted credit note for exactly 2,
        # which settles the invoice they were billed on (84.68 - 6.03).
        wizard = bot.create(
            "stock.return.picking",
            {},
            context={
                "active_id": gold_delivery,
                "active_ids": [gold_delivery],
                "active_model": "stock.picking",
            },
        )
        for return_line in bot.search_read(
            "stock.return.picking.line", [["wizard_id", "=", wizard]], ["product_id"]
        ):
            bot.write(
                "stock.return.picking.line",
                [return_line["id"]],
                {"quantity": 2 if return_line["product_id"][0] == juice else 0},
            )
        action = bot.call("stock.return.picking", "action_create_returns", ids=[wizard])
        return_picking = action["res_id"]
        self.ship(return_picking, {juice: 2})
        [credit_note] = self.invoices_of_picking(return_picking)
        self.assertEqual(
            (
                credit_note["move_type"],
                credit_note["state"],
                credit_note["amount_total"],
            ),
            ("out_refund", "posted", 6.03),
        )
        self.assertEqual(
            [
                (ln["product_id"], ln["quantity"], ln["price_unit"], ln["discount"])
                for ln in credit_note["lines"]
            ],
            [(juice, 2.0, 3.35, 10.0)],
        )
        line = self.one(
            "sale.order.line", gold_juice, ["qty_delivered", "qty_invoiced"]
        )
        self.assertEqual((line["qty_delivered"], line["qty_invoiced"]), (3, 3))
        self.assertEqual(
            self.field("account.move", credit_note["id"], "amount_residual"), 0
        )
        self.assertEqual(
            self.field("account.move", invoice["id"], "amount_residual"), 78.65
        )

        # 10. A partial payment of 50.00 -> invoice partially paid; AR status.
        register = bot.create(
            "account.payment.register",
            {"amount": 50.0, "payment_date": today.isoformat()},
            context={"active_model": "account.move", "active_ids": [invoice["id"]]},
        )
        bot.call("account.payment.register", "action_create_payments", ids=[register])
        paid = self.one(
            "account.move",
            invoice["id"],
            ["payment_state", "amount_residual", "wholtra_ar_status"],
        )
        self.assertEqual(
            (paid["payment_state"], paid["amount_residual"], paid["wholtra_ar_status"]),
            ("partial", 28.65, "partial"),
        )
        # 28.65 open on the invoice less the 2.20 price credit note
        [status] = bot.call("res.partner", "wholtra_get_ar_status", ids=[gold])
        self.assertEqual(
            {
                k: status[k]
                for k in ("ar_status", "total_due", "overdue_amount", "disputed_amount")
            },
            {
                "ar_status": "partial",
                "total_due": 26.45,
                "overdue_amount": 0.0,
                "disputed_amount": 0.0,
            },
        )
        # The customer disputes the rest of the invoice, then the dispute is settled.
        [disputed] = bot.call(
            "account.move",
            "wholtra_set_dispute",
            ids=[invoice["id"]],
            reason="2 cases damaged",
        )
        self.assertEqual(
            (disputed["disputed"], disputed["ar_status"]), (True, "disputed")
        )
        [status] = bot.call("res.partner", "wholtra_get_ar_status", ids=[gold])
        self.assertEqual(
            (status["ar_status"], status["disputed_amount"]), ("disputed", 28.65)
        )
        [cleared] = bot.call(
            "account.move",
            "wholtra_clear_dispute",
            ids=[invoice["id"]],
            reason="Photos show no damage",
        )
        self.assertEqual(
            (cleared["disputed"], cleared["ar_status"]), (False, "partial")
        )

        # 11. A statement link for the customer, mailed, then fetched over HTTP.
        link = bot.call("res.partner", "wholtra_create_statement_link", ids=[gold])
        self.assertEqual((link["partner_id"], link["state"]), (gold, "active"))
        self.assertEqual(link["expires"], (today + timedelta(days=30)).isoformat())
        self.assertEqual(
            bot.call(
                "wholtra.statement.link", "wholtra_get_url", ids=[link["link_id"]]
            )["url"],
            link["url"],
        )
        self.assertTrue(link["url"].startswith(self.base_url()))
        sent = bot.call("wholtra.statement.link", "wholtra_send", ids=[link["link_id"]])
        self.assertEqual(sent["sent_to"], ["ap@freshmart.example.com"])
        path = link["url"][len(self.base_url()) :]
        page = self.url_open(path)
        self.assertEqual(page.status_code, 200)
        self.assertIn(invoice["name"], page.text)
        self.assertIn("28.65", page.text)

        # 12. A credit hold: a salesperson's confirmation is refused with the reason.
        bot.call("res.partner", "wholtra_set_hold", ids=[gold], reason="Cheque bounced")
        [hold] = self.sales.call("res.partner", "wholtra_get_hold_state", ids=[gold])
        self.assertEqual((hold["on_hold"], hold["manual"]), (True, True))
        self.assertEqual(hold["reasons"], ["Manual hold: Cheque bounced"])
        held_order = self.sales.create(
            "sale.order",
            {
                "partner_id": gold,
                "order_line": [[0, 0, {"product_id": crisps, "product_uom_qty": 2}]],
            },
        )
        with self.assertRaises(Json2Error) as refusal:
            self.sales.call("sale.order", "action_confirm", ids=[held_order])
        error = refusal.exception
        self.assertEqual((error.status, error.name), (422, "odoo.exceptions.UserError"))
        self.assertEqual(
            set(error.body), {"name", "message", "arguments", "context", "debug"}
        )
        self.assertIn("FreshMart Convenience Stores is on credit hold", error.message)
        self.assertIn("- Manual hold: Cheque bounced", error.message)
        self.assertEqual(self.field("sale.order", held_order, "state"), "draft")
        # A credit manager releases this one order; the customer stays on hold.
        released = bot.call(
            "sale.order",
            "wholtra_release_hold",
            ids=[held_order],
            reason="Prepaid by card",
        )
        self.assertEqual(
            (released["order_id"], released["released"]), (held_order, True)
        )
        self.sales.call("sale.order", "action_confirm", ids=[held_order])
        self.assertEqual(self.field("sale.order", held_order, "state"), "sale")
        [hold] = bot.call("res.partner", "wholtra_lift_hold", ids=[gold], reason="Paid")
        self.assertEqual((hold["on_hold"], hold["reasons"]), (False, []))

        # 13. AR aging and collection level: 26.45 open, nothing overdue yet.
        [aging] = bot.call("res.partner", "wholtra_get_aging", ids=[gold])
        self.assertEqual(aging["total"], 26.45)
        self.assertEqual(
            aging["buckets"],
            {
                "0_current": 26.45,
                "1_30": 0.0,
                "31_60": 0.0,
                "61_90": 0.0,
                "91_plus": 0.0,
            },
        )
        [level] = bot.call("res.partner", "wholtra_get_collection_level", ids=[gold])
        self.assertEqual((level["level"], level["overdue_amount"]), (None, 0.0))

        # 14. The link is revoked: its page answers no more.
        revoked = bot.call(
            "wholtra.statement.link", "wholtra_revoke", ids=[link["link_id"]]
        )
        self.assertEqual(revoked["state"], "revoked")
        self.assertNotEqual(self.url_open(path).status_code, 200)


# The Wholtra API of the README "External API" table, by model.
CONTRACT = {
    "res.partner": [
        "wholtra_set_tier",
        "wholtra_set_contract_prices",
        "wholtra_get_prices",
        "wholtra_set_hold",
        "wholtra_lift_hold",
        "wholtra_get_hold_state",
        "wholtra_get_ar_status",
        "wholtra_get_aging",
        "wholtra_create_statement_link",
        "wholtra_get_collection_level",
    ],
    "sale.order": [
        "wholtra_release_hold",
        "wholtra_get_availability",
        "wholtra_invoice_adjustments",
    ],
    "sale.order.line": ["wholtra_allocate", "wholtra_get_availability"],
    "wholtra.allocation": ["wholtra_release", "wholtra_make_firm", "wholtra_make_soft"],
    "wholtra.allocation.engine": ["wholtra_run"],
    "stock.picking": [
        "wholtra_get_invoices",
        "wholtra_retry_invoicing",
        "wholtra_record_cod",
    ],
    "account.move": ["wholtra_set_dispute", "wholtra_clear_dispute"],
    "wholtra.statement.link": ["wholtra_get_url", "wholtra_send", "wholtra_revoke"],
    "account.bank.statement.line": [
        "wholtra_propose_matching",
        "wholtra_confirm_matching",
    ],
    "account.payment": ["wholtra_propose_matching", "wholtra_confirm_matching"],
}


@tagged("post_install", "-at_install")
class TestApiDoc(Json2Case):
    """Every method of the README's step table is on the /doc page (Odoo's api_doc, the
    JSON behind it read with an administrator's API key) with its docstring: what it
    answers and what it raises."""

    def test_every_contract_method_is_documented(self):
        problems = []
        for model, methods in CONTRACT.items():
            response = self.admin.session.get(
                f"{self.admin.url}/doc-bearer/{model}.json",
                headers={"Cache-Control": "no-cache"},
                timeout=60,
            )
            if response.status_code != 200:
                problems.append(f"{model}: /doc answers HTTP {response.status_code}")
                continue
            documented = response.json()["methods"]
            for method in methods:
                doc = documented.get(method)
                if doc is None:
                    problems.append(f"{model}.{method}: not on /doc")
                    continue
                if not doc.get("module", "").startswith("wholtra_"):
                    problems.append(f"{model}.{method}: documented by {doc['module']}")
                if not doc.get("doc") or not (doc.get("return") or {}).get("doc"):
                    problems.append(f"{model}.{method}: no docstring / :return:")
                if not doc.get("raise"):
                    problems.append(f"{model}.{method}: errors not documented")
        self.assertFalse(problems, "\n" + "\n".join(problems))


@tagged("post_install", "-at_install")
class TestLegacyXmlRpc(Json2Case):
    """XML-RPC (``/xmlrpc/2/object``) is deprecated in Odoo 19 but still answers, with an
    API key as password; nothing of ours calls it."""

    def test_xmlrpc_still_answers(self):
        pricelist = self.bot.create("product.pricelist", {"name": "Silver (xmlrpc)"})
        tier = self.bot.create(
            "wholtra.price.tier", {"name": "Silver (xmlrpc)", "pricelist_id": pricelist}
        )
        rows = self.xmlrpc_object.execute_kw(
            self.env.cr.dbname,
            self.bot_user.id,
            self.keys["bot"],
            "wholtra.price.tier",
            "search_read",
            [[["id", "=", tier]]],
            {"fields": ["name"]},
        )
        self.assertEqual(rows, [{"id": tier, "name": "Silver (xmlrpc)"}])

    def test_nothing_of_ours_uses_xmlrpc(self):
        users = []
        for folder in ("addons", "examples", "scripts", "tests"):
            for path in (ROOT / folder).rglob("*.py"):
                if path.name == pathlib.Path(__file__).name:
                    continue
                text = path.read_text(errors="replace")
                if re.search(r"xmlrpc|/jsonrpc\b", text):
                    users.append(str(path.relative_to(ROOT)))
        self.assertEqual(users, [], "JSON-2 is the supported path")
