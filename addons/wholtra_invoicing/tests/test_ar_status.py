from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Domain
from odoo.tests import Form, new_test_user, tagged

from .common import WholtraInvoicingCommon


class ArCommon(WholtraInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.billing = new_test_user(
            cls.env,
            login="wi_billing",
            groups="account.group_account_invoice,sales_team.group_sale_salesman",
        )

    def _invoice(self, partner, amount, invoice_date, due=None, user=None):
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": invoice_date,
                "invoice_date_due": due or invoice_date,
                "invoice_user_id": (user or self.env.user).id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Snacks",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [],
                        }
                    )
                ],
            }
        )
        move.action_post()
        return move

    def _pay(self, invoice, amount):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create(
            {"amount": amount, "payment_date": invoice.invoice_date}
        )._create_payments()


@tagged("post_install", "-at_install")
class TestArStatus(ArCommon):
    def test_status_follows_payments_with_audit_trail(self):
        self.env = self.env(context={})  # tracking on
        today = fields.Date.context_today(self.env.user)
        invoice = self._invoice(self.customer, 100.0, today, today + timedelta(days=30))
        self.assertEqual(invoice.wholtra_ar_status, "open")
        self.env.cr.precommit.run()  # tracking messages are written at commit
        self._pay(invoice, 40.0)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertEqual(invoice.wholtra_ar_status, "partial")
        self.env.cr.precommit.run()
        self._pay(invoice, 60.0)
        self.assertEqual(invoice.wholtra_ar_status, "paid")
        self.env.cr.precommit.run()
        tracked = invoice.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "wholtra_ar_status"
        )
        self.assertTrue(tracked, "the chatter shows the status changes")
        self.assertLessEqual(
            {"Partially paid", "Paid"}, set(tracked.mapped("new_value_char"))
        )

    def test_manual_company_chatter_stays_vanilla(self):
        self.company.wholtra_invoice_mode = "manual"
        self.env = self.env(context={})
        invoice = self._invoice(
            self.customer, 100.0, fields.Date.context_today(self.env.user)
        )
        self.env.cr.precommit.run()
        self._pay(invoice, 40.0)
        self.env.cr.precommit.run()
        self.assertEqual(invoice.wholtra_ar_status, "partial")
        tracked = invoice.message_ids.tracking_value_ids.field_id.mapped("name")
        self.assertIn("payment_state", tracked)
        self.assertNotIn("wholtra_ar_status", tracked)

    def test_draft_and_vendor_bills_have_no_status(self):
        draft = self.env["account.move"].create(
            {"move_type": "out_invoice", "partner_id": self.customer.id}
        )
        self.assertFalse(draft.wholtra_ar_status)

    def _overdue_amount(self, partner, as_of):
        groups = self.env["account.move"]._wholtra_overdue_groups(partner, as_of)
        return groups.get(partner, (0.0, 0, None))[0]

    def test_past_due_grace_and_daily_refresh(self):
        self.company.wholtra_past_due_grace_days = 5
        with freeze_time("2026-03-10"):
            invoice = self._invoice(
                self.customer, 50.0, date(2026, 3, 1), date(2026, 3, 7)
            )
            self.assertEqual(
                invoice.wholtra_ar_status, "open", "3 days late, within grace"
            )
            self.assertEqual(invoice.wholtra_days_overdue, 0, "within grace")
        with freeze_time("2026-03-12"):
            self.env["account.move"]._cron_wholtra_refresh_ar_status()
            self.assertEqual(
                invoice.wholtra_ar_status, "open", "5 days: not more than grace"
            )
            self.assertEqual(self._overdue_amount(self.customer, date.today()), 0.0)
        with freeze_time("2026-03-13"):
            self.env["account.move"]._cron_wholtra_refresh_ar_status()
            self.assertEqual(invoice.wholtra_ar_status, "past_due")
            invoice.invalidate_recordset(["wholtra_days_overdue"])
            self.assertEqual(invoice.wholtra_days_overdue, 1, "13 - 7 - 5 grace")
            self.customer.invalidate_recordset()
            self.assertEqual(self.customer.wholtra_overdue_invoice_count, 1)
            self.assertAlmostEqual(
                self._overdue_amount(self.customer, date.today()), 50.0
            )

    def test_record_and_domain_agree(self):
        """AR status, days overdue, the overdue domain and the aging report
        give the same answer for every invoice (grace days, disputes, credit
        notes, partial payments)."""
        self.company.wholtra_past_due_grace_days = 3
        partner = self.env["res.partner"].create({"name": "Dockside Cafe"})
        Move = self.env["account.move"]
        with freeze_time("2026-05-20"):
            today = date.today()
            invoices = Move
            for days_late in (0, 2, 3, 4, 10, 40):
                invoices |= self._invoice(
                    partner,
                    10.0 + days_late,
                    today - timedelta(days=days_late + 5),
                    today - timedelta(days=days_late),
                )
            partial = invoices[-1]
            self._pay(partial, 5.0)
            disputed = invoices[-2]
            disputed.with_user(self.billing)._wholtra_set_dispute("wrong price")
            refund = (
                invoices[0]
                ._reverse_moves([{"invoice_date": today - timedelta(days=20)}])
                .with_context(tracking_disable=True)
            )
            refund.invoice_date_due = today - timedelta(days=20)
            refund.action_post()
            Move._cron_wholtra_refresh_ar_status()
            self.env.invalidate_all()
            in_domain = Move.search(
                Move._wholtra_overdue_domain(today)
                & Domain("partner_id", "=", partner.id)
            )
            self.assertEqual(
                in_domain,
                invoices[3] | invoices[5],
                "late by more than 3 days, not disputed",
            )
            aging = self.env["wholtra.ar.aging"].search(
                [("partner_id", "=", partner.id)]
            )
            for move in invoices | refund:
                with self.subTest(move=move.name):
                    overdue = move in in_domain
                    self.assertEqual(move.wholtra_ar_status == "past_due", overdue)
                    self.assertEqual(
                        move.wholtra_days_overdue, move._wholtra_overdue_days(today)
                    )
                    self.assertEqual(bool(move.wholtra_days_overdue), overdue)
                    rows = aging.filtered(lambda r, m=move: r.move_id == m)
                    self.assertEqual(
                        set(rows.mapped("days_overdue")) or {0},
                        {move.wholtra_days_overdue},
                    )
            self.assertEqual(invoices[5].wholtra_days_overdue, 37, "40 - 3 grace")
            self.assertEqual(disputed.wholtra_ar_status, "disputed")
            self.assertEqual(partner.wholtra_overdue_invoice_count, 2)
            self.assertAlmostEqual(
                self._overdue_amount(partner, today),
                invoices[3].amount_total + invoices[5].amount_total - 5.0,
            )

    def test_dispute_excluded_from_overdue(self):
        with freeze_time("2026-03-20"):
            late = self._invoice(
                self.customer, 70.0, date(2026, 2, 1), date(2026, 2, 15)
            )
            other = self._invoice(
                self.customer, 30.0, date(2026, 2, 1), date(2026, 2, 15)
            )
            self.assertEqual(late.wholtra_ar_status, "past_due")
            self.assertEqual(self.customer.wholtra_overdue_invoice_count, 2)
            wizard = Form(
                self.env["wholtra.dispute.wizard"]
                .with_user(self.billing)
                .with_context(default_move_ids=late.ids)
            )
            wizard.reason = "2 cases of cola damaged"
            wizard.save().action_confirm()
            self.assertEqual(late.wholtra_ar_status, "disputed")
            self.assertEqual(late.wholtra_dispute_reason, "2 cases of cola damaged")
            self.assertEqual(late.wholtra_days_overdue, 0)
            self.customer.invalidate_recordset()
            self.assertEqual(self.customer.wholtra_overdue_invoice_count, 1)
            self.assertAlmostEqual(
                self._overdue_amount(self.customer, date.today()), other.amount_total
            )
            late.action_wholtra_resolve_dispute()
            self.assertEqual(late.wholtra_ar_status, "past_due")

    def test_dispute_needs_reason(self):
        invoice = self._invoice(self.customer, 10.0, date.today())
        with self.assertRaises(ValidationError):
            invoice.write({"wholtra_disputed": True, "wholtra_dispute_reason": " "})
        self.assertFalse(invoice.wholtra_disputed)

    def test_salesman_cannot_open_dispute_wizard(self):
        salesman = new_test_user(
            self.env, login="wi_sm_d", groups="sales_team.group_sale_salesman"
        )
        invoice = self._invoice(self.customer, 10.0, date.today(), user=salesman)
        with self.assertRaises(AccessError):
            self.env["wholtra.dispute.wizard"].with_user(salesman).create(
                {"move_ids": [Command.set(invoice.ids)], "reason": "x"}
            )


