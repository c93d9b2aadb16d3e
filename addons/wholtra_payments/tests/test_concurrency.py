import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial
from unittest.mock import patch

from odoo import Command, api, fields
from odoo.exceptions import ValidationError
from odoo.modules.registry import DummyRLock, Registry
from odoo.service.model import retrying
from odoo.tests.common import BaseCase, get_db_name, tagged
from odoo.tools import mute_logger

from odoo.addons.wholtra_payments.models import (
    account_bank_statement_line as st_line_module,
)
from odoo.addons.wholtra_payments.models import (
    wholtra_collection_status as status_module,
)


def _env(cr):
    return api.Environment(cr, api.SUPERUSER_ID, {"tracking_disable": True})


def _overdue_invoice(env, partner, amount, due_days):
    today = fields.Date.context_today(env["res.partner"])
    due = today + timedelta(days=due_days)
    move = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": due - timedelta(days=30),
            "invoice_date_due": due,
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": "Concurrent crisps",
                        "quantity": 1,
                        "price_unit": amount,
                        "tax_ids": [Command.clear()],
                    }
                )
            ],
        }
    )
    move.action_post()
    return move


def _remove_invoices(env, moves):
    moves = moves.exists()
    moves.line_ids.remove_move_reconcile()
    moves.button_draft()
    moves.with_context(force_delete=True).unlink()


def _run_threads(func, args):
    """Run ``func(arg)`` for each arg in its own thread and cursor, at once."""
    # The server holds Registry._lock while it runs the post-install tests;
    # worker threads need Registry() to build their environment.
    with (
        patch.object(Registry, "_lock", DummyRLock()),
        ThreadPoolExecutor(max_workers=len(args)) as executor,
    ):
        futures = [executor.submit(func, arg) for arg in args]
        return [f.result(timeout=120) for f in futures]


@tagged("post_install", "-at_install")
class TestStatementConcurrency(BaseCase):
    """The same statement selection submitted from two tabs at the same moment, each
    in its own transaction: one transaction is created, the other is refused."""

    ROUNDS = 3

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls.addClassCleanup(cls.cleanUpClass)
        with cls.registry.cursor() as cr:
            env = _env(cr)
            company = env.ref("base.main_company")
            cls.was_enabled = company.wholtra_statement_links_enabled
            company.wholtra_statement_links_enabled = True
            provider = env.ref("payment.payment_provider_demo")
            cls.provider_state = (provider.state, provider.is_published)
            provider.write({"state": "test", "is_published": True})
            cls.provider_id = provider.id
            cls.method_id = env.ref("payment_demo.payment_method_demo").id
            customer = env["res.partner"].create(
                {"name": "Concurrent Statement Customer", "is_company": True}
            )
            cls.customer_id = customer.id
            cls.invoice_id = _overdue_invoice(env, customer, 40.0, -10).id
            cls.link_id = (
                env["wholtra.statement.link"]
                .create({"partner_id": customer.id, "company_id": company.id})
                .id
            )

    @classmethod
    def cleanUpClass(cls):
        with cls.registry.cursor() as cr:
            env = _env(cr)
            env["payment.transaction"].search(
                [("wholtra_statement_link_id", "=", cls.link_id)]
            ).unlink()
            env["wholtra.statement.link"].browse(cls.link_id).unlink()
            _remove_invoices(env, env["account.move"].browse(cls.invoice_id))
            env["res.partner"].browse(cls.customer_id).action_archive()
            state, published = cls.provider_state
            env["payment.provider"].browse(cls.provider_id).write(
                {"state": state, "is_published": published}
            )
            env.ref(
                "base.main_company"
            ).wholtra_statement_links_enabled = cls.was_enabled

    def _submit(self, env):
        """What the transaction route does for one submit."""
        link = env["wholtra.statement.link"].browse(self.link_id)
        invoices = link._wholtra_check_selection([self.invoice_id], 40.0)
        link._wholtra_lock_for_payment(invoices)
        time.sleep(0.3)  # a slow provider: the other tab arrives meanwhile
        env["payment.transaction"].create(
            {
                "provider_id": self.provider_id,
                "payment_method_id": self.method_id,
                "reference": f"WHCONC-{uuid.uuid4().hex[:12]}",
                "amount": 40.0,
                "currency_id": invoices.currency_id.id,
                "partner_id": self.customer_id,
                "operation": "online_direct",
                **link._wholtra_prepare_transaction_values(invoices),
            }
        )

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_same_selection_twice_at_once(self):
        for round_no in range(self.ROUNDS):
            barrier = threading.Barrier(2)

            def run(_tab, barrier=barrier):
                with self.registry.cursor() as cr:
                    env = _env(cr)
                    # Both tabs see the open invoice before either submits.
                    link = env["wholtra.statement.link"].browse(self.link_id)
                    assert link._wholtra_get_open_invoices().ids == [self.invoice_id]
                    barrier.wait(timeout=10)
                    try:
                        retrying(partial(self._submit, env), env)
                    except ValidationError as error:
                        return str(error)
                return None

            errors = _run_threads(run, [1, 2])
            failed = [e for e in errors if e]
            self.assertEqual(len(failed), 1, (round_no, errors))
            self.assertIn("already in progress", failed[0])
            with self.registry.cursor() as cr:
                env = _env(cr)
                txs = env["payment.transaction"].search(
                    [
                        ("wholtra_statement_link_id", "=", self.link_id),
                        ("state", "=", "draft"),
                    ]
                )
                self.assertEqual(len(txs), 1, round_no)
                # The customer abandons it: the next round starts clean.
                txs._set_canceled()


