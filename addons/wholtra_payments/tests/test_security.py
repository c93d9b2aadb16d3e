import math
import re
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, TransactionCase, new_test_user, tagged

from .common import WholtraPaymentsCommon

CLEAN_ERRORS = {
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.AccessError",
    "odoo.exceptions.MissingError",
    "werkzeug.exceptions.NotFound",
    "werkzeug.exceptions.BadRequest",
    "werkzeug.exceptions.Forbidden",
}
CREDIT_MANAGER = "wholtra_orders.group_wholtra_credit_manager"


class WholtraRolesCommon(WholtraPaymentsCommon):
    """The project's roles, built once per class."""

    @classmethod
    def _setup_roles(cls):
        cls.company_b = cls.env["res.company"].create({"name": "Wholtra Pay Co B"})
        cls.portal_user = new_test_user(
            cls.env,
            "wh_sec_portal",
            groups="base.group_portal",
            partner_id=cls.customer_contact.id,
        )
        cls.other_portal = new_test_user(
            cls.env, "wh_sec_other_portal", groups="base.group_portal"
        )
        cls.other_portal.partner_id.parent_id = cls.other_customer
        cls.salesman = new_test_user(
            cls.env, "wh_sec_sales", groups="sales_team.group_sale_salesman"
        )
        cls.stock_user = new_test_user(
            cls.env, "wh_sec_stock", groups="stock.group_stock_user"
        )
        cls.billing = new_test_user(
            cls.env, "wh_sec_billing", groups="account.group_account_invoice"
        )
        cls.account_manager = new_test_user(
            cls.env, "wh_sec_accmgr", groups="account.group_account_manager"
        )
        cls.credit_manager = new_test_user(
            cls.env,
            "wh_sec_credit",
            groups=f"sales_team.group_sale_salesman,{CREDIT_MANAGER}",
        )
        cls.billing_b = new_test_user(
            cls.env,
            "wh_sec_billing_b",
            groups="account.group_account_invoice",
            company_id=cls.company_b.id,
            company_ids=[cls.company_b.id],
        )


