from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import float_compare, float_is_zero

from ..tools import check_finite_numbers

NUMBER_FIELDS = ("price_unit", "discount", "product_uom_qty")


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    wholtra_price_overridden = fields.Boolean(
        string="Price overridden",
        compute="_compute_wholtra_price_overridden",
        store=True,
        readonly=True,
        copy=False,
        help="The unit price or discount was set by hand (see the override log): "
        "price updates from the pricelist leave this line alone.",
    )
    wholtra_override_reason = fields.Char(
        string="Override reason",
        help="Why the price or discount differs from the pricelist. Required above "
        "the deviation threshold set in Settings.",
    )
    wholtra_price_override_ids = fields.One2many(
        "wholtra.price.override", "order_line_id", string="Price overrides"
    )

    @api.depends("product_id", "product_uom_id")
    def _compute_wholtra_price_overridden(self):
        # A new product or unit starts again from the pricelist.
        self.wholtra_price_overridden = False

    # ---------------------------------------------------- keep overrides alive
    def _compute_price_unit(self):
        return super(
            SaleOrderLine, self.filtered(lambda line: not line.wholtra_price_overridden)
        )._compute_price_unit()

    def _compute_discount(self):
        return super(
            SaleOrderLine, self.filtered(lambda line: not line.wholtra_price_overridden)
        )._compute_discount()

    # --------------------------------------------------------------- auditing
    def _wholtra_get_reference_price(self):
        """(unit price, discount) the pricelist gives this line, as Odoo would set
        them, without writing anything."""
        self.ensure_one()
        line = self.with_company(self.company_id)
        price = line._get_display_price()
        product_taxes = line.product_id.taxes_id._filter_taxes_by_company(
            line.company_id
        )
        price_unit = line.product_id._get_tax_included_unit_price_from_price(
            price,
            product_taxes=product_taxes,
            fiscal_position=line.order_id.fiscal_position_id,
        )
        discount = 0.0
        if (
            line.order_id.pricelist_id
            and self.env["product.pricelist.item"]._is_discount_feature_enabled()
            and line.pricelist_item_id._show_discount()
        ):
            pricelist_price = line._get_pricelist_price()
            base_price = line._get_pricelist_price_before_discount()
            if base_price > 0 and base_price > pricelist_price:
                discount = (base_price - pricelist_price) / base_price * 100
        return price_unit, discount

    def _wholtra_given_discounts(self, max_discount):
        """{line: discount given by hand} of the lines whose discount, beyond the
        one their pricelist shows in the discount column (Discounts on, a
        percentage rule: e.g. a Gold tier at 10 %), exceeds ``max_discount``.
        The pricelist is consulted only for lines over the allowance."""
        if not max_discount:
            return {}
        given = {}
        for line in self:
            if float_compare(line.discount, max_discount, precision_digits=2) <= 0:
                continue
            _price, pricelist_discount = line._wholtra_get_reference_price()
            discount = line.discount
            if 0 < pricelist_discount < 100:
                discount = 100 * (
                    1 - (1 - line.discount / 100) / (1 - pricelist_discount / 100)
                )
            if float_compare(discount, max_discount, precision_digits=2) > 0:
                given[line] = discount
        return given

    def _wholtra_audit_needed(self, vals):
        """A manual price or discount is audited. Odoo's own recomputation
        (``sale_write_from_compute``) is not a manual change; the
        ``wholtra_no_price_audit`` key skips the audit for superuser code only
        (e.g. a data import run by the system), never for a user's call."""
        if not isinstance(vals, dict) or not (
            "price_unit" in vals or "discount" in vals
        ):
            return False
        if self.env.context.get("sale_write_from_compute"):
            return False
        return not (self.env.su and self.env.context.get("wholtra_no_price_audit"))

    def _wholtra_is_under_margin_floor(self, floor):
        """Margin (sale_margin) under ``floor`` percent; a free or negative line of a
        product that costs something always is."""
        self.ensure_one()
        if self.price_subtotal <= 0:
            return self.purchase_price > 0
        return float_compare(self.margin_percent * 100, floor, precision_digits=2) < 0

    def _wholtra_approval_fields(self):
        """Line fields whose change withdraws the approvals of a quotation (hook)."""
        return {
            "product_id",
            "product_uom_qty",
            "product_uom_id",
            "price_unit",
            "discount",
        }

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._wholtra_check_system_fields(vals)
        lines = super().create(vals_list)
        lines.order_id._wholtra_withdraw_approvals()
        for line, vals in zip(lines, vals_list, strict=False):
            if self._wholtra_audit_needed(vals):
                line._wholtra_log_price_overrides(vals.get("wholtra_override_reason"))
        return lines

    @api.model
    def _wholtra_check_system_fields(self, vals):
        """Amounts are finite numbers; the override flag is the audit's: set by
        _wholtra_log_price_overrides (sudo) only."""
        check_finite_numbers(self, vals, NUMBER_FIELDS)
        if not self.env.su and "wholtra_price_overridden" in vals:
            raise AccessError(
                self.env._(
                    "The price override flag is set by the price audit only: change "
                    "the unit price or discount instead."
                )
            )

    def write(self, vals):
        self._wholtra_check_system_fields(vals)
        res = super().write(vals)
        if self._wholtra_approval_fields() & vals.keys():
            self.order_id._wholtra_withdraw_approvals()
        if self._wholtra_audit_needed(vals):
            self._wholtra_log_price_overrides(vals.get("wholtra_override_reason"))
        return res

    def unlink(self):
        orders = self.order_id
        res = super().unlink()
        orders.exists()._wholtra_withdraw_approvals()
        return res

    def _wholtra_log_price_overrides(self, reason=None):
        """Log lines whose price or discount differs from the pricelist's, flag them
        so recomputations keep them, and require a reason above the threshold."""
        log_vals = []
        price_digits = self.env["decimal.precision"].precision_get("Product Price")
        flagged = self.browse()
        unflagged = self.browse()
        for line in self:
            company = line.company_id or self.env.company
            if (
                not company.wholtra_audit_price_overrides
                or line.display_type
                or not line.product_id
                or line.is_downpayment
                or line.state == "cancel"
            ):
                continue
            ref_price, ref_discount = line._wholtra_get_reference_price()
            price_changed = (
                float_compare(line.price_unit, ref_price, precision_digits=price_digits)
                != 0
            )
            discount_changed = (
                float_compare(line.discount, ref_discount, precision_digits=2) != 0
            )
            if not (price_changed or discount_changed):
                if line.wholtra_price_overridden:
                    unflagged |= line
                continue
            last = line.wholtra_price_override_ids.sorted("id", reverse=True)[:1]
            if (
                last
                and float_compare(
                    last.price_unit, line.price_unit, precision_digits=price_digits
                )
                == 0
                and float_compare(last.discount, line.discount, precision_digits=2) == 0
            ):
                flagged |= line
                continue
            net_ref = ref_price * (1 - ref_discount / 100.0)
            net_new = line.price_unit * (1 - line.discount / 100.0)
            if float_is_zero(net_ref, precision_digits=6):
                deviation = 100.0
            else:
                deviation = abs(net_new - net_ref) / abs(net_ref) * 100.0
            if deviation > company.wholtra_override_reason_threshold and not reason:
                raise ValidationError(
                    self.env._(
                        "%(product)s: the price differs from the pricelist by "
                        "%(deviation).1f%% (more than %(threshold).1f%%). Enter an "
                        "override reason on the line.",
                        product=line.product_id.display_name,
                        deviation=deviation,
                        threshold=company.wholtra_override_reason_threshold,
                    )
                )
            log_vals.append(
                {
                    "order_line_id": line.id,
                    "order_id": line.order_id.id,
                    "partner_id": line.order_id.partner_id.id,
                    "product_id": line.product_id.id,
                    "company_id": company.id,
                    "user_id": self.env.uid,
                    "pricelist_price": ref_price,
                    "pricelist_discount": ref_discount,
                    "price_unit": line.price_unit,
                    "discount": line.discount,
                    "deviation": deviation,
                    "reason": reason or False,
                }
            )
            flagged |= line
        if log_vals:
            # the audit trail is written by this method only (no user may create,
            # edit or delete entries): author and date are set by the model
            overrides_sudo = self.env["wholtra.price.override"].sudo()
            overrides_sudo.create(log_vals)
        to_flag = flagged.filtered(lambda line: not line.wholtra_price_overridden)
        if to_flag:
            to_flag_sudo = to_flag.sudo()
            to_flag_sudo.wholtra_price_overridden = True
        if unflagged:
            unflagged_sudo = unflagged.sudo()
            unflagged_sudo.wholtra_price_overridden = False

    def _wholtra_api_deciding_rule(self):
        """The pricelist item that set this line's price: the line's rule, or,
        through a pass-through rule (a contract pricelist's chain to its tier's
        pricelist), the rule of the pricelist it passes to (False: none)."""
        self.ensure_one()
        rule = self.pricelist_item_id
        seen = set()
        while (
            rule
            and rule.id not in seen
            and rule.applied_on == "3_global"
            and rule.compute_price == "formula"
            and rule.base == "pricelist"
            and rule.base_pricelist_id
            and not (
                rule.price_discount
                or rule.price_surcharge
                or rule.price_round
                or rule.price_min_margin
                or rule.price_max_margin
            )
        ):
            seen.add(rule.id)
            rule = self.env["product.pricelist.item"].browse(
                rule.base_pricelist_id._get_product_rule(
                    self.product_id, **self._get_pricelist_kwargs()
                )
            )
        return rule
