from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import WholtraOrdersCommon


class IntelligenceMixin:
    def _confirmed(self, partner, lines, days_ago):
        order = self._order(partner, lines)
        order.action_confirm()
        order.date_order = self._days_ago(days_ago)
        return order

    def _invoice(self, partner, amount, due_in_days):
        invoice_date = fields.Date.context_today(self.env.user) + timedelta(
            days=due_in_days
        )
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": invoice_date,
                "invoice_date_due": invoice_date,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Goods",
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


@tagged("post_install", "-at_install")
class TestCustomerIntelligence(IntelligenceMixin, WholtraOrdersCommon):
    def test_figures_on_a_known_history(self):
        contact = self.env["res.partner"].create(
            {"name": "Deli buyer", "parent_id": self.deli.id}
        )
        # Bronze = list prices: crisps 20, cola 15
        self._confirmed(self.deli, [(self.crisps, 50)], days_ago=400)  # too old
        self._confirmed(self.deli, [(self.crisps, 10)], days_ago=100)  # 200
        partial = self._confirmed(contact, [(self.cola, 20)], days_ago=10)  # 300
        last = self._confirmed(self.deli, [(self.crisps, 5)], days_ago=2)  # 100
        # deliver 8 of the 20 cola: a backorder of 12 stays open
        picking = partial.picking_ids
        picking.move_ids.quantity = 8
        picking.move_ids.picked = True
        picking._action_done()
        backorder = partial.picking_ids - picking
        self.assertEqual(backorder.state, "assigned")
        eta = fields.Datetime.now() + timedelta(days=3)
        backorder.scheduled_date = eta
        old_invoice = self._invoice(self.deli, 500.0, due_in_days=-45)
        self.assertLess(
            old_invoice.invoice_date_due,
            fields.Date.today(),
            f"{old_invoice.invoice_date} {old_invoice.invoice_payment_term_id.name}",
        )
        self._invoice(contact, 200.0, due_in_days=0)

        partners = self.deli | contact
        partners.invalidate_recordset()
        for partner in partners:
            self.assertEqual(
                partner.wholtra_last_order_date.date(), self._days_ago(2).date()
            )
            self.assertEqual(partner.wholtra_order_count_12m, 3)
            self.assertAlmostEqual(partner.wholtra_avg_order_value, 200.0)
            self.assertAlmostEqual(partner.wholtra_order_frequency, 0.25)
            # undelivered: 400-day-old, 100-day-old, last (pending) + partial
            self.assertEqual(partner.wholtra_open_order_count, 4)
            self.assertEqual(partner.wholtra_open_backorder_count, 1)
            self.assertEqual(partner.wholtra_backorder_eta, eta.replace(microsecond=0))
            self.assertAlmostEqual(partner.wholtra_unpaid_amount, 700.0)
            self.assertAlmostEqual(partner.wholtra_overdue_amount, 500.0)
        # shown on the order
        self.assertAlmostEqual(last.wholtra_avg_order_value, 200.0)
        self.assertAlmostEqual(last.wholtra_overdue_amount, 500.0)
        self.assertEqual(last.wholtra_open_backorder_count, 1)
        # a customer without history
        self.assertFalse(self.grill.wholtra_last_order_date)
        self.assertEqual(self.grill.wholtra_avg_order_value, 0.0)

    def test_plain_salesperson_sees_account_figures(self):
        other_rep = self.env["res.users"].create(
            {
                "name": "Other rep",
                "login": "wh_other_rep",
                "group_ids": [
                    Command.link(self.env.ref("sales_team.group_sale_salesman").id)
                ],
            }
        )
        order = self._confirmed(self.deli, [(self.crisps, 10)], days_ago=3)
        order.user_id = other_rep
        self._invoice(self.deli, 80.0, due_in_days=-5)
        plain_rep = self.env["res.users"].create(
            {
                "name": "Plain rep",
                "login": "wh_plain_rep",
                "group_ids": [
                    Command.link(self.env.ref("sales_team.group_sale_salesman").id)
                ],
            }
        )
        partner = self.deli.with_user(plain_rep)
        self.assertEqual(partner.wholtra_order_count_12m, 1)
        self.assertAlmostEqual(partner.wholtra_avg_order_value, 200.0)
        self.assertAlmostEqual(partner.wholtra_overdue_amount, 80.0)
        self.assertEqual(partner.wholtra_open_backorder_count, 0)
        self.assertFalse(partner.wholtra_on_hold)

    def test_500_partners_bounded_queries(self):
        Partner = self.env["res.partner"]
        few = Partner.create(
            [{"name": f"Few {i}", "is_company": True} for i in range(5)]
        )
        many = Partner.create(
            [{"name": f"Shop {i}", "is_company": True} for i in range(500)]
        )
        for partners in (few, many):
            self._confirmed(partners[0], [(self.cola, 2)], days_ago=5)
            self._invoice(partners[1], 50.0, due_in_days=-10)
        fnames = [
            "wholtra_last_order_date",
            "wholtra_avg_order_value",
            "wholtra_order_frequency",
            "wholtra_open_order_count",
            "wholtra_open_backorder_count",
            "wholtra_backorder_eta",
            "wholtra_unpaid_amount",
            "wholtra_overdue_amount",
            "wholtra_on_hold",
        ]

        def count_queries(partners):
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            partners.read(fnames)
            return self.env.cr.sql_log_count - before

        queries_few = count_queries(few)
        queries_many = count_queries(many)
        # a constant number of queries, whatever the number of partners
        self.assertLessEqual(queries_many, queries_few + 1, "no query per partner")
        self.assertLessEqual(queries_many, 15)
        self.assertEqual(many[0].wholtra_order_count_12m, 1)
        self.assertAlmostEqual(many[1].wholtra_overdue_amount, 50.0)


