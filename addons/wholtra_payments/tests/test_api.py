"""The payments API over Odoo 19's External JSON-2 API, called as an integrator does:
an API key, ``POST /json/2/<model>/<method>`` with named arguments, plain JSON back."""

from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.wholtra_orders.tests.common_json2 import Json2TestMixin


@tagged("post_install", "-at_install")
class TestPaymentsApi(Json2TestMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.cash_journal = cls.env["account.journal"].create(
            {"name": "Drivers cash", "type": "cash", "code": "DRVA"}
        )
        cls.bank_journal = cls.env["account.journal"].create(
            {"name": "API bank", "type": "bank", "code": "APIB"}
        )
        # Settings switched on as an admin does.
        cls.env["res.config.settings"].create(
            {
                "wholtra_statement_links_enabled": True,
                "wholtra_statement_link_validity_days": 30,
                "wholtra_payment_matching_enabled": True,
                "wholtra_cod_enabled": True,
                "wholtra_cod_journal_id": cls.cash_journal.id,
                "wholtra_invoice_mode": "dispatch",
                "wholtra_invoice_auto_post": True,
            }
        ).execute()
        cls.today = fields.Date.context_today(cls.env["res.partner"])
        cls.customer = cls.env["res.partner"].create(
            {"name": "Corner Deli API", "is_company": True, "email": "deli@example.com"}
        )
        cls.billing = new_test_user(
            cls.env,
            "wh_api_billing",
            groups="base.group_user,account.group_account_invoice",
            email="billing@example.com",
        )
        cls.bookkeeper = new_test_user(
            cls.env,
            "wh_api_bookkeeper",
            groups="base.group_user,account.group_account_basic",
        )
        cls.driver = new_test_user(
            cls.env, "wh_api_driver", groups="base.group_user,stock.group_stock_user"
        )
        cls.salesman = new_test_user(
            cls.env, "wh_api_sales", groups="sales_team.group_sale_salesman"
        )
        cls._json2_make_keys(cls.billing, cls.bookkeeper, cls.driver, cls.salesman)

    @classmethod
    def _invoice(cls, amount, due_days):
        due = cls.today + timedelta(days=due_days)
        move = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.customer.id,
                "invoice_date": due - timedelta(days=30),
                "invoice_date_due": due,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Salted crisps 24x50g",
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

    # ------------------------------------------------------------------
    def test_statement_link_create_send_fetch_revoke(self):
        old = self._invoice(100.0, -20)
        new = self._invoice(35.55, 10)
        expires = fields.Date.to_string(self.today + timedelta(days=7))
        link = self._json2_ok(
            self.billing,
            "res.partner",
            "wholtra_create_statement_link",
            ids=self.customer.ids,
            expiry_date=expires,
        )
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        self.assertEqual(link["state"], "active")
        self.assertEqual(link["expires"], expires)
        self.assertEqual(link["partner_id"], self.customer.id)
        self.assertTrue(link["url"].startswith(f"{base_url}/wholtra/statement/"))
        # Asked again: the same active link.
        again = self._json2_ok(
            self.billing,
            "res.partner",
            "wholtra_create_statement_link",
            ids=self.customer.ids,
        )
        self.assertEqual(again["link_id"], link["link_id"])
        read = self._json2_ok(
            self.billing,
            "wholtra.statement.link",
            "wholtra_get_url",
            ids=[link["link_id"]],
        )
        self.assertEqual(read["url"], link["url"])

        # The customer opens the URL: its open invoices and their balances.
        page = self.url_open(link["url"])
        self.assertEqual(page.status_code, 200)
        for invoice in old | new:
            self.assertIn(invoice.name, page.text)
        self.assertIn("35.55", page.text)

        sent = self._json2_ok(
            self.billing,
            "wholtra.statement.link",
            "wholtra_send",
            ids=[link["link_id"]],
        )
        self.assertEqual(
            sent, {"link_id": link["link_id"], "sent_to": ["deli@example.com"]}
        )
        self.env.invalidate_all()
        message = self.customer.message_ids[:1]
        self.assertIn(link["url"], message.body)
        self.assertEqual(message.partner_ids, self.customer)

        # The collection level: overdue figures of today.
        level = self._json2_ok(
            self.billing,
            "res.partner",
            "wholtra_get_collection_level",
            ids=self.customer.ids,
        )
        self.assertEqual(len(level), 1)
        self.assertEqual(level[0]["overdue_amount"], 100.0)
        self.assertEqual(level[0]["currency"], self.company.currency_id.name)
        self.assertEqual(
            level[0]["days_overdue"], 20 - self.company.wholtra_past_due_grace_days
        )
        self.assertIsNone(level[0]["level"])  # the collection run has not passed

        # A salesperson may not create links: a clean AccessError.
        status, error = self._json2(
            self.salesman,
            "res.partner",
            "wholtra_create_statement_link",
            ids=self.customer.ids,
        )
        self.assertEqual(status, 403)
        self.assertEqual(error["name"], "odoo.exceptions.AccessError")

        revoked = self._json2_ok(
            self.billing,
            "wholtra.statement.link",
            "wholtra_revoke",
            ids=[link["link_id"]],
        )
        self.assertEqual(revoked, {"link_id": link["link_id"], "state": "revoked"})
        page = self.url_open(link["url"])
        self.assertEqual(page.status_code, 404)
        self.assertNotIn(old.name, page.text)
        status, error = self._json2(
            self.billing,
            "wholtra.statement.link",
            "wholtra_send",
            ids=[link["link_id"]],
        )
        self.assertGreaterEqual(status, 400, error)
        self.assertEqual(error["name"], "odoo.exceptions.UserError")

    def test_statement_link_refusals(self):
        status, error = self._json2(
            self.billing,
            "res.partner",
            "wholtra_create_statement_link",
            ids=self.customer.ids,
            expiry_date=fields.Date.to_string(self.today - timedelta(days=1)),
        )
        self.assertGreaterEqual(status, 400)
        self.assertEqual(error["name"], "odoo.exceptions.ValidationError")
        self.assertFalse(
            self.env["wholtra.statement.link"].search(
                [("partner_id", "=", self.customer.id)]
            )
        )

    # ------------------------------------------------------------------
    def test_cod_recorded_pays_dispatch_invoice(self):
        self.customer.wholtra_cod = True
        product = self.env["product.product"].create(
            {
                "name": "Cola cans 24x33cl",
                "type": "consu",
                "list_price": 3.35,
                "invoice_policy": "delivery",
                "taxes_id": [Command.clear()],
            }
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": 7,
                            "price_unit": 3.35,
                            "discount": 10.0,
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        picking.move_ids.write({"quantity": 7, "picked": True})
        # 7 x 3.35 less 10 % = 21.105 -> 21.11 (the invoice's rounding)
        self.assertAlmostEqual(picking.wholtra_cod_expected, 21.11)

        status, error = self._json2(
            self.driver,
            "stock.picking",
            "wholtra_record_cod",
            ids=picking.ids,
            amount=-5,
        )
        self.assertGreaterEqual(status, 400)
        self.assertEqual(error["name"], "odoo.exceptions.ValidationError")
        status, error = self._json2(
            self.driver,
            "stock.picking",
            "wholtra_record_cod",
            ids=picking.ids,
            amount=21.11,
            journal_id=self.env["account.journal"]
            .search(
                [("type", "=", "sale"), ("company_id", "=", self.company.id)], limit=1
            )
            .id,
        )
        self.assertEqual(error["name"], "odoo.exceptions.ValidationError")
        self.env.invalidate_all()
        self.assertEqual(picking.state, "assigned")
        self.assertFalse(picking.wholtra_cod_method)

        answer = self._json2_ok(
            self.driver,
            "stock.picking",
            "wholtra_record_cod",
            ids=picking.ids,
            amount=21.11,
            journal_id=self.bank_journal.id,
            reference="DRV-7",
        )
        self.env.invalidate_all()
        self.assertEqual(picking.state, "done")
        invoice = picking.wholtra_invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.amount_total, 21.11)
        self.assertEqual(invoice.payment_state, "paid")
        payment = picking.wholtra_cod_payment_id
        self.assertEqual(payment.journal_id, self.bank_journal)
        self.assertIn("DRV-7", payment.memo)
        self.assertEqual(
            answer,
            {
                "picking_id": picking.id,
                "payment_id": payment.id,
                "amount": 21.11,
                "currency": self.company.currency_id.name,
                "state": payment.state,
                "invoice_ids": invoice.ids,
            },
        )
        status, error = self._json2(
            self.driver,
            "stock.picking",
            "wholtra_record_cod",
            ids=picking.ids,
            amount=1.0,
        )
        self.assertEqual(error["name"], "odoo.exceptions.UserError")

    # ------------------------------------------------------------------
    def test_bank_line_matched_with_two_invoices(self):
        first = self._invoice(100.0, -20)
        second = self._invoice(35.55, -5)
        third = self._invoice(80.0, 10)
        statement_line = self.env["account.bank.statement.line"].create(
            {
                "journal_id": self.bank_journal.id,
                "date": self.today,
                "payment_ref": "DELI TRANSFER",
                "partner_id": self.customer.id,
                "amount": 135.55,
            }
        )
        proposed = self._json2_ok(
            self.bookkeeper,
            "account.bank.statement.line",
            "wholtra_propose_matching",
            ids=statement_line.ids,
        )
        self.assertEqual(
            proposed,
            [
                {
                    "line_id": statement_line.id,
                    "amount": 135.55,
                    "currency": self.company.currency_id.name,
                    "rule": "oldest",
                    "proposals": [
                        {"move_id": first.id, "name": first.name, "amount": 100.0},
                        {"move_id": second.id, "name": second.name, "amount": 35.55},
                    ],
                }
            ],
        )
        status, error = self._json2(
            self.salesman,
            "account.bank.statement.line",
            "wholtra_confirm_matching",
            ids=statement_line.ids,
        )
        self.assertEqual(error["name"], "odoo.exceptions.AccessError")
        confirmed = self._json2_ok(
            self.bookkeeper,
            "account.bank.statement.line",
            "wholtra_confirm_matching",
            ids=statement_line.ids,
        )
        self.assertEqual(len(confirmed), 1)
        self.assertTrue(confirmed[0]["reconciled"])
        self.assertFalse(confirmed[0]["queued"])
        self.assertEqual(sorted(confirmed[0]["move_ids"]), sorted((first | second).ids))
        self.env.invalidate_all()
        self.assertEqual(first.payment_state, "paid")
        self.assertEqual(second.payment_state, "paid")
        self.assertEqual(third.payment_state, "not_paid")
        self.assertTrue(statement_line.is_reconciled)

    def test_payment_matching_then_post(self):
        first = self._invoice(40.0, -10)
        second = self._invoice(60.0, -2)
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.customer.id,
                "amount": 60.0,
                "journal_id": self.bank_journal.id,
            }
        )
        proposed = self._json2_ok(
            self.billing, "account.payment", "wholtra_propose_matching", ids=payment.ids
        )
        self.assertEqual(proposed[0]["rule"], "exact")
        self.assertEqual(
            proposed[0]["proposals"],
            [{"move_id": second.id, "name": second.name, "amount": 60.0}],
        )
        confirmed = self._json2_ok(
            self.billing, "account.payment", "wholtra_confirm_matching", ids=payment.ids
        )
        self.assertEqual(confirmed[0]["move_ids"], second.ids)
        self.env.invalidate_all()
        self.assertEqual(second.payment_state in ("paid", "in_payment"), True)
        self.assertEqual(first.payment_state, "not_paid")

    # ------------------------------------------------------------------
    def test_statement_paid_webhook_example(self):
        rule = self.env.ref("wholtra_payments.automation_statement_paid_webhook")
        self.assertFalse(rule.active)
        rule.active = True  # as an admin activates it
        invoice = self._invoice(50.0, -3)
        link = self.env["wholtra.statement.link"].create(
            {"partner_id": self.customer.id}
        )
        provider = self.env.ref("payment.payment_provider_demo")
        provider.write({"state": "test"})
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": self.env.ref(
                        "payment_demo.payment_method_demo"
                    ).id,
                    "amount": 50.0,
                    "currency_id": self.company.currency_id.id,
                    "partner_id": self.customer.id,
                    "reference": "WH-API-TX-1",
                    "wholtra_statement_link_id": link.id,
                    "invoice_ids": [Command.set(invoice.ids)],
                }
            )
        )
        with (
            self._capture_webhooks() as calls,
            mute_logger("odoo.addons.base.models.ir_actions"),
        ):
            tx._set_pending()
            self.env.flush_all()
            self.env.cr.postcommit.run()
            self.assertFalse(calls, "not paid yet: no event")
            tx._set_done()
            self.env.flush_all()
            self.env.cr.postcommit.run()
        self.assertEqual(len(calls), 1)
        url, payload = calls[0]
        self.assertEqual(url, "https://integrator.example.com/wholtra/statement-paid")
        self.assertEqual(payload["_model"], "payment.transaction")
        self.assertEqual(payload["_id"], tx.id)
        self.assertEqual(payload["reference"], "WH-API-TX-1")
        self.assertEqual(payload["amount"], 50.0)
        self.assertEqual(payload["state"], "done")
        self.assertEqual(payload["wholtra_statement_link_id"], link.id)
        self.assertEqual(payload["invoice_ids"], invoice.ids)
        self.assertEqual(payload["partner_id"], self.customer.id)
