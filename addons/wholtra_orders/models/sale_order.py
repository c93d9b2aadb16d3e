from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare, float_is_zero, format_amount

from ..tools import api_reason, check_group, ensure_one_record, hold_memo

CREDIT_MANAGER = "wholtra_orders.group_wholtra_credit_manager"
MANAGER = "wholtra_orders.group_wholtra_manager"
SALESMAN = "sales_team.group_sale_salesman"
WHOLTRA_USER = "wholtra_orders.group_wholtra_user"

# The approval types of a quotation: one entry drives the stored fields' guard,
# the confirmation check, the block messages, the wizard and the chatter.
# Adding an approval = one entry here + its three stored fields + its check.
#   key            wizard approval_type, action_wholtra_<action>
#   block          key of the block in _wholtra_get_confirmation_blocks()
#   flag / reason_field / user_field   stored fields (never copied)
#   message_field  computed field with the block message
#   group          group that owns the decision
#   company_switch company field that enables the check (None: always on)
#   allowed        company field that must be set to approve (None: always)
#   check          method returning the block message (or False)
#   states         order states in which it may be given
APPROVAL_TYPES = (
    {
        "key": "release_hold",
        "block": "hold",
        "flag": "wholtra_hold_released",
        "reason_field": "wholtra_hold_release_reason",
        "user_field": "wholtra_hold_released_by_id",
        "message_field": "wholtra_hold_message",
        "group": CREDIT_MANAGER,
        "company_switch": None,
        "allowed": None,
        "check": "_wholtra_get_hold_block",
        # a confirmed order is released for shipping (stop-ship)
        "states": ("draft", "sent", "sale"),
    },
    {
        "key": "approve_margin",
        "block": "margin",
        "flag": "wholtra_margin_approved",
        "reason_field": "wholtra_margin_approval_reason",
        "user_field": "wholtra_margin_approved_by_id",
        "message_field": "wholtra_margin_message",
        "group": MANAGER,
        "company_switch": "wholtra_margin_control",
        "allowed": None,
        "check": "_wholtra_get_margin_block",
        "states": ("draft", "sent"),
    },
    {
        "key": "override_terms",
        "block": "terms",
        "flag": "wholtra_terms_overridden",
        "reason_field": "wholtra_terms_override_reason",
        "user_field": "wholtra_terms_overridden_by_id",
        "message_field": "wholtra_terms_message",
        "group": MANAGER,
        "company_switch": "wholtra_enforce_account_terms",
        "allowed": "wholtra_terms_allow_override",
        "check": "_wholtra_get_terms_block",
        "states": ("draft", "sent"),
    },
)
APPROVAL_FLAGS = [t["flag"] for t in APPROVAL_TYPES]


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # --- approvals (never copied: a duplicate starts blocked again) ---
    wholtra_hold_released = fields.Boolean(
        string="Hold released", copy=False, readonly=True, tracking=True
    )
    wholtra_hold_release_reason = fields.Char(
        string="Hold release reason", copy=False, readonly=True, groups=WHOLTRA_USER
    )
    wholtra_hold_released_by_id = fields.Many2one(
        "res.users",
        string="Hold released by",
        copy=False,
        readonly=True,
        groups=WHOLTRA_USER,
    )
    wholtra_margin_approved = fields.Boolean(
        string="Margin approved", copy=False, readonly=True, tracking=True
    )
    wholtra_margin_approval_reason = fields.Char(
        string="Margin approval reason", copy=False, readonly=True, groups=WHOLTRA_USER
    )
    wholtra_margin_approved_by_id = fields.Many2one(
        "res.users",
        string="Margin approved by",
        copy=False,
        readonly=True,
        groups=WHOLTRA_USER,
    )
    wholtra_terms_overridden = fields.Boolean(
        string="MOV/MOQ overridden", copy=False, readonly=True, tracking=True
    )
    wholtra_terms_override_reason = fields.Char(
        string="MOV/MOQ override reason", copy=False, readonly=True, groups=WHOLTRA_USER
    )
    wholtra_terms_overridden_by_id = fields.Many2one(
        "res.users",
        string="MOV/MOQ overridden by",
        copy=False,
        readonly=True,
        groups=WHOLTRA_USER,
    )
    # --- blocks shown on the quotation ---
    wholtra_hold_message = fields.Text(
        compute="_compute_wholtra_blocks", groups=WHOLTRA_USER
    )
    wholtra_margin_message = fields.Text(
        compute="_compute_wholtra_blocks", groups=WHOLTRA_USER
    )
    wholtra_terms_message = fields.Text(
        compute="_compute_wholtra_blocks", groups=WHOLTRA_USER
    )
    wholtra_block_message = fields.Text(
        string="Blocked because", compute="_compute_wholtra_blocks", groups=WHOLTRA_USER
    )
    # --- audit and customer intelligence ---
    wholtra_price_override_ids = fields.One2many(
        "wholtra.price.override",
        "order_id",
        string="Price overrides",
        groups=WHOLTRA_USER,
    )
    wholtra_price_override_count = fields.Integer(
        compute="_compute_wholtra_price_override_count", groups=WHOLTRA_USER
    )
    wholtra_audit_price_overrides = fields.Boolean(
        related="company_id.wholtra_audit_price_overrides"
    )
    wholtra_company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company currency"
    )
    wholtra_tier_id = fields.Many2one(
        related="partner_id.commercial_partner_id.wholtra_tier_id",
        string="Price tier",
        groups=WHOLTRA_USER,
    )
    wholtra_last_order_date = fields.Datetime(
        related="partner_id.commercial_partner_id.wholtra_last_order_date",
        groups=WHOLTRA_USER,
    )
    wholtra_avg_order_value = fields.Monetary(
        related="partner_id.commercial_partner_id.wholtra_avg_order_value",
        currency_field="wholtra_company_currency_id",
        groups=WHOLTRA_USER,
    )
    wholtra_order_frequency = fields.Float(
        related="partner_id.commercial_partner_id.wholtra_order_frequency",
        groups=WHOLTRA_USER,
    )
    wholtra_open_order_count = fields.Integer(
        related="partner_id.commercial_partner_id.wholtra_open_order_count",
        groups=WHOLTRA_USER,
    )
    wholtra_open_backorder_count = fields.Integer(
        related="partner_id.commercial_partner_id.wholtra_open_backorder_count",
        groups=WHOLTRA_USER,
    )
    wholtra_backorder_eta = fields.Datetime(
        related="partner_id.commercial_partner_id.wholtra_backorder_eta",
        groups=WHOLTRA_USER,
    )
    wholtra_unpaid_amount = fields.Monetary(
        related="partner_id.commercial_partner_id.wholtra_unpaid_amount",
        currency_field="wholtra_company_currency_id",
        groups=WHOLTRA_USER,
    )
    wholtra_overdue_amount = fields.Monetary(
        related="partner_id.commercial_partner_id.wholtra_overdue_amount",
        currency_field="wholtra_company_currency_id",
        groups=WHOLTRA_USER,
    )
    wholtra_partner_hold_status = fields.Char(
        related="partner_id.commercial_partner_id.wholtra_hold_status",
        string="Customer hold status",
        groups=WHOLTRA_USER,
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
        "order_line.product_id",
        "order_line.product_uom_qty",
        *APPROVAL_FLAGS,
    )
    def _compute_wholtra_blocks(self):
        approvals = self._wholtra_approval_types().values()
        for order in self:
            messages = {}
            if order.state in ("draft", "sent") and order.partner_id:
                messages = order._wholtra_get_confirmation_blocks()
                if not order._wholtra_has_product_lines():
                    # an empty quotation is not "under the minimum" yet: the
                    # terms are told once a line exists (confirming still checks)
                    messages.pop("terms", None)
            for approval in approvals:
                order[approval["message_field"]] = messages.get(approval["block"])
            order.wholtra_block_message = (
                "\n\n".join(m for m in messages.values() if m) or False
            )

    def _wholtra_has_product_lines(self):
        """Whether the order has a product line (not a section, note or down
        payment)."""
        self.ensure_one()
        return any(
            line.product_id and not line.display_type and not line.is_downpayment
            for line in self.order_line
        )

    # -------------------------------------------------------- approval types
    @api.model
    def _wholtra_approval_types(self):
        """The approval types (see APPROVAL_TYPES) with their translated labels:
        {key: descriptor}, in display order (hook: append to add one)."""
        labels = {
            "release_hold": self.env._("Release the credit hold for this order"),
            "approve_margin": self.env._("Approve margin and discounts"),
            "override_terms": self.env._("Override minimum order value / MOQ"),
        }
        return {
            approval["key"]: dict(approval, label=labels.get(approval["key"], ""))
            for approval in APPROVAL_TYPES
        }

    @api.model
    def _wholtra_get_approval_type(self, key):
        approval = self._wholtra_approval_types().get(key)
        if not approval:
            raise UserError(self.env._("Unknown approval type: %(key)s.", key=str(key)))
        return approval

    # ------------------------------------------------------------ protection
    @api.model
    def _wholtra_check_approval_rights(self, vals):
        """Approval fields (flag, reason, approver) are set by their group only,
        on any path (create, write, copy with defaults, RPC); withdrawing
        (False) is the system's (lines changed) or the group's."""
        if not isinstance(vals, dict):
            raise UserError(self.env._("Invalid values for a sales order."))
        if self.env.su:
            return
        for approval in self._wholtra_approval_types().values():
            fnames = (
                approval["flag"],
                approval["reason_field"],
                approval["user_field"],
            )
            if any(vals.get(fname) for fname in fnames) and not (
                self.env.user.has_group(approval["group"])
            ):
                raise AccessError(
                    self.env._(
                        "You are not allowed to approve this: %(what)s.",
                        what=approval["label"],
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
    def action_confirm(self):
        # the hold is evaluated by the check and again by the allocation
        # (customers on hold served last): overdue figures read once
        with hold_memo(self.env):
            return super().action_confirm()

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
        for approval in self._wholtra_approval_types().values():
            switch = approval["company_switch"]
            if self[approval["flag"]] or (switch and not self.company_id[switch]):
                continue
            blocks[approval["block"]] = getattr(self, approval["check"])()
        return {key: msg for key, msg in blocks.items() if msg}

    def _wholtra_get_hold_block(self):
        self.ensure_one()
        company = self.company_id
        # company currency at the rate of the order date, as Odoo's credit
        # warning (sale.order.currency_rate)
        amount = company.currency_id.round(
            self.amount_total / (self.currency_rate or 1.0)
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
        tier = self.partner_id.commercial_partner_id.sudo().wholtra_tier_id
        return tier.margin_floor or self.company_id.wholtra_default_margin_floor

    def _wholtra_get_margin_block(self):
        self.ensure_one()
        # the customer's terms and product floors are read for whoever confirms
        tier = self.partner_id.commercial_partner_id.sudo().wholtra_tier_id
        order_floor = self._wholtra_get_margin_floor()
        max_discount = tier.max_discount
        product_floors = {
            product_sudo.id: product_sudo.wholtra_margin_floor
            for product_sudo in self.order_line.product_id.sudo()
        }
        problems = []
        given = self.order_line._wholtra_given_discounts(max_discount)
        for line in self.order_line:
            if line.display_type or not line.product_id or line.is_downpayment:
                continue
            floor = product_floors.get(line.product_id.id) or order_floor
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
            if line in given:
                problems.append(
                    self.env._(
                        "- %(product)s: discount %(discount).1f%% over the "
                        "allowance of %(max).1f%%",
                        product=line.product_id.display_name,
                        discount=given[line],
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
        partner_sudo = self.partner_id.commercial_partner_id.sudo()
        return (
            partner_sudo.wholtra_min_order_value
            or partner_sudo.wholtra_tier_id.min_order_value
        )

    def _wholtra_get_min_order_currency(self):
        """Currency of ``_wholtra_get_min_order_value()`` (hook): the tier's
        (its pricelist's) for a tier minimum, the company's for a customer's."""
        self.ensure_one()
        partner_sudo = self.partner_id.commercial_partner_id.sudo()
        if partner_sudo.wholtra_min_order_value:
            return self.company_id.currency_id
        tier_pricelist = partner_sudo.wholtra_tier_id.pricelist_id
        if tier_pricelist and tier_pricelist == self.pricelist_id:
            # the order prices on the tier pricelist: its currency (no read)
            return self.currency_id
        return tier_pricelist.currency_id or self.company_id.currency_id

    def _wholtra_get_terms_block(self):
        self.ensure_one()
        problems = []
        min_value = self._wholtra_get_min_order_value()
        if min_value:
            # like with like: the minimum in the order's currency, at the rate
            # of the order date (no query when the currencies are the same)
            min_value = self._wholtra_get_min_order_currency()._convert(
                min_value,
                self.currency_id,
                self.company_id,
                (self.date_order or fields.Datetime.now()).date(),
            )
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
            and any(o[flag] for flag in APPROVAL_FLAGS)
        )
        if not approved:
            return
        approved.write(dict.fromkeys(APPROVAL_FLAGS, False))
        for order in approved:
            order.message_post(
                body=self.env._(
                    "Approvals withdrawn: the order lines changed after approval."
                )
            )

    # ------------------------------------------------------ approval actions
    def _wholtra_check_can_approve(self, approval_type):
        """Clean errors before an approval: group, company, state (API safe)."""
        approval = self._wholtra_get_approval_type(approval_type)
        check_group(self.env, approval["group"], approval["label"])
        if not self:
            raise UserError(self.env._("Select the quotations to approve."))
        if not self.env.su:
            self.check_access("write")
            foreign = self.company_id - self.env.companies
            if foreign:
                raise AccessError(
                    self.env._(
                        "You cannot approve orders of %(companies)s.",
                        companies=", ".join(foreign.mapped("name")),
                    )
                )
        wrong_state = self.filtered(lambda o: o.state not in approval["states"])
        if wrong_state:
            raise UserError(
                self.env._(
                    "%(what)s is not possible for %(orders)s in this state.",
                    what=approval["label"],
                    orders=", ".join(wrong_state.mapped("name")),
                )
            )
        allowed = approval["allowed"]
        if allowed and not all(self.company_id.mapped(allowed)):
            raise AccessError(
                self.env._(
                    "Overriding the minimum order value or MOQ is not allowed in "
                    "this company."
                )
            )
        return approval

    def _wholtra_approve(self, approval_type, reason):
        """Record an approval by the current user (checked by write())."""
        approval = self._wholtra_check_can_approve(approval_type)
        if not isinstance(reason, str) or not reason.strip():
            raise UserError(self.env._("Enter a reason."))
        self.write(
            {
                approval["flag"]: True,
                approval["reason_field"]: reason,
                approval["user_field"]: self.env.uid,
            }
        )
        for order in self:
            order.message_post(
                body=self.env._(
                    "%(what)s by %(user)s: %(reason)s",
                    what=self._fields[approval["flag"]].string,
                    user=self.env.user.name,
                    reason=reason,
                )
            )

    def _wholtra_open_approval(self, approval_type):
        ensure_one_record(self)
        self._wholtra_check_can_approve(approval_type)
        return self.env["wholtra.order.approval.wizard"]._wholtra_open(
            approval_type, order=self
        )

    def action_wholtra_release_hold(self):
        """Open the wizard releasing this quotation from the credit hold
        (credit managers)."""
        return self._wholtra_open_approval("release_hold")

    def wholtra_release_hold(self, reason):
        """Release one quotation or order from its customer's credit hold
        (credit managers): it can then be confirmed and shipped; the hold of
        the customer stays. Logged in the chatter with the reason.

        :param str reason: why (required)
        :return: ``{"order_id": int, "released": true, "state": str}``
        :raises AccessError: not a credit manager, or no access to the order
        :raises MissingError: the order does not exist
        :raises UserError: not one order, no reason, the order is cancelled or
            its customer is not on hold
        """
        check_group(
            self.env,
            CREDIT_MANAGER,
            self.env._("Release the credit hold for this order"),
        )
        order = ensure_one_record(self)
        reason = api_reason(self.env, reason)
        order._wholtra_check_can_approve("release_hold")
        if not order.wholtra_hold_released:
            if not order._wholtra_get_hold_block():
                raise UserError(
                    self.env._(
                        "%(order)s: its customer is not on credit hold, there is "
                        "nothing to release.",
                        order=order.name,
                    )
                )
            order._wholtra_approve("release_hold", reason)
        return {"order_id": order.id, "released": True, "state": order.state}

    def action_wholtra_approve_margin(self):
        """Open the wizard approving margin and discounts (sales managers)."""
        return self._wholtra_open_approval("approve_margin")

    def action_wholtra_override_terms(self):
        """Open the wizard overriding MOV / MOQ (sales managers)."""
        return self._wholtra_open_approval("override_terms")

    def action_wholtra_view_price_overrides(self):
        """The price override log of this order."""
        ensure_one_record(self)
        check_group(self.env, WHOLTRA_USER, self.env._("see the price override log"))
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
        ensure_one_record(self)
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
        ensure_one_record(self)
        check_group(self.env, SALESMAN, self.env._("create a quotation"))
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
