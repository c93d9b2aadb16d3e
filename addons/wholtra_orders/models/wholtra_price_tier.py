from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import check_finite_numbers, check_group, ensure_one_record

MANAGER = "wholtra_orders.group_wholtra_manager"
# Odoo features (Settings) the tiers need: group -> settings field
PRICELIST_GROUP = "product.group_product_pricelist"
DISCOUNT_GROUP = "sale.group_discount_per_so_line"

MAX_PRIORITY = 1_000_000
NUMBER_FIELDS = (
    "min_order_value",
    "allocation_priority",
    "max_discount",
    "margin_floor",
)


class WholtraPriceTier(models.Model):
    _name = "wholtra.price.tier"
    _description = "Trade Price Tier"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, index=True
    )
    pricelist_id = fields.Many2one(
        "product.pricelist",
        string="Pricelist",
        required=True,
        check_company=True,
        ondelete="restrict",
        help="Prices of this tier. Contract pricelists of its customers chain on it.",
    )
    currency_id = fields.Many2one(related="pricelist_id.currency_id")
    payment_term_id = fields.Many2one(
        "account.payment.term", string="Payment terms", check_company=True
    )
    min_order_value = fields.Monetary(
        string="Minimum order value",
        help="Untaxed amount under which an order is blocked (0: no minimum).",
    )
    allocation_priority = fields.Integer(
        help="Higher is served first when stock is short.",
    )
    max_discount = fields.Float(
        string="Max discount (%)",
        help="Largest line discount a salesperson may give without a manager's "
        "approval (0: no limit).",
    )
    margin_floor = fields.Float(
        string="Margin floor (%)",
        help="Lines with a lower margin need a manager's approval "
        "(0: company default).",
    )
    partner_ids = fields.One2many("res.partner", "wholtra_tier_id", string="Customers")
    partner_count = fields.Integer(compute="_compute_partner_count")
    mismatch_count = fields.Integer(
        string="Customers priced otherwise",
        compute="_compute_mismatch_count",
        help="Customers of this tier whose orders would not take its pricelist "
        "(or their contract prices): repair them from the tier.",
    )

    _max_discount_range = models.Constraint(
        "CHECK(max_discount >= 0 AND max_discount <= 100)",
        "The maximum discount must be between 0 and 100%.",
    )
    _min_order_value_positive = models.Constraint(
        "CHECK(min_order_value >= 0)",
        "The minimum order value cannot be negative.",
    )
    _margin_floor_range = models.Constraint(
        "CHECK(margin_floor >= 0 AND margin_floor < 100)",
        "The margin floor must be between 0 and 100%.",
    )

    @api.constrains("min_order_value", "max_discount", "margin_floor")
    def _check_wholtra_tier_values(self):
        # same rules as the DB checks, with a message naming the tier
        for tier in self:
            if tier.min_order_value < 0:
                raise ValidationError(
                    self.env._(
                        "The minimum order value of tier %(tier)s cannot be "
                        "negative (0: no minimum).",
                        tier=tier.name,
                    )
                )
            if not 0 <= tier.max_discount <= 100:
                raise ValidationError(
                    self.env._(
                        "The maximum discount of tier %(tier)s must be between 0 "
                        "and 100%%.",
                        tier=tier.name,
                    )
                )
            if not 0 <= tier.margin_floor < 100:
                raise ValidationError(
                    self.env._(
                        "The margin floor of tier %(tier)s must be between 0 and "
                        "100%%.",
                        tier=tier.name,
                    )
                )

    def _compute_partner_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("wholtra_tier_id", "in", self.ids), ("is_company", "=", True)],
                ["wholtra_tier_id"],
                ["__count"],
            )
        )
        for tier in self:
            tier.partner_count = counts.get(tier, 0)

    def _compute_mismatch_count(self):
        # commercial partners (companies or individuals): filtered by the check
        partners = self.env["res.partner"].search(
            [("wholtra_tier_id", "in", self.ids), ("parent_id", "=", False)]
        )
        wrong = partners._wholtra_tier_mismatches()
        for tier in self:
            tier.mismatch_count = len(
                wrong.filtered(lambda p, t=tier: p.wholtra_tier_id == t)
            )

    def _wholtra_required_features(self):
        """Groups (Settings features) these tiers need, in the order to switch
        them on (hook): Pricelists (Odoo ignores a customer's pricelist
        without it) and Discounts when a tier gives a discount allowance (the
        approval reads the discount column salespeople then edit)."""
        groups = [PRICELIST_GROUP] if self else []
        if any(tier.max_discount for tier in self):
            groups.append(DISCOUNT_GROUP)
        return groups

    def _wholtra_ensure_features(self):
        """Switch on the Settings features the tiers need, as Settings does:
        the feature group implied by every internal user, and for Pricelists
        the companies' default pricelists (a customer without tier keeps the
        list price, never a tier's)."""
        Groups = self.env["res.groups"]
        missing = [
            xmlid
            for xmlid in self._wholtra_required_features()
            if not Groups._is_feature_enabled(xmlid)
        ]
        if not missing:
            return
        employee_sudo = self.env.ref("base.group_user").sudo()
        for xmlid in missing:
            employee_sudo._apply_group(self.env.ref(xmlid).sudo())
        if PRICELIST_GROUP in missing:
            self.env["res.company"].sudo()._activate_or_create_pricelists()

    @api.model
    def _wholtra_check_pricelist_vals(self, vals):
        check_finite_numbers(self, vals, NUMBER_FIELDS)
        priority = vals.get("allocation_priority")
        if priority and not -MAX_PRIORITY <= float(priority) <= MAX_PRIORITY:
            raise ValidationError(
                self.env._(
                    "The allocation priority must be between %(min)s and %(max)s.",
                    min=-MAX_PRIORITY,
                    max=MAX_PRIORITY,
                )
            )
        if "pricelist_id" in vals and not vals["pricelist_id"]:
            raise ValidationError(
                self.env._("A price tier needs a pricelist: choose one first.")
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not isinstance(vals, dict):
                raise ValidationError(self.env._("Invalid values for a price tier."))
            vals.setdefault("pricelist_id", False)
            self._wholtra_check_pricelist_vals(vals)
        tiers = super().create(vals_list)
        tiers._wholtra_ensure_features()
        return tiers

    def write(self, vals):
        self._wholtra_check_pricelist_vals(vals)
        res = super().write(vals)
        if {"pricelist_id", "max_discount", "active"} & vals.keys():
            self.filtered("active")._wholtra_ensure_features()
        if {"pricelist_id", "payment_term_id"} & vals.keys():
            partners = self.env["res.partner"].search(
                [("wholtra_tier_id", "in", self.ids), ("is_company", "=", True)]
            )
            partners._wholtra_apply_tier()
        return res

    def action_wholtra_repair_customers(self):
        """Give the customers of these tiers whose orders price otherwise their
        tier's pricelist (contract) and terms again (sales managers)."""
        check_group(self.env, MANAGER, self.env._("repair the customers of a tier"))
        if not self.env.su:
            self.check_access("write")
        partners = self.env["res.partner"].search(
            [("wholtra_tier_id", "in", self.ids), ("parent_id", "=", False)]
        )
        partners._wholtra_tier_mismatches()._wholtra_apply_tier()
        return True

    def action_view_partners(self):
        """The customers of this tier."""
        ensure_one_record(self)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Customers of %(tier)s", tier=self.name),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("wholtra_tier_id", "=", self.id), ("is_company", "=", True)],
            "context": {"default_wholtra_tier_id": self.id, "default_is_company": True},
        }