@tagged("post_install", "-at_install")
class TestStatementLinkGuards(WholtraRolesCommon, TransactionCase):
    """Who may create, change and revoke statement links, over the ORM/RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_wholtra_payments()
        cls._setup_roles()
        cls.link = cls.env["wholtra.statement.link"].create(
            {"partner_id": cls.customer.id}
        )
        cls.token = cls.link.access_token

    def _read_back(self):
        self.env.invalidate_all()
        return self.link.read(
            ["access_token", "partner_id", "company_id", "revoke_date", "active"]
        )[0]

    def test_only_billing_creates_links(self):
        Link = self.env["wholtra.statement.link"]
        for user in (self.portal_user, self.salesman, self.stock_user):
            with self.assertRaises(AccessError, msg=user.login):
                Link.with_user(user).create({"partner_id": self.other_customer.id})
        self.env.invalidate_all()
        self.assertFalse(Link.search([("partner_id", "=", self.other_customer.id)]))
        link = Link.with_user(self.billing).create(
            {"partner_id": self.other_customer.id}
        )
        self.assertTrue(link.access_token)

    def test_token_partner_company_revoke_date_not_writable(self):
        before = self._read_back()
        for user in (self.billing, self.account_manager):
            link = self.link.with_user(user)
            for vals in (
                {"access_token": "chosen-by-the-clerk-0123456789012345678901"},
                {"partner_id": self.other_customer.id},
                {"company_id": self.company_b.id},
                {"revoke_date": fields.Datetime.now()},
            ):
                with self.assertRaises(AccessError, msg=f"{user.login} {vals}"):
                    link.write(vals)
        self.assertEqual(self._read_back(), before)
        # Nor set at creation.
        with self.assertRaises(AccessError):
            self.env["wholtra.statement.link"].with_user(self.billing).create(
                {"partner_id": self.other_customer.id, "access_token": "x" * 43}
            )

    def test_expiry_in_the_past_refused(self):
        yesterday = self.today - timedelta(days=1)
        with self.assertRaises(ValidationError):
            self.link.with_user(self.billing).write({"expiry_date": yesterday})
        with self.assertRaises(ValidationError):
            self.link.with_user(self.billing).write({"expiry_date": "not a date"})
        with self.assertRaises(ValidationError):
            self.env["wholtra.statement.link"].with_user(self.billing).create(
                {"partner_id": self.other_customer.id, "expiry_date": yesterday}
            )
        self.env.invalidate_all()
        self.assertNotEqual(self.link.expiry_date, yesterday)
        self.assertFalse(
            self.env["wholtra.statement.link"].search(
                [("partner_id", "=", self.other_customer.id)]
            )
        )
        next_week = self.today + timedelta(days=7)
        self.link.with_user(self.billing).expiry_date = next_week
        self.env.invalidate_all()
        self.assertEqual(self.link.expiry_date, next_week)

    def test_revoke_through_the_method_only(self):
        link = self.link.with_user(self.billing)
        # Archiving is revoking; a revoked link is never restored.
        link.action_archive()
        after = self._read_back()
        self.assertFalse(after["active"])
        self.assertTrue(after["revoke_date"])
        with self.assertRaises(UserError):
            link.action_unarchive()
        self.assertFalse(self._read_back()["active"])
        self.assertFalse(
            self.env["wholtra.statement.link"]._wholtra_get_by_token(
                self.link.id, self.token
            )
        )

    def test_other_roles_and_companies_cannot_revoke_or_open(self):
        for user in (self.salesman, self.stock_user, self.portal_user):
            with self.assertRaises(AccessError, msg=user.login):
                self.link.with_user(user).action_revoke()
            with self.assertRaises(AccessError, msg=user.login):
                self.link.with_user(user).action_open_portal()
        with self.assertRaises(AccessError):
            self.link.with_user(self.billing_b).action_revoke()
        self.assertTrue(self._read_back()["active"])

    def test_public_methods_clean_errors(self):
        Link = self.env["wholtra.statement.link"].with_user(self.billing)
        for method in ("action_revoke", "action_open_portal"):
            with self.assertRaises(UserError, msg=method):
                getattr(Link.browse(), method)()
            with self.assertRaises(UserError, msg=method):
                getattr(Link.browse(999999999), method)()
        with self.assertRaises(UserError):
            self.env["res.partner"].with_user(self.billing).browse(
                []
            ).action_wholtra_statement_link()
        with self.assertRaises(AccessError):
            self.customer.with_user(self.salesman).action_wholtra_statement_link()
        action = self.customer.with_user(self.billing).action_wholtra_statement_link()
        self.assertEqual(action["res_id"], self.link.id)
        self.assertEqual(
            self.link.with_user(self.billing).action_open_portal()["url"], self.link.url
        )

    def test_internal_fields_hidden_from_portal(self):
        partner = self.customer.with_user(self.portal_user)
        for field in ("wholtra_cod", "wholtra_statement_link_ids"):
            with self.assertRaises(AccessError, msg=field):
                partner.read([field])
        self.assertEqual(
            self.env["res.partner"]._fields["wholtra_statement_link_ids"].groups,
            "account.group_account_invoice",
        )
        self.assertEqual(
            self.env["sale.order"]._fields["wholtra_cod"].groups, "base.group_user"
        )


@tagged("post_install", "-at_install")
class TestCollectionStatusGuard(WholtraRolesCommon, TransactionCase):
    """Collection status rows are written by the collection sequence only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_wholtra_payments()
        cls._setup_roles()
        cls.company.wholtra_collection_enabled = True
        cls.company.wholtra_collection_lift_hold = True
        cls.invoice = cls._invoice(cls.customer, 500.0, -10)
        cls.Status = cls.env["wholtra.collection.status"]

    def _pay_invoice(self, user=None):
        register = self.env["account.payment.register"]
        if user:
            register = register.with_user(user)
        register.with_context(
            active_model="account.move", active_ids=self.invoice.ids
        ).create({})._create_payments()

    def test_billing_cannot_fake_a_collection_hold(self):
        # A credit manager holds the customer for a bounced cheque.
        self.customer.with_user(self.credit_manager)._wholtra_set_hold("Cheque bounced")
        fake = {
            "partner_id": self.customer.id,
            "company_id": self.company.id,
            "hold_set": True,
            "hold_reason": "Cheque bounced",
        }
        for user in (self.billing, self.account_manager, self.credit_manager):
            with self.assertRaises(AccessError, msg=user.login):
                self.Status.with_user(user).create(fake)
        self.env.invalidate_all()
        self.assertFalse(self.Status.search([("partner_id", "=", self.customer.id)]))
        # The payment runs the refresh: the manager's hold stays.
        self._pay_invoice(self.billing)
        self.env.invalidate_all()
        self.assertEqual(self.invoice.payment_state, "paid")
        self.assertTrue(self.customer.wholtra_hold_manual)
        self.assertEqual(self.customer.wholtra_hold_reason, "Cheque bounced")

    def test_billing_cannot_mark_a_manual_hold_as_collections(self):
        self.Status._wholtra_collection_run(self.company)
        status = self.Status.search([("partner_id", "=", self.customer.id)])
        self.assertTrue(status.level_id)
        self.customer.with_user(self.credit_manager)._wholtra_set_hold("Risk review")
        for user in (self.billing, self.account_manager):
            with self.assertRaises(AccessError, msg=user.login):
                status.with_user(user).write(
                    {"hold_set": True, "hold_reason": "Risk review"}
                )
            with self.assertRaises(AccessError, msg=user.login):
                status.with_user(user).unlink()
        self.env.invalidate_all()
        self.assertFalse(status.hold_set)
        self._pay_invoice(self.billing)
        self.env.invalidate_all()
        self.assertTrue(self.customer.wholtra_hold_manual)
        self.assertFalse(status.level_id)  # the legit refresh cleared the level

    def test_collection_hold_still_lifted_by_payment_of_billing_user(self):
        self.Status._wholtra_collection_run(
            self.company, today=self.today + timedelta(days=25)
        )
        self.assertTrue(self.customer.wholtra_hold_manual)
        self._pay_invoice(self.billing)
        self.Status._wholtra_collection_run(
            self.company, today=self.today + timedelta(days=25)
        )
        self.env.invalidate_all()
        self.assertFalse(self.customer.wholtra_hold_manual)

    def test_open_invoices_action_clean_errors(self):
        self.Status._wholtra_collection_run(self.company)
        status = self.Status.search([("partner_id", "=", self.customer.id)])
        with self.assertRaises(UserError):
            self.Status.with_user(self.billing).action_wholtra_open_invoices()
        with self.assertRaises(AccessError):
            status.with_user(self.salesman).action_wholtra_open_invoices()
        action = status.with_user(self.billing).action_wholtra_open_invoices()
        self.assertEqual(action["res_model"], "account.move")


