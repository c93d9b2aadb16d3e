"""The order-to-cash flow of a small distributor, driven from outside over Odoo 19's
External JSON-2 API (``requests`` only, through wholtra_client.py beside this file).

    python3 examples/order_to_cash.py --url http://localhost:8069 --db wholtra \\
        --key <API key of an administrator or of a bot user>

What it does, printing each step and the figures Odoo answers:
 1. switches the Wholtra settings on (res.config.settings create + execute: needs an
    administrator's key; --no-settings skips it);
 2. creates two products, a Gold and a Bronze price tier, two customers and a vendor;
    sets the tiers (wholtra_set_tier), a contract price (wholtra_set_contract_prices)
    and reads the effective prices (wholtra_get_prices);
 3. counts stock and confirms an inbound purchase;
 4. confirms two competing orders (7 x 3.35 less 10 % for Gold);
 5. runs the allocation engine (wholtra_run) and reads availability and promised dates;
 6. receives part of the purchase; 7. ships Gold's delivery and reads its invoice
    (wholtra_get_invoices); 8. changes the order and invoices the adjustment
    (wholtra_invoice_adjustments); 9. returns goods (credit note);
10. records a partial payment and reads the AR status (wholtra_get_ar_status);
11. creates a statement link (wholtra_create_statement_link) and fetches its page;
12. puts the customer on hold, shows the refusal, releases the order, lifts the hold;
13. reads the AR aging (wholtra_get_aging) and the collection level.

It creates new records on every run (names carry a run stamp): use a test database.
The API key's user needs: Sales / Administrator, Purchase / Administrator, Inventory /
Administrator, Invoicing / Billing Administrator, Wholtra Orders / Manager and Credit
Manager, Products / Create, and Settings for step 1."""

import argparse
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from wholtra_client import Json2, Json2Error

DATETIME = "%Y-%m-%d %H:%M:%S"


def step(title):
    print(f"\n== {title}")


def show(label, value):
    print(f"   {label}: {value}")


