from datetime import datetime

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import WholtraOrdersCommon


@tagged("post_install", "-at_install")
class TestTiers(WholtraOrdersCommon):
    def _new_quote_price(self, partner, product, qty=1, date_order=None):
        if date_order:
            order = self._order(partner, [(product, qty)], date_order=date_order)
            return order, order.order_line.price_unit
        with Form(self.env["sale.order"]) as order_form:
            order_form.partner_id = partner
            with order_form.order_line.new() as line:
                line.product_id = product
                line.product_uom_qty = qty
        order = order_form.record
        return order, order.order_line.price_unit

    def test_tier_sets_pricelist_and_terms_and_reprices_new_orders(self):
        self.assertEqual(self.grill.property_product_pricelist, self.pl_gold)
        self.assertEqual(self.grill.property_payment_term_id, self.term_30)
        order, price = self._new_quote_price(self.grill, self.crisps)
        self.assertEqual(price, 16.0)
        self.assertEqual(order.payment_term_id, self.term_30)

        self.grill.wholtra_tier_id = self.tier_silver
        self.assertEqual(self.grill.property_product_pricelist, self.pl_silver)
        new_order, new_price = self._new_quote_price(self.grill, self.crisps)
        self.assertEqual(new_price, 18.0, "a new order takes the new tier's price")
        # the existing quotation is not silently re-priced
        self.assertEqual(order.order_line.price_unit, 16.0)

    def test_changing_the_tier_terms_updates_its_customers(self):
        term_15 = self.env["account.payment.term"].create(
            {
                "name": "15 days test",
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 100, "nb_days": 15}
                    )
                ],
            }
        )
        self.tier_gold.write(
            {"pricelist_id": self.pl_silver.id, "payment_term_id": term_15.id}
        )
        self.assertEqual(self.grill.property_product_pricelist, self.pl_silver)
        self.assertEqual(self.grill.property_payment_term_id, term_15)
        self.assertEqual(self.deli.property_product_pricelist, self.pl_bronze)

    def test_contacts_follow_the_commercial_partner(self):
        contact = self.env["res.partner"].create(
            {"name": "Buyer at the grill", "parent_id": self.grill.id}
        )
        self.assertEqual(contact.wholtra_tier_id, self.tier_gold)
        self.assertEqual(contact.property_product_pricelist, self.pl_gold)
        self.grill.wholtra_tier_id = self.tier_bronze
        self.assertEqual(contact.wholtra_tier_id, self.tier_bronze)
        self.assertEqual(contact.property_product_pricelist, self.pl_bronze)
        _order, price = self._new_quote_price(contact, self.crisps)
        self.assertEqual(price, 20.0)

    def test_allocation_priority_key_account(self):
        self.assertEqual(self.grill.wholtra_allocation_priority, 30)
        self.grill.wholtra_key_account = True
        self.assertEqual(self.grill.wholtra_allocation_priority, 1030)
        contact = self.env["res.partner"].create(
            {"name": "Chef", "parent_id": self.grill.id}
        )
        self.assertEqual(contact.wholtra_allocation_priority, 1030)

    def test_contract_price_beats_tier_price(self):
        self.grill.action_wholtra_create_contract_pricelist()
        contract = self.grill.wholtra_contract_pricelist_id
        self.assertTrue(contract)
        self.assertEqual(self.grill.property_product_pricelist, contract)
        chain = contract.item_ids
        self.assertEqual(chain.base, "pricelist")
        self.assertEqual(chain.base_pricelist_id, self.pl_gold)
        contract.item_ids = [
            Command.create(
                {
                    "applied_on": "0_product_variant",
                    "product_id": self.cola.id,
                    "compute_price": "fixed",
                    "fixed_price": 11.5,
                }
            ),
            Command.create(
                {
                    "applied_on": "1_product",
                    "product_tmpl_id": self.crisps.product_tmpl_id.id,
                    "compute_price": "fixed",
                    "fixed_price": 15.25,
                }
            ),
        ]
        _order, crisps_price = self._new_quote_price(self.grill, self.crisps)
        self.assertEqual(crisps_price, 15.25, "contract price wins over Gold 16.0")
        _order, cola_price = self._new_quote_price(self.grill, self.cola)
        self.assertEqual(cola_price, 11.5)
        # a product without contract price falls back to the tier price
        contract.item_ids.filtered(
            lambda i: i.product_tmpl_id == self.crisps.product_tmpl_id
        ).unlink()
        _order, crisps_price = self._new_quote_price(self.grill, self.crisps)
        self.assertEqual(crisps_price, 16.0)
        # changing the tier re-chains the contract pricelist
        self.grill.wholtra_tier_id = self.tier_silver
        self.assertEqual(chain.base_pricelist_id, self.pl_silver)
        self.assertEqual(self.grill.property_product_pricelist, contract)
        _order, crisps_price = self._new_quote_price(self.grill, self.crisps)
        self.assertEqual(crisps_price, 18.0)

    def test_quantity_break(self):
        self.pl_gold.item_ids = [
            Command.create(
                {
                    "applied_on": "1_product",
                    "product_tmpl_id": self.crisps.product_tmpl_id.id,
                    "compute_price": "fixed",
                    "fixed_price": 14.0,
                    "min_quantity": 10,
                }
            )
        ]
        _order, price_9 = self._new_quote_price(self.grill, self.crisps, qty=9)
        _order, price_10 = self._new_quote_price(self.grill, self.crisps, qty=10)
        self.assertEqual(price_9, 16.0)
        self.assertEqual(price_10, 14.0)

    def test_promo_window_boundaries(self):
        self.pl_gold.item_ids = [
            Command.create(
                {
                    "applied_on": "1_product",
                    "product_tmpl_id": self.crisps.product_tmpl_id.id,
                    "compute_price": "fixed",
                    "fixed_price": 12.5,
                    "date_start": datetime(2030, 6, 1, 0, 0, 0),
                    "date_end": datetime(2030, 6, 30, 23, 59, 59),
                }
            )
        ]
        cases = [
            (datetime(2030, 5, 31, 12, 0), 16.0),
            (datetime(2030, 6, 1, 12, 0), 12.5),
            (datetime(2030, 6, 30, 12, 0), 12.5),
            (datetime(2030, 7, 1, 12, 0), 16.0),
        ]
        for date_order, expected in cases:
            _order, price = self._new_quote_price(
                self.grill, self.crisps, date_order=date_order
            )
            self.assertEqual(price, expected, f"price on {date_order}")

    def test_tier_without_pricelist_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "needs a pricelist"):
            self.env["wholtra.price.tier"].create({"name": "Platinum"})
        with self.assertRaisesRegex(ValidationError, "needs a pricelist"):
            self.tier_gold.pricelist_id = False
        self.assertEqual(self.tier_gold.pricelist_id, self.pl_gold)
        self.assertFalse(
            self.env["wholtra.price.tier"].search([("name", "=", "Platinum")])
        )

    def test_negative_price_is_refused_on_tier_pricelists_only(self):
        with self.assertRaisesRegex(ValidationError, "negative"):
            self.pl_gold.item_ids = [
                Command.create(
                    {
                        "applied_on": "1_product",
                        "product_tmpl_id": self.cola.product_tmpl_id.id,
                        "fixed_price": -1.0,
                    }
                )
            ]
        # a pricelist outside the tiers behaves as vanilla Odoo
        other = self.env["product.pricelist"].create(
            {
                "name": "Not a tier",
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "1_product",
                            "product_tmpl_id": self.cola.product_tmpl_id.id,
                            "fixed_price": -1.0,
                        }
                    )
                ],
            }
        )
        self.assertEqual(other.item_ids.fixed_price, -1.0)

    def test_overlapping_promo_windows_are_refused(self):
        def promo(start, end, min_qty=0):
            return Command.create(
                {
                    "applied_on": "1_product",
                    "product_tmpl_id": self.crisps.product_tmpl_id.id,
                    "fixed_price": 13.0,
                    "min_quantity": min_qty,
                    "date_start": start,
                    "date_end": end,
                }
            )

        self.pl_gold.item_ids = [promo(datetime(2030, 1, 1), datetime(2030, 1, 31))]
        count = len(self.pl_gold.item_ids)
        with self.assertRaisesRegex(ValidationError, "overlaps"):
            self.pl_gold.item_ids = [
                promo(datetime(2030, 1, 20), datetime(2030, 2, 10))
            ]
        self.env.invalidate_all()
        self.assertEqual(len(self.pl_gold.item_ids), count)
        # adjacent window, or another min qty: accepted
        self.pl_gold.item_ids = [
            promo(datetime(2030, 2, 1), datetime(2030, 2, 28)),
            promo(datetime(2030, 1, 20), datetime(2030, 2, 10), min_qty=50),
        ]
        self.assertEqual(len(self.pl_gold.item_ids), count + 2)

    def test_tier_matrix_lists_items_of_tier_pricelists(self):
        items = self.env["product.pricelist.item"].search(
            [("wholtra_tier_id", "!=", False)]
        )
        self.assertIn(self.pl_gold.item_ids, items)
        self.assertEqual(self.pl_gold.item_ids.wholtra_tier_id, self.tier_gold)
        self.assertFalse(
            items.filtered(lambda i: i.pricelist_id == self.env["product.pricelist"])
        )
        # editing a tier rule in the matrix changes the customer's price
        self.pl_gold.item_ids.fixed_price = 15.0
        _order, price = self._new_quote_price(self.grill, self.crisps)
        self.assertEqual(price, 15.0)

    def test_salesperson_cannot_edit_tiers(self):
        tier = self.tier_gold.with_user(self.salesman)
        self.assertEqual(tier.name, "Gold")
        with self.assertRaises(AccessError):
            tier.margin_floor = 1.0