@tagged("post_install", "-at_install")
class TestMatchingApi(WholtraRolesCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_wholtra_payments()
        cls._setup_roles()
        cls.company.wholtra_payment_matching_enabled = True
        cls.invoice = cls._invoice(cls.customer, 90.0, -5)
        cls.payment = (
            cls.env["account.payment"]
            .sudo()
            .with_context(wholtra_no_matching=True)
            .create(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": cls.customer.id,
                    "amount": 90.0,
                }
            )
        )

    def test_matching_actions_need_billing_and_records(self):
        for method in (
            "action_wholtra_propose_matching",
            "action_wholtra_clear_matching",
        ):
            with self.assertRaises(AccessError, msg=method):
                getattr(self.payment.with_user(self.salesman), method)()
            with self.assertRaises(UserError, msg=method):
                getattr(self.env["account.payment"].with_user(self.billing), method)()
        self.env.invalidate_all()
        self.assertFalse(self.payment.wholtra_match_invoice_ids)
        self.payment.with_user(self.billing).action_wholtra_propose_matching()
        self.env.invalidate_all()
        self.assertEqual(self.payment.wholtra_match_invoice_ids, self.invoice)

    def test_statement_line_actions_need_billing(self):
        Line = self.env["account.bank.statement.line"]
        for method in (
            "action_wholtra_propose_matching",
            "action_wholtra_clear_matching",
            "action_wholtra_reconcile_matching",
        ):
            with self.assertRaises(AccessError, msg=method):
                getattr(Line.with_user(self.stock_user), method)()
            with self.assertRaises(UserError, msg=method):
                getattr(Line.with_user(self.billing), method)()


