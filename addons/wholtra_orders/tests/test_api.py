"""The prices and credit-hold API of wholtra_orders, called as an integrator does:
over Odoo 19's External JSON-2 API (``POST /json/2/<model>/<method>``) with the API
key of a user holding the role, on a database without demo data, Settings switched
on as an admin does."""

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common_json2 import Json2TestMixin


@tagged("post_install", "-at_install")
class TestOrdersApi(Json2TestMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin = cls.env.ref("base.user_admin")
        cls.admin_env = cls.env(user=admin)
        cls.admin_env["res.config.settings"].create(
            {
                "group_product_pricelist": True,
                "group_discount_per_so_line": True,
                "wholtra_enforce_account_terms": True,
                "account_use_credit_limit": True,
            }
        ).execute()
        env = cls.env
        cls.currency = env.company.currency_id
        Product = env["product.product"]
        cls.oil = Product.create(
            {
                "name": "Olive oil 1L",
                "list_price": 3.35,
                "standard_price": 2.0,
                "type": "consu",
                "taxes_id": [Command.clear()],
            }
        )
        cls.flour = Product.create(
            {
                "name": "Flour 25kg",
                "list_price": 21.40,
                "standard_price": 14.0,
                "type": "consu",
                "taxes_id": [Command.clear()],
            }
        )
        # the Trade tier: 10 % off the olive oil (shown as a discount on the line)
        cls.trade_pricelist = env["product.pricelist"].create(
            {
                "name": "Trade prices",
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "0_product_variant",
                            "product_id": cls.oil.id,
                            "compute_price": "percentage",
                            "percent_price": 10.0,
                        }
                    )
                ],
            }
        )
        cls.trade_rule = cls.trade_pricelist.item_ids
        cls.tier = env["wholtra.price.tier"].create(
            {"name": "Trade", "pricelist_id": cls.trade_pricelist.id}
        )
        Partner = env["res.partner"]
        cls.deli = Partner.create({"name": "Corner Deli", "is_company": True})
        cls.grill = Partner.create({"name": "Harbour Grill", "is_company": True})
        cls.salesman = new_test_user(
            env, login="api_salesman", groups="sales_team.group_sale_salesman"
        )
        cls.manager = new_test_user(
            env, login="api_manager", groups="sales_team.group_sale_manager"
        )
        cls.credit_manager = new_test_user(
            env,
            login="api_credit",
            groups="sales_team.group_sale_salesman_all_leads,"
            "wholtra_orders.group_wholtra_credit_manager",
        )
        cls._json2_make_keys(cls.salesman, cls.manager, cls.credit_manager)

    def _create_order(self, partner, lines):
        ids = self._json2_ok(
            self.salesman,
            "sale.order",
            "create",
            vals_list=[
                {
                    "partner_id": partner.id,
                    "order_line": [
                        [0, 0, {"product_id": product.id, "product_uom_qty": qty}]
                        for product, qty in lines
                    ],
                }
            ],
        )
        return self.env["sale.order"].browse(ids)

    # ------------------------------------------------------------------ prices
    def test_tier_and_contract_prices_are_what_an_order_line_gets(self):
        # a sales manager puts both customers in the tier
        answer = self._json2_ok(
            self.manager,
            "res.partner",
            "wholtra_set_tier",
            ids=[self.deli.id, self.grill.id],
            tier_id=self.tier.id,
        )
        self.assertEqual(
            answer,
            [
                {
                    "partner_id": p.id,
                    "tier_id": self.tier.id,
                    "pricelist_id": self.trade_pricelist.id,
                }
                for p in (self.deli, self.grill)
            ],
        )
        # and gives Harbour Grill a contract price for flour from 5 bags
        answer = self._json2_ok(
            self.manager,
            "res.partner",
            "wholtra_set_contract_prices",
            ids=[self.grill.id],
            prices=[{"product_id": self.flour.id, "price": 17.65, "min_quantity": 5}],
        )
        self.env.invalidate_all()
        contract = self.grill.wholtra_contract_pricelist_id
        self.assertEqual(answer["pricelist_id"], contract.id)
        contract_rule = self.env["product.pricelist.item"].browse(answer["item_ids"])
        self.assertEqual(contract_rule.pricelist_id, contract)
        self.assertEqual(contract_rule.fixed_price, 17.65)
        self.assertEqual(self.grill.property_product_pricelist, contract)
        # the same line again updates it (no second rule)
        again = self._json2_ok(
            self.manager,
            "res.partner",
            "wholtra_set_contract_prices",
            ids=[self.grill.id],
            prices=[{"product_id": self.flour.id, "price": 17.45, "min_quantity": 5}],
        )
        self.assertEqual(again, answer)
        self.env.invalidate_all()
        self.assertEqual(contract_rule.fixed_price, 17.45)

        lines = [(self.oil, 7), (self.flour, 7), (self.flour, 3)]
        body = [{"product_id": p.id, "quantity": q} for p, q in lines]
        expected_sources = {
            self.deli: [
                ("tier", self.trade_rule),
                ("list", None),
                ("list", None),
            ],
            self.grill: [
                ("tier", self.trade_rule),
                ("contract", contract_rule),
                ("list", None),
            ],
        }
        for partner, sources in expected_sources.items():
            prices = self._json2_ok(
                self.salesman,
                "res.partner",
                "wholtra_get_prices",
                ids=[partner.id],
                lines=body,
            )
            order = self._create_order(partner, lines)
            self.env.invalidate_all()
            for price, line, (source, rule) in zip(
                prices, order.order_line, sources, strict=True
            ):
                self.assertEqual(price["product_id"], line.product_id.id)
                self.assertEqual(price["quantity"], line.product_uom_qty)
                self.assertEqual(price["price_unit"], line.price_unit)
                self.assertEqual(price["discount"], line.discount)
                self.assertEqual(price["price_subtotal"], line.price_subtotal)
                self.assertEqual(price["currency"], order.currency_id.name)
                self.assertEqual(price["pricelist_id"], order.pricelist_id.id)
                self.assertEqual(price["source"], source, price)
                self.assertEqual(price["rule_id"], rule.id if rule else None)
        # the figures themselves: 7 x 3.35 less 10 %, 7 x 17.45, 3 x 21.40
        deli_prices = self._json2_ok(
            self.salesman,
            "res.partner",
            "wholtra_get_prices",
            ids=[self.deli.id],
            lines=body[:1],
        )
        self.assertEqual(deli_prices[0]["price_unit"], 3.35)
        self.assertEqual(deli_prices[0]["discount"], 10.0)
        self.assertAlmostEqual(deli_prices[0]["price_subtotal"], 21.11, places=2)
        grill_prices = self._json2_ok(
            self.salesman,
            "res.partner",
            "wholtra_get_prices",
            ids=[self.grill.id],
            lines=body[1:],
        )
        self.assertEqual(
            [(p["price_unit"], p["price_subtotal"]) for p in grill_prices],
            [(17.45, 122.15), (21.40, 64.20)],
        )

    def test_prices_refusals_change_nothing(self):
        self._json2_refused(
            self.salesman,
            "res.partner",
            "wholtra_set_tier",
            403,
            "AccessError",
            "price tier",
            ids=[self.deli.id],
            tier_id=self.tier.id,
        )
        self._json2_refused(
            self.manager,
            "res.partner",
            "wholtra_set_tier",
            404,
            "MissingError",
            "does not exist",
            ids=[self.deli.id],
            tier_id=999999999,
        )
        self._json2_refused(
            self.manager,
            "res.partner",
            "wholtra_set_contract_prices",
            422,
            "UserError",
            "no price tier",
            ids=[self.deli.id],
            prices=[{"product_id": self.flour.id, "price": 17.65}],
        )
        self._json2_ok(
            self.manager,
            "res.partner",
            "wholtra_set_tier",
            ids=[self.deli.id],
            tier_id=self.tier.id,
        )
        for bad in (
            {"product_id": self.flour.id, "price": -1},
            {"product_id": self.flour.id, "price": "17"},
            {"product_id": self.flour.id, "price": 1, "date_start": "tomorrow"},
            {"product_id": "x", "price": 1},
        ):
            self._json2_refused(
                self.manager,
                "res.partner",
                "wholtra_set_contract_prices",
                422,
                "ValidationError",
                r"prices\[0\]",
                ids=[self.deli.id],
                prices=[bad],
            )
        for quantity in (0, -7, "7", None):
            self._json2_refused(
                self.salesman,
                "res.partner",
                "wholtra_get_prices",
                422,
                "ValidationError",
                r"lines\[0\]\.quantity",
                ids=[self.deli.id],
                lines=[{"product_id": self.oil.id, "quantity": quantity}],
            )
        self.env.invalidate_all()
        self.assertFalse(self.deli.wholtra_contract_pricelist_id)
        self.assertFalse(
            self.env["product.pricelist.item"].search(
                [("product_id", "=", self.flour.id)]
            )
        )

    # -------------------------------------------------------------------- hold
    def test_hold_refuses_confirmation_until_released(self):
        self.deli.credit_limit = 100.0
        state = self._json2_ok(
            self.credit_manager,
            "res.partner",
            "wholtra_set_hold",
            ids=[self.deli.id],
            reason="Cheque bounced",
        )
        self.assertEqual(
            state,
            [
                {
                    "partner_id": self.deli.id,
                    "on_hold": True,
                    "manual": True,
                    "manual_reason": "Cheque bounced",
                    "reasons": ["Manual hold: Cheque bounced"],
                    "credit_limit": 100.0,
                    "exposure": 0.0,
                    "overdue_amount": 0.0,
                    "currency": self.currency.name,
                }
            ],
        )
        # salespeople read it, cannot change it
        self.assertEqual(
            self._json2_ok(
                self.salesman,
                "res.partner",
                "wholtra_get_hold_state",
                ids=[self.deli.id],
            ),
            state,
        )
        self._json2_refused(
            self.salesman,
            "res.partner",
            "wholtra_lift_hold",
            403,
            "AccessError",
            "credit manager",
            ids=[self.deli.id],
            reason="Paid",
        )
        # a confirmation is refused with the reasons, the order stays a quotation
        order = self._create_order(self.deli, [(self.oil, 7)])
        error = self._json2_refused(
            self.salesman,
            "sale.order",
            "action_confirm",
            422,
            "UserError",
            r"Corner Deli is on credit hold:\n- Manual hold: Cheque bounced",
            ids=order.ids,
        )
        self.assertEqual(error["arguments"], [error["message"]])
        self.env.invalidate_all()
        self.assertEqual(order.state, "draft")
        # a credit manager releases this order: it confirms, the customer stays held
        self._json2_refused(
            self.salesman,
            "sale.order",
            "wholtra_release_hold",
            403,
            "AccessError",
            "Release the credit hold",
            ids=order.ids,
            reason="Paid by card",
        )
        self.assertEqual(
            self._json2_ok(
                self.credit_manager,
                "sale.order",
                "wholtra_release_hold",
                ids=order.ids,
                reason="Paid by card",
            ),
            {"order_id": order.id, "released": True, "state": "draft"},
        )
        self._json2_ok(self.salesman, "sale.order", "action_confirm", ids=order.ids)
        self.env.invalidate_all()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.wholtra_hold_release_reason, "Paid by card")
        # the uninvoiced order counts in the exposure
        state = self._json2_ok(
            self.credit_manager,
            "res.partner",
            "wholtra_lift_hold",
            ids=[self.deli.id],
            reason="Cheque cleared",
        )
        self.assertEqual(
            {k: state[0][k] for k in ("on_hold", "manual", "reasons", "exposure")},
            {
                "on_hold": False,
                "manual": False,
                "reasons": [],
                "exposure": order.amount_total,
            },
        )
        self._json2_refused(
            self.credit_manager,
            "res.partner",
            "wholtra_lift_hold",
            422,
            "UserError",
            "not on a manual hold",
            ids=[self.deli.id],
            reason="again",
        )
        other = self._create_order(self.deli, [(self.oil, 1)])
        self._json2_refused(
            self.credit_manager,
            "sale.order",
            "wholtra_release_hold",
            422,
            "UserError",
            "not on credit hold",
            ids=other.ids,
            reason="nothing",
        )
        self._json2_refused(
            self.credit_manager,
            "res.partner",
            "wholtra_set_hold",
            422,
            "UserError",
            "Enter a reason",
            ids=[self.deli.id],
            reason="  ",
        )
        self.env.invalidate_all()
        self.assertFalse(self.deli.wholtra_hold_manual)

    def test_hold_webhook_examples(self):
        """The shipped rules send nothing until an admin activates them; then each
        event posts once, with the customer and the payload fields."""
        rule_set = self.env.ref("wholtra_orders.automation_webhook_hold_set")
        rule_lifted = self.env.ref("wholtra_orders.automation_webhook_hold_lifted")
        self.assertFalse(rule_set.active or rule_lifted.active)
        partner = self.deli.with_user(self.credit_manager)
        with self._capture_webhooks() as posts:
            partner.wholtra_set_hold("Cheque bounced")
            partner.wholtra_lift_hold("Cheque cleared")
            self.env.cr.postcommit.run()
            self.assertEqual(posts, [], "inactive examples send nothing")
            (rule_set | rule_lifted).with_user(self.env.ref("base.user_admin")).write(
                {"active": True}
            )
            partner.wholtra_set_hold("Cheque bounced")
            self.env.cr.postcommit.run()
            partner.wholtra_set_hold("Second cheque bounced")  # still held: no event
            self.env.cr.postcommit.run()
            partner.wholtra_lift_hold("Cheque cleared")
            self.env.cr.postcommit.run()
        self.assertEqual(
            [url for url, _payload in posts],
            [
                "https://integrator.example.com/wholtra/hold_set",
                "https://integrator.example.com/wholtra/hold_lifted",
            ],
        )
        held, lifted = (payload for _url, payload in posts)
        self.assertEqual(
            {k: held[k] for k in held if k != "_action"},
            {
                "_model": "res.partner",
                "_id": self.deli.id,
                "id": self.deli.id,
                "name": "Corner Deli",
                "ref": False,
                "vat": False,
            },
        )
        self.assertEqual(lifted["_id"], self.deli.id)
        self.assertIn("credit hold lifted", lifted["_action"])
        # the client then reads the state with its own key
        state = self._json2_ok(
            self.salesman,
            "res.partner",
            "wholtra_get_hold_state",
            ids=[held["_id"]],
        )
        self.assertFalse(state[0]["manual"])
