from odoo.tests import HttpCase, tagged
from odoo.tools.misc import find_in_path

from .common import WholtraPaymentsCommon


@tagged("post_install", "-at_install")
class TestStatementPhoneTour(WholtraPaymentsCommon, HttpCase):
    """The customer pays two invoices from the statement link on a 390-px phone."""

    browser_size = "390x844"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_wholtra_payments()
        cls.inv_overdue = cls._invoice(cls.customer, 100.0, -20)
        cls.inv_soon = cls._invoice(cls.customer, 200.0, 10)
        cls.inv_later = cls._invoice(cls.customer, 400.0, 40)
        cls.inv_other = cls._invoice(cls.other_customer, 70.0, -20)
        cls.link = cls.env["wholtra.statement.link"].create(
            {"partner_id": cls.customer.id}
        )

    def test_customer_pays_two_invoices_on_a_phone(self):
        self.assertTrue(
            any(
                find_in_path(b)
                for b in ("chromium", "google-chrome", "chromium-browser")
            ),
            "Chromium is required for the browser tours",
        )
        self.start_tour(
            self.link._wholtra_portal_path(), "wholtra_statement_phone_tour"
        )
        self.assertIn(self.inv_overdue.payment_state, ("paid", "in_payment"))
        self.assertIn(self.inv_soon.payment_state, ("paid", "in_payment"))
        self.assertEqual(self.inv_later.payment_state, "not_paid")
        self.assertEqual(self.inv_other.payment_state, "not_paid")
        self.assertEqual(self.link.transaction_ids.amount, 300.0)
