import re

from odoo.tests import Form, HttpCase, tagged

from .common import WholtraPaymentsCommon


@tagged("post_install", "-at_install")
class TestStatementPageScreens(WholtraPaymentsCommon, HttpCase):
    """What the customer sees on the statement page (totals, running total, invoice
    PDFs) and what the clerk sees on the link form (what the customer owes)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_wholtra_payments()
        cls.inv_old = cls._invoice(cls.customer, 100.0, -40)
        cls.inv_mid = cls._invoice(cls.customer, 200.0, -10)
        cls.inv_new = cls._invoice(cls.customer, 300.0, 20)
        cls.inv_other = cls._invoice(cls.other_customer, 70.0, -40)
        cls.link = cls.env["wholtra.statement.link"].create(
            {"partner_id": cls.customer.id}
        )

    def _text(self, selector_class, text):
        match = re.search(
            rf'class="[^"]*\b{selector_class}\b[^"]*"[^>]*>(.*?)</', text, re.S
        )
        self.assertTrue(match, f"{selector_class} is shown")
        return re.sub(r"<[^>]+>|\s|&nbsp;|\xa0", "", match.group(1))

    def test_page_totals_and_running_total(self):
        response = self.url_open(self.link._wholtra_portal_path())
        self.assertEqual(response.status_code, 200)
        text = response.text
        # Total owed: the three open invoices; overdue: the two past due.
        self.assertIn("600.00", self._text("o_wholtra_total_owed", text))
        self.assertIn("300.00", self._text("o_wholtra_total_overdue", text))
        # Running total starts with the preselected (overdue) invoices.
        self.assertIn("300.00", self._text("o_wholtra_selected_total", text))
        self.assertEqual(self._text("o_wholtra_selected_count", text), "2")
        # Amounts the frontend script adds up, one per ticked box.
        self.assertIn(f'data-amount="{self.inv_new.amount_residual}"', text)
        # A selection posted back: the running total follows it.
        response = self.url_open(
            self.link._wholtra_portal_path(),
            params={"pay": "1", f"invoice_{self.inv_new.id}": "1"},
        )
        self.assertIn("300.00", self._text("o_wholtra_selected_total", response.text))
        self.assertEqual(self._text("o_wholtra_selected_count", response.text), "1")
        # Phone: the columns that do not fit are hidden below sm/md, never scrolled.
        self.assertNotIn("table-responsive", text)
        self.assertIn('class="text-end d-none d-md-table-cell">Total', text)

    def test_invoice_pdf_links_own_invoices_only(self):
        response = self.url_open(self.link._wholtra_portal_path())
        anchors = re.findall(r"<a [^>]*o_wholtra_invoice_pdf[^>]*>", response.text)
        urls = [
            re.search(r'href="([^"]*)"', anchor).group(1).replace("&amp;", "&")
            for anchor in anchors
        ]
        self.assertEqual(len(urls), 3)
        self.assertNotIn(f"/my/invoices/{self.inv_other.id}?", "".join(urls))
        self.assertFalse(self.inv_other.access_token)
        pdf_url = next(u for u in urls if f"/my/invoices/{self.inv_old.id}?" in u)
        self.assertTrue(self.inv_old.access_token)
        self.assertIn(f"access_token={self.inv_old.access_token}", pdf_url)
        self.assertIn("report_type=pdf", pdf_url)
        pdf = self.url_open(pdf_url)
        self.assertEqual(pdf.status_code, 200)
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")
        # Under test Odoo renders the report body without wkhtmltopdf (test mode):
        # the answer is the invoice's report, served as its PDF download.
        self.assertIn(self.inv_old.name.encode(), pdf.content)
        self.assertIn("attachment", pdf.headers.get("Content-Disposition", ""))
        # The token of the customer's invoice does not open another customer's
        # invoice: Odoo's portal refuses (redirect to the login/portal home).
        other_url = pdf_url.replace(
            f"/my/invoices/{self.inv_old.id}?", f"/my/invoices/{self.inv_other.id}?"
        )
        refused = self.url_open(other_url, allow_redirects=False)
        self.assertNotEqual(refused.status_code, 200)
        self.assertNotIn("application/pdf", refused.headers.get("Content-Type", ""))
        # A revoked link shows nothing.
        self.link.action_revoke()
        self.assertEqual(
            self.url_open(self.link._wholtra_portal_path()).status_code, 404
        )

    def test_link_form_shows_what_the_customer_owes(self):
        self.env.invalidate_all()
        form = Form(self.link)
        self.assertEqual(form.amount_open, 600.0)
        self.assertEqual(form.amount_overdue, 300.0)
        other = self.env["wholtra.statement.link"].create(
            {"partner_id": self.other_customer.id}
        )
        links = self.link | other
        self.assertEqual(links.mapped("amount_open"), [600.0, 70.0])
        self.assertEqual(links.mapped("amount_overdue"), [300.0, 70.0])
        arch = self.env["wholtra.statement.link"].get_view(view_type="form")["arch"]
        self.assertIn('name="amount_open"', arch)
        self.assertIn('name="amount_overdue"', arch)
        self.assertIn('name="action_send"', arch)
