"""Locust load on Odoo's External JSON-2 API (`POST /json/2/<model>/<method>`, bearer API
key, named arguments), started by scripts/load against the server it started on 127.0.0.1.

Three roles, each a Locust user class with its own API keys (written by setup_db.py):
- salespeople: order entry on a shared set of scarce products, confirmation (allocation
  on confirm with Wholtra), reads of availability;
- warehouse: delivery validation (backorders for what is short), receipts of inbound
  purchase orders, allocation runs for an order;
- accounting: customer payments matched to open invoices, bank transactions reconciled
  with their proposed invoices, reads of the AR aging.
WHOLTRA_LOAD_MODE=vanilla keeps order entry, confirmation and delivery validation only
(the same calls on a DB without the addons). Requests are named `<model>/<method>`;
every response's status is counted per name into WHOLTRA_LOAD_RESULT (JSON) for the
post-run checks: 5xx, 409 (Odoo's retryable LockError), 4xx business refusals.
"""

import json
import os
import random
import uuid
from collections import defaultdict
from datetime import date

from locust import FastHttpUser, between, events, task

DATA = json.load(open(os.environ["WHOLTRA_LOAD_DATA"]))
MODE = DATA["mode"]
WHOLTRA = MODE == "wholtra"
RESULT = os.environ.get("WHOLTRA_LOAD_RESULT")
STATUS = defaultdict(lambda: defaultdict(int))  # name -> status -> count
ERRORS = defaultdict(lambda: defaultdict(int))  # name -> "status: message" -> count


def _counts(role):
    return int(os.environ.get(f"WHOLTRA_LOAD_{role.upper()}", "0"))


@events.request.add_listener
def _count(name, response, **_kwargs):
    code = getattr(response, "status_code", 0) or 0
    STATUS[name][str(code)] += 1
    if code >= 400 or code == 0:
        try:
            body = response.json()
            message = f"{body.get('name', '')}: {body.get('message', '')}".strip()
        except Exception:
            message = str(getattr(response, "text", "") or "")[:120]
        ERRORS[name][f"{code} {message[:160]}"] += 1


@events.quitting.add_listener
def _dump(environment, **_kwargs):
    if RESULT:
        with open(RESULT, "w") as f:
            json.dump({"status": STATUS, "errors": ERRORS}, f, indent=1)


class OdooUser(FastHttpUser):
    abstract = True
    role = None
    wait_time = between(0.5, 1.5)
    _key_index = defaultdict(int)

    def on_start(self):
        keys = DATA["keys"][self.role]
        index = OdooUser._key_index[self.role]
        OdooUser._key_index[self.role] += 1
        self.headers = {
            "Authorization": f"bearer {keys[index % len(keys)]}",
            "Content-Type": "application/json",
        }

    def call(self, model, method, ids=None, context=None, **kwargs):
        """One JSON-2 call; returns the decoded result, or None when refused.
        A 409 (Odoo's LockError: a row locked by a concurrent transaction) is retried
        once, as an integrator would."""
        body = dict(kwargs)
        if ids:
            body["ids"] = ids
        if context:
            body["context"] = context
        for attempt in (1, 2):
            with self.client.post(
                f"/json/2/{model}/{method}",
                json=body,
                headers=self.headers,
                name=f"{model}/{method}",
                catch_response=True,
            ) as response:
                if response.status_code == 200:
                    response.success()
                    return response.json()
                if response.status_code == 409 and attempt == 1:
                    response.success()  # counted in STATUS, retried below
                    continue
                response.failure(f"HTTP {response.status_code}")
                return None
        return None

    def search_read(self, model, domain, fields, limit=20, order=None):
        kwargs = {"domain": domain, "fields": fields, "limit": limit}
        if order:
            kwargs["order"] = order
        return self.call(model, "search_read", **kwargs) or []


class Salesperson(OdooUser):
    role = "sales"
    weight = 2
    fixed_count = _counts("sales")

    @task(5)
    def enter_and_confirm_order(self):
        scarce = random.sample(DATA["scarce_ids"], random.randint(1, 2))
        plenty = random.sample(DATA["plenty_ids"], random.randint(1, 3))
        lines = [
            [0, 0, {"product_id": p, "product_uom_qty": random.randint(2, 6)}]
            for p in scarce
        ] + [
            [0, 0, {"product_id": p, "product_uom_qty": random.randint(1, 10)}]
            for p in plenty
        ]
        ids = self.call(
            "sale.order",
            "create",
            vals_list=[
                {
                    "partner_id": random.choice(DATA["customer_ids"]),
                    "client_order_ref": f"LOAD-{uuid.uuid4().hex[:10]}",
                    "order_line": lines,
                }
            ],
        )
        if ids:
            self.call("sale.order", "action_confirm", ids=ids)

    if WHOLTRA:

        @task(2)
        def read_availability(self):
            self.search_read(
                "sale.order.line",
                [
                    ["product_id", "in", DATA["scarce_ids"]],
                    ["order_id.state", "=", "sale"],
                ],
                [
                    "product_id",
                    "product_uom_qty",
                    "qty_delivered",
                    "wholtra_qty_free",
                    "wholtra_qty_incoming",
                    "wholtra_qty_allocated",
                    "wholtra_alloc_status",
                    "wholtra_promised_date",
                ],
                limit=40,
                order="id desc",
            )


