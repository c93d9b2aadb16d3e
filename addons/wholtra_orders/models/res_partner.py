from collections import defaultdict
from datetime import datetime, time, timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import float_compare, format_amount

from ..tools import (
    HOLD_MEMO,
    api_number,
    api_reason,
    api_record,
    check_finite_numbers,
    check_group,
    ensure_one_record,
    ensure_records,
)

CREDIT_MANAGER = "wholtra_orders.group_wholtra_credit_manager"
MANAGER = "wholtra_orders.group_wholtra_manager"
SALESMAN = "sales_team.group_sale_salesman"
# internal sales/credit data: salespeople, sales managers and credit managers
WHOLTRA_USER = "wholtra_orders.group_wholtra_user"
BILLING = "account.group_account_invoice"
ACCOUNT_READONLY = "account.group_account_readonly"
KEY_ACCOUNT_BONUS = 1000
PRICELIST_GROUP = "product.group_product_pricelist"
PRICELIST_FIELDS = {"property_product_pricelist", "specific_property_product_pricelist"}

# Fields whose change is a decision of a group: field -> group that owns it.
# Other users (and any context key) are refused; the owning methods write
# with sudo (hold wizard / _wholtra_set_hold / _wholtra_lift_hold).
GUARDED_FIELDS = {
    "wholtra_tier_id": MANAGER,
    "wholtra_key_account": MANAGER,
    "wholtra_contract_pricelist_id": MANAGER,
    "wholtra_min_order_value": MANAGER,
    "wholtra_hold_manual": CREDIT_MANAGER,
    "wholtra_hold_reason": CREDIT_MANAGER,
}