@tagged("post_install", "-at_install")
class TestCodSecurity(WholtraRolesCommon, TransactionCase):
    """The COD collection is recorded through the wizard only, with a sane amount,
    checked before anything is moved or posted."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls._setup_wholtra_payments()
        cls._setup_roles()
        cls.company.write(
            {
                "wholtra_cod_enabled": True,
                "wholtra_invoice_mode": "dispatch",
                "wholtra_invoice_auto_post": True,
            }
        )
        if "wholtra_invoice_send_email" in cls.company._fields:
            cls.company.wholtra_invoice_send_email = False
        cls.customer.wholtra_cod = True
        cls.company.wholtra_cod_journal_id = cls.env["account.journal"].create(
            {"name": "Drivers cash sec", "type": "cash", "code": "DRSC"}
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "Cola cans sec",
                "type": "consu",
                "list_price": 12.0,
                "invoice_policy": "delivery",
                "taxes_id": [Command.clear()],
            }
        )
        order = cls.env["sale.order"].create(
            {
                "partner_id": cls.customer.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": cls.product.id,
                            "product_uom_qty": 10,
                            "price_unit": 12.0,
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        cls.picking = order.picking_ids
        for move in cls.picking.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True

    def _cod_state(self):
        self.env.invalidate_all()
        return (
            self.picking.state,
            self.picking.wholtra_cod_amount,
            self.picking.wholtra_cod_method,
            self.picking.wholtra_cod_payment_id,
            self.env["account.payment"].search_count(
                [("partner_id", "=", self.customer.id)]
            ),
        )

    def _wizard(self, amount, user=None):
        return (
            self.env["wholtra.cod.collect.wizard"]
            .with_user(user or self.stock_user)
            .create({"picking_id": self.picking.id, "amount": amount, "method": "cash"})
        )

    def test_cod_fields_not_writable_by_hand(self):
        before = self._cod_state()
        for user in (self.stock_user, self.billing, self.salesman):
            with self.assertRaises(AccessError, msg=user.login):
                self.picking.with_user(user).write(
                    {"wholtra_cod_amount": 120.0, "wholtra_cod_method": "cash"}
                )
        self.assertEqual(self._cod_state(), before)
        # Validating still asks for the collection.
        action = self.picking.with_user(self.stock_user).button_validate()
        self.assertEqual(action["res_model"], "wholtra.cod.collect.wizard")

    def test_absurd_amounts_refused_before_anything_is_posted(self):
        before = self._cod_state()
        for amount in (float("nan"), float("inf"), "abc", 1e13, 1e308, -1e308):
            with self.assertRaises(ValidationError, msg=amount):
                self._wizard(amount).action_confirm()
            self.assertEqual(self._cod_state(), before, amount)
        for amount in (-5.0, 0.0, 10_000.0):
            wizard = self._wizard(amount)
            with self.assertRaises(ValidationError, msg=amount):
                wizard.action_confirm()
            self.assertEqual(self._cod_state(), before, amount)

    def test_model_method_refuses_nan_before_posting(self):
        # Even if a NaN reached the delivery (not through the wizard), nothing is
        # moved or posted.
        self.env.cr.execute(
            "UPDATE stock_picking SET wholtra_cod_amount = 'NaN', "
            "wholtra_cod_method = 'cash' WHERE id = %s",
            [self.picking.id],
        )
        self.env.invalidate_all()
        self.assertTrue(math.isnan(self.picking.wholtra_cod_amount))
        with self.assertRaises(ValidationError):
            self.picking._action_done()
        with self.assertRaises(ValidationError):
            self.picking._wholtra_cod_post_payment()
        self.env.invalidate_all()
        self.assertNotEqual(self.picking.state, "done")
        self.assertFalse(
            self.env["account.payment"].search([("partner_id", "=", self.customer.id)])
        )

    def test_wizard_needs_stock_user_and_one_record(self):
        with self.assertRaises(AccessError):
            self._wizard(120.0, user=self.billing).action_confirm()
        with self.assertRaises(UserError):
            self.env["wholtra.cod.collect.wizard"].with_user(
                self.stock_user
            ).action_confirm()
        self.assertEqual(self._cod_state()[0], "assigned")

    def test_legit_collection_by_driver(self):
        self._wizard(120.0).action_confirm()
        state, amount, method, payment, count = self._cod_state()
        self.assertEqual((state, amount, method, count), ("done", 120.0, "cash", 1))
        self.assertEqual(payment.amount, 120.0)
        self.assertEqual(self.picking.wholtra_invoice_ids.payment_state, "paid")


@tagged("post_install", "-at_install")
class TestStatementRouteSecurity(WholtraRolesCommon, HttpCase):
    """The statement's transaction route over real HTTP, as the public visitor, the
    customer's portal user and another customer's portal user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_wholtra_payments()
        cls._setup_roles()
        cls.inv_old = cls._invoice(cls.customer, 40.0, -40)
        cls.inv_new = cls._invoice(cls.customer, 300.0, 20)
        cls.link = cls.env["wholtra.statement.link"].create(
            {"partner_id": cls.customer.id}
        )
        Token = cls.env["payment.token"]
        token_values = {
            "provider_id": cls.provider.id,
            "payment_method_id": cls.demo_method.id,
            "payment_details": "4242",
            "provider_ref": "wh-sec-demo",
            "demo_simulated_state": "done",
        }
        cls.card = Token.create({**token_values, "partner_id": cls.customer.id})
        cls.other_card = Token.create(
            {**token_values, "partner_id": cls.other_customer.id}
        )

    # --- helpers -----------------------------------------------------------
    def _pay_page(self, invoices, amount=None):
        params = {"pay": "1", **{f"invoice_{inv.id}": "1" for inv in invoices}}
        if amount is not None:
            params["amount"] = str(amount)
        response = self.url_open(self.link._wholtra_portal_path(), params=params)
        self.assertEqual(response.status_code, 200)
        return response

    def _signed(self, invoices, amount):
        text = self._pay_page(invoices, amount).text
        match = re.search(r'data-access-token="([^"]+)"', text)
        self.assertTrue(match, "the payment form is shown")
        route = re.search(r'data-transaction-route="([^"]+)"', text).group(1)
        return route, match.group(1), text

    def _params(self, amount, signature, flow="direct", token=None):
        return {
            "provider_id": self.provider.id,
            "payment_method_id": self.demo_method.id,
            "token_id": token,
            "amount": amount,
            "flow": flow,
            "tokenization_requested": False,
            "landing_route": "/evil",
            "is_validation": False,
            "access_token": signature,
        }

    def _rpc(self, route, params):
        """(result, error name, error message) of a JSON-RPC call."""
        response = self.opener.post(
            f"{self.base_url()}{route}",
            json={"id": 0, "jsonrpc": "2.0", "method": "call", "params": params},
            timeout=30,
        )
        self.assertLess(response.status_code, 500, response.text[:300])
        body = response.json()
        if "error" in body:
            data = body["error"]["data"]
            return None, data["name"], data["message"]
        return body.get("result"), None, None

    def _txs(self):
        self.env.invalidate_all()
        return self.env["payment.transaction"].search(
            [("wholtra_statement_link_id", "=", self.link.id)]
        )

    def _refused(self, route, params):
        result, name, message = self._rpc(route, params)
        self.assertIn(name, CLEAN_ERRORS, message)
        return message

    # --- saved cards -------------------------------------------------------
    def test_public_visitor_gets_no_saved_card(self):
        route, signature, text = self._signed(self.inv_old, 40.0)
        self.assertNotIn('data-payment-option-type="token"', text)
        messages = {
            self._refused(route, self._params(40.0, signature, "token", token))
            for token in (self.card.id, self.other_card.id, 999999999, "x", None)
        }
        self.assertEqual(len(messages), 1, messages)  # no oracle
        self.assertFalse(self._txs())
        self.assertEqual(self.inv_old.payment_state, "not_paid")

    def test_other_customers_user_gets_no_saved_card(self):
        self.authenticate("wh_sec_other_portal", "wh_sec_other_portal")
        route, signature, text = self._signed(self.inv_old, 40.0)
        self.assertNotIn('data-payment-option-type="token"', text)
        messages = {
            self._refused(route, self._params(40.0, signature, "token", token))
            for token in (self.card.id, self.other_card.id, 999999999)
        }
        self.assertEqual(len(messages), 1, messages)
        self.assertFalse(self._txs())

    def test_customers_user_pays_with_own_card(self):
        self.authenticate("wh_sec_portal", "wh_sec_portal")
        route, signature, text = self._signed(self.inv_old, 40.0)
        self.assertIn('data-payment-option-type="token"', text)
        # Not someone else's card, with the same answer as an unknown id.
        m1 = self._refused(
            route, self._params(40.0, signature, "token", self.other_card.id)
        )
        m2 = self._refused(route, self._params(40.0, signature, "token", 999999999))
        self.assertEqual(m1, m2)
        self.assertFalse(self._txs())
        result, name, message = self._rpc(
            route, self._params(40.0, signature, "token", self.card.id)
        )
        self.assertFalse(name, message)
        tx = self._txs()
        self.assertEqual(tx.token_id, self.card)
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.landing_route, self.link._wholtra_portal_path())
        tx._post_process()
        self.env.invalidate_all()
        self.assertEqual(self.inv_old.payment_state, "paid")
        self.assertEqual(tx.payment_id.amount, 40.0)

    # --- amounts -----------------------------------------------------------
    def test_amount_capped_at_selected_balance(self):
        text = self._pay_page(self.inv_old, 5000).text
        self.assertIn("o_wholtra_statement_error", text)
        self.assertNotIn("o_payment_form", text)
        # Even with a valid signature for it, the route refuses the amount.
        route, signature, _text = self._signed(self.inv_old, 40.0)
        for amount in (5000.0, 1e15, 1e308, 40.01):
            forged = self.link._wholtra_payment_signature(self.inv_old, amount)
            self._refused(route, self._params(amount, forged))
        for amount in ("nan", "inf", "-inf", "abc", None, [1], {"a": 1}, -40.0):
            self._refused(route, self._params(amount, signature))
        self.assertFalse(self._txs())
        self.assertEqual(self.inv_old.amount_residual, 40.0)

    def test_overpayment_within_tolerance(self):
        self.company.wholtra_statement_overpay_tolerance = 10.0
        self.assertIn(
            "o_wholtra_statement_error", self._pay_page(self.inv_old, 50.01).text
        )
        route, signature, _text = self._signed(self.inv_old, 50.0)
        result, name, message = self._rpc(route, self._params(50.0, signature))
        self.assertFalse(name, message)
        self.assertEqual(self._txs().amount, 50.0)

    # --- one payment at a time ---------------------------------------------
    def test_second_submit_of_same_selection_refused(self):
        route, signature, _text = self._signed(self.inv_old | self.inv_new, 340.0)
        result, name, message = self._rpc(route, self._params(340.0, signature))
        self.assertFalse(name, message)
        message = self._refused(route, self._params(340.0, signature))
        self.assertIn("already in progress", message)
        # Another tab with a selection sharing an invoice: refused as well.
        route2, signature2, _text = self._signed(self.inv_new, 300.0)
        self.assertIn(
            "already in progress",
            self._refused(route2, self._params(300.0, signature2)),
        )
        self.assertEqual(len(self._txs()), 1)
        # Once the first one is settled, the rest can be paid.
        tx = self._txs()
        tx._set_canceled()
        result, name, message = self._rpc(route2, self._params(300.0, signature2))
        self.assertFalse(name, message)
        self.assertEqual(len(self._txs()), 2)

    # --- malformed requests ------------------------------------------------
    def test_malformed_requests_are_clean(self):
        path = self.link._wholtra_portal_path()
        for url in (
            f"/wholtra/statement/99999999999999/{self.link.access_token}",
            f"/wholtra/statement/0/{self.link.access_token}",
            f"{path}?pay=1&invoice_999999999999999999=1",
            f"{path}?pay=1&invoice_{self.inv_old.id}=1&amount=1e999",
            f"{path}?pay=1&invoice_{self.inv_old.id}=1&amount=1e308",
        ):
            response = self.url_open(url)
            self.assertLess(response.status_code, 500, url)
        route, signature, _text = self._signed(self.inv_old, 40.0)
        base = route.rsplit("/", 1)[0]
        for bad in ("abc", "1-x", "99999999999999", "-", str(self._other_invoice_id())):
            self._refused(f"{base}/{bad}", self._params(40.0, signature))
        self._refused(route, {})  # nothing given
        self._refused(route, {**self._params(40.0, signature), "partner_id": 1})
        self._refused(route, {**self._params(40.0, signature), "flow": "evil"})
        self._refused(route, {**self._params(40.0, signature), "provider_id": "x"})
        self._refused(
            route, {**self._params(40.0, signature), "payment_method_id": 10**12}
        )
        huge_link = route.replace(f"/{self.link.id}/", "/99999999999/")
        result, name, _m = self._rpc(huge_link, self._params(40.0, signature))
        self.assertIn(name, CLEAN_ERRORS)
        self.assertFalse(self._txs())

    def _other_invoice_id(self):
        return self._invoice(self.other_customer, 10.0, -5).id


