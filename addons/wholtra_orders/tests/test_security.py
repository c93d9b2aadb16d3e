"""Issue 11: the controls of wholtra_orders hold on the server, for every role.

Each refusal is asserted together with "nothing was written" (read back after
invalidate_all()), and the legitimate path of the owning role still works."""

from datetime import datetime

import psycopg2

from odoo import Command, fields
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import SQL, mute_logger

from .security_common import WholtraSecurityCommon


@tagged("post_install", "-at_install")
class TestStopShipFollowsTheOrder(WholtraSecurityCommon):
    """Item 2: the hold follows the sales order's customer, not the delivery's
    partner; a stock user needs no credit data to be stopped."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable(wholtra_enforce_account_terms=True)

    def _validate_as_stock_user(self, picking):
        picking = picking.with_user(self.stock_user)
        self._prepare_delivery(picking)
        return picking.button_validate()

    def _assert_not_shipped(self, order):
        self.env.invalidate_all()
        self.assertTrue(
            all(p.state not in ("done", "cancel") for p in order.picking_ids)
        )
        self.assertEqual(order.order_line.qty_delivered, 0.0)

    def test_cleared_delivery_partner_does_not_ship_a_held_customer(self):
        order = self._confirmed_order(self.grill)
        picking = order.picking_ids
        self.grill._wholtra_set_hold("NSF cheque")
        picking.with_user(self.stock_user).partner_id = False
        self.env.invalidate_all()
        self.assertFalse(picking.partner_id)
        self.assertIn(
            "NSF cheque", picking.with_user(self.stock_user).wholtra_hold_message
        )
        with self.assertRaisesRegex(UserError, "cannot be shipped(.|\n)*NSF cheque"):
            self._validate_as_stock_user(picking)
        self._assert_not_shipped(order)
        with self.assertRaisesRegex(UserError, "cannot be shipped"):
            picking.with_user(self.stock_user)._action_done()
        self._assert_not_shipped(order)

    def test_changed_delivery_partner_does_not_ship_a_held_customer(self):
        order = self._confirmed_order(self.grill)
        picking = order.picking_ids
        self.grill._wholtra_set_hold("Disputed invoices")
        # the deli is not on hold: the delivery now "goes" to it
        picking.with_user(self.stock_user).partner_id = self.deli
        with self.assertRaisesRegex(UserError, "Harbour Grill is on credit hold"):
            self._validate_as_stock_user(picking)
        self._assert_not_shipped(order)

    def test_held_delivery_partner_of_another_customer_blocks_not(self):
        # the order's customer is not on hold: a held delivery partner is not the
        # customer of this order
        order = self._confirmed_order(self.deli)
        picking = order.picking_ids
        self.grill._wholtra_set_hold("Disputed invoices")
        picking.partner_id = self.grill
        self._validate_as_stock_user(picking)
        self.env.invalidate_all()
        self.assertEqual(picking.state, "done")

    def test_release_by_credit_manager_ships(self):
        order = self._confirmed_order(self.grill)
        picking = order.picking_ids
        self.grill._wholtra_set_hold("NSF cheque")
        picking.partner_id = False
        wizard = Form(
            self.env["wholtra.order.approval.wizard"]
            .with_user(self.credit_manager)
            .with_context(
                order.with_user(self.credit_manager).action_wholtra_release_hold()[
                    "context"
                ]
            )
        )
        wizard.reason = "Paid cash at the counter"
        wizard.save().action_apply()
        self._validate_as_stock_user(picking)
        self.env.invalidate_all()
        self.assertEqual(picking.state, "done")
        self.assertEqual(order.order_line.qty_delivered, 5.0)

    def test_picking_without_order_follows_its_partner(self):
        picking_type = self.env.ref("stock.picking_type_out")
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": picking_type.id,
                "partner_id": self.grill.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": self.cola.id,
                            "product_uom_qty": 2,
                            "location_id": picking_type.default_location_src_id.id,
                            "location_dest_id": self.env.ref(
                                "stock.stock_location_customers"
                            ).id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        self.grill._wholtra_set_hold("NSF cheque")
        with self.assertRaisesRegex(UserError, "cannot be shipped"):
            self._validate_as_stock_user(picking)
        self.env.invalidate_all()
        self.assertNotEqual(picking.state, "done")
        # today's behaviour: the picking's partner decides
        picking.partner_id = self.deli
        self._validate_as_stock_user(picking)
        self.env.invalidate_all()
        self.assertEqual(picking.state, "done")


@tagged("post_install", "-at_install")
class TestPriceOverrideLogIsSystemManaged(WholtraSecurityCommon):
    """Item 3: no user creates, edits or deletes audit entries; author and date
    are the server's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable(wholtra_audit_price_overrides=True)

    def _log_count(self):
        self.env.invalidate_all()
        return self.env["wholtra.price.override"].sudo().search_count([])

    def _entry_vals(self, order):
        return {
            "order_id": order.id,
            "company_id": self.company.id,
            "partner_id": self.grill.id,
            "product_id": self.crisps.id,
            "user_id": self.sales_manager.id,
            "date": datetime(2020, 1, 1),
            "price_unit": 1.0,
            "deviation": 0.0,
            "reason": "Back-dated",
        }

    def test_no_user_creates_entries(self):
        order = self._order(self.grill, [(self.crisps, 10)])
        before = self._log_count()
        for user in (self.salesman, self.sales_manager, self.credit_manager):
            Log = self.env["wholtra.price.override"].with_user(user)
            with self.assertRaises(AccessError):
                Log.create(self._entry_vals(order))
            with self.assertRaises(AccessError):
                order.with_user(user).write(
                    {
                        "wholtra_price_override_ids": [
                            Command.create(self._entry_vals(order))
                        ]
                    }
                )
        with self.assertRaises(AccessError):
            self.env["wholtra.price.override"].with_user(self.portal).create(
                self._entry_vals(order)
            )
        self.assertEqual(self._log_count(), before)

    def test_no_user_edits_or_deletes_entries(self):
        order = self._order(self.grill, [(self.crisps, 10)])
        order.order_line.with_user(self.salesman).write({"price_unit": 15.5})
        entry = order.wholtra_price_override_ids
        self.assertEqual(len(entry), 1)
        for user in (self.salesman, self.sales_manager, self.credit_manager):
            with self.assertRaises(AccessError):
                entry.with_user(user).write(
                    {"user_id": self.sales_manager.id, "date": datetime(2020, 1, 1)}
                )
            with self.assertRaises(AccessError):
                entry.with_user(user).unlink()
        self.env.invalidate_all()
        self.assertTrue(entry.exists())
        self.assertEqual(entry.user_id, self.salesman)
        self.assertEqual(entry.price_unit, 15.5)

    def test_author_and_date_are_the_servers(self):
        order = self._order(self.grill, [(self.crisps, 10)])
        start = fields.Datetime.now()
        order.order_line.with_user(self.salesman).write({"price_unit": 15.5})
        self.env.invalidate_all()
        entry = order.wholtra_price_override_ids
        self.assertEqual(entry.user_id, self.salesman)
        self.assertGreaterEqual(entry.date, start.replace(microsecond=0))
        # even code running in sudo cannot back-date or re-author an entry
        forged = (
            self.env["wholtra.price.override"]
            .with_user(self.salesman)
            .sudo()
            .create(self._entry_vals(order))
        )
        forged.write({"user_id": self.sales_manager.id, "date": datetime(2020, 1, 1)})
        self.env.invalidate_all()
        self.assertEqual(forged.user_id, self.salesman)
        self.assertGreaterEqual(forged.date, start.replace(microsecond=0))

    def test_override_flag_is_the_audits(self):
        order = self._order(self.grill, [(self.crisps, 10)])
        line = order.order_line
        with self.assertRaises(AccessError):
            line.with_user(self.salesman).write({"wholtra_price_overridden": True})
        self.env.invalidate_all()
        self.assertFalse(line.wholtra_price_overridden)
        line.with_user(self.salesman).write({"price_unit": 15.5})
        self.env.invalidate_all()
        self.assertTrue(line.wholtra_price_overridden)