class ResPartner(models.Model):
    _inherit = "res.partner"

    # --- tier and terms (commercial fields: contacts follow their company) ---
    wholtra_tier_id = fields.Many2one(
        "wholtra.price.tier",
        string="Price tier",
        index="btree_not_null",
        tracking=True,
        groups="base.group_user",
        help="Commercial terms of this customer: pricelist, payment terms, minimum "
        "order value, allocation priority, discount allowance and margin floor.",
    )
    wholtra_key_account = fields.Boolean(
        string="Key account",
        groups=WHOLTRA_USER,
        help="Served before any tier when stock is short.",
    )
    wholtra_allocation_priority = fields.Integer(
        string="Allocation priority",
        compute="_compute_wholtra_allocation_priority",
        compute_sudo=True,
        groups=WHOLTRA_USER,
        help="The tier's allocation priority, +1000 for key accounts.",
    )
    wholtra_contract_pricelist_id = fields.Many2one(
        "product.pricelist",
        string="Contract prices",
        groups=WHOLTRA_USER,
        help="Account-specific prices. Chained on the tier pricelist: what it does "
        "not price comes from the tier.",
    )
    wholtra_min_order_value = fields.Float(
        string="Minimum order value",
        groups=WHOLTRA_USER,
        help="Overrides the tier's minimum order value (0: use the tier's).",
    )
    # --- credit hold ---
    # per company: a credit manager holds or releases a shared customer in the
    # companies they work for only (jsonb {company id: value})
    wholtra_hold_manual = fields.Boolean(
        string="On hold (manual)",
        company_dependent=True,
        tracking=True,
        groups=WHOLTRA_USER,
    )
    wholtra_hold_reason = fields.Char(
        string="Hold reason", company_dependent=True, tracking=True, groups=WHOLTRA_USER
    )
    wholtra_on_hold = fields.Boolean(
        string="On credit hold",
        compute="_compute_wholtra_hold",
        compute_sudo=True,
        search="_search_wholtra_on_hold",
        groups=WHOLTRA_USER,
    )
    wholtra_hold_status = fields.Char(
        string="Hold status",
        compute="_compute_wholtra_hold",
        compute_sudo=True,
        groups=WHOLTRA_USER,
    )
    # --- customer intelligence (computed in batch, not stored) ---
    wholtra_last_order_date = fields.Datetime(
        string="Last order",
        compute="_compute_wholtra_intelligence",
        groups=WHOLTRA_USER,
    )
    wholtra_order_count_12m = fields.Integer(
        string="Orders (12 months)",
        compute="_compute_wholtra_intelligence",
        groups=WHOLTRA_USER,
    )
    wholtra_avg_order_value = fields.Monetary(
        string="Average order (12 months)",
        compute="_compute_wholtra_intelligence",
        groups=WHOLTRA_USER,
        help="Average untaxed amount of confirmed orders of the last 12 months, in "
        "company currency at the rate of each order's date.",
    )
    wholtra_order_frequency = fields.Float(
        string="Orders per month",
        compute="_compute_wholtra_intelligence",
        groups=WHOLTRA_USER,
        digits=(16, 2),
        help="Confirmed orders of the last 12 months divided by 12.",
    )
    wholtra_open_order_count = fields.Integer(
        string="Open orders",
        compute="_compute_wholtra_intelligence",
        groups=WHOLTRA_USER,
        help="Confirmed orders not fully delivered.",
    )
    wholtra_open_backorder_count = fields.Integer(
        string="Open backorders",
        compute="_compute_wholtra_intelligence",
        groups=WHOLTRA_USER,
    )
    wholtra_backorder_eta = fields.Datetime(
        string="Next backorder ETA",
        compute="_compute_wholtra_intelligence",
        groups=WHOLTRA_USER,
        help="Earliest scheduled date of the open backorders.",
    )
    wholtra_unpaid_amount = fields.Monetary(
        string="Unpaid",
        compute="_compute_wholtra_intelligence",
        groups=WHOLTRA_USER,
        help="Residual of the open customer invoices and credit notes, in company "
        "currency (at the rate of each document).",
    )
    # the one partner overdue figure (account.move._wholtra_overdue_groups), in
    # company currency: sales and billing users read it
    wholtra_overdue_amount = fields.Monetary(
        string="Overdue",
        compute="_compute_wholtra_overdue_amount",
        groups=f"{WHOLTRA_USER},{BILLING},{ACCOUNT_READONLY}",
        help="Residual of the customer invoices overdue today, in company currency.",
    )

    def _commercial_fields(self):
        return super()._commercial_fields() + [
            "wholtra_tier_id",
            "wholtra_key_account",
            "wholtra_contract_pricelist_id",
            "wholtra_min_order_value",
            "wholtra_hold_manual",
            "wholtra_hold_reason",
        ]

    # ------------------------------------------------------------------ tiers
    _wholtra_min_order_value_positive = models.Constraint(
        "CHECK(wholtra_min_order_value >= 0)",
        "The minimum order value cannot be negative.",
    )

    @api.constrains("wholtra_min_order_value")
    def _check_wholtra_min_order_value(self):
        for partner in self.sudo():
            if partner.wholtra_min_order_value < 0:
                raise ValidationError(
                    self.env._(
                        "The minimum order value of %(customer)s cannot be negative "
                        "(0: use the tier's).",
                        customer=partner.display_name,
                    )
                )

    @api.depends("wholtra_tier_id.allocation_priority", "wholtra_key_account")
    def _compute_wholtra_allocation_priority(self):
        for partner in self:
            commercial = partner.commercial_partner_id
            priority = commercial.wholtra_tier_id.allocation_priority
            if commercial.wholtra_key_account:
                priority += KEY_ACCOUNT_BONUS
            partner.wholtra_allocation_priority = priority

    # ------------------------------------------------------------ protection
    @api.model
    def _wholtra_guarded_fields(self):
        """{field name: group} of the customer fields only that group may change
        (hook). Superuser code paths (the owning methods) are not checked."""
        return dict(GUARDED_FIELDS)

    def _wholtra_value_changes(self, fname, value):
        """Whether writing ``value`` in ``fname`` changes one of ``self``."""
        field = self._fields[fname]
        try:
            new = field.convert_to_cache(value, self, validate=False)
        except (ValueError, TypeError):
            return True
        if field.type == "float":
            new = new or 0.0
        for record_sudo in self.sudo():
            old = field.convert_to_cache(
                record_sudo[fname], record_sudo, validate=False
            )
            if field.type == "float":
                if float_compare(old or 0.0, new, precision_digits=6):
                    return True
            elif (old or False) != (new or False):
                return True
        return False

    @api.model
    def _wholtra_check_guarded_values(self, vals, records=None):
        """Refuse a change of a guarded field by a user outside its group, on any
        path (create, write, copy, RPC). ``records``: the records written (None
        on create: the contact may only repeat what its company has)."""
        check_finite_numbers(self, vals, ["wholtra_min_order_value"])
        if self.env.su:
            return
        for fname, group in self._wholtra_guarded_fields().items():
            if fname not in vals or self.env.user.has_group(group):
                continue
            if records is not None:
                changed = records._wholtra_value_changes(fname, vals[fname])
            else:
                parent = self.browse(
                    vals["parent_id"] if isinstance(vals.get("parent_id"), int) else []
                ).exists()
                reference = parent.commercial_partner_id
                changed = (
                    reference._wholtra_value_changes(fname, vals[fname])
                    if reference
                    else self.new({})._wholtra_value_changes(fname, vals[fname])
                )
            if changed:
                raise AccessError(
                    self.env._(
                        "You are not allowed to change %(field)s of a customer: "
                        "ask a %(role)s.",
                        field=self._fields[fname].string,
                        role=(
                            self.env._("credit manager")
                            if group == CREDIT_MANAGER
                            else self.env._("sales manager")
                        ),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._wholtra_check_guarded_values(vals)
        partners = super().create(vals_list)
        partners.sudo().filtered(
            lambda p: p.wholtra_tier_id and p.commercial_partner_id == p
        ).sudo(False)._wholtra_apply_tier()
        return partners

    def write(self, vals):
        self._wholtra_check_guarded_values(vals, records=self)
        untiered = self.browse()
        if "wholtra_tier_id" in vals and not vals["wholtra_tier_id"]:
            untiered = self.sudo().filtered(
                lambda p: p.wholtra_tier_id and p.commercial_partner_id == p
            )
            old_pricelists = {p.id: p._wholtra_tier_pricelist() for p in untiered}
        res = super().write(vals)
        if {"wholtra_tier_id", "wholtra_contract_pricelist_id"} & vals.keys():
            self.sudo().filtered(
                lambda p: p.wholtra_tier_id and p.commercial_partner_id == p
            ).sudo(False)._wholtra_apply_tier()
        if untiered:
            untiered._wholtra_clear_tier_pricelist(old_pricelists)
        if PRICELIST_FIELDS & vals.keys():
            self._wholtra_check_pricelist_follows_tier()
        return res

    # -- the pricelist a tier gives: stored explicitly, per company --
    def _wholtra_tier_pricelist(self):
        """The pricelist orders of this commercial partner take: its contract
        pricelist, else its tier's."""
        self.ensure_one()
        return self.wholtra_contract_pricelist_id or self.wholtra_tier_id.pricelist_id

    def _wholtra_tier_companies(self, pricelist=None):
        """Companies in which this commercial partner's orders take its tier
        pricelist: the pricelist's company, else the tier's, else all."""
        self.ensure_one()
        pricelist = self._wholtra_tier_pricelist() if pricelist is None else pricelist
        companies = pricelist.company_id or self.wholtra_tier_id.company_id
        return companies or self.env["res.company"].sudo().search([])

    def _wholtra_prepare_tier_values(self):
        """Values a commercial partner takes from its tier, in each company of
        ``_wholtra_tier_companies()`` (hook). The pricelist is written in
        ``specific_property_product_pricelist``, never left to Odoo's fallback: a
        later Default or country pricelist does not win over the tier."""
        self.ensure_one()
        tier = self.wholtra_tier_id
        vals = {
            "specific_property_product_pricelist": self._wholtra_tier_pricelist().id
        }
        if tier.payment_term_id:
            vals["property_payment_term_id"] = tier.payment_term_id.id
        return vals

    def _wholtra_write_per_company(self, values_by_partner):
        """Write {partner: {company: vals}}, batched by company and identical
        values (system writes of company-dependent fields: the caller checked
        the rights)."""
        batches = defaultdict(list)
        for partner, per_company in values_by_partner.items():
            for company, vals in per_company.items():
                batches[company, tuple(sorted(vals.items()))].append(partner.id)
        for (company, key), ids in batches.items():
            self.browse(ids).sudo().with_company(company).write(dict(key))

    def _wholtra_apply_tier(self):
        """Give commercial partners the pricelist / payment terms of their tier and
        chain their contract pricelist on the tier pricelist. New orders take them.
        The Odoo features tiers need (Pricelists, Discounts) are switched on."""
        self.wholtra_tier_id._wholtra_ensure_features()
        values = {}
        for partner in self:
            contract = partner.wholtra_contract_pricelist_id
            if contract:
                chain_items = contract.item_ids.filtered(
                    lambda i: i.applied_on == "3_global" and i.base == "pricelist"
                )
                tier_pricelist = partner.wholtra_tier_id.pricelist_id
                if chain_items:
                    chain_items.base_pricelist_id = tier_pricelist
                else:
                    contract.item_ids = [
                        Command.create(
                            partner._wholtra_prepare_contract_chain_item(tier_pricelist)
                        )
                    ]
            vals = partner._wholtra_prepare_tier_values()
            term_company = partner.wholtra_tier_id.payment_term_id.company_id
            values[partner] = {
                company: (
                    vals
                    if not term_company or term_company == company
                    else {
                        k: v for k, v in vals.items() if k != "property_payment_term_id"
                    }
                )
                for company in partner._wholtra_tier_companies()
            }
        self._wholtra_write_per_company(values)

    def _wholtra_clear_tier_pricelist(self, old_pricelists):
        """Customers taken out of their tier no longer price on its pricelist
        (where it is still the one stored): they fall back to Odoo's default."""
        values = {}
        for partner in self:
            old = old_pricelists.get(partner.id)
            if not old:
                continue
            companies = partner._wholtra_tier_companies(old).filtered(
                lambda c, p=partner, o=old: (
                    p.with_company(c).specific_property_product_pricelist == o
                )
            )
            values[partner] = dict.fromkeys(
                companies, {"specific_property_product_pricelist": False}
            )
        self._wholtra_write_per_company(values)

    def _inverse_product_pricelist(self):
        # Odoo stores nothing when the pricelist chosen is also the country
        # default: a tiered customer's tier pricelist is stored as such, so a
        # later Default or country pricelist cannot take its place.
        tiered_sudo = self.sudo().filtered(
            lambda p: p.wholtra_tier_id
            and p.commercial_partner_id == p
            and p.property_product_pricelist == p._wholtra_tier_pricelist()
        )
        tiered = self.browse(tiered_sudo.ids)
        for partner in tiered:
            partner.specific_property_product_pricelist = (
                partner.property_product_pricelist
            )
        return super(ResPartner, self - tiered)._inverse_product_pricelist()

    def _wholtra_check_pricelist_follows_tier(self):
        """A tiered customer's pricelist is its tier's (or contract's): a direct
        change would make the tier screen say Gold while orders price otherwise
        (superuser code: not checked)."""
        if self.env.su:
            return
        company = self.env.company
        for partner_sudo in self.sudo().with_company(company):
            if not partner_sudo.wholtra_tier_id or (
                partner_sudo.commercial_partner_id != partner_sudo
            ):
                continue
            expected = partner_sudo._wholtra_tier_pricelist()
            if company not in partner_sudo._wholtra_tier_companies():
                continue
            if partner_sudo.specific_property_product_pricelist != expected:
                raise ValidationError(
                    self.env._(
                        "%(customer)s is in tier %(tier)s: its orders are priced by "
                        "%(pricelist)s. Change its tier or its contract prices "
                        "instead of its pricelist.",
                        customer=partner_sudo.display_name,
                        tier=partner_sudo.wholtra_tier_id.display_name,
                        pricelist=expected.display_name,
                    )
                )

    def _wholtra_tier_mismatches(self):
        """The commercial customers of ``self`` whose orders would not take their
        tier (or contract) pricelist in a company of their tier: stored pricelist
        missing or different, or Pricelists switched off."""
        partners = self.sudo().filtered(
            lambda p: p.wholtra_tier_id and p.commercial_partner_id == p
        )
        if not partners or not self.env["res.groups"]._is_feature_enabled(
            PRICELIST_GROUP
        ):
            return partners.sudo(False)
        wrong = self.browse()
        for companies, group in partners.grouped(
            lambda p: p._wholtra_tier_companies()
        ).items():
            for company in companies:
                wrong |= group.with_company(company).filtered(
                    lambda p: p.specific_property_product_pricelist
                    != p._wholtra_tier_pricelist()
                    or not p.specific_property_product_pricelist.active
                )
        return wrong

    def _wholtra_prepare_contract_chain_item(self, tier_pricelist):
        return {
            "applied_on": "3_global",
            "compute_price": "formula",
            "base": "pricelist",
            "base_pricelist_id": tier_pricelist.id,
            "price_discount": 0.0,
        }

    def action_wholtra_create_contract_pricelist(self):
        """Create the customer's contract pricelist chained on its tier's
        (sales managers)."""
        ensure_one_record(self)
        check_group(
            self.env, MANAGER, self.env._("create a customer's contract prices")
        )
        partner = self.commercial_partner_id
        partner._wholtra_ensure_contract_pricelist()
        return {
            "type": "ir.actions.act_window",
            "res_model": "product.pricelist",
            "res_id": partner.wholtra_contract_pricelist_id.id,
            "view_mode": "form",
        }

    def _wholtra_ensure_contract_pricelist(self):
        """The contract pricelist of this commercial partner, created chained on
        its tier's pricelist when it has none (the caller checked the rights)."""
        self.ensure_one()
        partner = self
        if not partner.wholtra_contract_pricelist_id:
            tier_pricelist = partner.wholtra_tier_id.pricelist_id
            items = []
            if tier_pricelist:
                items = [
                    Command.create(
                        partner._wholtra_prepare_contract_chain_item(tier_pricelist)
                    )
                ]
            pricelist = self.env["product.pricelist"].create(
                {
                    "name": self.env._("Contract: %(name)s", name=partner.name),
                    "currency_id": (
                        tier_pricelist.currency_id or self.env.company.currency_id
                    ).id,
                    "company_id": tier_pricelist.company_id.id,
                    "item_ids": items,
                }
            )
            partner.wholtra_contract_pricelist_id = pricelist
        return partner.wholtra_contract_pricelist_id

    # ------------------------------------------------------------------- hold
    def _wholtra_hold_reasons_batch(self, extra_amounts=None):
        """Hold reasons of the commercial partners of ``self``.

        :param dict extra_amounts: {commercial partner id: amount} added to the
            partner's exposure for the credit-limit test (the order being confirmed).
        :return: {commercial partner id: [clerk-readable reason, ...]}
        """
        extra_amounts = extra_amounts or {}
        # _origin: in a form being edited the records are new ones
        commercials = self.commercial_partner_id._origin
        company = self.env.company
        currency = company.currency_id
        reasons = defaultdict(list)
        # the hold is checked for every user who confirms or ships (stock users
        # too): read the credit manager's fields of the current company in sudo
        held_sudo = commercials.sudo().filtered("wholtra_hold_manual")
        by_sequence = self._wholtra_hold_set_by_sequence(held_sudo) if held_sudo else ()
        for partner_sudo in held_sudo:
            reason = partner_sudo.wholtra_hold_reason or self.env._("no reason given")
            if partner_sudo.id in by_sequence:
                label = self.env._(
                    "Hold set by the collection sequence: %(reason)s", reason=reason
                )
            else:
                label = self.env._("Manual hold: %(reason)s", reason=reason)
            reasons[partner_sudo.id].append(label)
        if not company.wholtra_enforce_account_terms:
            return reasons
        if company.account_use_credit_limit:
            commercials_sudo = commercials.sudo().with_company(company)
            limited = commercials_sudo.filtered("credit_limit")
            # Odoo computes the partners' currency (that rounds credit) one partner
            # at a time: read their companies for all of them at once
            limited.fetch(["company_id"])
            for partner_sudo in limited:
                extra = extra_amounts.get(partner_sudo.id, 0.0)
                exposure = partner_sudo.credit + partner_sudo.credit_to_invoice + extra
                if currency.compare_amounts(exposure, partner_sudo.credit_limit) > 0:
                    reasons[partner_sudo.id].append(
                        self.env._(
                            "Over credit limit: %(exposure)s owed incl. uninvoiced "
                            "orders%(this_order)s, limit %(limit)s.",
                            exposure=format_amount(self.env, exposure, currency),
                            this_order=self.env._(" and this order") if extra else "",
                            limit=format_amount(
                                self.env, partner_sudo.credit_limit, currency
                            ),
                        )
                    )
        days = company.wholtra_hold_overdue_days
        if days > 0:
            # "overdue more than N days" = overdue on today - N days
            as_of = fields.Date.context_today(self) - timedelta(days=days)
            overdue = self._wholtra_hold_overdue_groups(commercials, as_of)
            for partner, (amount, _count, _oldest) in overdue.items():
                if currency.compare_amounts(amount, 0.0) > 0:
                    reasons[partner.id].append(
                        self.env._(
                            "Invoices overdue more than %(days)s days: %(amount)s.",
                            days=days,
                            amount=format_amount(self.env, amount, currency),
                        )
                    )
        return reasons

    @api.model
    def _wholtra_hold_set_by_sequence(self, held_sudo):
        """Ids of the commercial partners ``held_sudo`` (on manual hold in the
        current company) whose hold was set by an automated sequence rather than
        a credit manager (hook: the collection sequence). Called only when some
        customer is held."""
        return set()

    @api.model
    def _wholtra_hold_overdue_groups(self, commercials, as_of):
        """``account.move._wholtra_overdue_groups`` for the hold rule, read once
        per customer inside a ``tools.hold_memo`` block (one confirmation: its
        check and the allocation's held-last rule), else every time."""
        Move = self.env["account.move"]
        memo = self.env.cr.cache.get(HOLD_MEMO)
        if memo is None:
            return Move._wholtra_overdue_groups(commercials, as_of)
        known = memo.setdefault((as_of, tuple(self.env.companies.ids)), {})
        missing = commercials.filtered(lambda p: p.id not in known)
        if missing:
            groups = {
                partner.id: values
                for partner, values in Move._wholtra_overdue_groups(
                    missing, as_of
                ).items()
            }
            for partner_id in missing.ids:
                known[partner_id] = groups.get(partner_id)
        return {
            partner: known[partner.id] for partner in commercials if known[partner.id]
        }

    @api.model
    def _wholtra_receivable_groups(self, commercials, extra_domain=None):
        """Open customer invoice and credit note residuals (company currency,
        signed) per commercial partner, in one query. Overdue figures come from
        ``account.move._wholtra_overdue_groups``."""
        domain = Domain(
            [
                ("commercial_partner_id", "in", commercials.ids),
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("company_id", "in", self.env.companies.ids),
            ]
        )
        if extra_domain:
            domain &= extra_domain
        moves_sudo = self.env["account.move"].sudo()
        return dict(
            moves_sudo._read_group(
                domain, ["commercial_partner_id"], ["amount_residual_signed:sum"]
            )
        )

    def _wholtra_get_hold_reasons(self, extra_amount=0.0):
        """Clerk-readable reasons why this customer is on hold (empty: not on hold)."""
        self.ensure_one()
        commercial = self.commercial_partner_id._origin
        extra = {commercial.id: extra_amount} if extra_amount else None
        return self._wholtra_hold_reasons_batch(extra)[commercial.id]

    @api.depends(
        "commercial_partner_id.wholtra_hold_manual",
        "commercial_partner_id.wholtra_hold_reason",
    )
    @api.depends_context("company")
    def _compute_wholtra_hold(self):
        reasons = self._wholtra_hold_reasons_batch()
        for partner in self:
            partner_reasons = (
                reasons.get(partner.commercial_partner_id._origin.id) or []
            )
            partner.wholtra_on_hold = bool(partner_reasons)
            partner.wholtra_hold_status = "\n".join(partner_reasons)

    def _search_wholtra_on_hold(self, operator, value):
        if operator not in ("=", "!="):
            return NotImplemented
        # Manual holds only are searchable; automatic ones depend on live balances.
        positive = (operator == "=") == bool(value)
        return Domain("commercial_partner_id.wholtra_hold_manual", "=", positive)

    def _wholtra_check_credit_manager(self):
        if not self.env.su and not self.env.user.has_group(CREDIT_MANAGER):
            raise AccessError(
                self.env._(
                    "Only a credit manager can put a customer on hold or lift it."
                )
            )

    def _wholtra_write_hold(self, values, message):
        """Credit managers need no partner-editing right to hold a customer: the
        group is checked, then only the hold fields are written, in the current
        company only (``env.company`` refuses a company the user has no access
        to)."""
        self._wholtra_check_credit_manager()
        company = self.env.company
        if not self.env.su:
            self.commercial_partner_id.check_access("read")
        partners_sudo = self.commercial_partner_id.sudo().with_company(company)
        partners_sudo.write(values)
        for partner_sudo in partners_sudo:
            partner_sudo.message_post(
                body=message, author_id=self.env.user.partner_id.id
            )

    def _wholtra_check_hold_reason(self, reason):
        if not isinstance(reason, str) or not reason.strip():
            raise UserError(self.env._("Enter a reason."))

    def _wholtra_set_hold(self, reason):
        """Put the commercial partners on manual hold in the current company and
        log it in the chatter."""
        self._wholtra_check_hold_reason(reason)
        self._wholtra_write_hold(
            {"wholtra_hold_manual": True, "wholtra_hold_reason": reason},
            self.env._("Credit hold set: %(reason)s", reason=reason),
        )

    def _wholtra_lift_hold(self, reason):
        """Lift the manual hold of the commercial partners in the current company
        and log it."""
        self._wholtra_check_hold_reason(reason)
        self._wholtra_write_hold(
            {"wholtra_hold_manual": False, "wholtra_hold_reason": False},
            self.env._("Credit hold lifted: %(reason)s", reason=reason),
        )

    def action_wholtra_hold_wizard(self):
        """Open the wizard that sets or lifts the customer's hold (credit
        managers)."""
        ensure_one_record(self)
        self._wholtra_check_credit_manager()
        return self.env["wholtra.order.approval.wizard"]._wholtra_open(
            "lift_hold"
            if self.commercial_partner_id.wholtra_hold_manual
            else "set_hold",
            partner=self.commercial_partner_id,
        )

    # ----------------------------------------------------------- intelligence
    def _compute_wholtra_intelligence(self):
        commercials = self.commercial_partner_id._origin
        data = self._wholtra_intelligence_batch(commercials)
        for partner in self:
            values = data.get(partner.commercial_partner_id._origin.id, {})
            partner.update(
                {
                    "wholtra_last_order_date": values.get("last_order_date", False),
                    "wholtra_order_count_12m": values.get("order_count_12m", 0),
                    "wholtra_avg_order_value": values.get("avg_order_value", 0.0),
                    "wholtra_order_frequency": values.get("order_count_12m", 0) / 12.0,
                    "wholtra_open_order_count": values.get("open_order_count", 0),
                    "wholtra_open_backorder_count": values.get("backorder_count", 0),
                    "wholtra_backorder_eta": values.get("backorder_eta", False),
                    "wholtra_unpaid_amount": values.get("unpaid", 0.0),
                }
            )

    @api.depends_context("company", "allowed_company_ids")
    def _compute_wholtra_overdue_amount(self):
        commercials = self.commercial_partner_id._origin
        overdue = self.env["account.move"]._wholtra_overdue_groups(
            commercials, fields.Date.context_today(self)
        )
        for partner in self:
            amount, _count, _oldest = overdue.get(
                partner.commercial_partner_id._origin, (0.0, 0, False)
            )
            partner.wholtra_overdue_amount = amount

    @api.model
    def _wholtra_intelligence_batch(self, commercials):
        """Customer figures for many commercial partners in a fixed number of queries.

        :return: {commercial partner id: {figure: value}}
        """
        result = defaultdict(dict)
        commercials = commercials.filtered("id")
        if not commercials:
            return result
        # 1. contacts of each commercial partner (orders may be on a contact)
        members = self.with_context(active_test=False)._read_group(
            [("commercial_partner_id", "in", commercials.ids)],
            ["commercial_partner_id"],
            ["id:array_agg"],
        )
        to_commercial = {}
        for commercial, ids in members:
            for partner_id in ids:
                to_commercial[partner_id] = commercial.id
        member_ids = list(to_commercial)
        now = fields.Datetime.now()
        # Customer-wide aggregates: a salesperson sees the figures of the whole account,
        # not only of its own orders (amounts and counts only, current companies).
        orders_sudo = self.env["sale.order"].sudo()
        pickings_sudo = self.env["stock.picking"].sudo()
        order_domain = Domain(
            [
                ("partner_id", "in", member_ids),
                ("state", "=", "sale"),
                ("company_id", "in", self.env.companies.ids),
            ]
        )
        # 2. last order date
        for partner, last_date in orders_sudo._read_group(
            order_domain, ["partner_id"], ["date_order:max"]
        ):
            values = result[to_commercial[partner.id]]
            if (
                not values.get("last_order_date")
                or last_date > values["last_order_date"]
            ):
                values["last_order_date"] = last_date
        # 3. last 12 months: count and untaxed amount in company currency, at
        # the rate of the order date (sale.order.currency_rate, as Odoo's own
        # credit warning converts); one group per partner and rate
        for partner, rate, count, amount in orders_sudo._read_group(
            order_domain & Domain("date_order", ">=", now - timedelta(days=365)),
            ["partner_id", "currency_rate"],
            ["__count", "amount_untaxed:sum"],
        ):
            values = result[to_commercial[partner.id]]
            values["order_count_12m"] = values.get("order_count_12m", 0) + count
            values["amount_12m"] = values.get("amount_12m", 0.0) + amount / (
                rate or 1.0
            )
        # 4. open orders: confirmed and not fully delivered
        for partner, count in orders_sudo._read_group(
            order_domain
            & Domain("delivery_status", "in", ("pending", "started", "partial")),
            ["partner_id"],
            ["__count"],
        ):
            values = result[to_commercial[partner.id]]
            values["open_order_count"] = values.get("open_order_count", 0) + count
        # 5. open backorders and their ETA
        for partner, count, eta in pickings_sudo._read_group(
            [
                ("partner_id", "in", member_ids),
                ("picking_type_code", "=", "outgoing"),
                ("backorder_id", "!=", False),
                ("state", "not in", ("done", "cancel")),
                ("company_id", "in", self.env.companies.ids),
            ],
            ["partner_id"],
            ["__count", "scheduled_date:min"],
        ):
            values = result[to_commercial[partner.id]]
            values["backorder_count"] = values.get("backorder_count", 0) + count
            if not values.get("backorder_eta") or eta < values["backorder_eta"]:
                values["backorder_eta"] = eta
        # 6. unpaid receivables (company currency); overdue: its own compute
        for partner, amount in self._wholtra_receivable_groups(commercials).items():
            result[partner.id]["unpaid"] = amount
        for values in result.values():
            if values.get("order_count_12m"):
                values["avg_order_value"] = (
                    values["amount_12m"] / values["order_count_12m"]
                )
        return result

    # ---------------------------------------------------------------- reorder
    def action_wholtra_reorder(self):
        """New quotation with the lines of the customer's last confirmed order."""
        ensure_one_record(self)
        check_group(self.env, SALESMAN, self.env._("create a quotation"))
        last_order = self.env["sale.order"].search(
            [
                ("partner_id", "child_of", self.commercial_partner_id.id),
                ("state", "=", "sale"),
            ],
            order="date_order desc, id desc",
            limit=1,
        )
        if not last_order:
            raise UserError(
                self.env._("This customer has no confirmed order to repeat.")
            )
        return last_order.action_wholtra_reorder()

    # ---------------------------------------------------- External JSON-2 API
    # Public methods for integrators (POST /json/2/res.partner/<method>): named
    # JSON arguments, rights and arguments checked before anything is written,
    # plain JSON values returned. Documented in readme/API.md and on /doc.
    def wholtra_set_tier(self, tier_id):
        """Assign a price tier to customers (sales managers).

        Their orders then take the tier's pricelist (or their contract prices,
        chained on it) and payment terms. A contact's tier is its company's.

        :param int tier_id: id of an active ``wholtra.price.tier``, or ``false``
            to take the customers out of their tier
        :return: per commercial customer ``{"partner_id", "tier_id",
            "pricelist_id"}``: the pricelist its orders take in the current
            company (``tier_id`` / ``pricelist_id`` null when none)
        :raises AccessError: not a sales manager, or no access to a customer
        :raises MissingError: a customer or the tier does not exist
        :raises ValidationError: ``tier_id`` is not a tier id or the tier is
            archived
        """
        check_group(self.env, MANAGER, self.env._("assign a customer's price tier"))
        ensure_records(self)
        tier = api_record(
            self.env, "wholtra.price.tier", tier_id, "tier_id", required=False
        )
        if tier and not tier.active:
            raise ValidationError(
                self.env._(
                    "Tier %(tier)s is archived: choose an active tier.",
                    tier=tier.display_name,
                )
            )
        partners = self.commercial_partner_id
        partners.check_access("write")
        partners.write({"wholtra_tier_id": tier.id})
        return partners._wholtra_api_pricing()

    def _wholtra_api_pricing(self):
        partners = self.with_company(self.env.company)
        return [
            {
                "partner_id": partner.id,
                "tier_id": partner.wholtra_tier_id.id or None,
                "pricelist_id": partner.property_product_pricelist.id or None,
            }
            for partner in partners
        ]

    def wholtra_set_contract_prices(self, prices):
        """Create or update one customer's contract prices (sales managers).

        Fixed prices per product on the customer's contract pricelist (created
        chained on its tier's pricelist when missing), as the Contract prices
        button does. An existing fixed price of the same product, minimum
        quantity and dates is updated, else a new one is created.

        :param list prices: ``[{"product_id": int, "price": float,
            "min_quantity": float = 0, "date_start": "YYYY-MM-DD" | null,
            "date_end": "YYYY-MM-DD" | null}]``; prices in the pricelist's
            currency; a date-only ``date_end`` includes that whole day (UTC)
        :return: ``{"pricelist_id": int, "item_ids": [int]}``, the pricelist
            items in the order of ``prices``
        :raises AccessError: not a sales manager, or no access to the customer
            or a product
        :raises MissingError: the customer or a product does not exist
        :raises UserError: the customer has no price tier
        :raises ValidationError: a malformed, negative or duplicated price line
        """
        check_group(self.env, MANAGER, self.env._("set a customer's contract prices"))
        partner = ensure_one_record(self).commercial_partner_id
        specs = self._wholtra_parse_contract_prices(prices)
        partner.check_access("write")
        if not partner.wholtra_tier_id:
            raise UserError(
                self.env._(
                    "%(customer)s has no price tier: assign one first "
                    "(contract prices are chained on the tier's prices).",
                    customer=partner.display_name,
                )
            )
        pricelist = partner._wholtra_ensure_contract_pricelist()
        existing = pricelist.item_ids.filtered(lambda i: i.compute_price == "fixed")
        items = [None] * len(specs)
        to_create = []
        for index, spec in enumerate(specs):
            product = spec["product"]
            match = existing.filtered(
                lambda i, s=spec, p=product: i.date_start == s["date_start"]
                and i.date_end == s["date_end"]
                and not float_compare(
                    i.min_quantity, s["min_quantity"], precision_digits=6
                )
                and (
                    (i.applied_on == "0_product_variant" and i.product_id == p)
                    or (
                        i.applied_on == "1_product"
                        and i.product_tmpl_id == p.product_tmpl_id
                        and p.product_tmpl_id.product_variant_count == 1
                    )
                )
            )[:1]
            if match:
                match.fixed_price = spec["price"]
                items[index] = match.id
            else:
                to_create.append(
                    (
                        index,
                        {
                            "pricelist_id": pricelist.id,
                            "applied_on": "0_product_variant",
                            "product_id": product.id,
                            "product_tmpl_id": product.product_tmpl_id.id,
                            "compute_price": "fixed",
                            "fixed_price": spec["price"],
                            "min_quantity": spec["min_quantity"],
                            "date_start": spec["date_start"],
                            "date_end": spec["date_end"],
                        },
                    )
                )
        created = self.env["product.pricelist.item"].create(
            [vals for _index, vals in to_create]
        )
        for (index, _vals), item in zip(to_create, created, strict=True):
            items[index] = item.id
        return {"pricelist_id": pricelist.id, "item_ids": items}

    @api.model
    def _wholtra_api_datetime(self, value, label, end_of_day=False):
        """``False`` or the UTC datetime of an ISO date / datetime string."""
        if value in (None, False, ""):
            return False
        try:
            if not isinstance(value, str):
                raise ValueError(value)
            if len(value) <= 10:
                day = fields.Date.to_date(value)
                return datetime.combine(day, time(23, 59, 59) if end_of_day else time())
            return fields.Datetime.to_datetime(value.replace("T", " ")[:19])
        except (ValueError, TypeError):
            raise ValidationError(
                self.env._(
                    "%(label)s must be an ISO date (YYYY-MM-DD), not %(value)s.",
                    label=label,
                    value=str(value)[:30],
                )
            ) from None

    @api.model
    def _wholtra_api_lines(self, lines, label, max_lines=1000):
        if not isinstance(lines, list) or not lines or len(lines) > max_lines:
            raise ValidationError(
                self.env._(
                    "%(label)s must be a list of 1 to %(max)s objects.",
                    label=label,
                    max=max_lines,
                )
            )
        for index, spec in enumerate(lines):
            if not isinstance(spec, dict):
                raise ValidationError(
                    self.env._(
                        "%(label)s[%(index)s] must be an object.",
                        label=label,
                        index=index,
                    )
                )
        return lines

    @api.model
    def _wholtra_parse_contract_prices(self, prices):
        specs = []
        seen = set()
        allowed = {"product_id", "price", "min_quantity", "date_start", "date_end"}
        for index, spec in enumerate(self._wholtra_api_lines(prices, "prices")):
            where = f"prices[{index}]"
            unknown = set(spec) - allowed
            if unknown:
                raise ValidationError(
                    self.env._(
                        "%(where)s: unknown keys %(keys)s.",
                        where=where,
                        keys=", ".join(sorted(map(str, unknown))),
                    )
                )
            product = api_record(
                self.env,
                "product.product",
                spec.get("product_id"),
                f"{where}.product_id",
            )
            parsed = {
                "product": product,
                "price": api_number(self.env, spec.get("price"), f"{where}.price"),
                "min_quantity": api_number(
                    self.env, spec.get("min_quantity", 0), f"{where}.min_quantity"
                ),
                "date_start": self._wholtra_api_datetime(
                    spec.get("date_start"), f"{where}.date_start"
                ),
                "date_end": self._wholtra_api_datetime(
                    spec.get("date_end"), f"{where}.date_end", end_of_day=True
                ),
            }
            if (
                parsed["date_start"]
                and parsed["date_end"]
                and parsed["date_start"] > parsed["date_end"]
            ):
                raise ValidationError(
                    self.env._("%(where)s: date_start is after date_end.", where=where)
                )
            key = (
                product.id,
                round(parsed["min_quantity"], 6),
                parsed["date_start"],
                parsed["date_end"],
            )
            if key in seen:
                raise ValidationError(
                    self.env._(
                        "%(where)s: %(product)s is listed twice with the same "
                        "minimum quantity and dates.",
                        where=where,
                        product=product.display_name,
                    )
                )
            seen.add(key)
            specs.append(parsed)
        return specs

    def wholtra_get_prices(self, lines, date=None):
        """The prices one customer's sales order lines get (sales users).

        Computed as a quotation of the customer in the current company would
        price its lines (pricelist, tier, contract prices, fiscal position),
        nothing is saved.

        :param list lines: ``[{"product_id": int, "quantity": float > 0,
            "uom_id": int | null}]`` (unit: the product's when null)
        :param str date: ISO date of the order (today when null)
        :return: per line ``{"product_id", "quantity", "uom_id", "price_unit",
            "discount" (%), "price_subtotal" (untaxed, after discount),
            "currency" (ISO code), "source", "pricelist_id", "rule_id"}``;
            ``source`` is ``"contract"`` (customer's contract prices),
            ``"tier"`` (its tier's pricelist), ``"pricelist"`` (another
            pricelist rule) or ``"list"`` (no rule: the sales price);
            ``pricelist_id`` the pricelist of the customer's orders,
            ``rule_id`` the pricelist item that set the price (null: none)
        :raises AccessError: not a sales user, or no access to the customer or
            a product
        :raises MissingError: the customer, a product or a unit does not exist
        :raises ValidationError: malformed lines, quantity not positive, or a
            product that cannot be sold
        """
        check_group(self.env, SALESMAN, self.env._("read a customer's prices"))
        partner = ensure_one_record(self)
        specs = []
        for index, spec in enumerate(self._wholtra_api_lines(lines, "lines")):
            where = f"lines[{index}]"
            product = api_record(
                self.env,
                "product.product",
                spec.get("product_id"),
                f"{where}.product_id",
            )
            if not product.sale_ok:
                raise ValidationError(
                    self.env._(
                        "%(where)s: %(product)s cannot be sold.",
                        where=where,
                        product=product.display_name,
                    )
                )
            specs.append(
                {
                    "product": product,
                    "quantity": api_number(
                        self.env,
                        spec.get("quantity"),
                        f"{where}.quantity",
                        strictly=True,
                    ),
                    "uom": api_record(
                        self.env,
                        "uom.uom",
                        spec.get("uom_id"),
                        f"{where}.uom_id",
                        required=False,
                    ),
                }
            )
        order_date = self._wholtra_api_datetime(date, "date") or fields.Datetime.now()
        company = self.env.company
        order = (
            self.env["sale.order"]
            .with_company(company)
            .new(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "date_order": order_date,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": spec["product"].id,
                                "product_uom_qty": spec["quantity"],
                                **(
                                    {"product_uom_id": spec["uom"].id}
                                    if spec["uom"]
                                    else {}
                                ),
                            }
                        )
                        for spec in specs
                    ],
                }
            )
        )
        commercial_sudo = partner.commercial_partner_id.sudo()
        contract = commercial_sudo.wholtra_contract_pricelist_id
        tier_pricelist = commercial_sudo.wholtra_tier_id.pricelist_id
        currency = order.currency_id
        result = []
        for line in order.order_line:
            rule = line._wholtra_api_deciding_rule()
            if not rule:
                source = "list"
            elif contract and rule.pricelist_id == contract:
                source = "contract"
            elif tier_pricelist and rule.pricelist_id == tier_pricelist:
                source = "tier"
            else:
                source = "pricelist"
            result.append(
                {
                    "product_id": line.product_id.id,
                    "quantity": line.product_uom_qty,
                    "uom_id": line.product_uom_id.id,
                    "price_unit": line.price_unit,
                    "discount": line.discount,
                    "price_subtotal": currency.round(line.price_subtotal),
                    "currency": currency.name,
                    "source": source,
                    "pricelist_id": order.pricelist_id.id or None,
                    "rule_id": rule.id or None,
                }
            )
        return result

    # -------------------------------------------------- hold over the API
    def wholtra_get_hold_state(self):
        """Credit hold state and figures of customers in the current company
        (sales users, credit managers).

        :return: per commercial customer ``{"partner_id", "on_hold" (orders
            blocked), "manual" (set by a credit manager), "manual_reason" (or null),
            "reasons" ([str], empty when not on hold), "credit_limit" (null:
            no limit), "exposure" (receivable + uninvoiced orders),
            "overdue_amount", "currency"}``, amounts in company currency
        :raises AccessError: not a sales user, or no access to a customer
        :raises MissingError: a customer does not exist
        """
        check_group(self.env, WHOLTRA_USER, self.env._("read a customer's hold"))
        ensure_records(self)
        company = self.env.company
        currency = company.currency_id
        partners = self.commercial_partner_id.with_company(company)
        reasons = partners._wholtra_hold_reasons_batch()
        overdue = {p.id: p.wholtra_overdue_amount for p in partners}
        result = []
        for partner_sudo in partners.sudo():
            limit = (
                partner_sudo.credit_limit if company.account_use_credit_limit else 0.0
            )
            partner_reasons = reasons.get(partner_sudo.id) or []
            result.append(
                {
                    "partner_id": partner_sudo.id,
                    "on_hold": bool(partner_reasons),
                    "manual": partner_sudo.wholtra_hold_manual,
                    "manual_reason": partner_sudo.wholtra_hold_reason or None,
                    "reasons": partner_reasons,
                    "credit_limit": currency.round(limit) if limit else None,
                    "exposure": currency.round(
                        partner_sudo.credit + partner_sudo.credit_to_invoice
                    ),
                    "overdue_amount": currency.round(overdue[partner_sudo.id]),
                    "currency": currency.name,
                }
            )
        return result

    def wholtra_set_hold(self, reason):
        """Put customers on a manual credit hold in the current company
        (credit managers). Their orders cannot be confirmed nor shipped until
        the hold is lifted or an order released; logged in the chatter.

        :param str reason: why (shown to the salespeople, required)
        :return: ``wholtra_get_hold_state()`` of the customers
        :raises AccessError: not a credit manager, or no access to a customer
        :raises MissingError: a customer does not exist
        :raises UserError: no reason given
        """
        self._wholtra_check_credit_manager()
        ensure_records(self)
        reason = api_reason(self.env, reason)
        self._wholtra_set_hold(reason)
        return self.wholtra_get_hold_state()

    def wholtra_lift_hold(self, reason):
        """Lift the manual credit hold of customers in the current company
        (credit managers); logged in the chatter. Automatic holds (credit
        limit, overdue invoices) end when the figures do.

        :param str reason: why (required)
        :return: ``wholtra_get_hold_state()`` of the customers
        :raises AccessError: not a credit manager, or no access to a customer
        :raises MissingError: a customer does not exist
        :raises UserError: no reason given, or a customer is not on a manual hold
        """
        self._wholtra_check_credit_manager()
        ensure_records(self)
        reason = api_reason(self.env, reason)
        not_held = (
            self.commercial_partner_id.sudo()
            .with_company(self.env.company)
            .filtered(lambda p: not p.wholtra_hold_manual)
        )
        if not_held:
            raise UserError(
                self.env._(
                    "%(customers)s: not on a manual hold in %(company)s, nothing "
                    "to lift.",
                    customers=", ".join(not_held.mapped("display_name")),
                    company=self.env.company.name,
                )
            )
        self._wholtra_lift_hold(reason)
        return self.wholtra_get_hold_state()
