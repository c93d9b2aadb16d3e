import html
from datetime import timedelta
from unittest.mock import patch

from odoo import Command
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import format_amount

from .common import WholtraPaymentsCommon


@tagged("post_install", "-at_install")
class TestCollectionSequence(WholtraPaymentsCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_wholtra_payments()
        cls.company.wholtra_collection_enabled = True
        cls.company.wholtra_collection_lift_hold = True
        Level = cls.env["wholtra.collection.level"]
        Level.search([("company_id", "=", cls.company.id)]).action_archive()
        Level.flush_model()
        cls.level_1 = Level.create(
            {
                "name": "Friendly",
                "days_overdue": 3,
                "mail_template_id": cls.env.ref(
                    "wholtra_payments.mail_template_collection_friendly"
                ).id,
            }
        )
        cls.level_2 = Level.create(
            {
                "name": "Second",
                "days_overdue": 15,
                "mail_template_id": cls.env.ref(
                    "wholtra_payments.mail_template_collection_second"
                ).id,
            }
        )
        cls.level_3 = Level.create(
            {
                "name": "Hold",
                "days_overdue": 30,
                "action": "email_hold",
                "mail_template_id": cls.env.ref(
                    "wholtra_payments.mail_template_collection_hold"
                ).id,
            }
        )
        # Due 10 days ago: level 1 today, level 2 in 5 days, hold in 20 days.
        cls.invoice = cls._invoice(cls.customer, 500.0, -10)
        cls.Status = cls.env["wholtra.collection.status"]

    def _run(self, days_from_today=0):
        return self.Status._wholtra_collection_run(
            self.company, today=self.today + timedelta(days=days_from_today)
        )

    def _status(self, partner=None):
        return self.Status.search([("partner_id", "=", (partner or self.customer).id)])

    def _messages(self, subject):
        return self.customer.message_ids.filtered(lambda m: m.subject == subject)

    def test_levels_on_known_dates_email_with_link(self):
        self._run()
        status = self._status()
        self.assertEqual(status.level_id, self.level_1)
        self.assertEqual(status.overdue_amount, 500.0)
        self.assertEqual(status.days_overdue, 10)
        message = self._messages("Friendly reminder: invoices past due")
        self.assertEqual(len(message), 1)
        link = self.env["wholtra.statement.link"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertIn(link.access_token, str(message.body))
        # Sent to the customer by email, not only logged.
        self.assertIn(self.customer, message.partner_ids)
        self.assertTrue(
            self.env["mail.mail"].search([("mail_message_id", "=", message.id)])
        )
        # Rerun the same day: nothing new.
        self.assertFalse(self._run())
        self.assertEqual(len(self._messages("Friendly reminder: invoices past due")), 1)
        self._run(5)
        self.assertEqual(self._status().level_id, self.level_2)
        self.assertEqual(len(self._messages("Second reminder: overdue invoices")), 1)
        self.assertFalse(self.customer.wholtra_on_hold)

    def test_hold_level_sets_hold_and_payment_lifts_it(self):
        self._run(20)
        status = self._status()
        self.assertEqual(status.level_id, self.level_3)
        self.assertTrue(status.hold_set)
        self.assertTrue(self.customer.wholtra_hold_manual)
        self.assertTrue(self.customer.wholtra_on_hold)
        # the clerk reads who set it: the sequence, not a credit manager
        reasons = self.customer._wholtra_get_hold_reasons()
        self.assertTrue(reasons[0].startswith("Hold set by the collection sequence"))
        # Skipped levels are not sent afterwards: only the hold email.
        self.assertFalse(self._messages("Friendly reminder: invoices past due"))
        self.assertEqual(len(self._messages("Your account is on hold")), 1)
        # The customer pays: the level clears and the hold is lifted.
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.invoice.ids
        ).create({})._create_payments()
        self.assertEqual(self.invoice.payment_state, "paid")
        self._run(20)
        status = self._status()
        self.assertFalse(status.level_id)
        self.assertFalse(status.hold_set)
        self.assertFalse(self.customer.wholtra_hold_manual)

    def test_hold_kept_when_lift_setting_off(self):
        self.company.wholtra_collection_lift_hold = False
        self._run(20)
        self.invoice.line_ids.remove_move_reconcile()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.invoice.ids
        ).create({})._create_payments()
        self._run(21)
        self.assertFalse(self._status().level_id)
        self.assertTrue(self.customer.wholtra_hold_manual)

    def test_manager_hold_never_lifted_by_collections(self):
        self.customer._wholtra_set_hold("Cheque bounced")
        self._run(20)
        status = self._status()
        self.assertEqual(status.level_id, self.level_3)
        self.assertFalse(status.hold_set)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.invoice.ids
        ).create({})._create_payments()
        self._run(21)
        self.assertFalse(self._status().level_id)
        self.assertTrue(self.customer.wholtra_hold_manual)
        self.assertEqual(self.customer.wholtra_hold_reason, "Cheque bounced")

    def test_payment_never_triggers_a_reminder(self):
        old_invoice = self._invoice(self.customer, 80.0, -40)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=old_invoice.ids
        ).create({})._create_payments()
        # Still 10 days overdue on the other invoice, but the payment sent nothing.
        self.assertFalse(self._status())
        self.assertFalse(self._messages("Friendly reminder: invoices past due"))
        self._run()
        self.assertEqual(self._status().level_id, self.level_1)

    def test_disputed_invoices_skipped(self):
        self.invoice.write(
            {"wholtra_disputed": True, "wholtra_dispute_reason": "Short delivery"}
        )
        self._run(20)
        self.assertFalse(self._status().level_id)
        self.assertFalse(self.customer.wholtra_hold_manual)

    def test_disputed_invoice_does_not_trigger_overdue_hold(self):
        """wholtra_orders' overdue hold and the collections agree on disputes."""
        self.company.wholtra_enforce_account_terms = True
        self.company.wholtra_hold_overdue_days = 5  # the invoice is 10 days overdue
        self.assertTrue(self.customer.wholtra_on_hold)
        self.assertIn("overdue", " ".join(self.customer._wholtra_get_hold_reasons()))
        self.invoice.write(
            {"wholtra_disputed": True, "wholtra_dispute_reason": "Short delivery"}
        )
        self.customer.invalidate_recordset(["wholtra_on_hold"])
        self.assertFalse(self.customer._wholtra_get_hold_reasons())
        self.assertFalse(self.customer.wholtra_on_hold)

    def test_hold_indicator_follows_manual_hold(self):
        self.assertFalse(self.customer.wholtra_on_hold)
        self.customer._wholtra_set_hold("Cheque returned")
        self.assertTrue(self.customer.wholtra_on_hold)
        self.customer._wholtra_lift_hold("Paid")
        self.assertFalse(self.customer.wholtra_on_hold)

    def test_disabled_company_does_nothing(self):
        self.company.wholtra_collection_enabled = False
        self.Status._cron_wholtra_collection()
        self.assertFalse(self._status())

    def test_statement_payment_clears_level(self):
        self._run()
        self.assertEqual(self._status().level_id, self.level_1)
        self.Status._wholtra_refresh_partners(self.customer)
        self.assertEqual(self._status().level_id, self.level_1)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.invoice.ids
        ).create({})._create_payments()
        self.Status._wholtra_refresh_partners(self.customer)
        self.assertFalse(self._status().level_id)

    def _pay_by_hand(self, amount):
        """A payment posted without invoice, reconciled by hand in Accounting."""
        payment = (
            self.env["account.payment"]
            .sudo()
            .with_context(wholtra_no_matching=True)
            .create(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": self.customer.id,
                    "amount": amount,
                }
            )
        )
        payment.action_post()
        return payment.move_id

    def _reconcile_by_hand(self, move):
        (move.line_ids | self.invoice.line_ids).filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
            and not line.reconciled
        ).reconcile()

    def test_manual_reconcile_clears_level_and_lifts_hold(self):
        self._run(20)
        self.assertTrue(self.customer.wholtra_hold_manual)
        self._reconcile_by_hand(self._pay_by_hand(500.0))
        self.env.invalidate_all()
        # No scheduled run: the reconciliation itself re-evaluated the customer.
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))
        status = self._status()
        self.assertFalse(status.level_id)
        self.assertEqual(status.overdue_amount, 0.0)
        self.assertFalse(status.hold_set)
        self.assertFalse(self.customer.wholtra_hold_manual)

    def test_partial_reconcile_updates_amount_without_reminder(self):
        self._run()
        self._reconcile_by_hand(self._pay_by_hand(200.0))
        self.env.invalidate_all()
        status = self._status()
        self.assertEqual(status.overdue_amount, 300.0)
        self.assertEqual(status.level_id, self.level_1)
        self.assertEqual(len(self._messages("Friendly reminder: invoices past due")), 1)

    def test_credit_note_applied_clears_level(self):
        self._run()
        self.assertEqual(self._status().level_id, self.level_1)
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.customer.id,
                "invoice_date": self.today,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Returned crisps",
                            "quantity": 1,
                            "price_unit": 500.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        refund.action_post()
        self._reconcile_by_hand(refund)
        self.env.invalidate_all()
        self.assertIn(self.invoice.payment_state, ("paid", "reversed"))
        self.assertFalse(self._status().level_id)

    def test_unreconcile_counts_again_reminder_waits_for_the_run(self):
        self._run()
        self._reconcile_by_hand(self._pay_by_hand(500.0))
        self.assertFalse(self._status().level_id)
        self.invoice.line_ids.remove_move_reconcile()
        self.env.invalidate_all()
        status = self._status()
        self.assertEqual(status.overdue_amount, 500.0)
        self.assertFalse(status.level_id)  # never escalated by a reconciliation
        self.assertEqual(len(self._messages("Friendly reminder: invoices past due")), 1)
        self._run()
        self.assertEqual(self._status().level_id, self.level_1)
        self.assertEqual(len(self._messages("Friendly reminder: invoices past due")), 2)


