from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from ..tools import hold_memo
from .common import WholtraOrdersCommon


@tagged("post_install", "-at_install")
class TestCreditHold(WholtraOrdersCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable(wholtra_enforce_account_terms=True)

    def _release(self, order, user, reason="Paid by card on the phone"):
        action = order.with_user(user).action_wholtra_release_hold()
        wizard_form = Form(
            self.env[action["res_model"]]
            .with_user(user)
            .with_context(action["context"])
        )
        wizard_form.reason = reason
        wizard_form.save().action_apply()

    def _deliver(self, order):
        picking = order.picking_ids
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        return picking.button_validate()

    def _invoice(self, partner, amount, days_ago):
        invoice_date = fields.Date.context_today(self.env.user) - timedelta(
            days=days_ago
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
                            "name": "Old delivery",
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

    def test_manual_hold_blocks_confirm_with_reason(self):
        self.grill.with_user(self.credit_manager)._wholtra_set_hold("Cheque bounced")
        self.assertTrue(self.grill.wholtra_on_hold)
        self.assertEqual(
            self.grill._wholtra_get_hold_reasons(), ["Manual hold: Cheque bounced"]
        )
        order = self._order(self.grill, [(self.crisps, 5)])
        self.assertIn("Cheque bounced", order.wholtra_block_message)
        with self.assertRaisesRegex(
            UserError, "is on credit hold(.|\n)*Cheque bounced"
        ):
            order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "draft")
        self.assertFalse(order.picking_ids)

    def test_contact_order_is_blocked_too(self):
        contact = self.env["res.partner"].create(
            {"name": "Chef", "parent_id": self.grill.id}
        )
        self.grill._wholtra_set_hold("Disputed invoices")
        self.assertTrue(contact.wholtra_on_hold)
        order = self._order(contact, [(self.crisps, 5)])
        with self.assertRaisesRegex(UserError, "Disputed invoices"):
            order.action_confirm()

    def test_salesperson_cannot_set_lift_or_release(self):
        with self.assertRaises(AccessError):
            self.grill.with_user(self.salesman)._wholtra_set_hold("no")
        self.grill._wholtra_set_hold("Over terms")
        with self.assertRaises(AccessError):
            self.grill.with_user(self.salesman)._wholtra_lift_hold("please")
        order = self._order(self.grill, [(self.crisps, 5)])
        with self.assertRaises(AccessError):
            self._release(order, self.salesman)
        with self.assertRaises(AccessError):
            order.with_user(self.salesman).write({"wholtra_hold_released": True})
        with self.assertRaises(AccessError):
            order.with_user(self.salesman).copy({"wholtra_hold_released": True})
        with self.assertRaises(AccessError):
            self.env["sale.order"].with_user(self.salesman).create(
                {
                    "partner_id": self.grill.id,
                    "user_id": self.salesman.id,
                    "wholtra_hold_released": True,
                }
            )
        self.assertFalse(order.wholtra_hold_released)
        self.assertTrue(self.grill.wholtra_hold_manual)

    def test_release_per_order_and_duplicate_stays_blocked(self):
        self.grill._wholtra_set_hold("Over terms")
        order = self._order(self.grill, [(self.crisps, 5)])
        self._release(order, self.credit_manager, "Owner paid cash")
        self.assertTrue(order.wholtra_hold_released)
        self.assertEqual(order.wholtra_hold_release_reason, "Owner paid cash")
        self.assertEqual(order.wholtra_hold_released_by_id, self.credit_manager)
        self.assertIn("Owner paid cash", "\n".join(order.message_ids.mapped("body")))
        duplicate = order.copy()
        self.assertFalse(duplicate.wholtra_hold_released)
        with self.assertRaisesRegex(UserError, "credit hold"):
            duplicate.action_confirm()
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")
        # the released order ships despite the hold
        self._deliver(order)
        self.assertEqual(order.picking_ids.state, "done")
        self.assertEqual(order.order_line.qty_delivered, 5)

    def test_lift_hold(self):
        self.grill._wholtra_set_hold("Over terms")
        order = self._order(self.grill, [(self.crisps, 5)])
        self.grill.with_user(self.credit_manager)._wholtra_lift_hold("Paid in full")
        self.assertFalse(self.grill.wholtra_on_hold)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_hold_blocks_delivery_validation(self):
        order = self._order(self.grill, [(self.crisps, 5)])
        order.action_confirm()
        picking = order.picking_ids
        self.assertFalse(picking.wholtra_hold_message)
        self.grill._wholtra_set_hold("Stop-ship: NSF cheque")
        picking.invalidate_recordset()
        self.assertIn("NSF cheque", picking.wholtra_hold_message)
        with self.assertRaisesRegex(UserError, "cannot be shipped(.|\n)*NSF cheque"):
            self._deliver(order)
        self.assertNotEqual(picking.state, "done")
        self.assertEqual(order.order_line.qty_delivered, 0)
        # the low-level path is guarded as well
        with self.assertRaisesRegex(UserError, "cannot be shipped"):
            picking._action_done()
        self._release(order, self.credit_manager)
        self._deliver(order)
        self.assertEqual(picking.state, "done")

    def test_over_credit_limit(self):
        self.company.account_use_credit_limit = True
        self.grill.credit_limit = 1000.0
        big = self._order(self.grill, [(self.crisps, 70)])  # 70 x 16 = 1,120
        with self.assertRaisesRegex(UserError, "Over credit limit(.|\n)*1,000.00"):
            big.action_confirm()
        self.assertEqual(big.state, "draft")
        self.grill.credit_limit = 2000.0
        big.action_confirm()
        self.assertEqual(big.state, "sale")
        # the uninvoiced confirmed order counts: 1,120 > 1,000
        self.grill.credit_limit = 1000.0
        self.grill.invalidate_recordset()
        self.assertTrue(self.grill.wholtra_on_hold)
        self.assertIn("1,120.00", self.grill.wholtra_hold_status)
        small = self._order(self.grill, [(self.cola, 1)])
        with self.assertRaisesRegex(UserError, "Over credit limit"):
            small.action_confirm()
        # with the company switch off the limit is only Odoo's warning again
        self.company.wholtra_enforce_account_terms = False
        small.action_confirm()
        self.assertEqual(small.state, "sale")

    def test_overdue_invoices(self):
        # Bronze has no payment term: due on the invoice date, 45 days ago
        self._invoice(self.deli, 500.0, days_ago=45)
        self.assertFalse(self.deli.wholtra_on_hold, "overdue check is off (0 days)")
        self.company.wholtra_hold_overdue_days = 30
        self.deli.invalidate_recordset()
        self.assertTrue(self.deli.wholtra_on_hold)
        self.assertIn("overdue more than 30 days", self.deli.wholtra_hold_status)
        self.assertIn("500.00", self.deli.wholtra_hold_status)
        order = self._order(self.deli, [(self.cola, 2)])
        with self.assertRaisesRegex(UserError, "overdue more than 30 days"):
            order.action_confirm()
        self.company.wholtra_hold_overdue_days = 60
        self.deli.invalidate_recordset()
        self.assertFalse(self.deli.wholtra_on_hold)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_vanilla_when_switched_off(self):
        self.company.wholtra_enforce_account_terms = False
        self.company.account_use_credit_limit = True
        self.grill.credit_limit = 10.0
        self._invoice(self.grill, 500.0, days_ago=90)
        self.company.wholtra_hold_overdue_days = 30
        self.assertFalse(self.grill.wholtra_on_hold)
        order = self._order(self.grill, [(self.crisps, 5)])
        self.assertFalse(order.wholtra_block_message)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_hold_from_the_customer_form_wizard(self):
        action = self.grill.with_user(self.credit_manager).action_wholtra_hold_wizard()
        self.assertEqual(action["context"]["default_approval_type"], "set_hold")
        wizard_form = Form(
            self.env[action["res_model"]]
            .with_user(self.credit_manager)
            .with_context(action["context"])
        )
        wizard_form.reason = "Account review"
        wizard_form.save().action_apply()
        self.assertTrue(self.grill.wholtra_hold_manual)
        self.assertEqual(self.grill.wholtra_hold_reason, "Account review")
        self.assertIn(
            "Credit hold set: Account review",
            "\n".join(self.grill.message_ids.mapped("body")),
        )
        action = self.grill.with_user(self.credit_manager).action_wholtra_hold_wizard()
        self.assertEqual(action["context"]["default_approval_type"], "lift_hold")
        wizard_form = Form(
            self.env[action["res_model"]]
            .with_user(self.salesman)
            .with_context(action["context"])
        )
        wizard_form.reason = "I would like to"
        with self.assertRaises(AccessError):
            wizard_form.save().action_apply()
        self.assertTrue(self.grill.wholtra_hold_manual)

    def _count_hold_evaluations(self):
        """Context manager counting the overdue reads of the hold rule."""
        Move = self.env.registry["account.move"]
        return patch.object(
            Move,
            "_wholtra_overdue_groups",
            autospec=True,
            side_effect=Move._wholtra_overdue_groups,
        )

    def test_hold_read_once_per_confirmation_and_validation(self):
        """One confirmation reads a customer's overdue figures once (the check and
        any later evaluation in it, e.g. allocation's held-last rule); one
        validation evaluates the stop-ship once (button_validate, not again in
        _action_done); outside these the hold is live."""
        self.company.wholtra_hold_overdue_days = 30
        order = self._order(self.grill, [(self.crisps, 5)])
        with self._count_hold_evaluations() as overdue_reads:
            with hold_memo(self.env):
                self.assertFalse(self.grill._wholtra_get_hold_reasons())
                self.assertFalse(self.grill._wholtra_get_hold_reasons())
            self.assertEqual(overdue_reads.call_count, 1)
            self.assertNotIn("wholtra_orders_hold_overdue", self.env.cr.cache)
            order.action_confirm()
            self.assertEqual(order.state, "sale")
            self.assertEqual(overdue_reads.call_count, 2)
            self.assertEqual(self._deliver(order), True)
            self.assertEqual(order.picking_ids.state, "done")
            self.assertEqual(overdue_reads.call_count, 3)
        # the memo ended with the confirmation: an overdue invoice holds the
        # next order at once (Bronze: due on the invoice date)
        deli_order = self._order(self.deli, [(self.crisps, 5)])
        deli_order.action_confirm()
        self.assertEqual(deli_order.state, "sale")
        self._invoice(self.deli, 500.0, days_ago=45)
        second = self._order(self.deli, [(self.crisps, 5)])
        with self.assertRaisesRegex(UserError, "overdue more than 30 days"):
            second.action_confirm()
        self.assertEqual(second.state, "draft")

    def test_validation_of_many_customers_one_evaluation(self):
        """Deliveries of several customers validated together: one hold evaluation
        for all of them, the held customer's stops the batch and is named."""
        self.company.wholtra_hold_overdue_days = 30
        orders = self._order(self.grill, [(self.crisps, 5)]) | self._order(
            self.deli, [(self.cola, 2)]
        )
        orders.action_confirm()
        self._invoice(self.deli, 500.0, days_ago=45)
        pickings = orders.picking_ids
        pickings.move_ids.picked = True
        with self._count_hold_evaluations() as overdue_reads:
            with self.assertRaisesRegex(
                UserError, f"cannot be shipped: {self.deli.name} is on credit hold"
            ):
                pickings.button_validate()
            self.assertEqual(overdue_reads.call_count, 1)
        self.assertEqual(set(pickings.mapped("state")), {"assigned"})
        grill_picking = orders[0].picking_ids
        self.assertEqual(grill_picking.button_validate(), True)
        self.assertEqual(grill_picking.state, "done")


@tagged("post_install", "-at_install")
class TestHoldWording(WholtraOrdersCommon):
    """Issue 15 item 8: who set a hold, reasons one per line, names not cut."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable(wholtra_enforce_account_terms=True)

    def test_hold_set_by_sequence_is_not_manual(self):
        Partner = type(self.env["res.partner"])
        self.grill.sudo()._wholtra_set_hold("Level 2: invoices 40 days overdue")
        self.deli.with_user(self.credit_manager)._wholtra_set_hold("Cheque bounced")
        with patch.object(
            Partner,
            "_wholtra_hold_set_by_sequence",
            lambda self, held: set(held.filtered(lambda p: "Grill" in p.name).ids),
        ):
            grill_reasons = self.grill._wholtra_get_hold_reasons()
            deli_reasons = self.deli._wholtra_get_hold_reasons()
        self.assertEqual(
            grill_reasons,
            [
                "Hold set by the collection sequence: Level 2: invoices 40 days "
                "overdue"
            ],
        )
        self.assertEqual(deli_reasons, ["Manual hold: Cheque bounced"])

    def test_no_hook_call_without_hold(self):
        Partner = type(self.env["res.partner"])
        with patch.object(
            Partner, "_wholtra_hold_set_by_sequence", side_effect=AssertionError
        ):
            self.assertEqual(self.grill._wholtra_get_hold_reasons(), [])

    def test_reasons_one_per_line(self):
        self.deli.with_user(self.credit_manager)._wholtra_set_hold("Cheque bounced")
        self.company.wholtra_hold_overdue_days = 30
        # Bronze has no payment term: due on the invoice date
        TestCreditHold._invoice(self, self.deli, 500.0, days_ago=60)
        self.env.invalidate_all()
        status = self.deli.wholtra_hold_status
        lines = status.splitlines()
        self.assertEqual(len(lines), 2, status)
        self.assertEqual(lines[0], "Manual hold: Cheque bounced")
        self.assertIn("Invoices overdue more than 30 days", lines[1])
        self.assertIn("500.00", lines[1])
        arch = self.env["res.partner"].get_view(view_type="form")["arch"]
        self.assertRegex(arch, r'name="wholtra_hold_status"[^>]*white-space: pre-line')
        order_arch = self.env["sale.order"].get_view(view_type="form")["arch"]
        self.assertRegex(
            order_arch,
            r'name="wholtra_partner_hold_status"[^>]*white-space: pre-line',
        )

    def test_contract_pricelist_full_width(self):
        from lxml import etree

        arch = etree.fromstring(
            self.env["res.partner"].get_view(view_type="form")["arch"]
        )
        field = arch.xpath("//field[@name='wholtra_contract_pricelist_id']")[0]
        # not squeezed beside its button in an o_row (the name read "Co…")
        self.assertNotIn("o_row", field.getparent().get("class", ""))
        self.assertIn("w-100", field.get("class", ""))