@tagged("post_install", "-at_install")
class TestAuditBypassKey(WholtraSecurityCommon):
    """Item 5: wholtra_no_price_audit only works for superuser code."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable(
            wholtra_audit_price_overrides=True, wholtra_override_reason_threshold=5.0
        )

    def test_context_key_does_not_skip_the_audit_for_a_user(self):
        order = self._order(self.grill, [(self.crisps, 10)])
        line = order.order_line.with_user(self.salesman).with_context(
            wholtra_no_price_audit=True
        )
        with self.assertRaisesRegex(ValidationError, "Enter an override reason"):
            line.write({"price_unit": 10.0})
        self.env.invalidate_all()
        self.assertEqual(order.order_line.price_unit, 16.0)
        line.write({"price_unit": 15.5})
        self.env.invalidate_all()
        self.assertEqual(order.wholtra_price_override_ids.price_unit, 15.5)
        self.assertEqual(order.wholtra_price_override_ids.user_id, self.salesman)
        # on create as well
        new_line = (
            self.env["sale.order.line"]
            .with_user(self.salesman)
            .with_context(wholtra_no_price_audit=True)
            .create(
                {
                    "order_id": order.id,
                    "product_id": self.cola.id,
                    "product_uom_qty": 1,
                    "price_unit": 14.8,
                }
            )
        )
        self.env.invalidate_all()
        self.assertTrue(new_line.wholtra_price_override_ids)

    def test_superuser_code_may_skip_it(self):
        order = self._order(self.grill, [(self.crisps, 10)])
        order.order_line.sudo().with_context(wholtra_no_price_audit=True).write(
            {"price_unit": 10.0}
        )
        self.env.invalidate_all()
        self.assertEqual(order.order_line.price_unit, 10.0)
        self.assertFalse(order.wholtra_price_override_ids)


@tagged("post_install", "-at_install")
class TestCustomerDecisionFields(WholtraSecurityCommon):
    """Item 3: tier, key account, contract prices and MOV are the sales
    manager's; the hold fields are the credit manager's."""

    def _snapshot(self, partner):
        self.env.invalidate_all()
        partner = partner.sudo()
        return (
            partner.wholtra_tier_id,
            partner.wholtra_key_account,
            partner.wholtra_allocation_priority,
            partner.wholtra_contract_pricelist_id,
            partner.wholtra_min_order_value,
            partner.wholtra_hold_manual,
            partner.wholtra_hold_reason,
            partner.property_product_pricelist,
        )

    def test_salesperson_cannot_change_terms(self):
        before = self._snapshot(self.deli)
        partner = self.deli.with_user(self.salesman_contacts)
        for vals in (
            {"wholtra_tier_id": self.tier_gold.id},
            {"wholtra_key_account": True},
            {"wholtra_contract_pricelist_id": self.pl_silver.id},
            {"wholtra_min_order_value": 1.0},
            {"name": "Corner Deli", "wholtra_key_account": True},
        ):
            with self.assertRaisesRegex(AccessError, "ask a sales manager"):
                partner.write(vals)
        self.assertEqual(self._snapshot(self.deli), before)
        self.assertEqual(before[2], 10)
        # a new customer cannot be created in a tier by a salesperson either
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.salesman_contacts).create(
                {
                    "name": "Gold wannabe",
                    "is_company": True,
                    "wholtra_key_account": True,
                }
            )
        # unchanged values and other fields: fine
        partner.write({"phone": "+32 2 555 12 12", "wholtra_key_account": False})
        self.env.invalidate_all()
        self.assertEqual(self.deli.phone, "+32 2 555 12 12")

    def test_salesperson_creates_contacts_of_a_tiered_customer(self):
        contact = (
            self.env["res.partner"]
            .with_user(self.salesman_contacts)
            .create({"name": "Buyer", "parent_id": self.grill.id})
        )
        self.env.invalidate_all()
        self.assertEqual(contact.sudo().wholtra_tier_id, self.tier_gold)
        self.assertEqual(contact.sudo().wholtra_allocation_priority, 30)

    def test_sales_manager_decides_terms(self):
        partner = self.deli.with_user(self.sales_manager)
        partner.write(
            {
                "wholtra_tier_id": self.tier_gold.id,
                "wholtra_key_account": True,
                "wholtra_min_order_value": 250.0,
            }
        )
        self.env.invalidate_all()
        self.assertEqual(self.deli.wholtra_allocation_priority, 1030)
        self.assertEqual(self.deli.property_product_pricelist, self.pl_gold)
        self.assertEqual(self.deli.wholtra_min_order_value, 250.0)
        partner.action_wholtra_create_contract_pricelist()
        self.env.invalidate_all()
        self.assertTrue(self.deli.wholtra_contract_pricelist_id)
        with self.assertRaises(AccessError):
            self.grill.with_user(
                self.salesman
            ).action_wholtra_create_contract_pricelist()
        self.env.invalidate_all()
        self.assertFalse(self.grill.wholtra_contract_pricelist_id)

    def test_only_credit_manager_writes_the_hold(self):
        self.grill._wholtra_set_hold("Cheque bounced")
        before = self._snapshot(self.grill)
        for user in (self.salesman_contacts, self.sales_manager):
            partner = self.grill.with_user(user)
            with self.assertRaisesRegex(AccessError, "ask a credit manager"):
                partner.write({"wholtra_hold_reason": "Paid, all fine"})
            with self.assertRaisesRegex(AccessError, "ask a credit manager"):
                partner.write({"wholtra_hold_manual": False})
            with self.assertRaises(AccessError):
                partner._wholtra_lift_hold("Paid")
            with self.assertRaises(AccessError):
                partner.action_wholtra_hold_wizard()
        self.assertEqual(self._snapshot(self.grill), before)
        # the credit manager, through the wizard
        action = self.grill.with_user(self.credit_manager).action_wholtra_hold_wizard()
        wizard = Form(
            self.env["wholtra.order.approval.wizard"]
            .with_user(self.credit_manager)
            .with_context(action["context"])
        )
        wizard.reason = "Paid in full"
        wizard.save().action_apply()
        self.env.invalidate_all()
        self.assertFalse(self.grill.wholtra_hold_manual)
        self.assertFalse(self.grill.wholtra_hold_reason)

    def test_order_approval_fields_refused_on_every_path(self):
        order = self._order(self.grill, [(self.crisps, 5)])
        user_order = order.with_user(self.salesman)
        for vals in (
            {"wholtra_hold_released": True},
            {"wholtra_hold_release_reason": "I say so"},
            {"wholtra_hold_released_by_id": self.credit_manager.id},
            {"wholtra_margin_approved": True},
            {"wholtra_margin_approval_reason": "I say so"},
            {"wholtra_terms_overridden": True},
            {"wholtra_terms_overridden_by_id": self.sales_manager.id},
        ):
            with self.assertRaises(AccessError):
                user_order.write(vals)
            with self.assertRaises(AccessError):
                user_order.copy(vals)
            with self.assertRaises(AccessError):
                self.env["sale.order"].with_user(self.salesman).create(
                    dict(vals, partner_id=self.grill.id, user_id=self.salesman.id)
                )
        self.env.invalidate_all()
        order = order.sudo()
        self.assertFalse(order.wholtra_hold_released)
        self.assertFalse(order.wholtra_hold_release_reason)
        self.assertFalse(order.wholtra_margin_approved)
        self.assertFalse(order.wholtra_terms_overridden_by_id)
        self.assertEqual(
            self.env["sale.order"].search_count([("partner_id", "=", self.grill.id)]),
            1,
        )


@tagged("post_install", "-at_install")
class TestHoldsPerCompany(WholtraSecurityCommon):
    """Item 4: a credit manager of company B neither lifts nor sets company A's
    hold on a shared customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b.wholtra_enforce_account_terms = True
        cls._enable(wholtra_enforce_account_terms=True)

    def _hold_in(self, partner, company):
        self.env.invalidate_all()
        partner_sudo = partner.sudo().with_company(company)
        return partner_sudo.wholtra_hold_manual, partner_sudo.wholtra_hold_reason

    def test_company_b_cannot_lift_company_a_hold(self):
        self.assertFalse(self.grill.company_id, "a shared customer")
        self.grill._wholtra_set_hold("Cheque bounced")
        self.assertEqual(
            self._hold_in(self.grill, self.company_a), (True, "Cheque bounced")
        )
        self.assertEqual(self._hold_in(self.grill, self.company_b), (False, False))
        partner_b = self.grill.with_user(self.credit_manager_b)
        # in its own company there is nothing to lift; company A is out of reach
        with self.assertRaises(AccessError):
            partner_b.with_company(self.company_a)._wholtra_lift_hold("Paid")
        with self.assertRaises(AccessError):
            partner_b.with_context(allowed_company_ids=self.company_a.ids).write(
                {"wholtra_hold_manual": False}
            )
        wizard = (
            self.env["wholtra.order.approval.wizard"]
            .with_user(self.credit_manager_b)
            .create(
                {
                    "approval_type": "lift_hold",
                    "partner_id": self.grill.id,
                    "reason": "Paid",
                }
            )
        )
        with self.assertRaises(AccessError):
            wizard.with_context(allowed_company_ids=self.company_a.ids).action_apply()
        # what B writes in its own company stays in company B
        partner_b.write({"wholtra_hold_manual": False, "wholtra_hold_reason": False})
        wizard.action_apply()
        self.assertEqual(
            self._hold_in(self.grill, self.company_a), (True, "Cheque bounced")
        )
        order_a = self._order(self.grill, [(self.crisps, 5)])
        with self.assertRaisesRegex(UserError, "Cheque bounced"):
            order_a.action_confirm()

    def test_company_b_holds_in_company_b_only(self):
        self.grill.with_user(self.credit_manager_b)._wholtra_set_hold("B's cheque")
        self.assertEqual(
            self._hold_in(self.grill, self.company_b), (True, "B's cheque")
        )
        self.assertEqual(self._hold_in(self.grill, self.company_a), (False, False))
        self.env.invalidate_all()
        self.assertFalse(self.grill.with_company(self.company_a).wholtra_on_hold)
        self.assertTrue(self.grill.with_company(self.company_b).wholtra_on_hold)
        order_a = self._order(self.grill, [(self.crisps, 5)])
        order_a.action_confirm()
        self.assertEqual(order_a.state, "sale")

    def test_company_b_cannot_release_company_a_order(self):
        self.grill._wholtra_set_hold("Cheque bounced")
        order_a = self._order(self.grill, [(self.crisps, 5)])
        with self.assertRaises(AccessError):
            order_a.with_user(self.credit_manager_b)._wholtra_approve(
                "release_hold", "Paid"
            )
        wizard = (
            self.env["wholtra.order.approval.wizard"]
            .with_user(self.credit_manager_b)
            .create(
                {
                    "approval_type": "release_hold",
                    "order_id": order_a.id,
                    "reason": "Paid",
                }
            )
        )
        with self.assertRaises(AccessError):
            wizard.action_apply()
        self.env.invalidate_all()
        self.assertFalse(order_a.wholtra_hold_released)

    def test_payments_api_is_per_company(self):
        # wholtra_payments calls _wholtra_set_hold / _wholtra_lift_hold in sudo
        # with the collection status' company
        grill_sudo = self.grill.sudo()
        grill_sudo.with_company(self.company_b)._wholtra_set_hold("Collection B")
        self.assertEqual(
            self._hold_in(self.grill, self.company_b), (True, "Collection B")
        )
        self.assertEqual(self._hold_in(self.grill, self.company_a), (False, False))
        grill_sudo.with_company(self.company_b)._wholtra_lift_hold("Paid")
        self.assertEqual(self._hold_in(self.grill, self.company_b), (False, False))
        self.assertIn(
            "Credit hold lifted: Paid", "\n".join(self.grill.message_ids.mapped("body"))
        )


