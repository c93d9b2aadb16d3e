"""The flow's invariants, property-based (hypothesis, stateful).

Random sequences of what distributors and their customers do — order (tiered customers,
odd prices and quantities), change a quantity or a price, ship part of an order, return
goods, cancel the rest, pay part of an invoice, pay from the statement link, dispute an
invoice, receive money and reconcile it by hand, receive a purchase, let days pass (the
nightly AR status and collection runs) — on a database with the four Wholtra addons,
switched on through Settings as an administrator would. After every step, for every
order line and customer:

1. invoiced − credited quantity = delivered quantity, per invoicing mode: at once per
   dispatch; for the customer invoiced weekly once its period is invoiced by the nightly
   run, and never more than delivered before; the line's invoiced quantity agrees;
2. invoice amounts = quantity × the price the order line carried when it was invoiced
   (within the currency's rounding); billed + pending adjustment = the net quantity at the
   line's current price, and no pending adjustment while nothing changed since invoicing;
3. no zero-amount document (invoice or credit note);
4. sum of reconciled payments = sum of paid invoice amounts; what was paid = the payments;
5. AR status derived from residual, dispute and due date (the one overdue definition);
6. one overdue figure per customer, identical in the intelligence panel
   (``wholtra_overdue_amount``), AR (invoices past due), collections (its computation, and
   its stored status right after an evaluation) and the hold (overdue more than N days),
   all equal to ``account.move._wholtra_overdue_groups``;
7. no purchase line allocated beyond its open quantity.

``WHOLTRA_INVARIANT_EXAMPLES`` (default 300) examples; ``make invariants`` runs more.
``WHOLTRA_INVARIANT_SEED`` replays a seed (printed at each run);
``WHOLTRA_INVARIANT_DERANDOMIZE=1`` makes the run deterministic.
"""

import os
import random
from collections import defaultdict, deque
from copy import deepcopy
from datetime import datetime, timedelta
from pathlib import Path

import freezegun.api
from hypothesis import HealthCheck, seed, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from odoo import Command, fields
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.fields import Domain
from odoo.sql_db import Savepoint
from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import format_amount

EXAMPLES = int(os.environ.get("WHOLTRA_INVARIANT_EXAMPLES", "300"))
STEPS = int(os.environ.get("WHOLTRA_INVARIANT_STEPS", "6"))
SEED = os.environ.get("WHOLTRA_INVARIANT_SEED")
DERANDOMIZE = os.environ.get("WHOLTRA_INVARIANT_DERANDOMIZE") == "1"
# Exploration only: names of invariants not asserted (see INVARIANTS), e.g. to look for
# other failures while a known one is being fixed. Empty in `make test`.
SKIP = {
    name.strip()
    for name in os.environ.get("WHOLTRA_INVARIANT_SKIP", "").split(",")
    if name.strip()
}
INVARIANTS = (
    "tiers",
    "quantities",
    "prices",
    "phantom_adjustment",
    "zero_documents",
    "payments",
    "ar_status",
    "overdue",
    "collection_status",
    "hold",
    "allocations",
)
READ_BACK = (
    "account.move",
    "account.move.line",
    "account.partial.reconcile",
    "account.payment",
    "payment.transaction",
    "purchase.order.line",
    "sale.order",
    "sale.order.line",
    "stock.move",
    "stock.picking",
    "wholtra.allocation",
    "wholtra.collection.status",
)
DB_DIR = Path(__file__).resolve().parent.parent / ".cache" / "hypothesis-invariants"

GRACE_DAYS = 2
HOLD_DAYS = 5
REMINDER_DAYS = 10
ODD_PRICES = [0.99, 1.005, 2.675, 3.35, 7.13, 12.345, 18.37, 33.33]
PAID_STATES = ("paid", "in_payment", "reversed")


def _check(name, condition, message):
    """Assert invariant ``name`` (unless skipped for exploration)."""
    if name not in SKIP:
        assert condition, f"[{name}] {message}"


def _index(items, i):
    return items[i % len(items)]