@tagged("post_install", "-at_install")
class TestGuardedPaymentFields(WholtraRolesCommon, TransactionCase):
    """The COD flag is a billing / credit decision; how a payment was matched is
    system-managed; the key that skips the matching proposal is for system flows."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_wholtra_payments()
        cls._setup_roles()
        cls.company.wholtra_payment_matching_enabled = True
        cls.invoice = cls._invoice(cls.customer, 90.0, -5)
        cls.other_invoice = cls._invoice(cls.customer, 40.0, 5)
        # Users who may edit contacts (Contact Creation), in each role.
        contacts = "base.group_partner_manager"
        cls.sales_contacts = new_test_user(
            cls.env,
            "wh_sec_sales_contacts",
            groups=f"sales_team.group_sale_salesman,{contacts}",
        )
        cls.credit_contacts = new_test_user(
            cls.env,
            "wh_sec_credit_contacts",
            groups=f"sales_team.group_sale_salesman,{CREDIT_MANAGER},{contacts}",
        )
        cls.billing_contacts = new_test_user(
            cls.env,
            "wh_sec_billing_contacts",
            groups=f"account.group_account_invoice,{contacts}",
        )

    def _payment_vals(self, amount=90.0):
        return {
            "payment_type": "inbound",
            "partner_type": "customer",
            "partner_id": self.customer.id,
            "amount": amount,
        }

    def test_cod_flag_set_by_billing_and_credit_managers(self):
        with self.assertRaises(AccessError):
            self.customer.with_user(self.sales_contacts).write({"wholtra_cod": True})
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.sales_contacts).create(
                {"name": "New COD Kiosk", "is_company": True, "wholtra_cod": True}
            )
        self.env.invalidate_all()
        self.assertFalse(self.customer.wholtra_cod)
        self.customer.with_user(self.credit_contacts).write({"wholtra_cod": True})
        self.env.invalidate_all()
        self.assertTrue(self.customer.wholtra_cod)
        self.assertTrue(self.customer_contact.wholtra_cod)  # synced to contacts
        self.customer.with_user(self.billing_contacts).write({"wholtra_cod": False})
        self.env.invalidate_all()
        self.assertFalse(self.customer_contact.wholtra_cod)

    def test_salesman_contacts_follow_their_company(self):
        self.customer.wholtra_cod = True
        Partner = self.env["res.partner"].with_user(self.sales_contacts)
        # A new contact of a COD customer copies its flag (Odoo's commercial sync).
        contact = Partner.create(
            {"name": "Deli Night Shift", "parent_id": self.customer.id}
        )
        self.env.invalidate_all()
        self.assertTrue(contact.wholtra_cod)
        contact = Partner.create(
            {
                "name": "Deli Morning Shift",
                "parent_id": self.customer.id,
                "wholtra_cod": True,
            }
        )
        self.assertTrue(contact.wholtra_cod)
        # Moved to another COD customer: the flag follows (synced in sudo by Odoo).
        self.other_customer.wholtra_cod = True
        moved = Partner.create({"name": "Grill Buyer", "parent_id": self.customer.id})
        moved.write({"parent_id": self.other_customer.id})
        self.env.invalidate_all()
        self.assertTrue(moved.wholtra_cod)
        # Other changes of a COD contact are the salesman's to make.
        self.customer_contact.with_user(self.sales_contacts).write(
            {"phone": "+1 555 0100"}
        )
        # Not the flag of the contact alone.
        with self.assertRaises(AccessError):
            self.customer_contact.with_user(self.sales_contacts).write(
                {"wholtra_cod": False}
            )

    def test_match_rule_is_system_managed(self):
        Payment = self.env["account.payment"].with_user(self.billing)
        payment = Payment.create(self._payment_vals())
        self.assertEqual(payment.wholtra_match_invoice_ids, self.invoice)
        self.assertEqual(payment.wholtra_match_rule, "exact")
        with self.assertRaises(AccessError):
            payment.write({"wholtra_match_rule": "oldest"})
        with self.assertRaises(AccessError):
            Payment.create({**self._payment_vals(), "wholtra_match_rule": "exact"})
        # Invoices chosen by hand: "Manual".
        payment.write(
            {"wholtra_match_invoice_ids": [Command.set(self.other_invoice.ids)]}
        )
        self.env.invalidate_all()
        self.assertEqual(payment.wholtra_match_rule, "manual")
        payment.action_wholtra_clear_matching()
        self.env.invalidate_all()
        self.assertFalse(payment.wholtra_match_rule)
        payment = Payment.create(
            {
                **self._payment_vals(40.0),
                "wholtra_match_invoice_ids": [Command.set(self.other_invoice.ids)],
            }
        )
        self.assertEqual(payment.wholtra_match_rule, "manual")

    def test_no_matching_key_is_for_system_flows(self):
        payment = (
            self.env["account.payment"]
            .with_user(self.billing)
            .with_context(wholtra_no_matching=True)
            .create(self._payment_vals())
        )
        self.env.invalidate_all()
        self.assertEqual(payment.wholtra_match_invoice_ids, self.invoice)
        payment = (
            self.env["account.payment"]
            .sudo()
            .with_context(wholtra_no_matching=True)
            .create(self._payment_vals())
        )
        self.assertFalse(payment.wholtra_match_invoice_ids)

    def test_cod_flag_read_only_on_the_form_for_others(self):
        for user, editable in (
            (self.sales_contacts, False),
            (self.billing_contacts, True),
            (self.credit_contacts, True),
        ):
            form = Form(self.customer.with_user(user))
            self.assertEqual(
                not form._get_modifier("wholtra_cod", "readonly"), editable, user.login
            )