@tagged("post_install", "-at_install")
class TestBadInputRefused(WholtraSecurityCommon):
    """Item 6: negative minimum order values, cross-level promotion overlaps."""

    def test_negative_minimum_order_value(self):
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.tier_gold.write({"min_order_value": -100.0})
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.grill.with_user(self.sales_manager).write(
                {"wholtra_min_order_value": -0.01}
            )
        self.env.invalidate_all()
        self.assertEqual(self.tier_gold.min_order_value, 0.0)
        self.assertEqual(self.grill.wholtra_min_order_value, 0.0)
        self.grill.with_user(self.sales_manager).wholtra_min_order_value = 50.0
        self.env.invalidate_all()
        self.assertEqual(self.grill.wholtra_min_order_value, 50.0)

    def test_negative_minimum_order_value_db_check(self):
        for table, column in (
            ("res_partner", "wholtra_min_order_value"),
            ("wholtra_price_tier", "min_order_value"),
        ):
            with (
                mute_logger("odoo.sql_db"),
                self.assertRaises(psycopg2.errors.CheckViolation),
                self.env.cr.savepoint(),
            ):
                self.env.cr.execute(
                    SQL(
                        "UPDATE %s SET %s = -1 WHERE id = %s",
                        SQL.identifier(table),
                        SQL.identifier(column),
                        self.grill.id if table == "res_partner" else self.tier_gold.id,
                    )
                )

    def _promo(self, level, start, end, min_qty=0):
        vals = {
            "fixed_price": 13.0,
            "min_quantity": min_qty,
            "date_start": start,
            "date_end": end,
            "applied_on": level,
        }
        if level == "1_product":
            vals["product_tmpl_id"] = self.crisps.product_tmpl_id.id
        else:
            vals["product_id"] = self.crisps.id
        return Command.create(vals)

    def test_product_promo_overlapping_variant_promo(self):
        self.pl_gold.item_ids = [
            self._promo(
                "0_product_variant", datetime(2030, 1, 1), datetime(2030, 1, 31)
            )
        ]
        count = len(self.pl_gold.item_ids)
        with self.assertRaisesRegex(ValidationError, "overlaps"):
            self.pl_gold.item_ids = [
                self._promo("1_product", datetime(2030, 1, 20), datetime(2030, 2, 10))
            ]
        self.env.invalidate_all()
        self.assertEqual(len(self.pl_gold.item_ids), count)
        # the other way round: a variant promo inside a product promo
        self.pl_silver.item_ids = [
            self._promo("1_product", datetime(2030, 3, 1), datetime(2030, 3, 31))
        ]
        with self.assertRaisesRegex(ValidationError, "overlaps"):
            self.pl_silver.item_ids = [
                self._promo(
                    "0_product_variant", datetime(2030, 3, 5), datetime(2030, 3, 6)
                )
            ]
        # adjacent windows or another minimum quantity: accepted
        self.pl_gold.item_ids = [
            self._promo("1_product", datetime(2030, 2, 1), datetime(2030, 2, 28)),
            self._promo(
                "1_product", datetime(2030, 1, 20), datetime(2030, 2, 10), min_qty=48
            ),
        ]
        self.env.invalidate_all()
        self.assertEqual(len(self.pl_gold.item_ids), count + 2)


