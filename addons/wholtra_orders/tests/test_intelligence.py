from datetime import timedelta

from odoo import Command, fields
from odoo.tests import tagged

from .common import WholtraOrdersCommon


@tagged("post_install", "-at_install")
class TestCustomerIntelligence(WholtraOrdersCommon):
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
