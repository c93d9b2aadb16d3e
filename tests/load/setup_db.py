"""Load test data, run inside `odoo shell` (stdin) on the load DB by scripts/load.

Environment: WHOLTRA_LOAD_MODE (``wholtra``: every Wholtra behaviour switched on in
Settings, as an admin would; ``vanilla``: a DB without the addons), WHOLTRA_LOAD_OUT (JSON
file written for the locustfile: record ids and the users' API keys).

A demo-sized distributor: 20 storable products (8 of them scarce: little stock, inbound
purchase orders), 40 customers on three price tiers (vanilla: the same pricelists set on
the customers), and users by role — salespeople, warehouse, accounting — each with an API
key for the External JSON-2 API. The Wholtra scheduled actions are set to run every
minute so that they run while the load does.
"""

import json
import os
from datetime import timedelta

from odoo import Command, fields

env = env  # noqa: F821 (given by `odoo shell`)
MODE = os.environ.get("WHOLTRA_LOAD_MODE", "wholtra")
OUT = os.environ["WHOLTRA_LOAD_OUT"]
# one user (and API key) per Locust user of each role (scripts/load passes the counts)
USERS = {
    role: max(1, int(os.environ.get(f"WHOLTRA_LOAD_{role.upper()}", "0") or 0))
    for role in ("sales", "warehouse", "accounting")
}
SCARCE, PLENTY = 8, 12

env = env(context=dict(env.context, tracking_disable=True, mail_notrack=True))
wholtra = MODE != "vanilla"  # "wholtra" and "wholtra_same" (same mix as vanilla)
if wholtra and "wholtra.allocation" not in env:
    raise SystemExit(f"WHOLTRA_LOAD_MODE={MODE} needs the four addons installed")
company = env.ref("base.main_company")
warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)

settings = {"group_product_pricelist": True, "account_use_credit_limit": True}
if wholtra:
    settings.update(
        {
            "group_discount_per_so_line": True,
            "wholtra_enforce_account_terms": True,
            "wholtra_hold_overdue_days": 30,
            "wholtra_margin_control": True,
            "wholtra_default_margin_floor": 5.0,
            "wholtra_audit_price_overrides": True,
            "wholtra_allocation_enabled": True,
            "wholtra_allocate_on_confirm": True,
            "wholtra_presale_policy": "warn",
            "wholtra_alloc_held_last": True,
            "wholtra_invoice_mode": "dispatch",
            "wholtra_invoice_auto_post": True,
            "wholtra_invoice_send_email": False,
            "wholtra_past_due_grace_days": 2,
            "wholtra_statement_links_enabled": True,
            "wholtra_statement_link_validity_days": 30,
            "wholtra_payment_matching_enabled": True,
            "wholtra_collection_enabled": True,
            "wholtra_collection_lift_hold": True,
        }
    )
env["res.config.settings"].create(settings).execute()
env.invalidate_all()

products = env["product.product"].create(
    [
        {
            "name": f"Load {'scarce' if i < SCARCE else 'snack'} {i:02d}",
            "default_code": f"LOAD-{i:02d}",
            "type": "consu",
            "is_storable": True,
            "invoice_policy": "delivery",
            "list_price": 20.0 + i,
            "standard_price": 10.0,
            "taxes_id": [Command.clear()],
            "supplier_taxes_id": [Command.clear()],
        }
        for i in range(SCARCE + PLENTY)
    ]
)
scarce, plenty = products[:SCARCE], products[SCARCE:]
Quant = env["stock.quant"]
for product in scarce:
    Quant._update_available_quantity(product, warehouse.lot_stock_id, 4)
for product in plenty:
    Quant._update_available_quantity(product, warehouse.lot_stock_id, 100000)

# inbound supply of the scarce products: six purchase orders, staggered ETAs
vendor = env["res.partner"].create({"name": "Load vendor", "is_company": True})
now = fields.Datetime.now()
pos = env["purchase.order"].create(
    [
        {
            "partner_id": vendor.id,
            "order_line": [
                Command.create(
                    {
                        "product_id": p.id,
                        "product_qty": 30,
                        "price_unit": 10.0,
                        "date_planned": now + timedelta(days=2 + 3 * k),
                    }
                )
                for p in scarce
            ],
        }
        for k in range(6)
    ]
)
pos.button_confirm()

# three price tiers (Wholtra) / the same pricelists on the customers (vanilla)
Pricelist = env["product.pricelist"]
pricelists = Pricelist.create(
    [
        {
            "name": f"Load {name} prices",
            "item_ids": [
                Command.create(
                    {
                        "applied_on": "1_product",
                        "product_tmpl_id": p.product_tmpl_id.id,
                        "compute_price": "fixed",
                        "fixed_price": p.list_price - off,
                    }
                )
                for p in products
            ],
        }
        for name, off in (("Gold", 2.0), ("Silver", 1.0), ("Bronze", 0.0))
    ]
)
customers = env["res.partner"].create(
    [
        {
            "name": f"Load customer {i:02d}",
            "is_company": True,
            "credit_limit": 10_000_000,
            "email": f"load{i:02d}@example.com",
        }
        for i in range(40)
    ]
)
if wholtra:
    tiers = env["wholtra.price.tier"].create(
        [
            {
                "name": f"Load {name}",
                "pricelist_id": pl.id,
                "allocation_priority": prio,
                "margin_floor": 5,
                "max_discount": 10,
            }
            for (name, prio), pl in zip(
                (("Gold", 30), ("Silver", 20), ("Bronze", 10)), pricelists, strict=True
            )
        ]
    )
    for i, customer in enumerate(customers):
        customer.wholtra_tier_id = tiers[i % 3]
    customers[:5].write({"wholtra_key_account": True})
else:
    for i, customer in enumerate(customers):
        customer.property_product_pricelist = pricelists[i % 3]

groups = {
    "sales": ["sales_team.group_sale_salesman"],
    "warehouse": ["stock.group_stock_user", "sales_team.group_sale_salesman_all_leads"],
    # bank transactions (statement lines) need the basic accounting group
    "accounting": ["account.group_account_basic"],
}
keys = {}
for role, count in USERS.items():
    group_ids = [env.ref(xmlid).id for xmlid in groups[role]]
    users = (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            [
                {
                    "name": f"Load {role} {i:02d}",
                    "login": f"load_{role}_{i:02d}",
                    "group_ids": [
                        Command.set([env.ref("base.group_user").id, *group_ids])
                    ],
                }
                for i in range(count)
            ]
        )
    )
    keys[role] = [
        env["res.users.apikeys"].with_user(user).sudo()._generate(None, "load", None)
        for user in users
    ]

if wholtra:
    # the Wholtra scheduled actions run every minute during the load
    cron_ids = (
        env["ir.model.data"]
        .search([("model", "=", "ir.cron"), ("module", "=like", "wholtra%")])
        .mapped("res_id")
    )
    env["ir.cron"].browse(cron_ids).write(
        {
            "active": True,
            "interval_number": 1,
            "interval_type": "minutes",
            "nextcall": now,
        }
    )

bank = env["account.journal"].search(
    [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
)
data = {
    "mode": MODE,
    "db": env.cr.dbname,
    "company_id": company.id,
    "scarce_ids": scarce.ids,
    "plenty_ids": plenty.ids,
    "customer_ids": customers.ids,
    "purchase_ids": pos.ids,
    "bank_journal_id": bank.id,
    "start": fields.Datetime.to_string(now),
    "keys": keys,
}
env.cr.commit()
with open(OUT, "w") as f:
    json.dump(data, f)
print(f"[load] {MODE} data ready: {len(products)} products, {len(customers)} customers")
