import logging
from contextlib import contextmanager

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, TransactionCase, new_test_user, tagged

_logger = logging.getLogger(__name__)
PRICELISTS = "product.group_product_pricelist"
DISCOUNTS = "sale.group_discount_per_so_line"


@tagged("post_install", "-at_install")
class TestTierPricesOnAFreshDatabase(TransactionCase):
    """Issue 12 item 0: a database installed from Apps without demo data, Settings
    untouched. A sales manager creates a Gold tier at 10 % off and moves a
    customer to it: the next order is 10 % off, and stays so whatever pricelists
    appear later. Prices are read back after ``invalidate_all()``, as a new
    request would."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.manager = new_test_user(
            cls.env,
            login="story_manager",
            groups="sales_team.group_sale_manager,stock.group_stock_user",
        )
        cls.salesman = new_test_user(
            cls.env,
            login="story_salesman",
            groups="sales_team.group_sale_salesman,stock.group_stock_user",
        )
        cls.admin = new_test_user(
            cls.env,
            login="story_admin",
            groups="base.group_system,sales_team.group_sale_manager",
        )
        cls.chips = cls.env["product.product"].create(
            {
                "name": "Chips 12x150g",
                "list_price": 20.0,
                "standard_price": 11.0,
                "type": "consu",
                "taxes_id": [Command.clear()],
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Seaside Café", "is_company": True}
        )
        cls.walk_in = cls.env["res.partner"].create(
            {"name": "Walk-in Kiosk", "is_company": True}
        )
        # installed from Apps without demo data: nobody switched Pricelists on
        cls.pricelists_were_on = cls.env["res.groups"]._is_feature_enabled(PRICELISTS)

    @contextmanager
    def _raises(self, exception, regex):
        # like assertRaisesRegex, with Odoo's savepoint (nothing stays written)
        with self.assertRaises(exception) as cm:
            yield cm
        self.assertRegex(str(cm.exception), regex)

    def assertRaisesRegex(self, exception, regex):
        return self._raises(exception, regex)

    def _gold_tier(self, max_discount=0.0):
        env = self.env(user=self.manager)
        gold = env["product.pricelist"].create(
            {
                "name": "Gold prices",
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "3_global",
                            "compute_price": "percentage",
                            "percent_price": 10.0,
                        }
                    )
                ],
            }
        )
        tier = env["wholtra.price.tier"].create(
            {"name": "Gold", "pricelist_id": gold.id, "max_discount": max_discount}
        )
        return tier, gold

    def _new_order_subtotal(self, partner, qty=10):
        """A salesperson's new quotation in the form, read back fresh."""
        self.env.invalidate_all()
        with Form(self.env["sale.order"].with_user(self.salesman)) as order_form:
            order_form.partner_id = partner
            with order_form.order_line.new() as line:
                line.product_id = self.chips
                line.product_uom_qty = qty
        order = order_form.record
        self.env.invalidate_all()
        return order, order.order_line.price_subtotal

    def _feature_on(self, xmlid):
        return self.env["res.groups"]._is_feature_enabled(xmlid)

    def test_gold_prices_without_demo_and_settings_untouched(self):
        if self.pricelists_were_on:
            _logger.warning("Pricelists were on before the story: not a fresh DB")
        tier, gold = self._gold_tier()
        # the tier switched Pricelists on, as Settings does: an admin sees it on
        self.assertTrue(self._feature_on(PRICELISTS))
        settings = self.env["res.config.settings"].with_user(self.admin).create({})
        self.assertTrue(settings.group_product_pricelist)
        # no allowance given: Discounts stay as they were
        self.customer.with_user(self.manager).wholtra_tier_id = tier
        self.env.invalidate_all()
        self.assertEqual(self.customer.wholtra_tier_id, tier)
        self.assertEqual(self.customer.property_product_pricelist, gold)
        order, subtotal = self._new_order_subtotal(self.customer)
        self.assertEqual(order.pricelist_id, gold)
        self.assertAlmostEqual(subtotal, 180.0, msg="10 x 20.00 at 10 % off")
        self.assertEqual(tier.mismatch_count, 0)
        # a customer without tier keeps the list price (Gold is not the fallback)
        _order, subtotal = self._new_order_subtotal(self.walk_in)
        self.assertAlmostEqual(subtotal, 200.0)

    def test_later_default_or_country_pricelist_does_not_win(self):
        tier, gold = self._gold_tier()
        self.customer.with_user(self.manager).wholtra_tier_id = tier
        # an admin saves Settings with Pricelists on, and a new company-wide
        # first pricelist and a country pricelist appear afterwards
        self.env["res.config.settings"].with_user(self.admin).create(
            {"group_product_pricelist": True}
        ).execute()
        belgium = self.env.ref("base.be")
        self.env["product.pricelist"].create(
            [
                {"name": "Default", "sequence": 1},
                {
                    "name": "Belgium",
                    "sequence": 2,
                    "country_group_ids": [
                        Command.create({"name": "Benelux", "country_ids": [belgium.id]})
                    ],
                },
            ]
        )
        self.customer.country_id = belgium
        order, subtotal = self._new_order_subtotal(self.customer)
        self.assertEqual(order.pricelist_id, gold)
        self.assertAlmostEqual(subtotal, 180.0)
        # a contact ordering for the customer gets Gold too
        buyer = self.env["res.partner"].create(
            {"name": "Buyer", "parent_id": self.customer.id}
        )
        order, subtotal = self._new_order_subtotal(buyer)
        self.assertAlmostEqual(subtotal, 180.0)
        # taken out of the tier: back to the company's default prices
        self.customer.with_user(self.manager).wholtra_tier_id = False
        order, subtotal = self._new_order_subtotal(self.customer)
        self.assertNotEqual(order.pricelist_id, gold)
        self.assertAlmostEqual(subtotal, 200.0)

    def test_a_tier_customer_pricelist_is_changed_through_the_tier_only(self):
        tier, _gold = self._gold_tier()
        self.customer.with_user(self.manager).wholtra_tier_id = tier
        other = self.env["product.pricelist"].create({"name": "Other"})
        with self.assertRaisesRegex(ValidationError, "is in tier Gold"):
            self.customer.with_user(self.manager).property_product_pricelist = other
        # switching Pricelists off would archive Gold: refused while tiers use it
        with self.assertRaisesRegex(UserError, "Pricelists cannot be switched off"):
            self.env["res.config.settings"].with_user(self.admin).create(
                {"group_product_pricelist": False}
            ).execute()
        with self.assertRaisesRegex(UserError, "Gold"):
            _gold.with_user(self.manager).action_archive()
        self.env.invalidate_all()
        self.assertTrue(self._feature_on(PRICELISTS))
        _order, subtotal = self._new_order_subtotal(self.customer)
        self.assertAlmostEqual(subtotal, 180.0)

    def test_saving_the_tier_pricelist_keeps_it_stored(self):
        """Gold is also the company's fallback pricelist (first in sequence):
        Odoo's inverse would store nothing when the customer form saves it."""
        tier, gold = self._gold_tier()
        self.customer.with_user(self.manager).wholtra_tier_id = tier
        gold.sequence = 1
        with Form(self.customer.with_user(self.manager)) as partner_form:
            partner_form.property_product_pricelist = gold
            partner_form.city = "Ostend"
        self.env["product.pricelist"].create({"name": "Default", "sequence": 0})
        self.env.invalidate_all()
        self.assertEqual(self.customer.specific_property_product_pricelist, gold)
        order, subtotal = self._new_order_subtotal(self.customer)
        self.assertEqual(order.pricelist_id, gold)
        self.assertAlmostEqual(subtotal, 180.0)

    def test_customer_assigned_before_the_fix_is_shown_and_repaired(self):
        tier, gold = self._gold_tier()
        self.customer.with_user(self.manager).wholtra_tier_id = tier
        # what earlier versions stored: the tier, but no specific pricelist
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET specific_property_product_pricelist = NULL "
            "WHERE id = %s",
            [self.customer.id],
        )
        self.env["product.pricelist"].create({"name": "Default", "sequence": 1})
        self.env.invalidate_all()
        _order, subtotal = self._new_order_subtotal(self.customer)
        self.assertAlmostEqual(subtotal, 200.0, msg="the bug: list price")
        self.assertEqual(tier.with_user(self.salesman).mismatch_count, 1)
        tier.with_user(self.manager).action_wholtra_repair_customers()
        self.env.invalidate_all()
        self.assertEqual(tier.mismatch_count, 0)
        order, subtotal = self._new_order_subtotal(self.customer)
        self.assertEqual(order.pricelist_id, gold)
        self.assertAlmostEqual(subtotal, 180.0)

    def test_discount_allowance_switches_discounts_on(self):
        """A tier allowing 5 % of discount: salespeople need the discount column
        (Discounts switched on), and the tier's own 10 % shown there is not a
        discount the salesperson gave."""
        tier, _gold = self._gold_tier(max_discount=5.0)
        self.assertTrue(self._feature_on(DISCOUNTS))
        self.env["res.config.settings"].with_user(self.admin).create(
            {"wholtra_margin_control": True}
        ).execute()
        self.customer.with_user(self.manager).wholtra_tier_id = tier
        order, subtotal = self._new_order_subtotal(self.customer)
        self.assertAlmostEqual(subtotal, 180.0)
        line = order.order_line
        self.assertEqual((line.price_unit, line.discount), (20.0, 10.0))
        self.assertFalse(order.wholtra_margin_message)
        # 14 % on the line: 4.4 % given by the salesperson, within 5 %
        line.with_user(self.salesman).discount = 14.0
        self.env.invalidate_all()
        self.assertFalse(order.wholtra_margin_message)
        # 15 %: 5.6 % given, over the allowance
        line.with_user(self.salesman).discount = 15.0
        self.env.invalidate_all()
        self.assertIn("discount 5.6% over the allowance", order.wholtra_margin_message)
        with self.assertRaisesRegex(UserError, "over the allowance"):
            order.with_user(self.salesman).action_confirm()

    def test_credit_limit_is_switched_on_next_to_account_terms(self):
        """The hold's credit limit is Odoo's Customer Credit Limit: shown and
        switched on in the same settings block, not assumed."""
        arch = (
            self.env["res.config.settings"]
            .with_user(self.admin)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn('name="account_use_credit_limit"', arch)
        self.env["res.config.settings"].with_user(self.admin).create(
            {"wholtra_enforce_account_terms": True}
        ).execute()
        self.customer.credit_limit = 100.0
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create({"product_id": self.chips.id, "product_uom_qty": 10})
                ],
            }
        )
        # Odoo's setting off: no credit limit, as in Odoo
        self.assertFalse(self.company.account_use_credit_limit)
        self.assertFalse(order.wholtra_hold_message)
        self.env["res.config.settings"].with_user(self.admin).create(
            {"wholtra_enforce_account_terms": True, "account_use_credit_limit": True}
        ).execute()
        self.env.invalidate_all()
        self.assertTrue(self.company.account_use_credit_limit)
        self.assertIn("Over credit limit", order.wholtra_hold_message)
        with self.assertRaisesRegex(UserError, "Over credit limit"):
            order.with_user(self.salesman).action_confirm()