class InvariantMachine(RuleBasedStateMachine):
    """One example: a fresh savepoint, time frozen at the run's start, a few steps."""

    case = None  # the running TestCase (set by the test)
    examples = 0
    steps = 0
    refused = defaultdict(int)
    done = defaultdict(int)
    refusals = {}
    timings = defaultdict(float)
    start_checked = False

    def __init__(self):
        super().__init__()
        case = self.case
        self.env = case.env
        self.cr = self.env.cr
        case.freezer.move_to(case.base_now)
        self.env.flush_all()
        self._callbacks = [
            (cb, deque(cb._funcs), deepcopy(cb.data))
            for cb in (
                self.cr.precommit,
                self.cr.postcommit,
                self.cr.prerollback,
                self.cr.postrollback,
            )
        ]
        self._savepoint = Savepoint(self.cr)
        type(self).examples += 1
        self.orders = case.history_orders
        # model of what the customers paid: {commercial partner id: amount}
        self.paid = defaultdict(float, case.history_paid)
        self.seen_aml_ids = set(case.history_aml_ids)
        # collections evaluated since the last change of the overdue figures
        self.collection_fresh = self.env["res.partner"]
        # the starting state is checked once per run; then after each step that
        # changed something
        self.changed = not type(self).start_checked

    def teardown(self):
        self.env.invalidate_all(flush=False)
        self.cr.clear()
        self._savepoint.close(rollback=True)
        for cb, funcs, data in self._callbacks:
            cb._funcs = funcs
            cb.data = data
        self.env.invalidate_all(flush=False)

    # ------------------------------------------------------------------ helpers
    @property
    def today(self):
        return fields.Date.context_today(self.env["res.partner"])

    def _attempt(self, name, func):
        """Run one user action; a refusal (UserError) leaves nothing behind."""
        type(self).steps += 1
        started = freezegun.api.real_perf_counter()
        try:
            with self.cr.savepoint():
                func()
        except (AccessError, MissingError):
            raise
        except UserError as error:
            type(self).refused[name] += 1
            type(self).refusals.setdefault(name, str(error)[:160])
            self.env.invalidate_all(flush=False)
            return False
        finally:
            type(self).timings[name] += freezegun.api.real_perf_counter() - started
        self.changed = True
        type(self).done[name] += 1
        return True

    def _open_orders(self):
        return self.orders.filtered(lambda o: o.state == "sale")

    def _invoices(self, move_types=("out_invoice",)):
        return self.env["account.move"].search(
            [
                ("commercial_partner_id", "in", self.case.customers.ids),
                ("move_type", "in", move_types),
                ("state", "=", "posted"),
            ],
            order="id",
        )

    def _open_invoices(self):
        return self._invoices().filtered(
            lambda m: m.payment_state in ("not_paid", "partial")
        )

    def _refresh_after_payment(self, partners):
        """The payment paths refresh the collection status of ``partners``."""
        self.collection_fresh |= partners.commercial_partner_id

    # -------------------------------------------------------------------- rules
    @initialize()
    def start(self):
        pass

    @rule(
        customer=st.integers(0, 3),
        lines=st.lists(
            st.tuples(
                st.integers(0, 2),
                st.integers(1, 13),
                st.none() | st.sampled_from(ODD_PRICES),
            ),
            min_size=1,
            max_size=3,
        ),
    )
    def create_order(self, customer, lines):
        partner = _index(self.case.order_partners, customer)
        commercial = partner.commercial_partner_id
        on_hold = bool(commercial._wholtra_get_hold_reasons())
        line_cmds = []
        for product_i, qty, price in lines:
            vals = {
                "product_id": _index(self.case.products, product_i).id,
                "product_uom_qty": qty,
            }
            if price is not None:
                vals["price_unit"] = price
            line_cmds.append(Command.create(vals))
        order = self.env["sale.order"].create(
            {"partner_id": partner.id, "order_line": line_cmds}
        )
        tier = commercial.wholtra_tier_id
        if tier:
            _check(
                "tiers",
                order.pricelist_id == tier.pricelist_id,
                f"{commercial.name} is on tier {tier.name} but its order is "
                f"priced with {order.pricelist_id.name}",
            )
        confirmed = self._attempt("confirm order", order.action_confirm)
        _check(
            "hold",
            confirmed != on_hold,
            f"order of {commercial.name}: confirmed={confirmed}, hold "
            f"reasons={commercial._wholtra_get_hold_reasons()}",
        )
        self.orders |= order
        self.changed = True

    @precondition(lambda self: self._open_orders())
    @rule(order_i=st.integers(0, 20), line_i=st.integers(0, 2), qty=st.integers(0, 15))
    def change_quantity(self, order_i, line_i, qty):
        order = _index(self._open_orders(), order_i)
        line = _index(order.order_line, line_i)

        def change():
            line.product_uom_qty = qty

        self._attempt("change quantity", change)

    @precondition(lambda self: self._open_orders())
    @rule(
        order_i=st.integers(0, 20),
        line_i=st.integers(0, 2),
        price=st.sampled_from(ODD_PRICES) | st.integers(1, 4000).map(lambda c: c / 100),
        then_adjust=st.booleans(),
    )
    def change_price(self, order_i, line_i, price, then_adjust):
        """Change a price; then, maybe, "Invoice adjustments" at once."""
        order = _index(self._open_orders(), order_i)
        line = _index(order.order_line, line_i)

        def change():
            line.price_unit = price

        if self._attempt("change price", change) and then_adjust:
            self._attempt(
                "invoice adjustments", order.action_wholtra_invoice_adjustments
            )

    @precondition(lambda self: self._open_orders())
    @rule(order_i=st.integers(0, 20))
    def invoice_adjustments(self, order_i):
        order = _index(self._open_orders(), order_i)
        self._attempt("invoice adjustments", order.action_wholtra_invoice_adjustments)

    def _open_deliveries(self):
        return self._open_orders().picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing"
            and p.state not in ("done", "cancel", "draft")
        )

    @precondition(lambda self: self._open_deliveries())
    @rule(
        picking_i=st.integers(0, 20),
        shares=st.lists(st.integers(1, 13), min_size=3, max_size=3),
    )
    def dispatch(self, picking_i, shares):
        """Ship part of an open delivery (what is reserved at most); the rest goes to
        a backorder."""
        picking = _index(self._open_deliveries(), picking_i)
        picking.action_assign()
        shipped = 0
        for move, share in zip(picking.move_ids, shares, strict=False):
            qty = min(share, move.quantity)
            move.quantity = qty
            move.picked = bool(qty)
            shipped += qty
        if not shipped:
            picking.do_unreserve()
            return

        def validate():
            picking.with_context(skip_backorder=True).button_validate()

        self._attempt("dispatch", validate)

    @precondition(lambda self: self._open_orders())
    @rule(order_i=st.integers(0, 20), qty=st.integers(1, 6))
    def return_goods(self, order_i, qty):
        order = _index(self._open_orders(), order_i)
        picking = order.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing" and p.state == "done"
        )[:1]
        if not picking:
            return

        def do_return():
            wizard = (
                self.env["stock.return.picking"]
                .with_context(active_id=picking.id, active_model="stock.picking")
                .create({"picking_id": picking.id})
            )
            for line in wizard.product_return_moves:
                line.quantity = min(qty, line.quantity)
                line.to_refund = True
            if not any(wizard.product_return_moves.mapped("quantity")):
                return
            returned = wizard._create_return()
            for move in returned.move_ids:
                move.quantity = move.product_uom_qty
                move.picked = True
            returned.with_context(skip_backorder=True).button_validate()

        self._attempt("return", do_return)

    @precondition(lambda self: self._open_orders())
    @rule(order_i=st.integers(0, 20))
    def cancel_rest(self, order_i):
        order = _index(self._open_orders(), order_i)
        pickings = order.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing"
            and p.state not in ("done", "cancel")
        )
        if pickings:
            self._attempt("cancel rest", pickings.action_cancel)

    @precondition(lambda self: self._open_invoices())
    @rule(invoice_i=st.integers(0, 20), percent=st.integers(1, 100))
    def pay_part(self, invoice_i, percent):
        invoice = _index(self._open_invoices(), invoice_i)
        currency = invoice.currency_id
        amount = max(currency.round(invoice.amount_residual * percent / 100), 0.01)

        def pay():
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create(
                {
                    "payment_date": self.today,
                    "amount": amount,
                    "payment_difference_handling": "open",
                }
            )._create_payments()

        if self._attempt("pay part", pay):
            self.paid[invoice.commercial_partner_id.id] += amount
            self._refresh_after_payment(invoice.commercial_partner_id)

    @precondition(lambda self: self._open_invoices())
    @rule(
        customer_i=st.integers(0, 2),
        picks=st.lists(st.integers(0, 20), min_size=1, max_size=3),
        percent=st.integers(1, 100),
    )
    def pay_statement_link(self, customer_i, picks, percent):
        """What the statement page's transaction route does (selection re-checked,
        link locked), then the demo provider confirms the payment."""
        customer = _index(self.case.customers, customer_i)
        Link = self.env["wholtra.statement.link"]
        link = Link._wholtra_get_or_create_for_partner(customer)
        open_invoices = link._wholtra_get_open_invoices()
        if not open_invoices:
            return
        chosen = open_invoices.browse({_index(open_invoices, i).id for i in picks})
        currency = chosen.currency_id
        amount = max(
            currency.round(sum(chosen.mapped("amount_residual")) * percent / 100), 0.01
        )
        done = {}

        def pay():
            invoices = link._wholtra_check_selection(chosen.ids, amount)
            link._wholtra_lock_for_payment(invoices)
            Transaction = self.env["payment.transaction"]
            tx = Transaction.create(
                {
                    "provider_id": self.case.provider.id,
                    "payment_method_id": self.case.demo_method.id,
                    "reference": Transaction._compute_reference("demo", prefix="INV"),
                    "amount": amount,
                    "currency_id": currency.id,
                    "partner_id": link.partner_id.id,
                    "operation": "online_direct",
                    **link._wholtra_prepare_transaction_values(invoices),
                }
            )
            tx.action_demo_set_done()
            tx._post_process()
            done["tx"] = tx

        if self._attempt("statement link", pay):
            tx = done["tx"]
            _check(
                "payments",
                tx.state == "done" and tx.payment_id,
                "statement payment not posted",
            )
            self.paid[customer.id] += amount
            self._refresh_after_payment(customer)

    @precondition(lambda self: self._open_invoices())
    @rule(invoice_i=st.integers(0, 20))
    def dispute(self, invoice_i):
        invoice = _index(self._open_invoices(), invoice_i)

        def open_dispute():
            self.env["wholtra.dispute.wizard"].create(
                {"move_ids": [Command.set(invoice.ids)], "reason": "Short delivery"}
            ).action_confirm()

        if self._attempt("dispute", open_dispute):
            self.collection_fresh -= invoice.commercial_partner_id

    @precondition(lambda self: self._invoices().filtered("wholtra_disputed"))
    @rule(invoice_i=st.integers(0, 20))
    def resolve_dispute(self, invoice_i):
        invoice = _index(self._invoices().filtered("wholtra_disputed"), invoice_i)
        if self._attempt("resolve dispute", invoice.action_wholtra_resolve_dispute):
            self.collection_fresh -= invoice.commercial_partner_id

    @rule(
        customer_i=st.integers(0, 2),
        amount=st.integers(1, 20000).map(lambda c: c / 100),
        then_reconcile_i=st.none() | st.integers(0, 20),
    )
    def receive_unmatched_payment(self, customer_i, amount, then_reconcile_i):
        """Money received without saying what it pays (outstanding credit); then,
        maybe, reconciled by hand with one of the customer's open invoices."""
        customer = _index(self.case.customers, customer_i)

        def receive():
            payment = self.env["account.payment"].create(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": customer.id,
                    "amount": amount,
                    "journal_id": self.case.bank_journal.id,
                    "date": self.today,
                }
            )
            payment.action_post()

        if self._attempt("unmatched payment", receive):
            self.paid[customer.id] += amount
            self._refresh_after_payment(customer)
            invoices = self._open_invoices().filtered(
                lambda m: m.commercial_partner_id == customer
            )
            if then_reconcile_i is not None and invoices:
                self._reconcile(_index(invoices, then_reconcile_i), -1)

    @precondition(lambda self: self._open_invoices())
    @rule(invoice_i=st.integers(0, 20), credit_i=st.integers(0, 20))
    def reconcile_by_hand(self, invoice_i, credit_i):
        """The invoice's "Outstanding credits" widget: add a payment or a credit
        note of the customer to the invoice."""
        self._reconcile(_index(self._open_invoices(), invoice_i), credit_i)

    def _reconcile(self, invoice, credit_i):
        widget = invoice.invoice_outstanding_credits_debits_widget
        credits = (widget or {}).get("content") or []
        if not credits:
            return
        line_id = _index(credits, credit_i)["id"]

        def reconcile():
            invoice.js_assign_outstanding_line(line_id)

        if self._attempt("reconcile by hand", reconcile):
            self._refresh_after_payment(invoice.commercial_partner_id)

    @rule(qty=st.integers(1, 12))
    def receive_purchase(self, qty):
        receipt = self.case.purchase.picking_ids.filtered(
            lambda p: p.state not in ("done", "cancel")
        )[:1]
        if not receipt:
            return

        def receive():
            for move in receipt.move_ids:
                move.quantity = min(qty, move.product_uom_qty)
                move.picked = True
            receipt.with_context(skip_backorder=True).button_validate()

        self._attempt("receive purchase", receive)

    @rule(days=st.integers(1, 20))
    def advance_time(self, days):
        """Days pass; the nightly AR status and collection runs."""
        self.case.freezer.tick(timedelta(days=days))
        self.changed = True
        self.env.invalidate_all()
        self.env["stock.picking"]._cron_wholtra_invoice_pending(today=self.today)
        self.env["account.move"]._cron_wholtra_refresh_ar_status(today=self.today)
        Status = self.env["wholtra.collection.status"].sudo()
        Status._wholtra_collection_run(self.case.company, today=self.today)
        self.collection_fresh = self.case.customers

    # --------------------------------------------------------------- invariants
    @invariant()
    def figures_agree(self):
        if not self.changed:
            return  # nothing happened since the last check
        self.changed = False
        started = freezegun.api.real_perf_counter()
        # read back as a new request would: everything the flow wrote, fresh from
        # the database (the whole cache is not dropped: reloading languages and
        # companies at every step would cost more than the steps)
        self.env.flush_all()
        for model in READ_BACK:
            self.env[model].invalidate_model()
        self.case.customers.invalidate_recordset()
        self._check_order_lines()
        self._check_documents()
        self._check_payments()
        self._check_ar_status_and_overdue()
        self._check_allocations()
        type(self).start_checked = True  # the starting state passed once
        type(self).timings["(invariants)"] += (
            freezegun.api.real_perf_counter() - started
        )

    def _check_order_lines(self):
        lines = self.orders.order_line.filtered(lambda sol: not sol.display_type)
        amls = lines.invoice_lines.filtered(
            lambda aml: aml.move_id.state == "posted" and aml.display_type == "product"
        )
        currency = self.case.company.currency_id
        company = self.case.company
        periodic = {
            partner: partner._wholtra_get_invoice_mode(company) == "periodic"
            for partner in lines.order_id.partner_id
        }
        for line in lines:
            uom = line.product_uom_id
            line_amls = amls.filtered(lambda aml, sol=line: sol in aml.sale_line_ids)
            net_qty = 0.0
            invoiced_prices = set()
            for aml in line_amls:
                sign = 1 if aml.move_id.move_type == "out_invoice" else -1
                net_qty += sign * aml.product_uom_id._compute_quantity(
                    aml.quantity, uom
                )
                invoiced_prices.add((aml.price_unit, aml.discount))
            net_amount = -sum(line_amls.mapped("balance"))  # company currency
            label = f"{line.order_id.name} / {line.product_id.name}"
            waiting = periodic.get(line.order_id.partner_id) and line.move_ids.filtered(
                lambda m: m.state == "done"
                and m.picking_id.wholtra_invoice_state == "to_invoice"
            )
            if waiting:
                # periodic invoicing, period still open: billed later, never more
                _check(
                    "quantities",
                    uom.compare(net_qty, line.qty_delivered) <= 0,
                    f"{label}: invoiced − credited {net_qty} > delivered "
                    f"{line.qty_delivered} (period open)",
                )
            else:
                _check(
                    "quantities",
                    uom.compare(net_qty, line.qty_delivered) == 0,
                    f"{label}: invoiced − credited {net_qty} ≠ delivered "
                    f"{line.qty_delivered}",
                )
            _check(
                "quantities",
                uom.compare(line.qty_invoiced, net_qty) == 0,
                f"{label}: qty_invoiced {line.qty_invoiced} ≠ posted net " f"{net_qty}",
            )
            # billed + pending adjustment = net quantity at the line's current price
            unit = line.price_unit * (1 - (line.discount or 0.0) / 100)
            expected = net_qty * unit
            pending = line.wholtra_pending_adjustment
            tolerance = 0.005 * (len(line_amls) + 1) + 1e-6
            _check(
                "prices",
                abs(net_amount + pending - expected) <= tolerance,
                f"{label}: billed {net_amount} + pending {pending} ≠ "
                f"{net_qty} × {line.price_unit} (−{line.discount} %) = {expected}",
            )
            # nothing changed since invoicing: nothing to adjust
            if invoiced_prices <= {(line.price_unit, line.discount)}:
                _check(
                    "phantom_adjustment",
                    currency.is_zero(pending),
                    f"{label}: pending adjustment {pending} although every "
                    f"invoice line carries the line's price {line.price_unit} "
                    f"(−{line.discount} %)",
                )
        # new invoice lines carry the price their order line had when invoiced
        for aml in amls:
            if aml.id in self.seen_aml_ids:
                continue
            self.seen_aml_ids.add(aml.id)
            line = aml.sale_line_ids[:1]
            move = aml.move_id
            subtotal = move.currency_id.round(
                aml.quantity * aml.price_unit * (1 - aml.discount / 100)
            )
            _check(
                "prices",
                move.currency_id.compare_amounts(aml.price_subtotal, subtotal) == 0,
                f"{move.name}: {aml.price_subtotal} ≠ {subtotal}",
            )
            if move.move_type == "out_invoice" and aml.quantity > 0:
                _check(
                    "prices",
                    (aml.price_unit, aml.discount) == (line.price_unit, line.discount),
                    f"{move.name}: {line.product_id.name} invoiced at "
                    f"{aml.price_unit} (−{aml.discount} %), the order line says "
                    f"{line.price_unit} (−{line.discount} %)",
                )

    def _check_documents(self):
        zero = self.env["account.move"].search(
            [
                ("commercial_partner_id", "in", self.case.customers.ids),
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("amount_total", "=", 0.0),
            ]
        )
        _check(
            "zero_documents",
            not zero,
            f"zero-amount documents: {zero.mapped('display_name')}",
        )

    def _check_payments(self):
        customers = self.case.customers
        payments = self.env["account.payment"].search(
            [
                ("partner_id", "in", customers.ids),
                ("state", "in", ("in_process", "paid")),
            ]
        )
        moves = self._invoices(("out_invoice", "out_refund"))
        currency = self.case.company.currency_id
        for customer in customers:
            cust_payments = payments.filtered(
                lambda p, c=customer: p.partner_id.commercial_partner_id == c
            )
            received = sum(cust_payments.mapped("amount_company_currency_signed"))
            paid = self.paid[customer.id]
            _check(
                "payments",
                currency.compare_amounts(received, paid) == 0,
                f"{customer.name}: payments {received} ≠ paid {paid}",
            )
            receivable = cust_payments.move_id.line_ids.filtered(
                lambda aml: aml.account_id.account_type == "asset_receivable"
            )
            reconciled = -sum(receivable.mapped("balance")) + sum(
                receivable.mapped("amount_residual")
            )
            settled = 0.0
            for move in moves.filtered(
                lambda m, c=customer: m.commercial_partner_id == c
            ):
                sign = 1 if move.move_type == "out_invoice" else -1
                total = abs(move.amount_total_signed)
                residual = abs(move.amount_residual_signed)
                settled += sign * (total - residual)
                _check(
                    "payments",
                    currency.compare_amounts(residual, total) <= 0,
                    f"{move.name}: residual {residual} above total {total}",
                )
            _check(
                "payments",
                currency.compare_amounts(reconciled, settled) == 0,
                f"{customer.name}: reconciled payments {reconciled} ≠ paid "
                f"invoice amounts (net of credit notes) {settled}",
            )

    def _check_ar_status_and_overdue(self):
        case = self.case
        customers = case.customers
        company = case.company
        currency = company.currency_id
        today = self.today
        Move = self.env["account.move"]
        invoices = self._invoices(("out_invoice", "out_refund"))
        overdue = Move.search(
            Move._wholtra_overdue_domain(today, company)
            & Domain("commercial_partner_id", "in", customers.ids)
        )
        for move in invoices:
            if currency.is_zero(move.amount_residual):
                expected = "paid"
            elif move.move_type == "out_refund":
                continue  # customer credit: only "paid once used" is asserted
            elif move.wholtra_disputed:
                expected = "disputed"
            elif move in overdue:
                expected = "past_due"
            elif currency.compare_amounts(move.amount_residual, move.amount_total) < 0:
                expected = "partial"
            else:
                expected = "open"
            _check(
                "ar_status",
                move.wholtra_ar_status == expected,
                f"{move.name}: AR status {move.wholtra_ar_status}, expected "
                f"{expected} (residual {move.amount_residual}/{move.amount_total}, "
                f"due {move.invoice_date_due}, today {today}, disputed "
                f"{move.wholtra_disputed})",
            )
        groups = Move._wholtra_overdue_groups(customers, today, company)
        hold_groups = Move._wholtra_overdue_groups(
            customers, today - timedelta(days=HOLD_DAYS), company
        )
        Status = self.env["wholtra.collection.status"].sudo()
        statuses = Status.search(
            [("partner_id", "in", customers.ids), ("company_id", "=", company.id)]
        )
        collection = Status._wholtra_overdue_by_partner(company, today, customers)
        hold_reasons = customers._wholtra_hold_reasons_batch()
        for customer in customers:
            amount = groups.get(customer, (0.0, 0, False))[0]
            name = customer.name
            shown = customer.wholtra_overdue_amount
            _check(
                "overdue",
                currency.compare_amounts(shown, amount) == 0,
                f"{name}: intelligence overdue {shown} ≠ {amount}",
            )
            past_due = invoices.filtered(
                lambda m, c=customer: m.commercial_partner_id == c
                and m.wholtra_ar_status == "past_due"
            )
            ar = sum(past_due.mapped("amount_residual_signed"))
            _check(
                "overdue",
                currency.compare_amounts(ar, amount) == 0,
                f"{name}: AR past due {ar} ≠ overdue {amount}",
            )
            coll = collection.get(customer, (0.0,))[0]
            _check(
                "overdue",
                currency.compare_amounts(coll, amount) == 0,
                f"{name}: collections compute {coll} ≠ overdue {amount}",
            )
            status = statuses.filtered(lambda s, c=customer: s.partner_id == c)
            if status and customer in self.collection_fresh:
                _check(
                    "collection_status",
                    currency.compare_amounts(status.overdue_amount, amount) == 0,
                    f"{name}: collection status {status.overdue_amount} ≠ "
                    f"overdue {amount} right after its evaluation",
                )
                days = max(
                    (
                        m._wholtra_overdue_days(today)
                        for m in overdue
                        if m.commercial_partner_id == customer
                    ),
                    default=0,
                )
                _check(
                    "collection_status",
                    status.days_overdue == days,
                    f"{name}: collection status {status.days_overdue} days "
                    f"overdue, the overdue definition says {days}",
                )
            # hold: overdue more than HOLD_DAYS days (no manual hold in this flow)
            hold_amount = hold_groups.get(customer, (0.0, 0, False))[0]
            reasons = hold_reasons.get(customer.id) or []
            if currency.compare_amounts(hold_amount, 0.0) > 0:
                figure = format_amount(self.env, hold_amount, currency)
                _check(
                    "hold",
                    len(reasons) == 1 and figure in reasons[0],
                    f"{name}: {figure} overdue more than {HOLD_DAYS} days, "
                    f"hold reasons {reasons}",
                )
            else:
                _check(
                    "hold",
                    not reasons,
                    f"{name}: nothing overdue more than {HOLD_DAYS} days, "
                    f"hold reasons {reasons}",
                )

    def _check_allocations(self):
        po_lines = self.case.purchase.order_line
        allocated = dict(
            self.env["wholtra.allocation"]
            .sudo()
            ._read_group(
                [
                    ("purchase_line_id", "in", po_lines.ids),
                    ("state", "in", ("soft", "firm")),
                ],
                ["purchase_line_id"],
                ["quantity:sum"],
            )
        )
        for po_line in po_lines:
            qty = allocated.get(po_line, 0.0)
            open_qty = po_line._wholtra_open_qty()
            _check(
                "allocations",
                po_line.product_uom_id.compare(qty, open_qty) <= 0,
                f"{po_line.order_id.name}: {qty} allocated, {open_qty} open",
            )


