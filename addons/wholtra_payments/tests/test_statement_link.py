import re

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from .common import WholtraPaymentsCommon


@tagged("post_install", "-at_install")
class TestStatementLinkModel(WholtraPaymentsCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_wholtra_payments()
        cls.inv_old = cls._invoice(cls.customer, 100.0, -40)
        cls.inv_mid = cls._invoice(cls.customer, 200.0, -10)
        cls.inv_new = cls._invoice(cls.customer, 300.0, 20)
        cls.inv_contact = cls._invoice(cls.customer_contact, 50.0, -5)
        cls.inv_other = cls._invoice(cls.other_customer, 70.0, -40)
        cls.link = cls.env["wholtra.statement.link"].create(
            {"partner_id": cls.customer.id}
        )

    def test_token_generated_and_checked(self):
        Link = self.env["wholtra.statement.link"]
        self.assertGreaterEqual(len(self.link.access_token), 40)
        self.assertEqual(
            Link._wholtra_get_by_token(self.link.id, self.link.access_token), self.link
        )
        token = self.link.access_token
        wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
        self.assertFalse(Link._wholtra_get_by_token(self.link.id, wrong))
        self.assertFalse(Link._wholtra_get_by_token(self.link.id, None))
        other = Link.create({"partner_id": self.other_customer.id})
        # Another customer's token does not open this customer's statement.
        self.assertFalse(Link._wholtra_get_by_token(self.link.id, other.access_token))

    def test_revoked_expired_or_disabled_link_refused(self):
        Link = self.env["wholtra.statement.link"]
        token = self.link.access_token
        self.company.wholtra_statement_links_enabled = False
        self.assertFalse(Link._wholtra_get_by_token(self.link.id, token))
        self.company.wholtra_statement_links_enabled = True
        # A link expires with time (it cannot be given a past date by hand).
        self.env.cr.execute(
            "UPDATE wholtra_statement_link SET expiry_date = '2000-01-01' WHERE id = %s",
            [self.link.id],
        )
        self.link.invalidate_recordset()
        self.assertFalse(Link._wholtra_get_by_token(self.link.id, token))
        self.link.expiry_date = False
        self.link.action_revoke()
        self.assertFalse(self.link.active)
        self.assertTrue(self.link.revoke_date)
        self.assertFalse(Link._wholtra_get_by_token(self.link.id, token))

    def test_open_invoices_commercial_entity_oldest_first(self):
        invoices = self.link._wholtra_get_open_invoices()
        self.assertEqual(
            invoices, self.inv_old | self.inv_mid | self.inv_contact | self.inv_new
        )
        self.assertEqual(invoices[0], self.inv_old)
        self.assertEqual(invoices[-1], self.inv_new)
        self.assertNotIn(self.inv_other, invoices)

    def test_selection_revalidated(self):
        with self.assertRaises(ValidationError):
            self.link._wholtra_check_selection(
                [self.inv_old.id, self.inv_other.id], 170
            )
        with self.assertRaises(ValidationError):
            self.link._wholtra_check_selection([], 10)
        with self.assertRaises(ValidationError):
            self.link._wholtra_check_selection([self.inv_old.id], 0)
        with self.assertRaises(ValidationError):
            self.link._wholtra_check_selection([self.inv_old.id], -5)
        with self.assertRaises(ValidationError):
            self.link._wholtra_check_selection([999999999], 10)

    def test_one_active_link_per_customer_and_no_contact_link(self):
        with self.assertRaises(ValidationError):
            self.env["wholtra.statement.link"].create(
                {"partner_id": self.customer_contact.id}
            )
        link = self.env["wholtra.statement.link"]._wholtra_get_or_create_for_partner(
            self.customer_contact
        )
        self.assertEqual(link, self.link)

    def test_partner_button_opens_single_link(self):
        action = self.customer.action_wholtra_statement_link()
        self.assertEqual(action["res_id"], self.link.id)
        self.link.action_revoke()
        action = self.customer.action_wholtra_statement_link()
        new_link = self.env["wholtra.statement.link"].browse(action["res_id"])
        self.assertNotEqual(new_link, self.link)
        self.assertTrue(new_link.active)
        self.assertTrue(new_link.url.endswith(new_link._wholtra_portal_path()))
        self.company.wholtra_statement_links_enabled = False
        with self.assertRaises(UserError):
            self.customer.action_wholtra_statement_link()

    def test_multi_company_rule(self):
        company_b = self.env["res.company"].create({"name": "Wholtra North"})
        clerk_b = new_test_user(
            self.env,
            "wh_clerk_b",
            groups="base.group_user,account.group_account_invoice",
            company_id=company_b.id,
            company_ids=[company_b.id],
        )
        Link = self.env["wholtra.statement.link"].with_user(clerk_b)
        self.assertFalse(Link.search([("id", "=", self.link.id)]))
        with self.assertRaises(AccessError):
            self.link.with_user(clerk_b).read(["access_token"])

    def test_billing_user_manages_links_portal_user_cannot(self):
        portal = new_test_user(self.env, "wh_portal_a", groups="base.group_portal")
        with self.assertRaises(AccessError):
            self.env["wholtra.statement.link"].with_user(portal).search([]).mapped(
                "access_token"
            )
        clerk = new_test_user(
            self.env, "wh_clerk", groups="base.group_user,account.group_account_invoice"
        )
        self.assertEqual(self.link.with_user(clerk).partner_id, self.customer)


@tagged("post_install", "-at_install")
class TestStatementPortal(WholtraPaymentsCommon, HttpCase):
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
        cls.other_link = cls.env["wholtra.statement.link"].create(
            {"partner_id": cls.other_customer.id}
        )

    def _page(self, link=None, **params):
        link = link or self.link
        return self.url_open(link._wholtra_portal_path(), params=params)

    def _pay_page(self, invoices, amount=None):
        params = {"pay": "1", **{f"invoice_{inv.id}": "1" for inv in invoices}}
        if amount is not None:
            params["amount"] = str(amount)
        response = self._page(**params)
        self.assertEqual(response.status_code, 200)
        match = re.search(r'data-access-token="([^"]+)"', response.text)
        self.assertTrue(match, "the payment form is shown")
        route = re.search(r'data-transaction-route="([^"]+)"', response.text).group(1)
        return route, match.group(1)

    def _tx_params(self, amount, signature):
        return {
            "provider_id": self.provider.id,
            "payment_method_id": self.demo_method.id,
            "token_id": None,
            "amount": amount,
            "flow": "direct",
            "tokenization_requested": False,
            "landing_route": self.link._wholtra_portal_path(),
            "is_validation": False,
            "access_token": signature,
        }

    def _pay(self, invoices, amount):
        route, signature = self._pay_page(invoices, amount)
        values = self.make_jsonrpc_request(route, self._tx_params(amount, signature))
        tx = self.env["payment.transaction"].search(
            [("reference", "=", values["reference"])]
        )
        self.assertEqual(tx.wholtra_statement_link_id, self.link)
        tx.action_demo_set_done()
        tx._post_process()
        return tx

    def test_page_lists_only_own_open_invoices_overdue_preselected(self):
        response = self._page()
        self.assertEqual(response.status_code, 200)
        text = response.text
        for inv in self.inv_old | self.inv_mid | self.inv_new:
            self.assertIn(inv.name, text)
        self.assertNotIn(self.inv_other.partner_id.name, text)
        self.assertIn(f'name="invoice_{self.inv_old.id}" checked', text)
        self.assertIn(f'name="invoice_{self.inv_mid.id}" checked', text)
        self.assertIn(f'name="invoice_{self.inv_new.id}"/>', text)  # not preselected

    def test_disputed_invoice_shown_marked_not_preselected(self):
        self.inv_mid._wholtra_set_dispute("Wrong price on line 2")
        text = self._page().text
        row = re.search(
            rf'<tr[^>]*data-invoice-name="{re.escape(self.inv_mid.name)}".*?</tr>',
            text,
            re.S,
        ).group(0)
        self.assertIn("In dispute", row)
        self.assertIn('data-disputed="1"', row)
        self.assertNotIn("checked", row)  # not preselected
        self.assertNotIn("table-danger", row)  # not counted overdue
        self.assertIn(f'name="invoice_{self.inv_old.id}" checked', text)
        # Paying what is preselected leaves the disputed invoice open.
        tx = self._pay(self.inv_old, 100.0)
        self.assertEqual(tx.invoice_ids, self.inv_old)
        self.assertEqual(self.inv_mid.payment_state, "not_paid")
        # The customer ticks it: then it is paid, as chosen.
        tx = self._pay(self.inv_mid | self.inv_new, 500.0)
        self.assertEqual(tx.invoice_ids, self.inv_mid | self.inv_new)
        self.assertIn(self.inv_mid.payment_state, ("paid", "in_payment"))

    def test_wrong_token_or_other_customer_token_is_404(self):
        response = self.url_open(f"/wholtra/statement/{self.link.id}/nope")
        self.assertEqual(response.status_code, 404)
        response = self.url_open(
            f"/wholtra/statement/{self.link.id}/{self.other_link.access_token}"
        )
        self.assertEqual(response.status_code, 404)
        self.link.action_revoke()
        self.assertEqual(self._page().status_code, 404)

    def test_malformed_or_negative_amount_refused_on_page(self):
        for amount in ("abc", "-5", "0", "inf", "nan"):
            response = self._page(
                pay="1", amount=amount, **{f"invoice_{self.inv_old.id}": "1"}
            )
            self.assertEqual(response.status_code, 200)
            self.assertIn("o_wholtra_statement_error", response.text)
            self.assertNotIn("o_payment_form", response.text)

    def test_other_customers_invoice_in_selection_refused(self):
        response = self._page(
            pay="1",
            **{f"invoice_{self.inv_old.id}": "1", f"invoice_{self.inv_other.id}": "1"},
        )
        self.assertIn("o_wholtra_statement_error", response.text)
        self.assertNotIn("o_payment_form", response.text)

    def test_pay_subset_full_amount_oldest_first(self):
        tx = self._pay(self.inv_old | self.inv_new, 400.0)
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.payment_id.amount, 400.0)
        self.assertEqual(self.inv_old.payment_state, "paid")
        self.assertEqual(self.inv_new.payment_state, "paid")
        self.assertEqual(self.inv_mid.payment_state, "not_paid")
        self.assertEqual(tx.invoice_ids, self.inv_old | self.inv_new)
        # AR status (wholtra_invoicing) follows at once.
        self.assertEqual(self.inv_old.wholtra_ar_status, "paid")
        self.assertEqual(self.inv_new.wholtra_ar_status, "paid")
        self.assertEqual(self.inv_mid.wholtra_ar_status, "past_due")

    def test_partial_payment_settles_oldest_due_first(self):
        # 250 over three invoices of 100/200/300: oldest fully, then 150 on the next.
        self._pay(self.inv_new | self.inv_old | self.inv_mid, 250.0)
        self.assertEqual(self.inv_old.payment_state, "paid")
        self.assertEqual(self.inv_mid.payment_state, "partial")
        self.assertAlmostEqual(self.inv_mid.amount_residual, 50.0)
        self.assertEqual(self.inv_new.payment_state, "not_paid")
        self.assertAlmostEqual(self.inv_new.amount_residual, 300.0)

    def test_overpayment_stays_customer_credit(self):
        self.company.wholtra_statement_overpay_tolerance = 50.0
        tx = self._pay(self.inv_old, 130.0)
        self.assertEqual(self.inv_old.payment_state, "paid")
        credit_lines = tx.payment_id.move_id.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.assertAlmostEqual(sum(credit_lines.mapped("amount_residual")), -30.0)
        # The credit is proposed on the customer's next invoice and shown on the
        # statement.
        self.assertTrue(self.inv_mid.invoice_has_outstanding)
        self.assertAlmostEqual(self.link._wholtra_available_credit(), 30.0)
        self.assertIn("o_wholtra_statement_credit", self._page().text)

    def test_tampered_amount_or_invoices_refused(self):
        route, signature = self._pay_page(self.inv_old | self.inv_mid, 300.0)
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request(route, self._tx_params(3.0, signature))
        tampered_route = route.replace(
            f"{self.inv_old.id}-{self.inv_mid.id}", f"{self.inv_old.id}"
        )
        self.assertNotEqual(tampered_route, route)
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request(tampered_route, self._tx_params(300.0, signature))
        foreign_route = route.replace(
            f"{self.inv_old.id}-{self.inv_mid.id}", f"{self.inv_other.id}"
        )
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request(foreign_route, self._tx_params(300.0, signature))
        other_token_route = route.replace(
            self.link.access_token, self.other_link.access_token
        )
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request(
                other_token_route, self._tx_params(300.0, signature)
            )
        self.assertFalse(
            self.env["payment.transaction"].search(
                [("wholtra_statement_link_id", "=", self.link.id)]
            )
        )

    def test_replayed_notification_posts_once(self):
        tx = self._pay(self.inv_mid, 200.0)
        payment = tx.payment_id
        tx.action_demo_set_done()
        self.env["payment.transaction"].sudo()._process(
            "demo", {"reference": tx.reference, "simulated_state": "done"}
        )
        tx._post_process()
        payments = self.env["account.payment"].search(
            [("payment_transaction_id", "=", tx.id)]
        )
        self.assertEqual(payments, payment)
        self.assertEqual(self.inv_mid.payment_state, "paid")

    def test_portal_user_a_cannot_read_b_statement(self):
        user_a = new_test_user(self.env, "wh_portal_user_a", groups="base.group_portal")
        user_a.partner_id.parent_id = self.customer
        self.authenticate("wh_portal_user_a", "wh_portal_user_a")
        # B's link without B's token: not found, even when logged in as A.
        response = self.url_open(f"/wholtra/statement/{self.other_link.id}/guess")
        self.assertEqual(response.status_code, 404)
        with self.assertRaises(AccessError):
            self.other_link.with_user(user_a).read(["access_token"])
