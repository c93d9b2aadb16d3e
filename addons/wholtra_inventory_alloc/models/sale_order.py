from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

INTERNAL = "sales_team.group_sale_salesman,stock.group_stock_user"


class SaleOrder(models.Model):
    _inherit = "sale.order"

    wholtra_allocation_enabled = fields.Boolean(
        related="company_id.wholtra_allocation_enabled"
    )
    wholtra_presale_policy = fields.Selection(
        related="company_id.wholtra_presale_policy", groups=INTERNAL
    )
    wholtra_expected_date = fields.Datetime(
        "Promised Date",
        compute="_compute_wholtra_expected_date",
        compute_sudo=True,
        help="Latest promised date of the lines still to deliver (stock now, or the "
        "ETA of their allocated purchases plus the customer lead time).",
    )
    wholtra_availability_warning = fields.Text(
        compute="_compute_wholtra_availability_warning", groups=INTERNAL
    )
    wholtra_allocation_count = fields.Integer(
        compute="_compute_wholtra_expected_date", compute_sudo=True, groups=INTERNAL
    )

    @api.depends("order_line.wholtra_promised_date", "order_line.wholtra_alloc_status")
    def _compute_wholtra_expected_date(self):
        # compute_sudo: the portal customer reads the promised date of its order,
        # which depends on internal line figures
        counts = dict(
            self.env["wholtra.allocation"]._read_group(
                [("order_id", "in", self.filtered("id").ids)],
                ["order_id"],
                ["__count"],
            )
        )
        for order in self:
            lines = order.order_line.filtered(
                lambda sol: sol.wholtra_alloc_status not in (False, "none")
            )
            dates = lines.mapped("wholtra_promised_date")
            order.wholtra_expected_date = max(dates) if dates and all(dates) else False
            order.wholtra_allocation_count = counts.get(order, 0)

    # ------------------------------------------------------------------
    # Pre-sale control
    # ------------------------------------------------------------------
    def _wholtra_get_shortages(self):
        """[(product, shortage)] for the storable lines not marked pre-sale that
        neither free stock nor free inbound supply can cover."""
        self.ensure_one()
        # sudo: an availability check, whoever confirms (portal signature, billing)
        order_sudo = self.sudo()
        lines = order_sudo.order_line.filtered(
            lambda sol: sol.product_id.is_storable
            and not sol.display_type
            and not sol.wholtra_presale
        )
        if not lines:
            return []
        wanted = defaultdict(float)
        for line in lines:
            wanted[line.product_id] += line.product_uom_id._compute_quantity(
                line.product_uom_qty - line.qty_delivered, line.product_id.uom_id
            )
        products = lines.product_id
        free = {
            p["id"]: p["free_qty"]
            for p in products.with_context(warehouse_id=self.warehouse_id.id).read(
                ["free_qty"]
            )
        }
        PurchaseLine = self.env["purchase.order.line"].sudo()
        supply = PurchaseLine.search(
            PurchaseLine._wholtra_supply_domain(self.company_id)
            & Domain("product_id", "in", products.ids)
        )
        inbound = defaultdict(float)
        for pl in supply:
            inbound[pl.product_id.id] += pl.wholtra_qty_free
        shortages = []
        for product, qty in wanted.items():
            missing = qty - max(free.get(product.id, 0.0), 0.0) - inbound[product.id]
            if product.uom_id.compare(missing, 0.0) > 0:
                shortages.append((product, missing))
        return shortages

    def _wholtra_shortage_message(self, shortages):
        return self.env._(
            "Not enough free stock or inbound supply for %(order)s: %(items)s. "
            "Reduce the quantities, wait for a purchase order, or mark the lines "
            "as pre-sale.",
            # a quotation being typed has no name yet ("New")
            order=self.name if self.id else self.env._("this quotation"),
            items=", ".join(
                f"{product.display_name} ({missing:g} {product.uom_id.name})"
                for product, missing in shortages
            ),
        )

    @api.depends(
        "state",
        "order_line.product_id",
        "order_line.product_uom_qty",
        "order_line.wholtra_presale",
        "warehouse_id",
    )
    def _compute_wholtra_availability_warning(self):
        # live while the clerk types: computed for a quotation not yet saved too
        for order in self:
            policy = order.company_id.wholtra_presale_policy
            warning = False
            if (
                order.company_id.wholtra_allocation_enabled
                and policy in ("warn", "block")
                and order.state in ("draft", "sent")
            ):
                shortages = order._wholtra_get_shortages()
                if shortages:
                    warning = order._wholtra_shortage_message(shortages)
            order.wholtra_availability_warning = warning

    def _confirmation_error_message(self):
        message = super()._confirmation_error_message()
        if (
            not message
            and self.company_id.wholtra_allocation_enabled
            and self.company_id.wholtra_presale_policy == "block"
        ):
            shortages = self._wholtra_get_shortages()
            if shortages:
                return self._wholtra_shortage_message(shortages)
        return message

    def _action_confirm(self):
        """New demand re-plans its products: at once when the company allocates on
        confirmation and the orders hold few products (the salesperson sees the
        allocation and promised date on the confirmed order), through the re-plan
        queue otherwise (and when another transaction holds the products' rows:
        `_wholtra_plan_now`)."""
        res = super()._action_confirm()
        Engine = self.env["wholtra.allocation.engine"]
        Queue = self.env["wholtra.allocation.queue"].sudo()
        for company, orders in self.grouped("company_id").items():
            if not company.wholtra_allocation_enabled:
                continue
            # sudo: whoever confirms (portal signature) re-plans the products
            products = orders.sudo().order_line.product_id.filtered("is_storable")
            if not products:
                continue
            if (
                company.wholtra_allocate_on_confirm
                and len(products) <= Engine._sync_limit
                and self._wholtra_plan_now(company, products)
            ):
                continue
            Queue._wholtra_queue((company.id, p.id) for p in products)
        return res

    def _wholtra_plan_now(self, company, products):
        """Plan `products` inside this confirmation when their rows can be locked
        at once (`_try_run`); False when the caller must queue them."""
        Engine = self.env["wholtra.allocation.engine"]
        return Engine._try_run(company, products) is not None

    def _action_cancel(self):
        res = super()._action_cancel()
        if any(self.company_id.mapped("wholtra_allocation_enabled")):
            self.order_line._wholtra_shrink_allocations()
            # what was promised to these orders goes to the others
            self.env["wholtra.allocation.queue"]._wholtra_queue_lines(self.order_line)
        return res

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------
    def action_wholtra_run_allocation(self):
        """Run the allocation engine for the products of confirmed orders
        (inventory users)."""
        Alloc = self.env["wholtra.allocation"]
        Alloc._wholtra_check_group("stock.group_stock_user")
        Alloc._wholtra_check_records(self)
        companies = self._wholtra_allocating_companies()
        products = self.order_line.product_id.filtered("is_storable")
        return self.env["wholtra.allocation.engine"]._action_run(companies, products)

    def _wholtra_allocating_companies(self):
        """The companies of these orders, once checked that the orders are
        confirmed and their companies allocate (the button and the API)."""
        if any(order.state != "sale" for order in self):
            raise UserError(
                self.env._("Confirm the order before allocating supply to it.")
            )
        companies = self.company_id.filtered("wholtra_allocation_enabled")
        if companies != self.company_id:
            raise UserError(
                self.env._(
                    "Allocation to inbound supply is not enabled for %(companies)s.",
                    companies=", ".join((self.company_id - companies).mapped("name")),
                )
            )
        return companies

    def wholtra_get_availability(self):
        """Stock figures, allocation status and promised date of every line of
        these orders (see ``sale.order.line.wholtra_get_availability``).

        Caller: Sales / User or Inventory / User.

        :return: ``[{"line_id", "product_id", "quantity", "on_hand", "free",
            "incoming", "next_eta", "reserved", "allocated", "allocation_status",
            "promised_date"}]`` for the product lines, in order.
        :raises AccessError: the caller lacks the groups or may not read an order.
        :raises MissingError: an order does not exist.
        :raises UserError: no ids.
        """
        Alloc = self.env["wholtra.allocation"]
        Alloc._wholtra_check_group(
            "sales_team.group_sale_salesman", "stock.group_stock_user"
        )
        Alloc._wholtra_check_records(self)
        return self.order_line._wholtra_availability_rows()

    def action_wholtra_view_allocations(self):
        """The allocations of these orders (sales and inventory users)."""
        Alloc = self.env["wholtra.allocation"]
        Alloc._wholtra_check_group(
            "sales_team.group_sale_salesman", "stock.group_stock_user"
        )
        Alloc._wholtra_check_records(self)
        return self.order_line.action_wholtra_view_allocations()
