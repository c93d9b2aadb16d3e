from odoo.tests import TransactionCase, tagged, warmup

from .common import WholtraPaymentsCommon


@tagged("post_install", "-at_install")
class TestPaymentsQueryCounts(WholtraPaymentsCommon, TransactionCase):
    """Hot paths stay flat in queries whatever the number of records."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls._setup_wholtra_payments()
        cls.company.write(
            {
                "wholtra_payment_matching_enabled": True,
                "wholtra_collection_enabled": True,
            }
        )
        cls.customers = cls.env["res.partner"].create(
            [{"name": f"Vending site {i}", "is_company": True} for i in range(10)]
        )
        cls.invoices = cls.env["account.move"]
        for customer in cls.customers:
            for amount, days in ((100.0, -20), (60.0, -5), (80.0, 10)):
                cls.invoices |= cls._invoice(customer, amount, days)
        cls.journal = cls.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", cls.company.id)], limit=1
        )
        cls.payments = (
            cls.env["account.payment"]
            .sudo()
            .with_context(wholtra_no_matching=True)
            .create(
                [
                    {
                        "payment_type": "inbound",
                        "partner_type": "customer",
                        "partner_id": customer.id,
                        "amount": amount,
                        "journal_id": cls.journal.id,
                    }
                    for customer in cls.customers
                    for amount in (60.0, 130.0)
                ]
            )
        )
        cls.link = cls.env["wholtra.statement.link"].create(
            {"partner_id": cls.customers[0].id}
        )
        cls.Status = cls.env["wholtra.collection.status"]

    @warmup
    def test_matching_20_payments(self):
        self.env.invalidate_all()
        # ~9 queries for the batch + the write of each payment's own proposal (2).
        with self.assertQueryCount(49):
            self.payments.action_wholtra_propose_matching()
        self.assertEqual(self.payments[0].wholtra_match_rule, "exact")
        self.assertEqual(self.payments[1].wholtra_match_rule, "oldest")

    @warmup
    def test_statement_selection_check(self):
        self.env.invalidate_all()
        invoices = self.link._wholtra_get_open_invoices()
        with self.assertQueryCount(3):
            selected = self.link._wholtra_check_selection(invoices.ids, 240.0)
            self.link._wholtra_payment_signature(selected, 240.0)
        self.assertEqual(len(selected), 3)

    @warmup
    def test_collection_rerun_without_change(self):
        self.Status._wholtra_collection_run(self.company)
        self.assertEqual(len(self.Status.search([("level_id", "!=", False)])), 10)
        self.env.invalidate_all()
        with self.assertQueryCount(8):
            changed = self.Status._wholtra_collection_run(self.company)
        self.assertFalse(changed)