@tagged("post_install", "-at_install")
class TestFlowInvariants(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(
            context=dict(
                cls.env.context,
                tracking_disable=True,
                mail_create_nolog=True,
                mail_create_nosubscribe=True,
                mail_notrack=True,
            )
        )
        cls.company = cls.env.company
        # what an administrator switches on in Settings for this flow
        cls.env["res.config.settings"].create(
            {
                "group_product_pricelist": True,
                "group_discount_per_so_line": True,
                "wholtra_enforce_account_terms": True,
                "wholtra_hold_overdue_days": HOLD_DAYS,
                "wholtra_allocation_enabled": True,
                "wholtra_allocate_on_confirm": True,
                "wholtra_invoice_mode": "dispatch",
                "wholtra_invoice_period": "week",
                "wholtra_invoice_auto_post": True,
                "wholtra_invoice_send_email": False,
                "wholtra_past_due_grace_days": GRACE_DAYS,
                "wholtra_statement_links_enabled": True,
                "wholtra_collection_enabled": True,
                "wholtra_collection_lift_hold": True,
            }
        ).execute()
        cls.env.invalidate_all()
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        Product = cls.env["product.product"]

        def product(name, price, stock):
            prod = Product.create(
                {
                    "name": name,
                    "type": "consu",
                    "is_storable": True,
                    "invoice_policy": "delivery",
                    "list_price": price,
                    "standard_price": round(price * 0.6, 2),
                    "taxes_id": [Command.clear()],
                }
            )
            if stock:
                cls.env["stock.quant"]._update_available_quantity(
                    prod, warehouse.lot_stock_id, stock
                )
            return prod

        cls.crisps = product("Sea Salt Crisps 24x40g", 3.35, 60)
        cls.cola = product("Cola Cans 24x330ml", 18.37, 30)
        cls.juice = product("Orange Juice 12x1l", 7.13, 0)
        cls.products = [cls.crisps, cls.cola, cls.juice]
        Pricelist = cls.env["product.pricelist"]
        gold_pl = Pricelist.create(
            {
                "name": "Gold: 10 % off",
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "3_global",
                            "compute_price": "percentage",
                            "percent_price": 10.0,
                        }
                    )
                ],
            }
        )
        silver_pl = Pricelist.create(
            {
                "name": "Silver trade prices",
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "1_product",
                            "product_tmpl_id": prod.product_tmpl_id.id,
                            "compute_price": "fixed",
                            "fixed_price": price,
                        }
                    )
                    for prod, price in ((cls.crisps, 3.17), (cls.cola, 17.99))
                ],
            }
        )
        Tier = cls.env["wholtra.price.tier"]
        gold = Tier.create(
            {"name": "Gold", "pricelist_id": gold_pl.id, "allocation_priority": 30}
        )
        silver = Tier.create(
            {"name": "Silver", "pricelist_id": silver_pl.id, "allocation_priority": 20}
        )
        Partner = cls.env["res.partner"]
        cls.gold_customer = Partner.create(
            {"name": "FreshMart Convenience Stores", "is_company": True}
        )
        cls.silver_customer = Partner.create(
            {"name": "Corner Deli", "is_company": True}
        )
        cls.plain_customer = Partner.create(
            {"name": "Harbour Grill", "is_company": True}
        )
        # tiers assigned afterwards, on the customer form; one customer is
        # invoiced weekly (the others per dispatch, the company's setting)
        cls.gold_customer.wholtra_tier_id = gold
        cls.silver_customer.wholtra_tier_id = silver
        cls.plain_customer.wholtra_invoice_mode = "periodic"
        cls.gold_buyer = Partner.create(
            {"name": "Priya (buyer)", "parent_id": cls.gold_customer.id}
        )
        cls.customers = cls.gold_customer | cls.silver_customer | cls.plain_customer
        cls.order_partners = [
            cls.gold_customer,
            cls.gold_buyer,
            cls.silver_customer,
            cls.plain_customer,
        ]
        vendor = Partner.create({"name": "Sunny Groves Ltd"})
        cls.purchase = cls.env["purchase.order"].create(
            {
                "partner_id": vendor.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": cls.juice.id,
                            "product_qty": 30,
                            "price_unit": 4.0,
                            "date_planned": fields.Datetime.now() + timedelta(days=5),
                        }
                    )
                ],
            }
        )
        cls.purchase.button_confirm()
        # collection sequence: a reminder only (holds come from the overdue rule)
        Level = cls.env["wholtra.collection.level"]
        Level.search([("company_id", "=", cls.company.id)]).action_archive()
        Level.flush_model()
        Level.create(
            {
                "name": "Reminder",
                "days_overdue": REMINDER_DAYS,
                "mail_template_id": cls.env.ref(
                    "wholtra_payments.mail_template_collection_friendly"
                ).id,
            }
        )
        cls.provider = cls.env.ref("payment.payment_provider_demo")
        cls.provider.write({"state": "test", "is_published": True})
        cls.demo_method = cls.env.ref("payment_demo.payment_method_demo")
        cls.bank_journal = cls.env["account.journal"].search(
            [("company_id", "=", cls.company.id), ("type", "=", "bank")], limit=1
        )
        cls._history()

    @classmethod
    def _history(cls):
        """Where every example starts: a few weeks of business, so that short
        sequences reach overdue, partly paid and adjusted invoices."""
        now = datetime.now().replace(microsecond=0)

        def order(partner, lines):
            sale = cls.env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "order_line": [
                        Command.create({"product_id": p.id, "product_uom_qty": q})
                        for p, q in lines
                    ],
                }
            )
            sale.action_confirm()
            return sale

        def ship(sale, quantities):
            picking = sale.picking_ids.filtered(
                lambda p: p.state not in ("done", "cancel")
            )
            for move in picking.move_ids:
                move.quantity = quantities.get(move.product_id, 0.0)
                move.picked = bool(move.quantity)
            picking.with_context(skip_backorder=True).button_validate()

        with freezegun.api.freeze_time(now - timedelta(days=40)):
            # held from the start: 40 days overdue, partly paid
            silver = order(cls.silver_customer, [(cls.crisps, 5), (cls.cola, 2)])
            ship(silver, {cls.crisps: 5, cls.cola: 2})
            invoice = silver.invoice_ids
            cls.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create(
                {"amount": 20.0, "payment_difference_handling": "open"}
            )._create_payments()
        with freezegun.api.freeze_time(now - timedelta(days=4)):
            # Gold, 10 % off 3.35: 9 × 3.015 billed 27.14; the cola waits. Past
            # due (grace 2 days), not held yet (more than 5 days)
            gold = order(cls.gold_buyer, [(cls.crisps, 9), (cls.cola, 3)])
            ship(gold, {cls.crisps: 9})
        with freezegun.api.freeze_time(now - timedelta(days=1)):
            plain = order(cls.plain_customer, [(cls.juice, 4), (cls.crisps, 3)])
            ship(plain, {cls.crisps: 3})
        cls.env["account.move"]._cron_wholtra_refresh_ar_status()
        cls.env["wholtra.collection.status"].sudo()._wholtra_collection_run(cls.company)
        cls.history_orders = gold | silver | plain
        cls.history_aml_ids = frozenset(cls.history_orders.order_line.invoice_lines.ids)
        cls.history_paid = {cls.silver_customer.id: 20.0}

    def test_flow_invariants(self):
        run_seed = int(SEED) if SEED else random.randrange(2**32)
        print(
            f"\n[invariants] {EXAMPLES} examples x {STEPS} steps, seed {run_seed}"
            f"{' (derandomized)' if DERANDOMIZE else ''}: replay with "
            f"WHOLTRA_INVARIANT_SEED={run_seed}"
            + (f"; NOT asserted: {sorted(SKIP)}" if SKIP else "")
        )
        machine = type(
            "FlowInvariants",
            (InvariantMachine,),
            {
                "case": self,
                "examples": 0,
                "steps": 0,
                "refused": defaultdict(int),
                "done": defaultdict(int),
                "refusals": {},
                "timings": defaultdict(float),
                "start_checked": False,
            },
        )
        if not DERANDOMIZE:
            machine = seed(run_seed)(machine)
        DB_DIR.mkdir(parents=True, exist_ok=True)
        run_settings = settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            derandomize=DERANDOMIZE,
            database=None if DERANDOMIZE else DirectoryBasedExampleDatabase(DB_DIR),
            suppress_health_check=list(HealthCheck),
            print_blob=True,
        )
        self.base_now = datetime.now().replace(microsecond=0)
        started = freezegun.api.real_perf_counter()
        with freezegun.api.freeze_time(
            self.base_now, ignore=["hypothesis"]
        ) as self.freezer:
            try:
                run_state_machine_as_test(machine, settings=run_settings)
            finally:
                elapsed = freezegun.api.real_perf_counter() - started
                timings = ", ".join(
                    f"{name} {total:.1f}s"
                    for name, total in sorted(
                        machine.timings.items(), key=lambda item: -item[1]
                    )
                )
                print(
                    f"[invariants] {machine.examples} examples, {machine.steps} "
                    f"actions in {elapsed:.1f}s "
                    f"({elapsed / max(machine.examples, 1) * 1000:.0f} ms/example); "
                    f"done: {dict(machine.done)}; refused: {dict(machine.refused)}; "
                    f"time per rule: {timings}; first refusals: {machine.refusals}"
                )
