from odoo.exceptions import UserError
from odoo.tests import Form, TransactionCase, tagged

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
