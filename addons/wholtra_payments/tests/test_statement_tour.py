from odoo.tests import HttpCase, tagged
from odoo.tools.misc import find_in_path

from .common import WholtraPaymentsCommon


@tagged("post_install", "-at_install")
class TestStatementTour(WholtraPaymentsCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_wholtra_payments()
        cls.inv_overdue = cls._invoice(cls.customer, 100.0, -20)
        cls.inv_soon = cls._invoice(cls.customer, 200.0, 10)
        cls.inv_later = cls._invoice(cls.customer, 400.0, 40)
        cls.link = cls.env["wholtra.statement.link"].create(
            {"partner_id": cls.customer.id}
        )

    def test_customer_pays_two_invoices_from_statement(self):
        self.assertTrue(
            any(
                find_in_path(b)
                for b in ("chromium", "google-chrome", "chromium-browser")
            ),
            "Chromium is required for the browser tours",
        )
        self.start_tour(self.link._wholtra_portal_path(), "wholtra_statement_pay_tour")
        self.assertEqual(self.inv_overdue.payment_state, "paid")
        self.assertEqual(self.inv_soon.payment_state, "paid")
        self.assertEqual(self.inv_later.payment_state, "not_paid")
        tx = self.link.transaction_ids
        self.assertEqual(len(tx), 1)
        self.assertEqual(tx.amount, 300.0)
        self.assertEqual(len(tx.payment_id), 1)