@tagged("post_install", "-at_install")
class TestCreditDataFieldGroups(WholtraSecurityCommon):
    """Item 8: internal credit data is not readable by portal users or by users
    of other apps; the views still load for every role."""

    PARTNER_FIELDS = (
        "wholtra_hold_manual",
        "wholtra_hold_reason",
        "wholtra_on_hold",
        "wholtra_hold_status",
        "wholtra_unpaid_amount",
        "wholtra_overdue_amount",
        "wholtra_avg_order_value",
        "wholtra_allocation_priority",
        "wholtra_key_account",
        "wholtra_min_order_value",
        "wholtra_contract_pricelist_id",
    )
    ORDER_FIELDS = (
        "wholtra_unpaid_amount",
        "wholtra_overdue_amount",
        "wholtra_partner_hold_status",
        "wholtra_block_message",
        "wholtra_hold_message",
        "wholtra_hold_release_reason",
    )

    def test_portal_reads_no_credit_data(self):
        self.deli._wholtra_set_hold("Two cheques returned")
        partner = self.portal_partner.commercial_partner_id.with_user(self.portal)
        self.assertEqual(partner.name, "Corner Deli")
        for fname in (*self.PARTNER_FIELDS, "wholtra_tier_id"):
            with self.assertRaises(AccessError, msg=fname):
                partner.read([fname])
        self.assertFalse(
            set(self.PARTNER_FIELDS)
            & set(self.env["res.partner"].with_user(self.portal).fields_get())
        )
        order = self._order(self.portal_partner, [(self.cola, 2)])
        order.state = "sent"
        order_portal = order.with_user(self.portal)
        self.assertEqual(order_portal.read(["amount_total"])[0]["amount_total"], 30.0)
        for fname in self.ORDER_FIELDS:
            with self.assertRaises(AccessError, msg=fname):
                order_portal.read([fname])

    def test_users_of_other_apps_read_no_credit_data(self):
        for user in (self.billing, self.stock_user):
            partner = self.grill.with_user(user)
            partner.read(["name", "wholtra_tier_id"])
            for fname in self.PARTNER_FIELDS:
                if fname == "wholtra_overdue_amount" and user == self.billing:
                    continue
                with self.assertRaises(AccessError, msg=f"{user.login} {fname}"):
                    partner.read([fname])
        # the one overdue figure is also the billing users' (issue 12)
        self.assertEqual(
            self.grill.with_user(self.billing).read(["wholtra_overdue_amount"])[0][
                "wholtra_overdue_amount"
            ],
            0.0,
        )

    def test_sales_roles_read_credit_data(self):
        self.grill._wholtra_set_hold("Cheque bounced")
        for user in (self.salesman, self.sales_manager, self.credit_manager):
            values = self.grill.with_user(user).read(list(self.PARTNER_FIELDS))[0]
            self.assertTrue(values["wholtra_on_hold"])
            self.assertEqual(values["wholtra_hold_reason"], "Cheque bounced")

    def test_views_load_for_every_role(self):
        views = {
            "res.partner": [(False, "form"), (False, "list"), (False, "search")],
            "sale.order": [(False, "form"), (False, "list")],
            "stock.picking": [(False, "form")],
            "product.template": [(False, "form")],
        }
        users = {
            self.salesman: True,
            self.sales_manager: True,
            self.credit_manager: True,
            self.billing: False,
            self.stock_user: False,
        }
        for user, sees_credit in users.items():
            for model, view_list in views.items():
                Model = self.env[model].with_user(user)
                if not Model.has_access("read"):
                    continue
                result = Model.get_views(view_list)
                form = (
                    result["views"]["form"]["arch"] if "form" in result["views"] else ""
                )
                if model == "res.partner":
                    self.assertEqual(
                        "wholtra_hold_status" in form, sees_credit, user.login
                    )
                if model == "sale.order":
                    self.assertEqual(
                        "wholtra_unpaid_amount" in form, sees_credit, user.login
                    )
                if model == "stock.picking":
                    self.assertEqual(
                        "wholtra_hold_message" in form,
                        user.has_group("stock.group_stock_user")
                        or user.has_group("wholtra_orders.group_wholtra_user"),
                        user.login,
                    )

    def test_stock_user_stopped_without_credit_rights(self):
        self._enable(wholtra_enforce_account_terms=True)
        order = self._confirmed_order(self.grill)
        self.grill._wholtra_set_hold("Cheque bounced")
        picking = order.picking_ids.with_user(self.stock_user)
        self.assertIn("Cheque bounced", picking.wholtra_hold_message)
        self._prepare_delivery(picking)
        with self.assertRaisesRegex(UserError, "Cheque bounced"):
            picking.button_validate()


