"""Post-run assertions of the load test, run inside `odoo shell` (stdin) by scripts/load
after the server it started is stopped.

Reads WHOLTRA_LOAD_DATA (setup_db.py's output) and WHOLTRA_LOAD_RESULT (the status
counts written by the locustfile); writes WHOLTRA_LOAD_CHECK (JSON: one entry per
assertion, with the count of offending rows and a few examples) and prints them.
Business outcomes only, read from the database:
- 0 HTTP 5xx;
- 0 purchase line allocated beyond its open quantity (ordered - received), and 0 order
  line allocated beyond what it still has to deliver;
- 0 delivery invoiced twice (two posted invoices for one delivery, or an order line
  invoiced beyond what was delivered), 0 validated delivery left without its invoice;
- 0 payment posted twice (one payment / bank transaction per reference, one journal
  entry per payment, no pair of journal items reconciled twice, no invoice overpaid);
- every dispatch invoice: each line's quantity = the quantity shipped by its deliveries,
  and its total = shipped quantity x the order line's price (the products carry no tax).
"""

import json
import os
from collections import defaultdict

env = env  # noqa: F821 (given by `odoo shell`)
DATA = json.load(open(os.environ["WHOLTRA_LOAD_DATA"]))
RESULT = json.load(open(os.environ["WHOLTRA_LOAD_RESULT"]))
OUT = os.environ["WHOLTRA_LOAD_CHECK"]
cr = env.cr
checks = {}


def check(name, offenders, info=None):
    offenders = list(offenders)
    examples = list(dict.fromkeys(str(o) for o in offenders))[:5]
    checks[name] = {"count": len(offenders), "examples": examples}
    if info is not None:
        checks[name]["info"] = info


# ---------------------------------------------------------------- HTTP
# A 5xx whose error is a serialization failure is Odoo giving up a request after
# replaying it 5 times (service/model.py `retrying`): still a 5xx for the client (Odoo
# does not answer it as a retryable 409/503), reported on its own line.
CONCURRENCY = ("SerializationFailure", "ConcurrencyError", "LockNotAvailable")
# Wholtra's own calls (`*wholtra*` methods) must never give up; Odoo's own calls (create,
# confirm, validate: stock reservation on scarce products) give up on vanilla Odoo too under
# the same load, so they are reported side by side with vanilla, not failed.
gave_up, odoo_gave_up, other = [], [], []
for name, messages in RESULT["errors"].items():
    for message, count in messages.items():
        if message.startswith("5"):
            if not any(c in message for c in CONCURRENCY):
                bucket = other
            elif "wholtra" in name:
                bucket = gave_up
            else:
                bucket = odoo_gave_up
            bucket += [f"{name}: {message[:90]}"] * count
check("HTTP 5xx (other than concurrency)", other)
check("HTTP 500 serialization failure after Odoo's 5 tries", gave_up)
stats_gave_up = len(odoo_gave_up)
conflicts = sum(c.get("409", 0) for c in RESULT["status"].values())
refused = sum(
    n
    for codes in RESULT["status"].values()
    for code, n in codes.items()
    if code.startswith("4") and code != "409"
)
total = sum(n for codes in RESULT["status"].values() for n in codes.values())
checks["HTTP 5xx (other than concurrency)"]["info"] = (
    f"{total} requests, {conflicts} HTTP 409 (LockError, retried once), {refused} other 4xx"
)

# concurrency: a request that hits a serialization failure (or a lock not available) is
# rolled back and replayed by Odoo, up to 5 tries; the 5th failure reaches the client as
# an HTTP 500 (counted above). scripts/load logs odoo.service.model at INFO to count them.
server_log = os.environ.get("WHOLTRA_LOAD_SERVER_LOG")
if server_log and os.path.exists(server_log):
    text = open(server_log).read()
    checks["HTTP 500 serialization failure after Odoo's 5 tries"]["info"] = (
        "in Wholtra calls; "
        f"server: {text.count('tries left, try again')} replays of a request after a"
        f" serialization failure, {text.count('maximum number of tries reached')} given"
        f" up after 5 tries; {text.count('could not serialize access')} serialization"
        f" failures in all (requests and crons)"
    )


orders = env["sale.order"].search([("client_order_ref", "=like", "LOAD-%")])
deliveries = orders.picking_ids.filtered(
    lambda p: p.picking_type_code == "outgoing" and p.state == "done"
)
stats = {
    "orders": len(orders),
    "confirmed": len(orders.filtered(lambda o: o.state == "sale")),
    "lines": len(orders.order_line),
    "deliveries done": len(deliveries),
    "Odoo's own calls given up after 5 serialization failures": stats_gave_up,
}