class OrderToCash:
    def __init__(self, odoo, stamp):
        self.odoo = odoo
        self.stamp = stamp

    def field(self, model, record_id, name):
        return self.odoo.read_one(model, record_id, [name])[name]

    def moves(self, picking_id):
        return self.odoo.search_read(
            "stock.move",
            [["picking_id", "=", picking_id]],
            ["product_id", "product_uom_qty", "quantity"],
        )

    def ship(self, picking_id, quantities):
        """Validate a transfer with {product id: quantity} (the rest backordered)."""
        for move in self.moves(picking_id):
            qty = quantities.get(move["product_id"][0], 0.0)
            self.odoo.write(
                "stock.move", [move["id"]], {"quantity": qty, "picked": True}
            )
        self.odoo.call(
            "stock.picking",
            "button_validate",
            ids=[picking_id],
            context={"skip_backorder": True},
        )
        return self.field("stock.picking", picking_id, "state")

    def open_delivery(self, order_id):
        [picking] = self.odoo.search_read(
            "stock.picking",
            [
                ["sale_id", "=", order_id],
                ["state", "not in", ["done", "cancel"]],
                ["picking_type_code", "=", "outgoing"],
            ],
            ["name"],
        )
        return picking["id"], picking["name"]

    def run(self, settings=True):
        odoo, stamp = self.odoo, self.stamp

        if settings:
            step("1. Settings on (res.config.settings create + execute)")
            settings_id = odoo.create(
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
            odoo.call("res.config.settings", "execute", ids=[settings_id])
            show("settings", "allocation, dispatch invoicing, statement links: on")

        step("2. Catalog, tiers, customers, contract price")
        product = {"type": "consu", "is_storable": True, "invoice_policy": "delivery"}
        juice, crisps = odoo.create(
            "product.product",
            [
                dict(
                    product,
                    name=f"Orange Juice 12x1l {stamp}",
                    list_price=3.95,
                    standard_price=2.10,
                    taxes_id=[[5, 0, 0]],
                ),
                dict(
                    product,
                    name=f"Sea Salt Crisps 24x40g {stamp}",
                    list_price=18.50,
                    standard_price=11.0,
                    taxes_id=[[5, 0, 0]],
                ),
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
            pricelist = odoo.create(
                "product.pricelist",
                {"name": f"{name} trade prices {stamp}", "item_ids": [[0, 0, item]]},
            )
            tiers[name] = odoo.create(
                "wholtra.price.tier",
                {
                    "name": f"{name} {stamp}",
                    "pricelist_id": pricelist,
                    "allocation_priority": priority,
                },
            )
        gold, bronze = odoo.create(
            "res.partner",
            [
                {
                    "name": f"FreshMart Convenience Stores {stamp}",
                    "is_company": True,
                    "email": "ap@freshmart.example.com",
                },
                {"name": f"Corner Deli {stamp}", "is_company": True},
            ],
        )
        vendor = odoo.create("res.partner", {"name": f"Sunny Groves Ltd {stamp}"})
        for partner, name in ((gold, "Gold"), (bronze, "Bronze")):
            answer = odoo.call(
                "res.partner", "wholtra_set_tier", ids=[partner], tier_id=tiers[name]
            )
            show(f"wholtra_set_tier {name}", answer)
        answer = odoo.call(
            "res.partner",
            "wholtra_set_contract_prices",
            ids=[gold],
            prices=[{"product_id": crisps, "price": 17.40}],
        )
        show("wholtra_set_contract_prices (Gold, crisps 17.40)", answer)
        prices = odoo.call(
            "res.partner",
            "wholtra_get_prices",
            ids=[gold],
            lines=[
                {"product_id": juice, "quantity": 7},
                {"product_id": crisps, "quantity": 4},
            ],
        )
        for row in prices:
            show(
                "wholtra_get_prices",
                f"product {row['product_id']}: {row['price_unit']} {row['currency']}"
                f" ({row['source']})",
            )

        step("3. Stock count and an inbound purchase")
        [warehouse] = odoo.search_read("stock.warehouse", [], ["lot_stock_id"], limit=1)
        quant = odoo.create(
            "stock.quant",
            {
                "product_id": crisps,
                "location_id": warehouse["lot_stock_id"][0],
                "inventory_quantity": 40,
            },
            context={"inventory_mode": True},
        )
        odoo.call("stock.quant", "action_apply_inventory", ids=[quant])
        show("crisps on hand", self.field("product.product", crisps, "qty_available"))
        eta = datetime.now() + timedelta(days=5)
        purchase = odoo.create(
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
        odoo.call("purchase.order", "button_confirm", ids=[purchase])
        show("purchase", odoo.read_one("purchase.order", purchase, ["name", "state"]))

        step("4. Two competing orders")

        def confirmed_order(partner, lines, days_ago):
            when = datetime.now() - timedelta(days=days_ago)
            order_id = odoo.create(
                "sale.order",
                {
                    "partner_id": partner,
                    "date_order": when.strftime(DATETIME),
                    "order_line": [[0, 0, line] for line in lines],
                },
            )
            odoo.call("sale.order", "action_confirm", ids=[order_id])
            order = odoo.read_one(
                "sale.order", order_id, ["name", "state", "amount_untaxed"]
            )
            show("order", order)
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

        step("5. Allocation of the inbound purchase")
        show(
            "wholtra_run",
            odoo.call("wholtra.allocation.engine", "wholtra_run", product_ids=[juice]),
        )
        for order_id in (gold_order, bronze_order):
            for row in odoo.call(
                "sale.order", "wholtra_get_availability", ids=[order_id]
            ):
                show(
                    f"order {order_id} line {row['line_id']}",
                    f"allocated {row['allocated']} ({row['allocation_status']}),"
                    f" promised {row['promised_date']}",
                )

        step("6. Partial receipt of 5")
        [receipt] = odoo.search_read(
            "stock.picking",
            [["purchase_id", "=", purchase], ["state", "not in", ["done", "cancel"]]],
            ["name"],
        )
        show(receipt["name"], self.ship(receipt["id"], {juice: 5}))
        gold_delivery, name = self.open_delivery(gold_order)
        show(f"{name} reserved", self.moves(gold_delivery))

        step("7. Partial dispatch -> invoice of what shipped")
        show(name, self.ship(gold_delivery, {juice: 5, crisps: 4}))
        [answer] = odoo.call(
            "stock.picking", "wholtra_get_invoices", ids=[gold_delivery]
        )
        [invoice] = answer["invoices"]
        show(
            "invoice",
            f"{invoice['name']} {invoice['state']} {invoice['amount_total']}"
            f" {invoice['currency']}",
        )

        step("8. Order change: 6 juice instead of 7, crisps corrected to 16.85")
        lines = {
            ln["product_id"][0]: ln["id"]
            for ln in odoo.search_read(
                "sale.order.line", [["order_id", "=", gold_order]], ["product_id"]
            )
        }
        # a quantity change recomputes the discount: send it again
        odoo.write(
            "sale.order.line", [lines[juice]], {"product_uom_qty": 6, "discount": 10.0}
        )
        odoo.write("sale.order.line", [lines[crisps]], {"price_unit": 16.85})
        show(
            "pending adjustment",
            self.field("sale.order", gold_order, "wholtra_pending_adjustment"),
        )
        show(
            "wholtra_invoice_adjustments",
            odoo.call("sale.order", "wholtra_invoice_adjustments", ids=[gold_order]),
        )

        step("9. Return of 2 juice -> credit note")
        wizard = odoo.create(
            "stock.return.picking",
            {},
            context={
                "active_id": gold_delivery,
                "active_ids": [gold_delivery],
                "active_model": "stock.picking",
            },
        )
        for line in odoo.search_read(
            "stock.return.picking.line", [["wizard_id", "=", wizard]], ["product_id"]
        ):
            qty = 2 if line["product_id"][0] == juice else 0
            odoo.write("stock.return.picking.line", [line["id"]], {"quantity": qty})
        action = odoo.call(
            "stock.return.picking", "action_create_returns", ids=[wizard]
        )
        show("return", self.ship(action["res_id"], {juice: 2}))
        [answer] = odoo.call(
            "stock.picking", "wholtra_get_invoices", ids=[action["res_id"]]
        )
        for move in answer["invoices"]:
            show("credit note", f"{move['name']} {move['amount_total']}")

        step("10. Partial payment of 50.00")
        register = odoo.create(
            "account.payment.register",
            {"amount": 50.0},
            context={"active_model": "account.move", "active_ids": [invoice["id"]]},
        )
        odoo.call("account.payment.register", "action_create_payments", ids=[register])
        show(
            "invoice",
            odoo.read_one(
                "account.move", invoice["id"], ["payment_state", "amount_residual"]
            ),
        )
        show(
            "wholtra_get_ar_status",
            odoo.call("res.partner", "wholtra_get_ar_status", ids=[gold]),
        )

        step("11. Statement link")
        link = odoo.call("res.partner", "wholtra_create_statement_link", ids=[gold])
        show("wholtra_create_statement_link", link)
        # The link is built on the database's public base URL (web.base.url); fetch
        # its page on the server we talk to, as a customer would: no API key.
        path = "/" + link["url"].split("://", 1)[-1].split("/", 1)[1]
        page = requests.get(odoo.url + path, timeout=odoo.timeout)
        show(
            "GET the link (no API key)",
            f"HTTP {page.status_code}, {len(page.text)} bytes",
        )

        step("12. Credit hold")
        show(
            "wholtra_set_hold",
            odoo.call(
                "res.partner", "wholtra_set_hold", ids=[gold], reason="Cheque bounced"
            ),
        )
        held = odoo.create(
            "sale.order",
            {
                "partner_id": gold,
                "order_line": [[0, 0, {"product_id": crisps, "product_uom_qty": 2}]],
            },
        )
        try:
            odoo.call("sale.order", "action_confirm", ids=[held])
            show("confirmation", "accepted (unexpected)")
        except Json2Error as error:
            show("confirmation refused", f"HTTP {error.status} {error.name}")
            print("   " + error.message.replace("\n", "\n   "))
        show(
            "wholtra_release_hold",
            odoo.call(
                "sale.order",
                "wholtra_release_hold",
                ids=[held],
                reason="Prepaid by card",
            ),
        )
        odoo.call("sale.order", "action_confirm", ids=[held])
        show("released order", self.field("sale.order", held, "state"))
        show(
            "wholtra_lift_hold",
            odoo.call("res.partner", "wholtra_lift_hold", ids=[gold], reason="Paid"),
        )

        step("13. AR aging and collection level")
        show(
            "wholtra_get_aging",
            odoo.call("res.partner", "wholtra_get_aging", ids=[gold]),
        )
        show(
            "wholtra_get_collection_level",
            odoo.call("res.partner", "wholtra_get_collection_level", ids=[gold]),
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="e.g. http://localhost:8069")
    parser.add_argument("--db", required=True, help="database name")
    parser.add_argument(
        "--key", required=True, help="API key (Preferences > Account Security)"
    )
    parser.add_argument(
        "--no-settings", action="store_true", help="do not switch the settings on"
    )
    args = parser.parse_args(argv)
    odoo = Json2(args.url, args.db, args.key)
    try:
        OrderToCash(odoo, time.strftime("%H%M%S")).run(settings=not args.no_settings)
    except Json2Error as error:
        print(f"\nRefused: HTTP {error.status} {error.name}\n{error.message}")
        return 1
    print("\nDone.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