@tagged("post_install", "-at_install")
class TestPublicMethods(WholtraSecurityCommon):
    """Item 7: the RPC surface of wholtra_orders is declared here; every public
    method answers bad calls with a clean business or access error."""

    # model -> public methods this addon defines or overrides
    PUBLIC_METHODS = {
        "res.partner": {
            "create",
            "write",
            "action_wholtra_create_contract_pricelist",
            "action_wholtra_hold_wizard",
            "action_wholtra_reorder",
            # External JSON-2 API (test_api.py)
            "wholtra_set_tier",
            "wholtra_set_contract_prices",
            "wholtra_get_prices",
            "wholtra_get_hold_state",
            "wholtra_set_hold",
            "wholtra_lift_hold",
        },
        "sale.order": {
            "create",
            "write",
            "action_wholtra_release_hold",
            "action_wholtra_approve_margin",
            "action_wholtra_override_terms",
            "action_wholtra_view_price_overrides",
            "action_update_prices",
            "action_wholtra_reorder",
            # Odoo's own confirmation, wrapped to read the hold once (no new surface)
            "action_confirm",
            "wholtra_release_hold",
        },
        "sale.order.line": {"create", "write", "unlink"},
        "stock.picking": {"button_validate"},
        "wholtra.price.tier": {
            "create",
            "write",
            "action_view_partners",
            "action_wholtra_repair_customers",
        },
        "product.pricelist": {"write"},
        "res.config.settings": {"set_values"},
        "wholtra.price.override": {"create", "write", "unlink"},
        "wholtra.order.approval.wizard": {"action_apply"},
    }

    def test_declared_public_methods(self):
        found = {}
        for model_name in self.env.registry:
            cls = type(self.env[model_name])
            for klass in cls.__mro__:
                if not klass.__module__.startswith("odoo.addons.wholtra_orders."):
                    continue
                for name, member in vars(klass).items():
                    if (
                        name.startswith("_")
                        or not callable(member)
                        or getattr(member, "_api_private", False)
                    ):
                        continue
                    found.setdefault(model_name, set()).add(name)
        self.assertEqual(found, self.PUBLIC_METHODS)

    def _assert_unchanged(self, snapshot):
        self.env.invalidate_all()
        self.assertEqual(self._db_snapshot(), snapshot)

    def _db_snapshot(self):
        Order = self.env["sale.order"].sudo()
        return (
            Order.search_count([]),
            self.env["product.pricelist"].sudo().search_count([]),
            self.env["wholtra.price.override"].sudo().search_count([]),
            tuple(Order.search([]).mapped("wholtra_hold_released")),
            tuple(Order.search([]).mapped("wholtra_margin_approved")),
            self.grill.sudo().wholtra_hold_manual,
        )

    def test_empty_and_multiple_records(self):
        order = self._order(self.grill, [(self.crisps, 5)])
        order2 = self._order(self.deli, [(self.crisps, 5)])
        snapshot = self._db_snapshot()
        calls = {
            "res.partner": (
                self.grill | self.deli,
                [
                    "action_wholtra_create_contract_pricelist",
                    "action_wholtra_hold_wizard",
                    "action_wholtra_reorder",
                ],
            ),
            "sale.order": (
                order | order2,
                [
                    "action_wholtra_release_hold",
                    "action_wholtra_approve_margin",
                    "action_wholtra_override_terms",
                    "action_wholtra_view_price_overrides",
                    "action_update_prices",
                    "action_wholtra_reorder",
                ],
            ),
            "wholtra.price.tier": (
                self.tier_gold | self.tier_silver,
                ["action_view_partners"],
            ),
        }
        for model, (records, methods) in calls.items():
            for method in methods:
                for recs in (records.browse(), records):
                    with self.assertRaises(UserError, msg=f"{model}.{method}({recs})"):
                        getattr(recs, method)()
        with self.assertRaises(MissingError):
            self.env["sale.order"].browse(999999).action_wholtra_reorder()
        # malformed values to the ORM overrides: clean errors
        for model, bad in (
            ("sale.order", ["not a dict"]),
            ("res.partner", ["not a dict"]),
            ("sale.order.line", ["not a dict"]),
            ("wholtra.price.tier", ["not a dict"]),
        ):
            with self.assertRaises(UserError, msg=model):
                self.env[model].create(bad)
        with self.assertRaises(UserError):
            order.write("not a dict")
        with self.assertRaises(ValidationError):
            order.order_line.write({"price_unit": "twelve"})
        with self.assertRaises(ValidationError):
            self.grill.write({"wholtra_min_order_value": float("nan")})
        with self.assertRaises(UserError):
            self.env["wholtra.order.approval.wizard"].action_apply()
        self._assert_unchanged(snapshot)

    def test_wrong_group_gets_access_error(self):
        order = self._order(self.grill, [(self.crisps, 5)])
        snapshot = self._db_snapshot()
        refused = [
            (order, "action_wholtra_release_hold", self.salesman),
            (order, "action_wholtra_approve_margin", self.salesman),
            (order, "action_wholtra_override_terms", self.credit_manager),
            (order, "action_wholtra_view_price_overrides", self.stock_user),
            (self.grill, "action_wholtra_hold_wizard", self.sales_manager),
            (
                self.grill,
                "action_wholtra_create_contract_pricelist",
                self.credit_manager,
            ),
            (self.grill, "action_wholtra_reorder", self.billing),
            (self.grill, "action_wholtra_reorder", self.portal),
            (order, "action_wholtra_reorder", self.portal),
            (order, "action_wholtra_approve_margin", self.portal),
            (self.tier_gold, "action_view_partners", self.portal),
            (self.tier_gold, "action_wholtra_repair_customers", self.salesman),
            (self.tier_gold, "action_wholtra_repair_customers", self.portal),
        ]
        for record, method, user in refused:
            with self.assertRaises(AccessError, msg=f"{method} as {user.login}"):
                getattr(record.with_user(user), method)()
        self._assert_unchanged(snapshot)

    def test_wrong_state_and_arguments(self):
        order = self._confirmed_order(self.grill)
        snapshot = self._db_snapshot()
        with self.assertRaisesRegex(UserError, "not possible"):
            order.with_user(self.sales_manager).action_wholtra_approve_margin()
        Wizard = self.env["wholtra.order.approval.wizard"].with_user(self.sales_manager)
        for vals in (
            {"approval_type": "approve_margin", "reason": "x"},  # no order
            {"approval_type": "approve_margin", "order_id": order.id, "reason": " "},
            {"approval_type": "approve_margin", "order_id": order.id, "reason": "ok"},
        ):
            with self.assertRaises(UserError, msg=vals):
                Wizard.create(vals).action_apply()
        with self.assertRaises(UserError):
            self.env["sale.order"]._wholtra_get_approval_type("bogus")
        with self.assertRaises(UserError):
            self.grill._wholtra_set_hold("   ")
        with self.assertRaises(UserError):
            self.grill._wholtra_set_hold(None)
        self._assert_unchanged(snapshot)


