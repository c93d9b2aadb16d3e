from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, TransactionCase, tagged

from odoo.addons.wholtra_payments.models import (
    account_bank_statement_line as st_line_module,
)

from .common import WholtraPaymentsCommon


@tagged("post_install", "-at_install")
class TestPaymentMatching(WholtraPaymentsCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_wholtra_payments()
        cls.company.wholtra_payment_matching_enabled = True
        cls.journal = cls.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", cls.company.id)], limit=1
        )
        cls.inv_old = cls._invoice(cls.customer, 100.0, -40)
        cls.inv_mid = cls._invoice(cls.customer, 200.0, -10)
        cls.inv_new = cls._invoice(cls.customer, 300.0, 20)

    def _payment(self, amount, partner=None):
        with Form(
            self.env["account.payment"].with_context(
                default_payment_type="inbound", default_partner_type="customer"
            )
        ) as form:
            form.partner_id = partner or self.customer
            form.amount = amount
            form.journal_id = self.journal
        return form.record

    def test_exact_amount_first(self):
        payment = self._payment(200.0)
        self.assertEqual(payment.wholtra_match_invoice_ids, self.inv_mid)
        self.assertEqual(payment.wholtra_match_rule, "exact")
        payment.action_post()
        self.assertEqual(self.inv_mid.payment_state, "paid")
        self.assertEqual(self.inv_old.payment_state, "not_paid")

    def test_oldest_due_first(self):
        payment = self._payment(250.0)
        self.assertEqual(payment.wholtra_match_invoice_ids, self.inv_old | self.inv_mid)
        self.assertEqual(payment.wholtra_match_rule, "oldest")
        payment.action_post()
        self.assertEqual(self.inv_old.payment_state, "paid")
        self.assertEqual(self.inv_mid.payment_state, "partial")
        self.assertAlmostEqual(self.inv_mid.amount_residual, 50.0)
        self.assertEqual(self.inv_new.payment_state, "not_paid")

    def test_user_can_undo_proposal_before_posting(self):
        payment = self._payment(100.0)
        self.assertEqual(payment.wholtra_match_invoice_ids, self.inv_old)
        payment.action_wholtra_clear_matching()
        payment.action_post()
        self.assertEqual(self.inv_old.payment_state, "not_paid")
        # The money stays as customer credit, proposed on the invoices.
        self.assertTrue(self.inv_old.invoice_has_outstanding)

    def test_batch_does_not_allocate_twice(self):
        payments = (
            self.env["account.payment"]
            .sudo()
            .with_context(wholtra_no_matching=True)
            .create(
                [
                    {
                        "payment_type": "inbound",
                        "partner_type": "customer",
                        "partner_id": self.customer.id,
                        "amount": amount,
                        "journal_id": self.journal.id,
                    }
                    for amount in (100.0, 100.0, 300.0)
                ]
            )
        )
        self.assertFalse(payments.wholtra_match_invoice_ids)
        payments.action_wholtra_propose_matching()
        self.assertEqual(payments[0].wholtra_match_invoice_ids, self.inv_old)
        # Second 100: no exact match left, oldest remaining balance is inv_mid.
        self.assertEqual(payments[1].wholtra_match_invoice_ids, self.inv_mid)
        self.assertEqual(payments[2].wholtra_match_invoice_ids, self.inv_new)
        payments.action_post()
        self.assertEqual(self.inv_old.payment_state, "paid")
        self.assertEqual(self.inv_mid.payment_state, "partial")
        self.assertEqual(self.inv_new.payment_state, "paid")

    def test_other_customer_and_disabled_untouched(self):
        payment = self._payment(100.0, self.other_customer)
        self.assertFalse(payment.wholtra_match_invoice_ids)
        self.company.wholtra_payment_matching_enabled = False
        payment = self._payment(100.0)
        self.assertFalse(payment.wholtra_match_invoice_ids)
        with self.assertRaises(UserError):
            payment.action_wholtra_propose_matching()


