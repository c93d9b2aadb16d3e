"""The invoicing actions as an integrator calls them: Odoo 19's External JSON-2 API
(``POST /json/2/<model>/<method>``, bearer API key), on a database without demo data
where an admin switched dispatch invoicing on in Settings."""

import re
from datetime import timedelta

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.wholtra_orders.tests.common_json2 import Json2TestMixin


@tagged("post_install", "-at_install")
class TestInvoicingJson2(Json2TestMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        admin = cls.env.ref("base.user_admin")
        cls.env["res.config.settings"].with_user(admin).create(
            {
                "wholtra_invoice_mode": "dispatch",
                "wholtra_invoice_auto_post": True,
                "wholtra_past_due_grace_days": 0,
            }
        ).execute()
        cls.company = cls.env.company
        cls.billing = new_test_user(
            cls.env,
            login="wi_api_billing",
            groups="account.group_account_invoice,stock.group_stock_user",
        )
        cls.salesman = new_test_user(
            cls.env, login="wi_api_sales", groups="sales_team.group_sale_salesman"
        )
        cls._json2_make_keys(cls.billing, cls.salesman)
        cls.tax = cls.env["account.tax"].create(
            {"name": "VAT 10", "amount": 10, "type_tax_use": "sale"}
        )
        cls.crisps = cls.env["product.product"].create(
            {
                "name": "Crisps",
                "type": "consu",
                "is_storable": True,
                "list_price": 3.35,
                "invoice_policy": "delivery",
                "taxes_id": [Command.set(cls.tax.ids)],
            }
        )
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.env["stock.quant"]._update_available_quantity(
            cls.crisps, warehouse.lot_stock_id, 100
        )
        cls.customer = cls.env["res.partner"].create({"name": "Corner Deli"})
        cls.customer_b = cls.env["res.partner"].create({"name": "Campus Vending"})

    # ------------------------------------------------------------------
    def _json2(self, user, model, method, /, **body):
        answer = super()._json2(user, model, method, **body)
        self.env.invalidate_all()  # read back what the request wrote
        return answer

    def _ok(self, user, model, method, body):
        return self._json2_ok(user, model, method, **body)

    def _refused(self, user, model, method, body, status, error, message=None):
        message = message and re.escape(message)  # a plain substring of the message
        return self._json2_refused(user, model, method, status, error, message, **body)

    def _ar_status(self, user, partner):
        [status] = self._ok(
            user, "res.partner", "wholtra_get_ar_status", {"ids": partner.ids}
        )
        return status

    def _order_shipped(self, qty=7, shipped=4):
        """7 x 3.35 less 10 %, ``shipped`` of them delivered (rest backordered)."""
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.crisps.id,
                            "product_uom_qty": qty,
                            "price_unit": 3.35,
                            "discount": 10.0,
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        picking.move_ids.quantity = shipped
        picking.move_ids.picked = True
        picking.with_context(skip_backorder=True).button_validate()
        return order, picking

    def _invoice(self, partner, amount, invoice_date, due):
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": invoice_date,
                "invoice_date_due": due,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Snacks", "quantity": 1, "price_unit": amount}
                    )
                ],
            }
        )
        move.invoice_line_ids.tax_ids = False
        move.action_post()
        return move

    # ------------------------------------------------------------------
    def test_partial_dispatch_invoice_retry_and_adjustment(self):
        order, picking = self._order_shipped()
        [answer] = self._ok(
            self.billing, "stock.picking", "wholtra_get_invoices", {"ids": picking.ids}
        )
        self.assertEqual(answer["picking_id"], picking.id)
        self.assertEqual(answer["dispatch_state"], "invoiced")
        self.assertIsNone(answer["error"])
        [invoice] = answer["invoices"]
        # exactly what shipped: 4 x 3.35 less 10 % = 12.06, VAT 1.21
        self.assertEqual(invoice["state"], "posted")
        self.assertEqual(invoice["move_type"], "out_invoice")
        self.assertEqual(invoice["currency"], self.company.currency_id.name)
        self.assertEqual(
            invoice["lines"],
            [
                {
                    "product_id": self.crisps.id,
                    "quantity": 4.0,
                    "price_unit": 3.35,
                    "discount": 10.0,
                    "price_subtotal": 12.06,
                }
            ],
        )
        self.assertEqual(
            (
                invoice["amount_untaxed"],
                invoice["amount_tax"],
                invoice["amount_total"],
                invoice["amount_residual"],
            ),
            (12.06, 1.21, 13.27, 13.27),
        )
        self.assertEqual(invoice["id"], order.invoice_ids.id)

        # retry: refused while invoiced, then after the invoice was cancelled
        self._refused(
            self.billing,
            "stock.picking",
            "wholtra_retry_invoicing",
            {"ids": picking.ids},
            422,
            "UserError",
            "waiting for their invoice",
        )
        self._refused(
            self.salesman,
            "stock.picking",
            "wholtra_retry_invoicing",
            {"ids": picking.ids},
            403,
            "AccessError",
        )
        first = order.invoice_ids
        first.button_draft()
        first.button_cancel()
        self.assertEqual(picking.wholtra_invoice_state, "to_invoice")
        [answer] = self._ok(
            self.billing,
            "stock.picking",
            "wholtra_retry_invoicing",
            {"ids": picking.ids},
        )
        self.assertEqual(answer["dispatch_state"], "invoiced")
        by_state = {i["state"]: i for i in answer["invoices"]}
        self.assertEqual(set(by_state), {"cancel", "posted"})
        self.assertEqual(by_state["posted"]["amount_total"], 13.27)
        self.assertEqual(by_state["posted"]["lines"][0]["quantity"], 4.0)

        # invoice adjustments: the price goes up to 3.50 after the invoice
        self._refused(
            self.billing,
            "sale.order",
            "wholtra_invoice_adjustments",
            {"ids": order.ids},
            422,
            "UserError",
            "no pending invoice adjustment",
        )
        order.order_line.price_unit = 3.50
        before = self.env["account.move"].search_count([])
        self._refused(
            self.salesman,
            "sale.order",
            "wholtra_invoice_adjustments",
            {"ids": order.ids},
            403,
            "AccessError",
        )
        self.assertEqual(self.env["account.move"].search_count([]), before)
        answer = self._ok(
            self.billing,
            "sale.order",
            "wholtra_invoice_adjustments",
            {"ids": order.ids},
        )
        self.assertEqual(answer["credit_note_ids"], [])
        adjustment = self.env["account.move"].browse(answer["invoice_ids"])
        self.assertEqual(len(adjustment), 1)
        self.assertEqual(adjustment.state, "posted")
        # 4 x 0.15 less 10 % = 0.54 untaxed
        self.assertAlmostEqual(adjustment.amount_untaxed, 0.54)
        self.assertFalse(order.wholtra_pending_adjustment)

    def test_dispute_changes_ar_status(self):
        today = self.env["account.move"]._wholtra_today()
        invoice = self._invoice(
            self.customer_b,
            200.0,
            today - timedelta(days=40),
            today - timedelta(days=30),
        )
        currency = self.company.currency_id.name
        status = self._ar_status(self.salesman, self.customer_b)
        self.assertEqual(
            status,
            {
                "partner_id": self.customer_b.id,
                "ar_status": "past_due",
                "total_due": 200.0,
                "overdue_amount": 200.0,
                "disputed_amount": 0.0,
                "currency": currency,
            },
        )
        # refusals change nothing
        self._refused(
            self.salesman,
            "account.move",
            "wholtra_set_dispute",
            {"ids": invoice.ids, "reason": "Damaged"},
            403,
            "AccessError",
        )
        self._refused(
            self.billing,
            "account.move",
            "wholtra_set_dispute",
            {"ids": invoice.ids, "reason": "  "},
            422,
            "UserError",
            "reason",
        )
        self._refused(
            self.billing,
            "account.move",
            "wholtra_set_dispute",
            {"ids": [999999999], "reason": "Damaged"},
            404,
            "MissingError",
        )
        self.assertFalse(invoice.wholtra_disputed)

        answer = self._ok(
            self.billing,
            "account.move",
            "wholtra_set_dispute",
            {"ids": invoice.ids, "reason": "Two cartons damaged"},
        )
        self.assertEqual(
            answer,
            [
                {
                    "move_id": invoice.id,
                    "disputed": True,
                    "reason": "Two cartons damaged",
                    "ar_status": "disputed",
                }
            ],
        )
        status = self._ar_status(self.billing, self.customer_b)
        self.assertEqual(
            (
                status["ar_status"],
                status["total_due"],
                status["overdue_amount"],
                status["disputed_amount"],
            ),
            ("disputed", 200.0, 0.0, 200.0),
        )

        answer = self._ok(
            self.billing,
            "account.move",
            "wholtra_clear_dispute",
            {"ids": invoice.ids, "reason": "Credit agreed by phone"},
        )
        self.assertEqual(
            answer,
            [
                {
                    "move_id": invoice.id,
                    "disputed": False,
                    "reason": None,
                    "ar_status": "past_due",
                }
            ],
        )
        self.assertTrue(
            any("Credit agreed by phone" in (m.body or "") for m in invoice.message_ids)
        )
        self._refused(
            self.billing,
            "account.move",
            "wholtra_clear_dispute",
            {"ids": invoice.ids},
            422,
            "UserError",
            "not in dispute",
        )
        status = self._ar_status(self.salesman, self.customer_b)
        self.assertEqual(
            (status["ar_status"], status["overdue_amount"], status["disputed_amount"]),
            ("past_due", 200.0, 0.0),
        )

    def test_aging_buckets_on_dated_invoices(self):
        as_of = "2026-06-30"
        dated = {
            "2026-06-30": 10.0,  # due today: current
            "2026-06-10": 20.0,  # 20 days: 1-30
            "2026-05-01": 40.0,  # 60 days: 31-60
            "2026-04-15": 80.0,  # 76 days: 61-90
            "2026-01-01": 160.0,  # 180 days: over 90
        }
        moves = {
            due: self._invoice(self.customer, amount, due, due)
            for due, amount in dated.items()
        }
        # an invoice dated after as_of is not aged yet
        self._invoice(self.customer, 1000.0, "2026-07-15", "2026-07-15")
        [aging] = self._ok(
            self.billing,
            "res.partner",
            "wholtra_get_aging",
            {"ids": self.customer.ids, "as_of": as_of},
        )
        self.assertEqual(
            aging,
            {
                "partner_id": self.customer.id,
                "currency": self.company.currency_id.name,
                "buckets": {
                    "0_current": 10.0,
                    "1_30": 20.0,
                    "31_60": 40.0,
                    "61_90": 80.0,
                    "91_plus": 160.0,
                },
                "total": 310.0,
            },
        )
        # the same figures as the AR Aging report (its one definition)
        report = (
            self.env["wholtra.ar.aging"]
            .with_context(wholtra_aging_date=as_of)
            .search([("partner_id", "=", self.customer.id)])
        )
        self.assertEqual(sum(report.mapped("amount_31_60")), aging["buckets"]["31_60"])
        # a disputed invoice is never overdue: it stays current
        moves["2026-05-01"].sudo()._wholtra_set_dispute("Wrong price")
        [aging] = self._ok(
            self.billing,
            "res.partner",
            "wholtra_get_aging",
            {"ids": self.customer.ids, "as_of": as_of},
        )
        self.assertEqual(aging["buckets"]["0_current"], 50.0)
        self.assertEqual(aging["buckets"]["31_60"], 0.0)
        # refusals
        self._refused(
            self.salesman,
            "res.partner",
            "wholtra_get_aging",
            {"ids": self.customer.ids, "as_of": as_of},
            403,
            "AccessError",
        )
        self._refused(
            self.billing,
            "res.partner",
            "wholtra_get_aging",
            {"ids": self.customer.ids, "as_of": "30/06/2026"},
            422,
            "UserError",
            "ISO date",
        )

    def test_webhook_example_rule_fires_on_dispatch_invoice(self):
        rule = self.env.ref("wholtra_invoicing.webhook_invoice_posted_by_dispatch")
        self.assertFalse(rule.active, "shipped inactive")
        rule.with_user(self.env.ref("base.user_admin")).active = True
        self.env.cr.postcommit.clear()
        with self._capture_webhooks() as calls:
            order, _picking = self._order_shipped(qty=5, shipped=5)
            self.env.cr.postcommit.run()  # webhooks are sent after the commit
        invoice = order.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(len(calls), 1)
        url, payload = calls[0]
        self.assertEqual(url, "https://integrator.example.com/wholtra/invoice_posted")
        self.assertEqual(payload["_model"], "account.move")
        self.assertEqual(payload["_id"], invoice.id)
        self.assertEqual(payload["name"], invoice.name)
        self.assertEqual(payload["move_type"], "out_invoice")
        self.assertEqual(payload["state"], "posted")
        self.assertEqual(payload["partner_id"], self.customer.id)
        self.assertAlmostEqual(payload["amount_untaxed"], invoice.amount_untaxed)
        self.assertAlmostEqual(payload["amount_total"], invoice.amount_total)
        self.assertEqual(payload["invoice_origin"], order.name)