@tagged("post_install", "-at_install")
class TestCollectionConcurrency(BaseCase):
    """The collection scheduled action running in two workers at once: every customer
    gets one reminder, from one of them."""

    CUSTOMERS = 6

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls.addClassCleanup(cls.cleanUpClass)
        with cls.registry.cursor() as cr:
            env = _env(cr)
            company = env.ref("base.main_company")
            cls.was_enabled = (
                company.wholtra_collection_enabled,
                company.wholtra_statement_links_enabled,
            )
            company.write(
                {
                    "wholtra_collection_enabled": True,
                    "wholtra_statement_links_enabled": False,
                }
            )
            cls.level_id = env.ref(
                "wholtra_payments.wholtra_collection_level_friendly"
            ).id
            customers = env["res.partner"].create(
                [
                    {
                        "name": f"Concurrent Collection {i}",
                        "is_company": True,
                        "email": f"cc{i}@example.com",
                    }
                    for i in range(cls.CUSTOMERS)
                ]
            )
            cls.customer_ids = customers.ids
            cls.invoice_ids = [
                _overdue_invoice(env, customer, 75.0, -10).id for customer in customers
            ]

    @classmethod
    def _reset(cls, env):
        """No reminder sent, no status: the customers as before any run."""
        messages = env["mail.message"].search(
            [("model", "=", "res.partner"), ("res_id", "in", cls.customer_ids)]
        )
        env["mail.mail"].search([("mail_message_id", "in", messages.ids)]).unlink()
        messages.unlink()
        env["wholtra.collection.status"].search(
            [("partner_id", "in", cls.customer_ids)]
        ).unlink()

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            self._reset(_env(cr))

    def _assert_one_reminder_each(self, env):
        template = env.ref("wholtra_payments.mail_template_collection_friendly")
        for customer in env["res.partner"].browse(self.customer_ids):
            reminders = env["mail.message"].search(
                [
                    ("model", "=", "res.partner"),
                    ("res_id", "=", customer.id),
                    ("message_type", "=", "comment"),
                    ("subtype_id", "=", env.ref("mail.mt_comment").id),
                ]
            )
            self.assertEqual(len(reminders), 1, customer.name)
            status = env["wholtra.collection.status"].search(
                [("partner_id", "=", customer.id)]
            )
            self.assertEqual(status.level_id.id, self.level_id)
            self.assertEqual(status.evaluated_date, fields.Date.context_today(status))
            self.assertIn(template.subject.split("{")[0][:10], reminders.subject)

    @classmethod
    def cleanUpClass(cls):
        with cls.registry.cursor() as cr:
            env = _env(cr)
            cls._reset(env)
            _remove_invoices(env, env["account.move"].browse(cls.invoice_ids))
            env["res.partner"].browse(cls.customer_ids).action_archive()
            collection, links = cls.was_enabled
            env.ref("base.main_company").write(
                {
                    "wholtra_collection_enabled": collection,
                    "wholtra_statement_links_enabled": links,
                }
            )

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_two_workers_one_reminder_each(self):
        """Batches of one customer: the two workers take turns on the queue."""
        barrier = threading.Barrier(2)

        def run(_worker):
            with self.registry.cursor() as cr:
                env = _env(cr)
                env["res.company"].search([]).mapped("name")  # snapshot taken
                barrier.wait(timeout=10)
                env["wholtra.collection.status"]._cron_wholtra_collection()
            return True

        with patch.object(status_module, "CRON_BATCH_SIZE", 1):
            self.assertEqual(_run_threads(run, [1, 2]), [True, True])
        with self.registry.cursor() as cr:
            env = _env(cr)
            self._assert_one_reminder_each(env)
            # A rerun (a third worker later the same day) sends nothing more.
            before = env["mail.message"].search_count(
                [("model", "=", "res.partner"), ("res_id", "in", self.customer_ids)]
            )
        with self.registry.cursor() as cr:
            _env(cr)["wholtra.collection.status"]._cron_wholtra_collection()
        with self.registry.cursor() as cr:
            after = _env(cr)["mail.message"].search_count(
                [("model", "=", "res.partner"), ("res_id", "in", self.customer_ids)]
            )
            self.assertEqual(after, before)

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_killed_run_resumes(self):
        """The worker dies after its second batch (of two customers): the next run
        evaluates the customers it had not reached, and only them."""
        Status = self.registry["wholtra.collection.status"]
        original = Status._wholtra_collection_run
        calls = []

        def dying_run(self_, *args, **kwargs):
            calls.append(kwargs.get("partners"))
            if len(calls) == 3:
                raise KeyboardInterrupt("worker killed")
            return original(self_, *args, **kwargs)

        with (
            patch.object(status_module, "CRON_BATCH_SIZE", 2),
            patch.object(Status, "_wholtra_collection_run", dying_run),
            self.assertRaises(KeyboardInterrupt),
            self.registry.cursor() as cr,
        ):
            _env(cr)["wholtra.collection.status"]._cron_wholtra_collection()
        with self.registry.cursor() as cr:
            env = _env(cr)
            statuses = env["wholtra.collection.status"].search(
                [("partner_id", "in", self.customer_ids)]
            )
            self.assertEqual(len(statuses), self.CUSTOMERS)
            self.assertEqual(len(statuses.filtered("level_id")), 4)
            self.assertEqual(len(statuses.filtered("evaluated_date")), 4)
        calls.clear()
        with (
            patch.object(Status, "_wholtra_collection_run", dying_run),
            self.registry.cursor() as cr,
        ):
            _env(cr)["wholtra.collection.status"]._cron_wholtra_collection()
        self.assertEqual(len(calls), 1)
        self.assertEqual(len(calls[0]), 2, "only the customers not reached")
        with self.registry.cursor() as cr:
            self._assert_one_reminder_each(_env(cr))