@tagged("post_install", "-at_install")
class TestOneOverdueFigure(WholtraPaymentsCommon, TransactionCase):
    """The collection sequence chases the same overdue figure as the overdue hold, the
    customer panel and the invoice AR status (grace days and disputes handled once),
    and its reminders state that figure, however they are sent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_wholtra_payments()
        # Set up the way an admin would: Settings, nothing else.
        cls.env["res.config.settings"].create(
            {
                "wholtra_collection_enabled": True,
                "wholtra_statement_links_enabled": True,
                "wholtra_past_due_grace_days": 5,
                "wholtra_enforce_account_terms": True,
                "wholtra_hold_overdue_days": 1,
            }
        ).execute()
        Level = cls.env["wholtra.collection.level"]
        cls.levels = Level.search([("company_id", "=", cls.company.id)])
        cls.friendly = cls.env.ref("wholtra_payments.wholtra_collection_level_friendly")
        # Disputed, 40 days past due: never chased.
        cls.disputed = cls._invoice(cls.customer, 230.0, -40)
        cls.disputed._wholtra_set_dispute("Two cases short")
        # 18 days past due, 5 grace days: 13 days overdue (friendly reminder).
        cls.overdue = cls._invoice(cls.customer, 547.40, -18)
        # Past its due date but within the grace days, and not due yet: not overdue.
        cls.in_grace = cls._invoice(cls.customer, 70.0, -3)
        cls.not_due = cls._invoice(cls.customer, 90.0, 10)
        cls.Status = cls.env["wholtra.collection.status"]
        cls.billing_user = new_test_user(
            cls.env,
            "wh_coll_billing",
            groups="account.group_account_invoice,base.group_partner_manager",
            email="billing@example.com",
        )

    def _expected_texts(self):
        link = self.env["wholtra.statement.link"].search(
            [("partner_id", "=", self.customer.id), ("active", "=", True)]
        )
        self.assertEqual(len(link), 1)
        return (
            format_amount(self.env, 547.40, self.company.currency_id).replace(
                "\xa0", " "
            ),
            self.overdue.name,
            link.url,
        )

    def _assert_reminder(self, body):
        body = html.unescape(str(body)).replace("\xa0", " ")
        amount_text, invoice_name, url = self._expected_texts()
        self.assertIn(amount_text, body)
        self.assertNotIn("0.00<", body)
        self.assertIn(invoice_name, body)
        self.assertIn(url, body)
        for not_overdue in self.disputed | self.in_grace | self.not_due:
            self.assertNotIn(not_overdue.name, body)

    def test_collection_hold_panel_and_ar_agree(self):
        self.Status._wholtra_collection_run()
        self.env.invalidate_all()
        status = self.Status.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(status.overdue_amount, 547.40)
        self.assertEqual(status.oldest_due_date, self.overdue.invoice_date_due)
        self.assertEqual(status.days_overdue, 13)
        self.assertEqual(
            status.days_overdue, self.overdue._wholtra_overdue_days(self.today)
        )
        self.assertEqual(status.level_id, self.friendly)
        # "Overdue invoices" of the collection status: the same invoices.
        action = status.action_wholtra_open_invoices()
        self.assertEqual(
            self.env["account.move"].search(action["domain"]), self.overdue
        )
        # The customer panel.
        self.assertEqual(self.customer.wholtra_overdue_amount, 547.40)
        # The invoice AR status.
        past_due = self.env["account.move"].search(
            [
                ("commercial_partner_id", "=", self.customer.id),
                ("wholtra_ar_status", "=", "past_due"),
            ]
        )
        self.assertEqual(past_due, self.overdue)
        self.assertEqual(sum(past_due.mapped("amount_residual_signed")), 547.40)
        # The overdue hold (overdue more than 1 day).
        reasons = " ".join(self.customer._wholtra_get_hold_reasons())
        self.assertIn(
            format_amount(self.env, 547.40, self.company.currency_id), reasons
        )
        # The reminder the run sent states that figure.
        message = self.customer.message_ids.filtered(
            lambda m: m.subject == "Friendly reminder: invoices past due"
        )
        self.assertEqual(len(message), 1)
        self._assert_reminder(message.body)

    def test_reminder_from_send_message(self):
        """A billing user sends the reminder template from the customer's chatter."""
        template = self.friendly.mail_template_id
        composer = (
            self.env["mail.compose.message"]
            .with_user(self.billing_user)
            .with_context(
                default_model="res.partner",
                default_res_ids=self.customer.ids,
                default_composition_mode="comment",
                default_template_id=template.id,
            )
            .create({})
        )
        self._assert_reminder(composer.body)
        composer._action_send_mail()
        message = self.customer.message_ids.filtered(
            lambda m: m.subject == "Friendly reminder: invoices past due"
        )
        self.assertEqual(len(message), 1)
        self._assert_reminder(message.body)
        self.assertIn(self.customer, message.partner_ids)

    def test_reminder_after_payment_states_what_is_left(self):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.overdue.ids
        ).create({"amount": 500.0})._create_payments()
        values = self.customer._wholtra_collection_reminder_values()
        self.assertAlmostEqual(values["amount"], 47.40)
        self.assertEqual(values["invoices"], self.overdue)
        self.assertIn(
            format_amount(self.env, 47.40, self.company.currency_id),
            values["amount_text"],
        )


