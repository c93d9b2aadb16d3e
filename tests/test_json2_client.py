"""The whole order-to-cash flow of a small distributor, driven as an integrator would: from
API keys only, over HTTP with Odoo 19's External JSON-2 API (``POST /json/2/<model>/
<method>``), through the example client ``examples/wholtra_client.py`` (``requests`` only).
No ORM shortcut after the fixture (which only creates the users and their API keys): every
step writes over JSON-2 and asserts amounts, quantities and states read back over JSON-2.

The Wholtra public API methods (the ``wholtra_*`` methods of the README "External API"
section) are used where they exist; the steps they cover fall back to Odoo's standard
methods (create / write / search_read / action_confirm / button_validate) on a database
where one is missing, and the test prints which (``contract methods missing: ...``).

The suite fails if the server logs an ERROR or a traceback while it runs. A second test
shows the legacy XML-RPC path still answers (deprecated in Odoo 19) and that nothing of
ours calls it."""

import logging
import pathlib
import re
import sys
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import requests

from odoo.tests import HttpCase, tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))

from wholtra_client import Json2, Json2Error  # noqa: E402


def money(value):
    """Round half up to the cent, as the currency does."""
    return float(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


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
        url = self.base_url()
        db = self.env.cr.dbname
        self.admin, self.bot, self.sales = (
            Json2(url, db, self.keys[name], session=ServerSession(self))
            for name in ("admin", "bot", "sales")
        )
        self.used, self.missing = set(), set()

    def tearDown(self):
        print("contract methods used:", ", ".join(sorted(self.used)) or "none")
        print("contract methods missing:", ", ".join(sorted(self.missing)) or "none")
        self.assertFalse(
            [self.errors.format(r) for r in self.errors.records],
            "the server logged an error or a traceback",
        )
        super().tearDown()

    def contract(self, client, model, method, ids=None, **kwargs):
        """Call a Wholtra public API method; None when this database does not have it
        (the caller then does the step with Odoo's standard methods)."""
        try:
            result = client.call(model, method, ids=ids, **kwargs)
        except Json2Error as error:
            if error.name == "werkzeug.exceptions.NotFound":
                self.missing.add(f"{model}.{method}")
                return None
            raise
        self.used.add(f"{model}.{method}")
        return result


@tagged("post_install", "-at_install")
class TestOrderToCashOverJson2(Json2Case):
    # --- small readers -------------------------------------------------------
    def one(self, model, record_id, fields):
        return self.bot.read_one(model, record_id, fields)

    def moves(self, picking_id):
        return self.bot.search_read(
            "stock.move",
            [["picking_id", "=", picking_id]],
            ["product_id", "product_uom_qty", "quantity", "state"],
            order="id",
        )

    def qty_by_product(self, rows, field):
        return {row["product_id"][0]: row[field] for row in rows}

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
        """Validate a transfer with {product id: quantity}; the rest is backordered."""
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
        self.assertEqual(
            self.one("stock.picking", picking_id, ["state"])["state"], "done"
        )

    def allocated(self, order_id):
        """{sale line id: quantity allocated (soft or firm)} of an order."""
        availability = self.contract(
            self.bot, "sale.order", "wholtra_get_availability", ids=[order_id]
        )
        if availability is not None:
            return {row["line_id"]: row["allocated"] for row in availability}
        rows = self.bot.search_read(
            "wholtra.allocation",
            [["order_id", "=", order_id], ["state", "in", ["soft", "firm"]]],
            ["sale_line_id", "quantity"],
        )
        result = {}
        for row in rows:
            line = row["sale_line_id"][0]
            result[line] = result.get(line, 0.0) + row["quantity"]
        return result

    def invoices_of_picking(self, picking_id):
        """[{id, name, state, move_type, amount_untaxed, amount_total,
        amount_residual, lines: [{product_id, quantity, price_unit, discount,
        price_subtotal}]}] billed by a transfer."""
        answer = self.contract(
            self.bot, "stock.picking", "wholtra_get_invoices", ids=[picking_id]
        )
        if answer is not None:
            [row] = answer
            self.assertEqual(row["picking_id"], picking_id)
            self.assertFalse(row["error"])
            return row["invoices"]
        [picking] = self.bot.read(
            "stock.picking", [picking_id], ["wholtra_invoice_ids"]
        )
        invoices = self.bot.read(
            "account.move",
            picking["wholtra_invoice_ids"],
            [
                "name",
                "state",
                "move_type",
                "amount_untaxed",
                "amount_total",
                "amount_residual",
                "invoice_line_ids",
            ],
        )
        for invoice in invoices:
            lines = self.bot.read(
                "account.move.line",
                invoice.pop("invoice_line_ids"),
                ["product_id", "quantity", "price_unit", "discount", "price_subtotal"],
            )
            invoice["lines"] = [
                dict(line, product_id=line["product_id"][0]) for line in lines
            ]
        return invoices

    def ar_status(self, partner_id):
        answer = self.contract(
            self.bot, "res.partner", "wholtra_get_ar_status", ids=[partner_id]
        )
        if answer is not None:
            [row] = answer
            return row
        moves = self.bot.search_read(
            "account.move",
            [
                ["commercial_partner_id", "=", partner_id],
                ["state", "=", "posted"],
                ["move_type", "in", ["out_invoice", "out_refund"]],
            ],
            ["amount_residual_signed", "wholtra_ar_status"],
        )
        return {
            "partner_id": partner_id,
            "total_due": money(sum(m["amount_residual_signed"] for m in moves)),
        }

    # --- the story -----------------------------------------------------------
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
        [company] = bot.search_read(
            "res.company",
            [["id", "=", self.admin_user.company_id.id]],
            [
                "wholtra_allocation_enabled",
                "wholtra_invoice_mode",
                "wholtra_invoice_auto_post",
                "wholtra_statement_links_enabled",
                "currency_id",
            ],
        )
        self.assertTrue(company["wholtra_allocation_enabled"])
        self.assertEqual(company["wholtra_invoice_mode"], "dispatch")
        self.assertTrue(company["wholtra_statement_links_enabled"])

        # 2. Catalog, tiers and customers.
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
        juice_tmpl = self.one("product.product", juice, ["product_tmpl_id"])[
            "product_tmpl_id"
        ][0]
        tiers = {}
        for name, priority, price in (("Gold", 30, 3.35), ("Bronze", 10, 3.70)):
            pricelist = bot.create(
                "product.pricelist",
                {
                    "name": f"{name} trade prices (json2)",
                    "item_ids": [
                        [
                            0,
                            0,
                            {
                                "applied_on": "1_product",
                                "product_tmpl_id": juice_tmpl,
                                "compute_price": "fixed",
                                "fixed_price": price,
                            },
                        ]
                    ],
                },
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
        for partner, tier in ((gold, tiers["Gold"]), (bronze, tiers["Bronze"])):
            answer = self.contract(
                bot, "res.partner", "wholtra_set_tier", ids=[partner], tier_id=tier
            )
            if answer is None:
                bot.write("res.partner", [partner], {"wholtra_tier_id": tier})
        for partner, tier, name in (
            (gold, tiers["Gold"], "Gold"),
            (bronze, tiers["Bronze"], "Bronze"),
        ):
            row = self.one(
                "res.partner",
                partner,
                ["wholtra_tier_id", "property_product_pricelist"],
            )
            self.assertEqual(row["wholtra_tier_id"][0], tier)
            self.assertIn(name, row["property_product_pricelist"][1])
        prices = self.contract(
            bot,
            "res.partner",
            "wholtra_get_prices",
            ids=[gold],
            lines=[{"product_id": juice, "quantity": 7}],
        )
        if prices is not None:
            self.assertEqual(prices[0]["price_unit"], 3.35)
            self.assertEqual(prices[0]["source"], "tier")

        # 3. Stock: 40 crisps on hand, no juice; 11 juice inbound on a purchase.
        warehouse = bot.search_read("stock.warehouse", [], ["lot_stock_id"], limit=1)[0]
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
        self.assertEqual(
            self.one("product.product", crisps, ["qty_available"])["qty_available"], 40
        )
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
                            "date_planned": (
                                datetime.now() + timedelta(days=5)
                            ).strftime("%Y-%m-%d %H:%M:%S"),
                        },
                    ]
                ],
            },
        )
        bot.call("purchase.order", "button_confirm", ids=[purchase])
        po = self.one(
            "purchase.order", purchase, ["state", "amount_untaxed", "order_line"]
        )
        self.assertEqual(po["state"], "purchase")
        self.assertEqual(po["amount_untaxed"], 23.10)
        self.assertEqual(
            self.one("product.product", juice, ["incoming_qty"])["incoming_qty"], 11
        )

        # 4. Two competing orders: Bronze first (6 juice), Gold later (7 x 3.35 less 10 %).
        def order(partner, lines, days_ago):
            order_id = bot.create(
                "sale.order",
                {
                    "partner_id": partner,
                    "date_order": (datetime.now() - timedelta(days=days_ago)).strftime(
                        "%Y-%m-%d %H:%M:%S"
                    ),
                    "order_line": [[0, 0, line] for line in lines],
                },
            )
            bot.call("sale.order", "action_confirm", ids=[order_id])
            return order_id

        bronze_order = order(bronze, [{"product_id": juice, "product_uom_qty": 6}], 3)
        gold_order = order(
            gold,
            [
                {"product_id": juice, "product_uom_qty": 7, "discount": 10.0},
                {"product_id": crisps, "product_uom_qty": 4},
            ],
            1,
        )
        gold_so = self.one(
            "sale.order", gold_order, ["state", "amount_untaxed", "order_line"]
        )
        self.assertEqual(gold_so["state"], "sale")
        gold_lines = bot.read(
            "sale.order.line",
            gold_so["order_line"],
            [
                "product_id",
                "product_uom_qty",
                "price_unit",
                "discount",
                "price_subtotal",
            ],
        )
        gold_juice = next(ln for ln in gold_lines if ln["product_id"][0] == juice)
        self.assertEqual(
            (gold_juice["price_unit"], gold_juice["discount"]), (3.35, 10.0)
        )
        self.assertEqual(gold_juice["price_subtotal"], money(7 * 3.35 * 0.9))  # 21.11
        self.assertEqual(gold_so["amount_untaxed"], money(7 * 3.35 * 0.9) + 74.0)
        if prices is not None:
            self.assertEqual(prices[0]["price_unit"], gold_juice["price_unit"])
        bronze_so = self.one(
            "sale.order", bronze_order, ["state", "amount_untaxed", "order_line"]
        )
        self.assertEqual(bronze_so["state"], "sale")
        self.assertEqual(bronze_so["amount_untaxed"], money(6 * 3.70))
        [bronze_juice] = bronze_so["order_line"]

        # 5. Allocation of the inbound purchase: Gold (priority 30) first.
        run = self.contract(
            bot, "wholtra.allocation.engine", "wholtra_run", product_ids=[juice]
        )
        if run is not None:
            self.assertTrue({"planned", "queued"} & set(run), run)
        self.assertEqual(self.allocated(gold_order).get(gold_juice["id"]), 7)
        self.assertEqual(self.allocated(bronze_order).get(bronze_juice), 4)
        gold_delivery = self.open_picking(gold_order)
        bronze_delivery = self.open_picking(bronze_order)
        self.assertEqual(
            self.qty_by_product(self.moves(gold_delivery), "quantity"),
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
        self.assertEqual(
            self.one("product.product", juice, ["qty_available"])["qty_available"], 5
        )
        self.assertEqual(
            self.qty_by_product(self.moves(gold_delivery), "quantity")[juice], 5
        )
        self.assertEqual(
            self.qty_by_product(self.moves(bronze_delivery), "quantity")[juice], 0
        )
        self.assertEqual(
            self.allocated(gold_order).get(gold_juice["id"]), 2, "2 still due"
        )

        # 7. Partial dispatch: Gold's 5 juice + 4 crisps ship -> one posted invoice.
        self.ship(gold_delivery, {juice: 5, crisps: 4})
        [invoice] = self.invoices_of_picking(gold_delivery)
        juice_billed = money(5 * 3.35 * 0.9)  # 15.08
        self.assertEqual(invoice["state"], "posted")
        self.assertEqual(invoice["move_type"], "out_invoice")
        self.assertEqual(invoice["amount_untaxed"], juice_billed + 74.0)
        self.assertEqual(invoice["amount_total"], juice_billed + 74.0)
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
            sorted(
                [(juice, 5.0, 3.35, 10.0, juice_billed), (crisps, 4.0, 18.5, 0.0, 74.0)]
            ),
        )
        line = self.one(
            "sale.order.line", gold_juice["id"], ["qty_delivered", "qty_invoiced"]
        )
        self.assertEqual((line["qty_delivered"], line["qty_invoiced"]), (5, 5))
        gold_backorder = self.open_picking(gold_order)
        self.assertEqual(
            self.qty_by_product(self.moves(gold_backorder), "product_uom_qty"),
            {juice: 2},
        )

        # 8. An order change: Gold wants 6 juice, not 7: the backorder drops to 1.
        # Odoo recomputes a line's discount from the pricelist when its quantity
        # changes: a client that changes the quantity sends the agreed discount too.
        bot.write(
            "sale.order.line",
            [gold_juice["id"]],
            {"product_uom_qty": 6, "discount": 10.0},
        )
        self.assertEqual(
            self.qty_by_product(self.moves(gold_backorder), "product_uom_qty"),
            {juice: 1},
        )
        # ... and a price correction on the crisps already shipped and invoiced
        # (18.50 -> 17.95): Wholtra credits the difference, 4 x 0.55.
        crisps_line = next(ln for ln in gold_lines if ln["product_id"][0] == crisps)
        bot.write("sale.order.line", [crisps_line["id"]], {"price_unit": 17.95})
        self.assertEqual(
            self.one("sale.order", gold_order, ["amount_untaxed"])["amount_untaxed"],
            money(6 * 3.35 * 0.9) + money(4 * 17.95),
        )
        self.assertEqual(
            self.one("sale.order", gold_order, ["wholtra_pending_adjustment"])[
                "wholtra_pending_adjustment"
            ],
            -2.20,
        )
        adjustments = self.contract(
            bot, "sale.order", "wholtra_invoice_adjustments", ids=[gold_order]
        )
        if adjustments is None:
            bot.call(
                "sale.order", "action_wholtra_invoice_adjustments", ids=[gold_order]
            )
            adjustment_ids = self.one("sale.order", gold_order, ["invoice_ids"])[
                "invoice_ids"
            ]
            adjustment_ids = [i for i in adjustment_ids if i != invoice["id"]]
        else:
            self.assertEqual(adjustments["invoice_ids"], [])
            adjustment_ids = adjustments["credit_note_ids"]
        [adjustment] = bot.read(
            "account.move",
            adjustment_ids,
            ["move_type", "state", "amount_total", "amount_residual"],
        )
        price_credit = 2.20
        self.assertEqual(
            (adjustment["move_type"], adjustment["amount_total"]),
            ("out_refund", price_credit),
        )
        self.assertEqual(
            self.one("sale.order", gold_order, ["wholtra_pending_adjustment"])[
                "wholtra_pending_adjustment"
            ],
            0.0,
        )
        if adjustment["state"] == "draft":  # auto-post is for dispatch invoices
            bot.call("account.move", "action_post", ids=adjustment_ids)
        self.assertEqual(
            self.one("account.move", adjustment_ids[0], ["state"])["state"], "posted"
        )

        # 9. A return: 2 juice come back -> a posted credit note for exactly 2.
        wizard = bot.create(
            "stock.return.picking",
            {},
            context={
                "active_id": gold_delivery,
                "active_ids": [gold_delivery],
                "active_model": "stock.picking",
            },
        )
        return_lines = bot.search_read(
            "stock.return.picking.line", [["wizard_id", "=", wizard]], ["product_id"]
        )
        for return_line in return_lines:
            bot.write(
                "stock.return.picking.line",
                [return_line["id"]],
                {"quantity": 2 if return_line["product_id"][0] == juice else 0},
            )
        action = bot.call("stock.return.picking", "action_create_returns", ids=[wizard])
        return_picking = action["res_id"]
        self.ship(return_picking, {juice: 2})
        [credit_note] = self.invoices_of_picking(return_picking)
        refund = money(2 * 3.35 * 0.9)  # 6.03
        self.assertEqual(credit_note["move_type"], "out_refund")
        self.assertEqual(credit_note["state"], "posted")
        self.assertEqual(credit_note["amount_total"], refund)
        self.assertEqual(
            [
                (ln["product_id"], ln["quantity"], ln["price_unit"], ln["discount"])
                for ln in credit_note["lines"]
            ],
            [(juice, 2.0, 3.35, 10.0)],
        )
        line = self.one(
            "sale.order.line", gold_juice["id"], ["qty_delivered", "qty_invoiced"]
        )
        self.assertEqual((line["qty_delivered"], line["qty_invoiced"]), (3, 3))
        # the credit note of a return settles the invoice of what was returned
        invoice_total = juice_billed + 74.0
        self.assertEqual(
            self.one("account.move", credit_note["id"], ["amount_residual"]),
            {"id": credit_note["id"], "amount_residual": 0.0},
        )
        self.assertEqual(
            self.one("account.move", invoice["id"], ["amount_residual"])[
                "amount_residual"
            ],
            money(invoice_total - refund),
        )

        # 10. A partial payment of 50.00 on the invoice -> partially paid.
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
        self.assertEqual(paid["payment_state"], "partial")
        self.assertEqual(paid["amount_residual"], money(invoice_total - refund - 50.0))
        self.assertEqual(paid["wholtra_ar_status"], "partial")
        status = self.ar_status(gold)
        self.assertEqual(
            status["total_due"], money(invoice_total - 50.0 - refund - price_credit)
        )

        # 11. A statement link for the customer, fetched over HTTP.
        link = self.contract(
            bot, "res.partner", "wholtra_create_statement_link", ids=[gold]
        )
        if link is not None:
            link_id, url = link["link_id"], link["url"]
            self.assertEqual(
                self.contract(
                    bot, "wholtra.statement.link", "wholtra_get_url", ids=[link_id]
                )["url"],
                url,
            )
        else:
            link_id = bot.create("wholtra.statement.link", {"partner_id": gold})
            url = self.one("wholtra.statement.link", link_id, ["url"])["url"]
        path = re.sub(r"^https?://[^/]+", "", url)
        self.assertRegex(path, rf"^/wholtra/statement/{link_id}/\w+")
        page = self.url_open(path)
        self.assertEqual(page.status_code, 200)
        [invoice_name] = [invoice["name"]]
        self.assertIn(invoice_name, page.text)

        # 12. A credit hold: a salesperson's confirmation is refused with the reason.
        hold = self.contract(
            bot, "res.partner", "wholtra_set_hold", ids=[gold], reason="Cheque bounced"
        )
        if hold is None:
            bot.write(
                "res.partner",
                [gold],
                {"wholtra_hold_manual": True, "wholtra_hold_reason": "Cheque bounced"},
            )
        state = self.contract(
            self.sales, "res.partner", "wholtra_get_hold_state", ids=[gold]
        )
        if state is not None:
            self.assertTrue(state[0]["on_hold"])
            self.assertTrue(any("Cheque bounced" in r for r in state[0]["reasons"]))
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
        self.assertEqual(error.status, 422)
        self.assertEqual(error.name, "odoo.exceptions.UserError")
        self.assertIn("FreshMart Convenience Stores is on credit hold", error.message)
        self.assertIn("Manual hold: Cheque bounced", error.message)
        self.assertEqual(
            set(error.body), {"name", "message", "arguments", "context", "debug"}
        )
        self.assertEqual(
            self.one("sale.order", held_order, ["state"])["state"], "draft"
        )
        lifted = self.contract(
            bot,
            "res.partner",
            "wholtra_lift_hold",
            ids=[gold],
            reason="Paid by transfer",
        )
        if lifted is None:
            bot.write(
                "res.partner",
                [gold],
                {"wholtra_hold_manual": False, "wholtra_hold_reason": False},
            )
        self.sales.call("sale.order", "action_confirm", ids=[held_order])
        self.assertEqual(self.one("sale.order", held_order, ["state"])["state"], "sale")

        # 13. AR aging: the open balance, nothing overdue yet.
        aging = self.contract(bot, "res.partner", "wholtra_get_aging", ids=[gold])
        open_balance = money(invoice_total - 50.0 - refund - price_credit)
        if aging is not None:
            [row] = aging
            self.assertEqual(row["total"], open_balance)
            self.assertEqual(sum(row["buckets"].values()), open_balance)
        else:
            rows = bot.search_read(
                "wholtra.ar.aging",
                [["partner_id", "=", gold]],
                ["amount_residual", "amount_current", "amount_1_30", "bucket"],
            )
            self.assertEqual(
                money(sum(r["amount_residual"] for r in rows)), open_balance
            )
            self.assertEqual(
                money(sum(r["amount_current"] for r in rows)), open_balance
            )
