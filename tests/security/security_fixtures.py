"""Shared fixture of the security suites: the roles of a distributor's Odoo and one sample
record of each kind our addons touch, built as an admin would on a database without demo
data.

Roles (``ROLES``):
- ``portal``: a customer's buyer with portal access (contact of the sample customer);
- ``salesman``, ``sales_manager``: Sales / User: Own Documents Only and Sales / Administrator;
- ``stock_user``: Inventory / User;
- ``billing``: Invoicing / Billing;
- ``credit_manager``: a salesperson who is also Wholtra Orders / Credit Manager;
- ``other_company``: credit manager, billing and stock user of a second company only (the
  sample records belong to the first company).
"""

from odoo import Command, fields

ROLES = (
    "portal",
    "salesman",
    "sales_manager",
    "stock_user",
    "billing",
    "credit_manager",
    "other_company",
)

ROLE_GROUPS = {
    "portal": "base.group_portal",
    "salesman": "sales_team.group_sale_salesman",
    "sales_manager": "sales_team.group_sale_manager",
    "stock_user": "stock.group_stock_user",
    "billing": "account.group_account_invoice",
    "credit_manager": "sales_team.group_sale_salesman,"
    "wholtra_orders.group_wholtra_credit_manager",
    "other_company": "sales_team.group_sale_salesman,stock.group_stock_user,"
    "account.group_account_invoice,wholtra_orders.group_wholtra_credit_manager",
}