@tagged("post_install", "-at_install")
class TestStatementLineMatching(WholtraPaymentsCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_wholtra_payments()
        cls.company.wholtra_payment_matching_enabled = True
        cls.journal = cls.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", cls.company.id)], limit=1
        )
        cls.inv_old = cls._invoice(cls.customer, 100.0, -40)
        cls.inv_mid = cls._invoice(cls.customer, 200.0, -10)

    def _st_line(self, amount, partner=None):
        return self.env["account.bank.statement.line"].create(
            {
                "journal_id": self.journal.id,
                "amount": amount,
                "payment_ref": "Transfer from Corner Deli",
                "partner_id": (partner or self.customer).id,
                "date": self.today,
            }
        )

    def test_bank_line_exact_then_reconciled(self):
        line = self._st_line(200.0)
        self.assertEqual(line.wholtra_match_invoice_ids, self.inv_mid)
        self.assertEqual(line.wholtra_match_rule, "exact")
        line.action_wholtra_reconcile_matching()
        self.assertTrue(line.is_reconciled)
        self.assertEqual(self.inv_mid.payment_state, "paid")
        self.assertEqual(self.inv_old.payment_state, "not_paid")

    def test_bank_line_oldest_first_overpayment_credit(self):
        line = self._st_line(350.0)
        self.assertEqual(line.wholtra_match_invoice_ids, self.inv_old | self.inv_mid)
        line.action_wholtra_reconcile_matching()
        self.assertEqual(self.inv_old.payment_state, "paid")
        self.assertEqual(self.inv_mid.payment_state, "paid")
        credit = line.move_id.line_ids.filtered(
            lambda aml: aml.account_id.account_type == "asset_receivable"
        )
        self.assertAlmostEqual(sum(credit.mapped("amount_residual")), -50.0)

    def test_bank_line_proposal_cleared_stays_unreconciled(self):
        line = self._st_line(100.0)
        line.action_wholtra_clear_matching()
        with self.assertRaises(UserError):
            line.action_wholtra_reconcile_matching()
        self.assertFalse(line.is_reconciled)
        self.assertEqual(self.inv_old.payment_state, "not_paid")

    def test_many_lines_go_to_the_scheduled_action(self):
        """Reconciling more transactions than a request should handle: queued for the
        scheduled action (triggered at once), reconciled once each by it, the user
        told the progress and sent a summary; a rerun does nothing more."""
        customers = self.env["res.partner"].create(
            [{"name": f"Queue customer {i}", "is_company": True} for i in range(4)]
        )
        invoices = self.env["account.move"]
        for customer in customers:
            invoices |= self._invoice(customer, 40.0, -5)
        lines = self.env["account.bank.statement.line"]
        for customer in customers:
            lines |= self._st_line(40.0, customer)
        self.assertEqual(lines.wholtra_match_invoice_ids, invoices)
        cron = self.env.ref("wholtra_payments.ir_cron_wholtra_statement_matching")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        billing = self.env["res.users"].create(
            {
                "name": "Queue billing",
                "login": "queue_billing",
                "group_ids": [(6, 0, [self.env.ref("account.group_account_basic").id])],
            }
        )
        with patch.object(st_line_module, "MATCH_SYNC_LIMIT", 2):
            action = lines.with_user(billing).action_wholtra_reconcile_matching()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(set(lines.mapped("wholtra_match_queue_state")), {"queued"})
        self.assertEqual(lines.wholtra_match_queue_uid, billing)
        self.assertFalse(any(lines.mapped("is_reconciled")))
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
            triggers + 1,
        )
        # Not typed by hand.
        with self.assertRaises(AccessError):
            lines[0].with_user(billing).write({"wholtra_match_queue_state": False})

        Bus = self.env["bus.bus"]
        last_bus = Bus.search([], order="id desc", limit=1).id or 0
        with (
            patch.object(st_line_module, "MATCH_CRON_BATCH", 3),
            patch.object(self.env.cr, "commit", lambda: None),
        ):
            self.env["account.bank.statement.line"]._cron_wholtra_statement_matching()
            self.env["account.bank.statement.line"]._cron_wholtra_statement_matching()
        self.env.invalidate_all()
        self.assertEqual(set(invoices.mapped("payment_state")), {"paid"})
        self.assertEqual(invoices.mapped("amount_residual"), [0.0] * 4)
        self.assertTrue(all(lines.mapped("is_reconciled")))
        # Each invoice settled by one transaction, once.
        partials = self.env["account.partial.reconcile"].search(
            [("debit_move_id", "in", invoices.line_ids.ids)]
        )
        self.assertEqual(len(partials), 4)
        self.assertFalse(lines.wholtra_match_queue_uid)
        self.assertFalse(any(lines.mapped("wholtra_match_queue_state")))
        self.env.cr.flush()  # the notifications are stored before the commit
        messages = Bus.search([("id", ">", last_bus)]).mapped("message")
        self.assertTrue(
            any("3 of 4 bank transactions processed" in m for m in messages)
        )
        self.assertTrue(
            any("4 of 4 bank transactions reconciled" in m for m in messages), messages
        )
