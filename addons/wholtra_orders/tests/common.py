from contextlib import contextmanager
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import TransactionCase, new_test_user


class WholtraOrdersCommon(TransactionCase):
    """A small distributor: three tiers, products with costs, customers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.currency = cls.company.currency_id
        # pricelists on partners are a feature flag in Odoo
        cls.env.user.group_ids += cls.env.ref("product.group_product_pricelist")
        cls.env.user.group_ids += cls.env.ref("sale.group_discount_per_so_line")

        cls.categ_snacks = cls.env["product.category"].create({"name": "Test Snacks"})
        Product = cls.env["product.product"]
        cls.crisps = Product.create(
            {
                "name": "Crisps 24x50g",
                "list_price": 20.0,
                "standard_price": 12.0,
                "type": "consu",
                "is_storable": True,
                "categ_id": cls.categ_snacks.id,
                "invoice_policy": "order",
                "taxes_id": [Command.clear()],
            }
        )
        cls.cola = Product.create(
            {
                "name": "Cola 24x330ml",
                "list_price": 15.0,
                "standard_price": 9.0,
                "type": "consu",
                "is_storable": True,
                "taxes_id": [Command.clear()],
            }
        )
        stock_location = cls.env.ref("stock.warehouse0").lot_stock_id
        for product in cls.crisps | cls.cola:
            cls.env["stock.quant"]._update_available_quantity(
                product, stock_location, 10000
            )

        Pricelist = cls.env["product.pricelist"]
        cls.pl_bronze = Pricelist.create({"name": "Bronze prices"})
        cls.pl_silver = Pricelist.create(
            {
                "name": "Silver prices",
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "1_product",
                            "product_tmpl_id": cls.crisps.product_tmpl_id.id,
                            "compute_price": "fixed",
                            "fixed_price": 18.0,
                        }
                    )
                ],
            }
        )
        cls.pl_gold = Pricelist.create(
            {
                "name": "Gold prices",
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "1_product",
                            "product_tmpl_id": cls.crisps.product_tmpl_id.id,
                            "compute_price": "fixed",
                            "fixed_price": 16.0,
                        }
                    )
                ],
            }
        )
        cls.term_30 = cls.env["account.payment.term"].create(
            {
                "name": "30 days test",
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 100, "nb_days": 30}
                    )
                ],
            }
        )
        Tier = cls.env["wholtra.price.tier"]
        cls.tier_bronze = Tier.create(
            {
                "name": "Bronze",
                "sequence": 30,
                "pricelist_id": cls.pl_bronze.id,
                "allocation_priority": 10,
            }
        )
        cls.tier_silver = Tier.create(
            {
                "name": "Silver",
                "sequence": 20,
                "pricelist_id": cls.pl_silver.id,
                "allocation_priority": 20,
            }
        )
        cls.tier_gold = Tier.create(
            {
                "name": "Gold",
                "sequence": 10,
                "pricelist_id": cls.pl_gold.id,
                "payment_term_id": cls.term_30.id,
                "allocation_priority": 30,
            }
        )
        Partner = cls.env["res.partner"]
        cls.deli = Partner.create(
            {
                "name": "Corner Deli",
                "is_company": True,
                "wholtra_tier_id": cls.tier_bronze.id,
            }
        )
        cls.grill = Partner.create(
            {
                "name": "Harbour Grill",
                "is_company": True,
                "wholtra_tier_id": cls.tier_gold.id,
            }
        )

        cls.salesman = new_test_user(
            cls.env,
            login="wh_salesman",
            groups="sales_team.group_sale_salesman,stock.group_stock_user",
        )
        cls.sales_manager = new_test_user(
            cls.env,
            login="wh_sales_manager",
            groups="sales_team.group_sale_manager,stock.group_stock_user",
        )
        cls.credit_manager = new_test_user(
            cls.env,
            login="wh_credit_manager",
            groups="sales_team.group_sale_salesman_all_leads,"
            "wholtra_orders.group_wholtra_credit_manager,stock.group_stock_user",
        )

    @contextmanager
    def _raises(self, exception, regex):
        # like assertRaisesRegex, with Odoo's savepoint (nothing stays written)
        with self.assertRaises(exception) as cm:
            yield cm
        self.assertRegex(str(cm.exception), regex)

    def assertRaisesRegex(self, exception, regex):
        return self._raises(exception, regex)

    @classmethod
    def _enable(cls, **company_values):
        cls.company.write(company_values)

    @classmethod
    def _order(cls, partner, lines, **vals):
        """lines: list of (product, qty) or (product, qty, extra line vals)."""
        order_lines = []
        for spec in lines:
            line_vals = {"product_id": spec[0].id, "product_uom_qty": spec[1]}
            if len(spec) > 2:
                line_vals.update(spec[2])
            order_lines.append(Command.create(line_vals))
        return cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "user_id": cls.salesman.id,
                "order_line": order_lines,
                **vals,
            }
        )

    @classmethod
    def _days_ago(cls, days):
        return fields.Datetime.now() - timedelta(days=days)