@tagged("post_install", "-at_install")
class TestMatchingQueueConcurrency(BaseCase):
    """The queue of bank transactions to reconcile, run by two cron workers at once
    in batches of one: each transaction reconciled once, one summary."""

    CUSTOMERS = 4

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls.addClassCleanup(cls.cleanUpClass)
        with cls.registry.cursor() as cr:
            env = _env(cr)
            company = env.ref("base.main_company")
            cls.was_enabled = company.wholtra_payment_matching_enabled
            company.wholtra_payment_matching_enabled = True
            cls.user_id = env.ref("base.user_admin").id
            journal = env["account.journal"].search(
                [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
            )
            customers = env["res.partner"].create(
                [
                    {"name": f"Queue Concurrency {i}", "is_company": True}
                    for i in range(cls.CUSTOMERS)
                ]
            )
            cls.customer_ids = customers.ids
            cls.invoice_ids = [
                _overdue_invoice(env, customer, 40.0, -5).id for customer in customers
            ]
            lines = env["account.bank.statement.line"].create(
                [
                    {
                        "journal_id": journal.id,
                        "amount": 40.0,
                        "payment_ref": f"Transfer {customer.name}",
                        "partner_id": customer.id,
                    }
                    for customer in customers
                ]
            )
            cls.line_ids = lines.ids
            cls.last_bus = env["bus.bus"].search([], order="id desc", limit=1).id or 0

    @classmethod
    def cleanUpClass(cls):
        with cls.registry.cursor() as cr:
            env = _env(cr)
            lines = env["account.bank.statement.line"].browse(cls.line_ids).exists()
            lines.move_id.line_ids.remove_move_reconcile()
            lines.unlink()
            _remove_invoices(env, env["account.move"].browse(cls.invoice_ids))
            env["res.partner"].browse(cls.customer_ids).action_archive()
            env["bus.bus"].search([("id", ">", cls.last_bus)]).unlink()
            env.ref(
                "base.main_company"
            ).wholtra_payment_matching_enabled = cls.was_enabled

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_two_workers_reconcile_each_transaction_once(self):
        with self.registry.cursor() as cr:
            env = _env(cr)
            lines = env["account.bank.statement.line"].browse(self.line_ids)
            self.assertEqual(
                set(lines.wholtra_match_invoice_ids.ids), set(self.invoice_ids)
            )
            lines.write(
                {
                    "wholtra_match_queue_uid": self.user_id,
                    "wholtra_match_queue_state": "queued",
                }
            )
        barrier = threading.Barrier(2)

        def run(_worker):
            with self.registry.cursor() as cr:
                env = _env(cr)
                env["res.company"].search([]).mapped("name")  # snapshot taken
                barrier.wait(timeout=10)
                retrying(
                    env["account.bank.statement.line"]._cron_wholtra_statement_matching,
                    env,
                )
            return True

        with patch.object(st_line_module, "MATCH_CRON_BATCH", 1):
            self.assertEqual(_run_threads(run, [1, 2]), [True, True])
        with self.registry.cursor() as cr:
            env = _env(cr)
            invoices = env["account.move"].browse(self.invoice_ids)
            self.assertEqual(set(invoices.mapped("payment_state")), {"paid"})
            partials = env["account.partial.reconcile"].search(
                [("debit_move_id", "in", invoices.line_ids.ids)]
            )
            self.assertEqual(len(partials), self.CUSTOMERS, "each settled once")
            lines = env["account.bank.statement.line"].browse(self.line_ids)
            self.assertTrue(all(lines.mapped("is_reconciled")))
            self.assertFalse(any(lines.mapped("wholtra_match_queue_state")))
            summaries = [
                message
                for message in env["bus.bus"]
                .search([("id", ">", self.last_bus)])
                .mapped("message")
                if "Reconciliation done" in message
            ]
            self.assertEqual(len(summaries), 1, summaries)
            self.assertIn(f"{self.CUSTOMERS} of {self.CUSTOMERS} bank", summaries[0])
