from odoo import Command, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import float_compare, float_is_zero, format_amount

CREDIT_MANAGER = "wholtra_orders.group_wholtra_credit_manager"
MANAGER = "wholtra_orders.group_wholtra_manager"

# approval flag -> group allowed to set it
APPROVAL_GROUPS = {
    "wholtra_hold_released": CREDIT_MANAGER,
    "wholtra_margin_approved": MANAGER,
    "wholtra_terms_overridden": MANAGER,
}


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # --- approvals (never copied: a duplicate starts blocked again) ---
    wholtra_hold_released = fields.Boolean(
        string="Hold released", copy=False, readonly=True, tracking=True
    )
    wholtra_hold_release_reason = fields.Char(
        string="Hold release reason", copy=False, readonly=True
    )
    wholtra_hold_released_by_id = fields.Many2one(
        "res.users", string="Hold released by", copy=False, readonly=True
    )
    wholtra_margin_approved = fields.Boolean(
        string="Margin approved", copy=False, readonly=True, tracking=True
    )
    wholtra_margin_approval_reason = fields.Char(
        string="Margin approval reason", copy=False, readonly=True
    )
    wholtra_margin_approved_by_id = fields.Many2one(
        "res.users", string="Margin approved by", copy=False, readonly=True
    )
    wholtra_terms_overridden = fields.Boolean(
        string="MOV/MOQ overridden", copy=False, readonly=True, tracking=True
    )
    wholtra_terms_override_reason = fields.Char(
        string="MOV/MOQ override reason", copy=False, readonly=True
    )
    wholtra_terms_overridden_by_id = fields.Many2one(
        "res.users", string="MOV/MOQ overridden by", copy=False, readonly=True
    )
    # --- blocks shown on the quotation ---
    wholtra_hold_message = fields.Text(compute="_compute_wholtra_blocks")
    wholtra_margin_message = fields.Text(compute="_compute_wholtra_blocks")
    wholtra_terms_message = fields.Text(compute="_compute_wholtra_blocks")
    wholtra_block_message = fields.Text(
        string="Blocked because", compute="_compute_wholtra_blocks"
    )
    # --- audit and customer intelligence ---
    wholtra_price_override_ids = fields.One2many(
        "wholtra.price.override", "order_id", string="Price overrides"
    )
    wholtra_price_override_count = fields.Integer(
        compute="_compute_wholtra_price_override_count"
    )
    wholtra_audit_price_overrides = fields.Boolean(
        related="company_id.wholtra_audit_price_overrides"
    )
    wholtra_company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company currency"
    )
    wholtra_tier_id = fields.Many2one(
        related="partner_id.commercial_partner_id.wholtra_tier_id", string="Price tier"
    )
    wholtra_last_order_date = fields.Datetime(
        related="partner_id.commercial_partner_id.wholtra_last_order_date"
    )
    wholtra_avg_order_value = fields.Monetary(
        related="partner_id.commercial_partner_id.wholtra_avg_order_value",
        currency_field="wholtra_company_currency_id",
    )
    wholtra_order_frequency = fields.Float(
        related="partner_id.commercial_partner_id.wholtra_order_frequency"
    )
    wholtra_open_order_count = fields.Integer(
        related="partner_id.commercial_partner_id.wholtra_open_order_count"
    )
    wholtra_open_backorder_count = fields.Integer(
        related="partner_id.commercial_partner_id.wholtra_open_backorder_count"
    )
    wholtra_backorder_eta = fields.Datetime(
        related="partner_id.commercial_partner_id.wholtra_backorder_eta"
    )
    wholtra_unpaid_amount = fields.Monetary(
        related="partner_id.commercial_partner_id.wholtra_unpaid_amount",
        currency_field="wholtra_company_currency_id",
    )
    wholtra_overdue_amount = fields.Monetary(
        related="partner_id.commercial_partner_id.wholtra_overdue_amount",
        currency_field="wholtra_company_currency_id",
    )
    wholtra_partner_hold_status = fields.Char(
        related="partner_id.commercial_partner_id.wholtra_hold_status",
        string="Customer hold status",
    )

    def _compute_wholtra_price_override_count(self):
        counts = dict(
            self.env["wholtra.price.override"]._read_group(
                [("order_id", "in", self.ids)], ["order_id"], ["__count"]
            )
        )
        for order in self:
            order.wholtra_price_override_count = counts.get(order, 0)

    @api.depends(
        "partner_id",
        "state",
        "amount_total",
        "order_line.discount",
        "order_line.margin_percent",
        "order_line.product_uom_qty",
        "wholtra_hold_released",
        "wholtra_margin_approved",
        "wholtra_terms_overridden",
    )
    def _compute_wholtra_blocks(self):
        for order in self:
            messages = {"hold": False, "margin": False, "terms": False}
            if order.state in ("draft", "sent") and order.partner_id:
                messages.update(order._wholtra_get_confirmation_blocks())
            order.wholtra_hold_message = messages["hold"]
            order.wholtra_margin_message = messages["margin"]
            order.wholtra_terms_message = messages["terms"]
            order.wholtra_block_message = (
                "\n\n".join(m for m in messages.values() if m) or False
            )

    # ------------------------------------------------------------ protection
    @api.model
    def _wholtra_check_approval_rights(self, vals):
        """Approval flags are set by their group only, on any path (create, write,
        copy with defaults, RPC)."""
        if self.env.su:
            return
        for field_name, group in APPROVAL_GROUPS.items():
            if vals.get(field_name) and not self.env.user.has_group(group):
                raise AccessError(
                    self.env._(
                        "You are not allowed to approve this: %(what)s.",
                        what=self._fields[field_name].string,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._wholtra_check_approval_rights(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._wholtra_check_approval_rights(vals)
        return super().write(vals)

    # ---------------------------------------------------------- confirmation
    def _confirmation_error_message(self):
        error = super()._confirmation_error_message()
        if error:
            return error
        blocks = self._wholtra_get_confirmation_blocks()
        return "\n\n".join(m for m in blocks.values() if m) or False

    def _wholtra_get_confirmation_blocks(self):
        """{'hold'|'margin'|'terms': message} of what prevents confirming (hook)."""
        self.ensure_one()
        blocks = {}
        if not self.wholtra_hold_released:
            blocks["hold"] = self._wholtra_get_hold_block()
        if self.company_id.wholtra_margin_control and not self.wholtra_margin_approved:
            blocks["margin"] = self._wholtra_get_margin_block()
        if (
            self.company_id.wholtra_enforce_account_terms
            and not self.wholtra_terms_overridden
        ):
            blocks["terms"] = self._wholtra_get_terms_block()
        return {key: msg for key, msg in blocks.items() if msg}

    def _wholtra_get_hold_block(self):
        self.ensure_one()
        company = self.company_id
        amount = self.currency_id._convert(
            self.amount_total,
            company.currency_id,
            company,
            fields.Date.context_today(self),
        )
        partner = self.partner_id.commercial_partner_id.with_company(company)
        reasons = partner._wholtra_get_hold_reasons(extra_amount=amount)
        if not reasons:
            return False
        return self.env._(
            "%(customer)s is on credit hold:\n%(reasons)s\nA credit manager can "
            "release this order or lift the hold.",
            customer=partner.name,
            reasons="\n".join(f"- {reason}" for reason in reasons),
        )

    def _wholtra_get_margin_floor(self):
        self.ensure_one()
        tier = self.partner_id.commercial_partner_id.wholtra_tier_id
        return tier.margin_floor or self.company_id.wholtra_default_margin_floor

    def _wholtra_get_margin_block(self):
        self.ensure_one()
        tier = self.partner_id.commercial_partner_id.wholtra_tier_id
        order_floor = self._wholtra_get_margin_floor()
        max_discount = tier.max_discount
        problems = []
        for line in self.order_line:
            if line.display_type or not line.product_id or line.is_downpayment:
                continue
            floor = line.product_id.wholtra_margin_floor or order_floor
            if floor and line._wholtra_is_under_margin_floor(floor):
                problems.append(
                    self.env._(
                        "- %(product)s: margin %(margin).1f%% under the floor of "
                        "%(floor).1f%%",
                        product=line.product_id.display_name,
                        margin=line.margin_percent * 100,
                        floor=floor,
                    )
                )
            if max_discount and (
                float_compare(line.discount, max_discount, precision_digits=2) > 0
            ):
                problems.append(
                    self.env._(
                        "- %(product)s: discount %(discount).1f%% over the "
                        "allowance of %(max).1f%%",
                        product=line.product_id.display_name,
                        discount=line.discount,
                        max=max_discount,
                    )
                )
        if not problems:
            return False
        return self.env._(
            "These lines need a sales manager's approval:\n%(lines)s",
            lines="\n".join(problems),
        )

    def _wholtra_get_min_order_value(self):
        """Minimum untaxed order value for this order's customer (hook)."""
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        return (
            partner.wholtra_min_order_value or partner.wholtra_tier_id.min_order_value
        )

    def _wholtra_get_terms_block(self):
        self.ensure_one()
        problems = []
        min_value = self._wholtra_get_min_order_value()
        if (
            min_value
            and self.currency_id.compare_amounts(self.amount_untaxed, min_value) < 0
        ):
            problems.append(
                self.env._(
                    "- Order value %(amount)s is under the minimum order value of "
                    "%(minimum)s",
                    amount=format_amount(
                        self.env, self.amount_untaxed, self.currency_id
                    ),
                    minimum=format_amount(self.env, min_value, self.currency_id),
                )
            )
        for line in self.order_line:
            product = line.product_id
            if line.display_type or not product or line.is_downpayment:
                continue
            moq = product.wholtra_moq
            multiple = product.wholtra_order_multiple
            if not (moq or multiple):
                continue
            qty = line.product_uom_id._compute_quantity(
                line.product_uom_qty, product.uom_id, round=False
            )
            if moq and float_compare(qty, moq, precision_digits=4) < 0:
                problems.append(
                    self.env._(
                        "- %(product)s: %(qty)s %(uom)s is under the minimum order "
                        "quantity of %(moq)s",
                        product=product.display_name,
                        qty=qty,
                        uom=product.uom_id.name,
                        moq=moq,
                    )
                )
            if multiple:
                remainder = qty % multiple
                if not (
                    float_is_zero(remainder, precision_digits=4)
                    or float_is_zero(multiple - remainder, precision_digits=4)
                ):
                    problems.append(
                        self.env._(
                            "- %(product)s: %(qty)s %(uom)s is not a multiple of "
                            "%(multiple)s",
                            product=product.display_name,
                            qty=qty,
                            uom=product.uom_id.name,
                            multiple=multiple,
                        )
                    )
        if not problems:
            return False
        if self.company_id.wholtra_terms_allow_override:
            footer = self.env._("A sales manager can override with a reason.")
        else:
            footer = self.env._("Correct the order to continue.")
        return self.env._(
            "The order does not meet the account terms:\n%(lines)s\n%(footer)s",
            lines="\n".join(problems),
            footer=footer,
        )

    def _wholtra_withdraw_approvals(self):
        """Lines of an approved quotation changed: the approvals were given for other
        figures, so they no longer hold."""
        approved = self.filtered(
            lambda o: o.state in ("draft", "sent")
            and (
                o.wholtra_hold_released
                or o.wholtra_margin_approved
                or o.wholtra_terms_overridden
            )
        )
        if not approved:
            return
        approved.write(
            {
                "wholtra_hold_released": False,
                "wholtra_margin_approved": False,
                "wholtra_terms_overridden": False,
            }
        )
        for order in approved:
            order.message_post(
                body=self.env._(
                    "Approvals withdrawn: the order lines changed after approval."
                )
            )

    # ------------------------------------------------------ approval actions
    def _wholtra_approve(self, approval_type, reason):
        """Record an approval by the current user (checked by write())."""
        field_prefix = {
            "release_hold": (
                "wholtra_hold_released",
                "wholtra_hold_release_reason",
                "wholtra_hold_released_by_id",
            ),
            "approve_margin": (
                "wholtra_margin_approved",
                "wholtra_margin_approval_reason",
                "wholtra_margin_approved_by_id",
            ),
            "override_terms": (
                "wholtra_terms_overridden",
                "wholtra_terms_override_reason",
                "wholtra_terms_overridden_by_id",
            ),
        }[approval_type]
        flag, reason_field, user_field = field_prefix
        if approval_type == "override_terms" and not all(
            self.company_id.mapped("wholtra_terms_allow_override")
        ):
            raise AccessError(
                self.env._(
                    "Overriding the minimum order value or MOQ is not allowed in "
                    "this company."
                )
            )
        self.write({flag: True, reason_field: reason, user_field: self.env.uid})
        label = self._fields[flag].string
        for order in self:
            order.message_post(
                body=self.env._(
                    "%(what)s by %(user)s: %(reason)s",
                    what=label,
                    user=self.env.user.name,
                    reason=reason,
                )
            )

    def action_wholtra_release_hold(self):
        self.ensure_one()
        return self.env["wholtra.order.approval.wizard"]._wholtra_open(
            "release_hold", order=self
        )

    def action_wholtra_approve_margin(self):
        self.ensure_one()
        return self.env["wholtra.order.approval.wizard"]._wholtra_open(
            "approve_margin", order=self
        )

    def action_wholtra_override_terms(self):
        self.ensure_one()
        return self.env["wholtra.order.approval.wizard"]._wholtra_open(
            "override_terms", order=self
        )

    def action_wholtra_view_price_overrides(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "wholtra_orders.wholtra_price_override_action"
        )
        action["domain"] = [("order_id", "=", self.id)]
        action["context"] = {}
        return action

    # ----------------------------------------------------- price recompute
    def _get_update_prices_lines(self):
        # Audited overrides are never silently undone by "Update prices".
        return (
            super()
            ._get_update_prices_lines()
            .filtered(lambda line: not line.wholtra_price_overridden)
        )

    def action_update_prices(self):
        res = super().action_update_prices()
        kept = self.order_line.filtered("wholtra_price_overridden")
        if kept:
            self.message_post(
                body=self.env._(
                    "Kept the audited price overrides of: %(products)s",
                    products=", ".join(kept.product_id.mapped("display_name")),
                )
            )
        return res

    # ---------------------------------------------------------------- reorder
    def _wholtra_prepare_reorder_line_values(self):
        """Lines of the new quotation: same products and quantities, no price (the
        customer's current pricelist prices them today)."""
        self.ensure_one()
        lines = []
        for line in self.order_line:
            if line.display_type in ("line_section", "line_note", "line_subsection"):
                lines.append(
                    Command.create(
                        {"display_type": line.display_type, "name": line.name}
                    )
                )
            elif (
                line.display_type
                or line.is_downpayment
                or not line.product_id
                or not line.product_id.sale_ok
                or line.product_id.type == "combo"
                or line.combo_item_id
            ):
                continue
            else:
                lines.append(
                    Command.create(
                        {
                            "product_id": line.product_id.id,
                            "product_uom_qty": line.product_uom_qty,
                            "product_uom_id": line.product_uom_id.id,
                        }
                    )
                )
        return lines

    def _wholtra_prepare_reorder_values(self):
        self.ensure_one()
        return {
            "partner_id": self.partner_id.id,
            "partner_invoice_id": self.partner_invoice_id.id,
            "partner_shipping_id": self.partner_shipping_id.id,
            "company_id": self.company_id.id,
            "origin": self.name,
            "order_line": self._wholtra_prepare_reorder_line_values(),
        }

    def action_wholtra_reorder(self):
        """New quotation with the same lines at today's prices."""
        self.ensure_one()
        new_order = self.create(self._wholtra_prepare_reorder_values())
        new_order.message_post(
            body=self.env._("Reorder of %(order)s", order=self._get_html_link())
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": new_order.id,
            "view_mode": "form",
            "target": "current",
        }