@tagged("post_install", "-at_install")
class TestArAging(ArCommon):
    def test_aging_buckets_on_day_boundaries(self):
        partner = self.env["res.partner"].create({"name": "Harbour Grill"})
        as_of = date(2026, 6, 30)
        cases = {
            as_of: "0_current",
            as_of + timedelta(days=15): "0_current",
            as_of - timedelta(days=1): "1_30",
            as_of - timedelta(days=30): "1_30",
            as_of - timedelta(days=31): "31_60",
            as_of - timedelta(days=60): "31_60",
            as_of - timedelta(days=61): "61_90",
            as_of - timedelta(days=90): "61_90",
            as_of - timedelta(days=91): "91_plus",
        }
        moves = {}
        for amount, due in enumerate(cases, start=1):
            invoice_date = min(due, as_of)
            moves[due] = self._invoice(partner, amount * 10.0, invoice_date, due)
        paid = self._invoice(partner, 999.0, as_of, as_of)
        self._pay(paid, 999.0)
        aging = self.env["wholtra.ar.aging"].with_context(wholtra_aging_date=as_of)
        rows = aging.search([("partner_id", "=", partner.id)])
        self.assertEqual(len(rows), len(cases), "paid invoices are not open")
        for due, bucket in cases.items():
            row = rows.filtered(lambda r, m=moves[due]: r.move_id == m)
            self.assertEqual(row.bucket, bucket, f"due {due}")
            self.assertEqual(row.days_overdue, max((as_of - due).days, 0))
            self.assertAlmostEqual(row.amount_residual, moves[due].amount_total)
        totals = dict(
            aging._read_group(
                [("partner_id", "=", partner.id)], ["bucket"], ["amount_residual:sum"]
            )
        )
        self.assertEqual(
            totals,
            {
                "0_current": 30.0,
                "1_30": 70.0,
                "31_60": 110.0,
                "61_90": 150.0,
                "91_plus": 90.0,
            },
        )
        sums = aging._read_group(
            [("partner_id", "=", partner.id)],
            [],
            ["amount_current:sum", "amount_1_30:sum", "amount_90_plus:sum"],
        )[0]
        self.assertEqual(sums, (30.0, 70.0, 90.0))
        action = rows[0].action_open_move()
        self.assertEqual(action["res_id"], rows[0].move_id.id)

    def test_aging_partial_payment_shows_residual(self):
        partner = self.env["res.partner"].create({"name": "Freshmart"})
        invoice = self._invoice(partner, 100.0, date(2026, 1, 1), date(2026, 1, 31))
        self._pay(invoice, 25.0)
        row = (
            self.env["wholtra.ar.aging"]
            .with_context(wholtra_aging_date=date(2026, 3, 1))
            .search([("move_id", "=", invoice.id)])
        )
        self.assertAlmostEqual(row.amount_residual, 75.0)
        self.assertEqual(row.bucket, "1_30")

    def test_access_salesman_sees_own_billing_sees_all(self):
        alice = new_test_user(
            self.env, login="wi_alice", groups="sales_team.group_sale_salesman"
        )
        bob = new_test_user(
            self.env, login="wi_bob", groups="sales_team.group_sale_salesman"
        )
        self.company.wholtra_invoice_auto_post = True
        order_a = self._create_order(user=alice)
        order_b = self._create_order(partner=self.customer_b, user=bob)
        self._ship(order_a.picking_ids)
        self._ship(order_b.picking_ids)
        inv_a, inv_b = order_a.invoice_ids, order_b.invoice_ids
        both = inv_a | inv_b
        self.assertEqual(inv_a.invoice_user_id, alice)
        Move = self.env["account.move"]
        self.assertEqual(Move.with_user(alice).search([("id", "in", both.ids)]), inv_a)
        self.assertEqual(
            Move.with_user(self.billing).search([("id", "in", both.ids)]), both
        )
        Aging = self.env["wholtra.ar.aging"]
        self.assertEqual(
            Aging.with_user(alice).search([("move_id", "in", both.ids)]).move_id, inv_a
        )
        self.assertEqual(
            Aging.with_user(self.billing).search([("move_id", "in", both.ids)]).move_id,
            both,
        )
        with self.assertRaises(AccessError):
            inv_b.with_user(alice).read(["name"])
        # a user of another company sees none of it
        other = self.env["res.company"].create({"name": "Other Distributor"})
        outsider = new_test_user(
            self.env,
            login="wi_out",
            groups="account.group_account_invoice",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        self.assertFalse(
            Aging.with_user(outsider).search([("move_id", "in", both.ids)])
        )


@tagged("post_install", "-at_install")
class TestArReconciliation(ArCommon):
    """Issue 12 (4): the AR status follows every reconciliation at once (no
    daily run needed): a payment matched by hand in Accounting, a credit note
    applied to an invoice, an unreconcile."""

    def _receipt(self, partner, amount, day):
        """A customer payment booked by hand in the bank journal, not yet
        matched: its receivable line."""
        journal = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", self.company.id)], limit=1
        )
        receivable = partner.property_account_receivable_id
        move = self.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": journal.id,
                "date": day,
                "line_ids": [
                    Command.create(
                        {
                            "account_id": journal.default_account_id.id,
                            "partner_id": partner.id,
                            "debit": amount,
                        }
                    ),
                    Command.create(
                        {
                            "account_id": receivable.id,
                            "partner_id": partner.id,
                            "credit": amount,
                        }
                    ),
                ],
            }
        )
        move.action_post()
        return move.line_ids.filtered(lambda line: line.account_id == receivable)

    def _receivable(self, move):
        return move.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )

    def test_manual_reconcile_and_credit_note_flip_status_without_cron(self):
        with freeze_time("2026-03-01"):
            invoice = self._invoice(
                self.customer, 100.0, date(2026, 3, 1), date(2026, 3, 20)
            )
            self.assertEqual(invoice.wholtra_ar_status, "open")
        with freeze_time("2026-03-10"):
            (
                self._receivable(invoice)
                | self._receipt(self.customer, 40.0, date.today())
            ).reconcile()
            self.env.invalidate_all()
            self.assertEqual(invoice.payment_state, "partial")
            self.assertEqual(invoice.wholtra_ar_status, "partial")
        with freeze_time("2026-04-01"):
            # no daily run since: a credit note of 10 applied to the invoice
            refund = self.env["account.move"].create(
                {
                    "move_type": "out_refund",
                    "partner_id": self.customer.id,
                    "invoice_date": date.today(),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Damaged case",
                                "quantity": 1,
                                "price_unit": 10.0,
                                "tax_ids": [],
                            }
                        )
                    ],
                }
            )
            refund.action_post()
            invoice.js_assign_outstanding_line(self._receivable(refund).id)
            self.env.invalidate_all()
            self.assertEqual(invoice.payment_state, "partial", "still partly paid")
            self.assertAlmostEqual(invoice.amount_residual, 50.0)
            self.assertEqual(
                invoice.wholtra_ar_status, "past_due", "refreshed by the reconcile"
            )
            self.assertEqual(invoice.wholtra_days_overdue, 12)
            self.assertEqual(refund.wholtra_ar_status, "paid")
            # the rest paid by hand in Accounting
            receipt = self._receipt(self.customer, 50.0, date.today())
            (self._receivable(invoice) | receipt).reconcile()
            self.env.invalidate_all()
            self.assertIn(invoice.payment_state, ("paid", "in_payment", "reversed"))
            self.assertEqual(invoice.wholtra_ar_status, "paid")
            self.assertEqual(invoice.wholtra_days_overdue, 0)
            # matched to the wrong customer's invoice: unreconciled again
            receipt.remove_move_reconcile()
            self.env.invalidate_all()
            self.assertEqual(invoice.payment_state, "partial")
            self.assertEqual(invoice.wholtra_ar_status, "past_due")
            Move = self.env["account.move"]
            self.assertIn(
                invoice, Move.search(Move._wholtra_overdue_domain(date.today()))
            )