@tagged("post_install", "-at_install")
class TestOneOverdueFigure(IntelligenceMixin, WholtraOrdersCommon):
    """Issue 12 item 1: the hold rule, the intelligence panel and
    ``account.move._wholtra_overdue_groups`` give one overdue figure."""

    def test_hold_panel_and_groups_agree(self):
        self._enable(wholtra_enforce_account_terms=True, wholtra_hold_overdue_days=30)
        today = fields.Date.context_today(self.env.user)
        old = self._invoice(self.deli, 500.0, due_in_days=-40)
        self._invoice(self.deli, 200.0, due_in_days=-10)
        self._invoice(self.deli, 100.0, due_in_days=5)
        # 120.00 paid on the old invoice
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=old.ids
        ).create({"amount": 120.0})._create_payments()
        self.env.invalidate_all()
        self.assertEqual(old.payment_state, "partial")
        Move = self.env["account.move"]
        panel = Move._wholtra_overdue_groups(self.deli, today)
        self.assertEqual(panel[self.deli][:2], (580.0, 2))
        self.assertEqual(panel[self.deli][2], old.invoice_date_due)
        held = Move._wholtra_overdue_groups(self.deli, today - timedelta(days=30))
        self.assertEqual(held[self.deli][:2], (380.0, 1))
        (reason,) = self.deli._wholtra_get_hold_reasons()
        self.assertIn("Invoices overdue more than 30 days", reason)
        self.assertIn("380.00", reason)
        self.assertAlmostEqual(self.deli.wholtra_overdue_amount, 580.0)
        self.assertAlmostEqual(self.deli.wholtra_unpaid_amount, 680.0)
        self.assertEqual(old._wholtra_overdue_days(today), 40)
        # billing users read the same figure
        billing = new_test_user(
            self.env, login="wh_billing", groups="account.group_account_invoice"
        )
        self.env.invalidate_all()
        self.assertAlmostEqual(
            self.deli.with_user(billing).wholtra_overdue_amount, 580.0
        )
        with self.assertRaises(AccessError):
            self.deli.with_user(billing).read(["wholtra_unpaid_amount"])


@tagged("post_install", "-at_install")
class TestPanelCurrency(IntelligenceMixin, WholtraOrdersCommon):
    """Issue 12 item 5: every account figure of the panel in company currency,
    converted at the document date."""

    def test_foreign_currency_order_and_invoice(self):
        company_currency = self.currency
        foreign = self.env.ref(
            "base.EUR" if company_currency.name != "EUR" else "base.USD"
        )
        foreign.active = True
        today = fields.Date.context_today(self.env.user)
        doc_date = today - timedelta(days=40)
        self.env["res.currency.rate"].create(
            [
                # 1 company unit = 0.5 foreign at the document date: x 2
                {"name": doc_date, "rate": 0.5, "currency_id": foreign.id},
                # today the rate moved: figures must not follow
                {"name": today, "rate": 0.8, "currency_id": foreign.id},
            ]
        )
        foreign_pricelist = self.env["product.pricelist"].create(
            {"name": "Export prices", "currency_id": foreign.id}
        )
        order = self._order(
            self.deli,
            [(self.cola, 10, {"price_unit": 15.0})],
            pricelist_id=foreign_pricelist.id,
        )
        self.assertEqual(order.currency_id, foreign)
        order.action_confirm()
        order.date_order = fields.Datetime.to_datetime(doc_date)
        self.assertAlmostEqual(order.amount_untaxed, 150.0)  # 10 x 15.00 foreign
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.deli.id,
                "currency_id": foreign.id,
                "invoice_date": doc_date,
                "invoice_date_due": doc_date,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Export goods",
                            "quantity": 1,
                            "price_unit": 100.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        invoice.action_post()
        self.assertAlmostEqual(invoice.amount_residual_signed, 200.0)
        self._enable(wholtra_enforce_account_terms=True, wholtra_hold_overdue_days=30)
        self.env.invalidate_all()
        partner = self.deli
        # 150 foreign at 0.5 = 300 in company currency, not 150, not 187.50
        self.assertAlmostEqual(partner.wholtra_avg_order_value, 300.0)
        self.assertAlmostEqual(partner.wholtra_unpaid_amount, 200.0)
        self.assertAlmostEqual(partner.wholtra_overdue_amount, 200.0)
        self.assertIn(
            company_currency.round(200.0).__format__(".2f"),
            partner._wholtra_get_hold_reasons()[0],
        )
        # labelled: the order shows them in its company's currency
        self.assertEqual(order.wholtra_company_currency_id, company_currency)
        self.assertAlmostEqual(order.wholtra_avg_order_value, 300.0)
        self.assertAlmostEqual(order.wholtra_overdue_amount, 200.0)
        self.assertEqual(partner.currency_id, company_currency)