@tagged("post_install", "-at_install")
class TestCollectionStatusReset(WholtraPaymentsCommon, TransactionCase):
    """A customer whose overdue falls to 0 without a payment (a dispute, the grace
    days raised) and who had no collection level yet: the collection status shows 0
    again, never the old overdue figures (Collections list, "Total overdue")."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_wholtra_payments()
        cls.env["res.config.settings"].create(
            {"wholtra_collection_enabled": True, "wholtra_past_due_grace_days": 5}
        ).execute()
        cls.billing_user = new_test_user(
            cls.env,
            "wh_coll_reset_billing",
            groups="account.group_account_invoice,base.group_partner_manager",
        )
        # 6 days past due, 5 grace days: 1 day overdue, below the first level (3).
        cls.invoice = cls._invoice(cls.customer, 100.0, -6)
        cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=cls.invoice.ids
        ).create({"amount": 68.17})._create_payments()
        cls.Status = cls.env["wholtra.collection.status"].sudo()

    def _nightly_run(self):
        self.env["account.move"]._cron_wholtra_refresh_ar_status(today=self.today)
        self.Status._wholtra_collection_run(self.company, today=self.today)
        self.env.invalidate_all()

    def _status(self):
        return self.Status.search(
            [
                ("partner_id", "=", self.customer.id),
                ("company_id", "=", self.company.id),
            ]
        )

    def _overdue(self):
        """The one definition of overdue: (amount, count, oldest due date)."""
        return (
            self.env["account.move"]
            ._wholtra_overdue_groups(self.customer, self.today, self.company)
            .get(self.customer, (0.0, 0, False))
        )

    def _total_overdue(self):
        """The Collections list's "Total overdue" (sum of the column)."""
        [(total,)] = self.Status._read_group(
            [("company_id", "=", self.company.id)], [], ["overdue_amount:sum"]
        )
        return total

    def _assert_status(self, amount, days, oldest):
        status = self._status()
        self.assertEqual(len(status), 1)
        self.assertAlmostEqual(status.overdue_amount, amount)
        self.assertEqual(status.days_overdue, days)
        self.assertEqual(status.oldest_due_date, oldest)
        self.assertFalse(status.level_id)
        self.assertAlmostEqual(self._overdue()[0], amount)
        self.assertAlmostEqual(self._total_overdue(), amount)

    def _assert_no_reminder(self):
        self.assertFalse(
            self.customer.message_ids.filtered(
                lambda m: m.subtype_id == self.env.ref("mail.mt_comment")
            )
        )

    def test_dispute_resets_status_resolve_brings_it_back(self):
        self.assertAlmostEqual(self.invoice.amount_residual, 31.83)
        self._nightly_run()
        due = self.invoice.invoice_date_due
        self._assert_status(31.83, 1, due)
        # A billing user puts the invoice in dispute with the dispute wizard.
        wizard = (
            self.env["wholtra.dispute.wizard"]
            .with_user(self.billing_user)
            .create({"move_ids": self.invoice.ids, "reason": "Two cases short"})
        )
        wizard.action_confirm()
        self.env.invalidate_all()
        # At once, no scheduled run needed.
        self._assert_status(0.0, 0, False)
        # The nightly run agrees, and its rerun touches nothing.
        self._nightly_run()
        self._assert_status(0.0, 0, False)
        self.assertFalse(self.Status._wholtra_collection_run(self.company))
        # The dispute is resolved: overdue again at once, no reminder sent.
        self.invoice.with_user(self.billing_user).action_wholtra_resolve_dispute()
        self.env.invalidate_all()
        self._assert_status(31.83, 1, due)
        self._nightly_run()
        self._assert_status(31.83, 1, due)
        self._assert_no_reminder()

    def test_nightly_run_resets_status_of_customer_no_longer_overdue(self):
        """No event refreshed the status (the admin raised the grace days): the
        nightly run resets it."""
        self._nightly_run()
        self._assert_status(31.83, 1, self.invoice.invoice_date_due)
        self.env["res.config.settings"].create(
            {"wholtra_past_due_grace_days": 10}
        ).execute()
        self.env.invalidate_all()
        self.assertAlmostEqual(self._status().overdue_amount, 31.83)  # not refreshed
        self._nightly_run()
        self._assert_status(0.0, 0, False)
        self._assert_no_reminder()

    def test_scheduled_action_resets_stale_status(self):
        """The scheduled action claims the statuses still showing overdue figures."""
        self._nightly_run()
        self.env["res.config.settings"].create(
            {"wholtra_past_due_grace_days": 10}
        ).execute()
        # The scheduled action commits each batch: the test transaction may not.
        with patch.object(self.env.cr, "commit", lambda: None):
            self.Status._cron_wholtra_collection()
        self.env.invalidate_all()
        self._assert_status(0.0, 0, False)