@tagged("post_install", "-at_install")
class TestTierMultiCompany(WholtraOrdersCommon):
    def test_tiers_of_another_company_are_hidden(self):
        other_company = self.env["res.company"].create({"name": "Other Distributor"})
        other_pricelist = self.env["product.pricelist"].create(
            {"name": "Other list", "company_id": other_company.id}
        )
        other_tier = self.env["wholtra.price.tier"].create(
            {
                "name": "Other Gold",
                "pricelist_id": other_pricelist.id,
                "company_id": other_company.id,
            }
        )
        visible = self.env["wholtra.price.tier"].with_user(self.salesman).search([]).ids
        self.assertIn(self.tier_gold.id, visible)
        self.assertNotIn(other_tier.id, visible)

    def test_tier_pricelist_must_belong_to_its_company(self):
        other_company = self.env["res.company"].create({"name": "Other Distributor"})
        other_pricelist = self.env["product.pricelist"].create(
            {"name": "Other list", "company_id": other_company.id}
        )
        with self.assertRaises(UserError):
            self.env["wholtra.price.tier"].create(
                {
                    "name": "Mixed",
                    "pricelist_id": other_pricelist.id,
                    "company_id": self.company.id,
                }
            )


@tagged("post_install", "-at_install")
class TestPartnerForm(WholtraOrdersCommon):
    def test_new_customer_in_the_form(self):
        self._enable(wholtra_enforce_account_terms=True, wholtra_hold_overdue_days=30)
        with Form(self.env["res.partner"]) as partner_form:
            partner_form.name = "New Kiosk"
            partner_form.company_type = "company"
            partner_form.wholtra_tier_id = self.tier_gold
            self.assertFalse(partner_form.wholtra_on_hold)
            self.assertEqual(partner_form.wholtra_open_order_count, 0)
        partner = partner_form.record
        self.assertEqual(partner.property_product_pricelist, self.pl_gold)
        self.assertEqual(partner.property_payment_term_id, self.term_30)
        self.assertEqual(partner.wholtra_allocation_priority, 30)

    def test_edit_held_customer_in_the_form(self):
        self.grill._wholtra_set_hold("Cheque bounced")
        order = self._order(self.grill, [(self.crisps, 5)])
        order.action_wholtra_release_hold()  # opens the wizard only
        with Form(self.grill) as partner_form:
            self.assertTrue(partner_form.wholtra_on_hold)
            self.assertIn("Cheque bounced", partner_form.wholtra_hold_status)
            partner_form.wholtra_key_account = True
            self.assertTrue(partner_form.wholtra_on_hold)
        self.assertEqual(self.grill.wholtra_allocation_priority, 1030)
        self.assertFalse(order.wholtra_hold_released)