class Warehouse(OdooUser):
    role = "warehouse"
    weight = 1
    fixed_count = _counts("warehouse")

    @task(6)
    def validate_delivery(self):
        pickings = self.search_read(
            "stock.picking",
            [["picking_type_code", "=", "outgoing"], ["state", "=", "assigned"]],
            ["id"],
            limit=20,
            order="id",
        )
        if pickings:
            # what is not available goes to a backorder (the wizard's default choice)
            self.call(
                "stock.picking",
                "button_validate",
                ids=[random.choice(pickings)["id"]],
                context={"skip_backorder": True},
            )

    if WHOLTRA:

        @task(1)
        def receive_purchase(self):
            pickings = self.search_read(
                "stock.picking",
                [
                    ["picking_type_code", "=", "incoming"],
                    ["state", "=", "assigned"],
                    ["purchase_id", "in", DATA["purchase_ids"]],
                ],
                ["id"],
                limit=5,
                order="scheduled_date, id",
            )
            # the earliest receipt arrives, about one every few minutes
            if pickings and random.random() < 0.15:
                self.call("stock.picking", "button_validate", ids=[pickings[0]["id"]])

        @task(2)
        def allocate_order(self):
            orders = self.search_read(
                "sale.order",
                [
                    ["state", "=", "sale"],
                    ["order_line.product_id", "in", DATA["scarce_ids"]],
                    ["order_line.wholtra_is_open", "=", True],
                ],
                ["id"],
                limit=20,
                order="id desc",
            )
            if orders:
                self.call(
                    "sale.order",
                    "action_wholtra_run_allocation",
                    ids=[random.choice(orders)["id"]],
                )


class Accountant(OdooUser):
    role = "accounting"
    weight = 1
    fixed_count = _counts("accounting")

    def _open_invoice(self):
        invoices = self.search_read(
            "account.move",
            [
                ["move_type", "=", "out_invoice"],
                ["state", "=", "posted"],
                ["payment_state", "in", ["not_paid", "partial"]],
                ["partner_id", "in", DATA["customer_ids"]],
            ],
            ["partner_id", "amount_residual"],
            limit=30,
            order="invoice_date_due, id",
        )
        return random.choice(invoices) if invoices else None

    if WHOLTRA:

        @task(4)
        def register_payment(self):
            """A customer payment without invoice reference: Wholtra proposes the
            invoices it settles; posting it reconciles them."""
            invoice = self._open_invoice()
            if not invoice:
                return
            amount = invoice["amount_residual"]
            if random.random() < 0.3:
                amount = round(amount / 2, 2)
            ids = self.call(
                "account.payment",
                "create",
                vals_list=[
                    {
                        "payment_type": "inbound",
                        "partner_type": "customer",
                        "partner_id": invoice["partner_id"][0],
                        "amount": amount,
                        "journal_id": DATA["bank_journal_id"],
                        "memo": f"LOAD-PAY-{uuid.uuid4().hex[:12]}",
                    }
                ],
            )
            if ids:
                self.call("account.payment", "action_post", ids=ids)

        @task(2)
        def reconcile_bank_transaction(self):
            """An incoming bank transfer from the customer (statement line): Wholtra
            proposes invoices on creation; reconcile with them."""
            invoice = self._open_invoice()
            if not invoice:
                return
            ids = self.call(
                "account.bank.statement.line",
                "create",
                vals_list=[
                    {
                        "journal_id": DATA["bank_journal_id"],
                        "partner_id": invoice["partner_id"][0],
                        "amount": invoice["amount_residual"],
                        "payment_ref": f"LOAD-ST-{uuid.uuid4().hex[:12]}",
                        "date": date.today().isoformat(),
                    }
                ],
            )
            if ids:
                self.call(
                    "account.bank.statement.line",
                    "action_wholtra_reconcile_matching",
                    ids=ids,
                )

        @task(3)
        def read_ar_aging(self):
            self.call(
                "wholtra.ar.aging",
                "formatted_read_group",
                domain=[],
                groupby=["partner_id"],
                aggregates=["amount_residual:sum", "amount_1_30:sum"],
            )