class SecurityFixture:
    """Builds (as superuser) the users of every role and a small set of sample records:
    a customer with a tier, a confirmed and delivered order with its posted invoice, a
    draft quotation, an inbound purchase order with an allocation, a statement link."""

    def __init__(self, env):
        self.env = env
        self.company = env.company
        self.company_b = env["res.company"].create({"name": "Wholtra Security Co B"})
        self.today = fields.Date.context_today(env["res.partner"])
        self._settings()
        self._catalog()
        self._users()
        self._documents()

    # ------------------------------------------------------------------
    def _settings(self):
        company = self.company
        values = {
            "wholtra_statement_links_enabled": True,
            "wholtra_allocation_enabled": True,
        }
        company.write({k: v for k, v in values.items() if k in company._fields})

    def _catalog(self):
        env = self.env
        self.warehouse = env["stock.warehouse"].search(
            [("company_id", "=", self.company.id)], limit=1
        )
        self.product = env["product.product"].create(
            {
                "name": "Security Cola 24x330ml",
                "type": "consu",
                "is_storable": True,
                "invoice_policy": "delivery",
                "list_price": 12.0,
                "standard_price": 7.0,
                "taxes_id": [Command.clear()],
            }
        )
        env["stock.quant"]._update_available_quantity(
            self.product, self.warehouse.lot_stock_id, 100.0
        )
        self.pricelist = env["product.pricelist"].create({"name": "Security Gold"})
        self.tier = env["wholtra.price.tier"].create(
            {"name": "Security Gold", "pricelist_id": self.pricelist.id}
        )
        self.customer = env["res.partner"].create(
            {"name": "Security Mart", "is_company": True, "email": "mart@example.com"}
        )
        self.customer.wholtra_tier_id = self.tier
        self.buyer = env["res.partner"].create(
            {
                "name": "Security Buyer",
                "parent_id": self.customer.id,
                "email": "buyer@example.com",
            }
        )
        self.vendor = env["res.partner"].create({"name": "Security Bottlers"})

    def _users(self):
        env = self.env
        self.users = {}
        for role in ROLES:
            xmlids = ROLE_GROUPS[role].split(",")
            if role != "portal":
                # Internal users get Contact Creation by default (base.default_user).
                xmlids.append("base.group_partner_manager")
            groups = [env.ref(xmlid).id for xmlid in xmlids]
            company = self.company_b if role == "other_company" else self.company
            values = {
                "name": f"Security {role}",
                "login": f"security_{role}",
                "password": f"security_{role}_pw1",
                "email": f"{role}@security.example.com",
                "company_id": company.id,
                "company_ids": [Command.set(company.ids)],
                "group_ids": [Command.set(groups)],
            }
            if role == "portal":
                values["partner_id"] = self.buyer.id
            self.users[role] = (
                env["res.users"].with_context(no_reset_password=True).create(values)
            )

    def _documents(self):
        env = self.env
        salesman = self.users["salesman"]
        line = {"product_id": self.product.id, "product_uom_qty": 5.0}
        self.quotation = env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "user_id": salesman.id,
                "order_line": [Command.create(dict(line))],
            }
        )
        self.order = env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "user_id": salesman.id,
                "order_line": [Command.create(dict(line))],
            }
        )
        self.order.action_confirm()
        self.picking = self.order.picking_ids
        for move in self.picking.move_ids:
            move.quantity = move.product_uom_qty
        self.picking.move_ids.picked = True
        self.picking._action_done()
        self.invoice = self.order.invoice_ids.filtered(lambda m: m.state == "posted")[
            :1
        ]
        if not self.invoice:
            self.invoice = self.order._create_invoices()
            self.invoice.action_post()
        self.purchase = env["purchase.order"].create(
            {
                "partner_id": self.vendor.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "product_qty": 50.0,
                            "price_unit": 7.0,
                        }
                    )
                ],
            }
        )
        self.purchase.button_confirm()
        self.backorder = env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "user_id": salesman.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.product.id, "product_uom_qty": 150.0}
                    )
                ],
            }
        )
        self.backorder.action_confirm()
        self.allocation = env["wholtra.allocation"].search(
            [("sale_line_id", "in", self.backorder.order_line.ids)], limit=1
        )
        if not self.allocation:
            self.allocation = (
                env["wholtra.allocation"]
                .with_context(wholtra_alloc_trusted=True)
                .create(
                    {
                        "sale_line_id": self.backorder.order_line[:1].id,
                        "purchase_line_id": self.purchase.order_line[:1].id,
                        "quantity": 10.0,
                    }
                )
            )
        self.statement_link = env["wholtra.statement.link"].create(
            {"partner_id": self.customer.id, "company_id": self.company.id}
        )
        # Records only the system writes, made here as the system would.
        self.collection_status = env["wholtra.collection.status"].create(
            {"partner_id": self.customer.id, "company_id": self.company.id}
        )
        self.price_override = env["wholtra.price.override"].create(
            {
                "order_id": self.quotation.id,
                "order_line_id": self.quotation.order_line[:1].id,
                "partner_id": self.customer.id,
                "product_id": self.product.id,
                "company_id": self.company.id,
                "pricelist_price": 12.0,
                "price_unit": 10.0,
                "deviation": -16.67,
            }
        )
        self.payment = env["account.payment"].create(
            {
                "partner_id": self.customer.id,
                "payment_type": "inbound",
                "partner_type": "customer",
                "amount": 25.0,
            }
        )

    # ------------------------------------------------------------------
    def sample(self, model):
        """A record of ``model`` in the first company, or an empty recordset."""
        direct = {
            "res.partner": self.customer,
            "sale.order": self.order,
            "sale.order.line": self.order.order_line[:1],
            "stock.picking": self.picking,
            "stock.move": self.picking.move_ids[:1],
            "account.move": self.invoice,
            "purchase.order": self.purchase,
            "purchase.order.line": self.purchase.order_line[:1],
            "product.template": self.product.product_tmpl_id,
            "product.product": self.product,
            "product.pricelist": self.pricelist,
            "res.company": self.company,
            "wholtra.price.tier": self.tier,
            "wholtra.allocation": self.allocation,
            "wholtra.statement.link": self.statement_link,
            "wholtra.collection.status": self.collection_status,
            "wholtra.price.override": self.price_override,
            "account.payment": self.payment,
        }
        if model in direct:
            return direct[model]
        Model = self.env[model]
        if not Model._auto and not Model._abstract and not Model._transient:
            return Model.search([], limit=1)
        if Model._abstract or Model._transient:
            return Model.browse()
        domain = []
        if "company_id" in Model._fields and Model._fields["company_id"].store:
            domain = [("company_id", "in", (self.company.id, False))]
        return Model.search(domain, limit=1)