@tagged("post_install", "-at_install")
class TestApprovalRegistry(WholtraSecurityCommon):
    """Item 10: one registry of approval types drives fields, checks, wizard and
    messages."""

    def test_registry_is_consistent(self):
        Order = self.env["sale.order"]
        types = Order._wholtra_approval_types()
        self.assertEqual(
            list(types), ["release_hold", "approve_margin", "override_terms"]
        )
        selection = dict(
            self.env["wholtra.order.approval.wizard"]._selection_approval_type()
        )
        for key, approval in types.items():
            for fname in ("flag", "reason_field", "user_field", "message_field"):
                self.assertIn(approval[fname], Order._fields, key)
                self.assertFalse(Order._fields[approval[fname]].copy, key)
            self.assertTrue(self.env.ref(approval["group"]), key)
            self.assertTrue(callable(getattr(Order, approval["check"])), key)
            self.assertEqual(selection[key], approval["label"])
            self.assertTrue(hasattr(Order, f"action_wholtra_{key}"), key)
        self.assertIn("set_hold", selection)
        self.assertIn("lift_hold", selection)

    def test_registry_drives_checks_and_withdrawal(self):
        self._enable(
            wholtra_enforce_account_terms=True,
            wholtra_margin_control=True,
            wholtra_terms_allow_override=True,
        )
        self.tier_gold.write({"margin_floor": 30.0, "min_order_value": 500.0})
        self.grill._wholtra_set_hold("Cheque bounced")
        order = self._order(self.grill, [(self.crisps, 5)])
        blocks = order._wholtra_get_confirmation_blocks()
        self.assertEqual(set(blocks), {"hold", "margin", "terms"})
        for key, user in (
            ("release_hold", self.credit_manager),
            ("approve_margin", self.sales_manager),
            ("override_terms", self.sales_manager),
        ):
            order.with_user(user)._wholtra_approve(key, f"ok {key}")
        self.env.invalidate_all()
        self.assertFalse(order._wholtra_get_confirmation_blocks())
        self.assertEqual(order.wholtra_margin_approved_by_id, self.sales_manager)
        order.order_line.product_uom_qty = 6
        self.env.invalidate_all()
        self.assertEqual(
            set(order._wholtra_get_confirmation_blocks()), {"hold", "margin", "terms"}
        )