if DATA["mode"] != "vanilla":
    # ------------------------------------------------------------ allocation
    cr.execute(
        """
        SELECT pol.id, SUM(a.quantity), MAX(pol.product_uom_qty - pol.qty_received)
          FROM purchase_order_line pol
          JOIN wholtra_allocation a
            ON a.purchase_line_id = pol.id AND a.state IN ('soft', 'firm')
      GROUP BY pol.id
        HAVING SUM(a.quantity) > MAX(pol.product_uom_qty - pol.qty_received) + 0.0001
        """
    )
    check("PO line allocated beyond its open quantity", cr.fetchall())
    cr.execute(
        """
        SELECT sol.id, SUM(a.quantity), MAX(sol.product_uom_qty - sol.qty_delivered)
          FROM sale_order_line sol
          JOIN wholtra_allocation a
            ON a.sale_line_id = sol.id AND a.state IN ('soft', 'firm')
      GROUP BY sol.id
        HAVING SUM(a.quantity) > MAX(sol.product_uom_qty - sol.qty_delivered) + 0.0001
        """
    )
    check("order line allocated beyond its open quantity", cr.fetchall())
    cr.execute(
        "SELECT state, COUNT(*), SUM(quantity) FROM wholtra_allocation GROUP BY state"
    )
    stats["allocations"] = {s: [n, q] for s, n, q in cr.fetchall()}

    # ------------------------------------------------------------ invoicing
    twice = [
        (
            p.name,
            p.wholtra_invoice_ids.filtered(lambda m: m.state == "posted").mapped(
                "name"
            ),
        )
        for p in deliveries
        if len(
            p.wholtra_invoice_ids.filtered(
                lambda m: m.state == "posted" and m.move_type == "out_invoice"
            )
        )
        > 1
    ]
    over = [
        (line.id, line.qty_invoiced, line.qty_delivered)
        for line in orders.order_line
        if line.product_uom_id.compare(line.qty_invoiced, line.qty_delivered) > 0
    ]
    check("delivery invoiced twice", twice + over)
    check(
        "validated delivery without its posted invoice",
        [
            (p.name, p.wholtra_invoice_state, p.wholtra_invoice_error)
            for p in deliveries
            if not p.wholtra_invoice_ids.filtered(lambda m: m.state == "posted")
        ],
    )
    invoices = deliveries.wholtra_invoice_ids.filtered(
        lambda m: m.state == "posted" and m.move_type == "out_invoice"
    )
    stats["dispatch invoices"] = len(invoices)
    wrong = []
    for invoice in invoices:
        shipped = defaultdict(float)
        for move in invoice.wholtra_picking_ids.move_ids.filtered(
            lambda m: m.state == "done"
        ):
            shipped[move.sale_line_id] += move.product_uom._compute_quantity(
                move.quantity, move.sale_line_id.product_uom_id
            )
        expected = 0.0
        for aml in invoice.invoice_line_ids.filtered(
            lambda a: a.display_type == "product"
        ):
            sol = aml.sale_line_ids[:1]
            if aml.product_uom_id.compare(aml.quantity, shipped.get(sol, 0.0)):
                wrong.append(
                    (invoice.name, sol.id, aml.quantity, shipped.get(sol, 0.0))
                )
            expected += invoice.currency_id.round(
                shipped.get(sol, 0.0) * sol.price_unit * (1 - sol.discount / 100)
            )
        if invoice.currency_id.compare_amounts(invoice.amount_total, expected):
            wrong.append((invoice.name, invoice.amount_total, expected))
    check("invoice total != shipped quantity x price", wrong)

    # ------------------------------------------------------------ payments
    cr.execute(
        """
        SELECT memo, COUNT(*) FROM account_payment
         WHERE memo LIKE 'LOAD-PAY-%%' AND state NOT IN ('draft', 'canceled')
      GROUP BY memo HAVING COUNT(*) > 1
        """
    )
    dup = cr.fetchall()
    cr.execute(
        """
        SELECT payment_ref, COUNT(*) FROM account_bank_statement_line
         WHERE payment_ref LIKE 'LOAD-ST-%%' GROUP BY payment_ref HAVING COUNT(*) > 1
        """
    )
    dup += cr.fetchall()
    cr.execute(
        """
        SELECT move_id, COUNT(*) FROM account_payment
         WHERE move_id IS NOT NULL GROUP BY move_id HAVING COUNT(*) > 1
        """
    )
    dup += cr.fetchall()
    cr.execute(
        """
        SELECT debit_move_id, credit_move_id, COUNT(*) FROM account_partial_reconcile
      GROUP BY debit_move_id, credit_move_id HAVING COUNT(*) > 1
        """
    )
    dup += cr.fetchall()
    overpaid = (
        env["account.move"]
        .search([("move_type", "=", "out_invoice"), ("state", "=", "posted")])
        .filtered(lambda m: m.currency_id.compare_amounts(m.amount_residual, 0) < 0)
    )
    check("payment posted twice", dup + [(m.name, m.amount_residual) for m in overpaid])
    payments = env["account.payment"].search([("memo", "=like", "LOAD-PAY-%")])
    lines = env["account.bank.statement.line"].search(
        [("payment_ref", "=like", "LOAD-ST-%")]
    )
    stats["payments posted"] = len(payments.filtered(lambda p: p.state != "draft"))
    stats["bank transactions reconciled"] = len(lines.filtered("is_reconciled"))
    stats["invoices paid"] = len(invoices.filtered(lambda m: m.payment_state == "paid"))
    crons = env["ir.cron"].search(
        [
            (
                "id",
                "in",
                env["ir.model.data"]
                .search([("model", "=", "ir.cron"), ("module", "=like", "wholtra%")])
                .mapped("res_id"),
            )
        ]
    )
    stats["crons (last run)"] = {c.cron_name: str(c.lastcall) for c in crons}

failed = [name for name, c in checks.items() if c["count"]]
with open(OUT, "w") as f:
    json.dump(
        {"checks": checks, "stats": stats, "failed": failed}, f, indent=1, default=str
    )
for name, c in checks.items():
    status = "FAIL" if c["count"] else "ok  "
    extra = f"  e.g. {c['examples']}" if c["count"] else ""
    info = f"  ({c['info']})" if c.get("info") else ""
    print(f"[load] {status} {c['count']:>4}  {name}{info}{extra}")
print(f"[load] {DATA['mode']} DB: {json.dumps(stats, default=str)}")
