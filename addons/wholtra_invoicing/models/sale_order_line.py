from odoo import Command, api, fields, models
from odoo.tools import float_round

from .system_fields import check_system_fields

FOLLOWED_FIELDS = {"product_uom_qty", "price_unit", "discount"}
SYSTEM_FIELDS = ("wholtra_pending_adjustment", "wholtra_follows_changes")
# Digits order-line and invoice prices are compared at (pending adjustments):
# far beyond any price a user or a pricelist sets, only float noise is ignored.
PRICE_KEY_DIGITS = 10


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    wholtra_pending_adjustment = fields.Monetary(
        string="Pending adjustment",
        compute="_compute_wholtra_pending_adjustment",
        groups="base.group_user",
        help="Untaxed amount still to invoice (positive) or to credit (negative) "
        "because the line changed after its invoice was posted.",
    )

    wholtra_follows_changes = fields.Boolean(
        compute="_compute_wholtra_follows_changes",
        compute_sudo=True,  # the invoicing mode is internal (groups)
        help="Technical: invoices of this line follow its price, discount and "
        "quantity changes (customer not in manual invoicing mode).",
    )

    @api.depends("order_id.partner_id", "order_id.company_id")
    def _compute_wholtra_follows_changes(self):
        for line in self:
            order = line.order_id
            line.wholtra_follows_changes = bool(
                order.partner_id
                and order.partner_id._wholtra_get_invoice_mode(order.company_id)
                != "manual"
            )

    # ------------------------------------------------------------------
    # Draft invoices follow the order
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_system_fields(self, vals, SYSTEM_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_system_fields(self, vals, SYSTEM_FIELDS)
        if not FOLLOWED_FIELDS & vals.keys():
            return super().write(vals)
        lines = self.filtered(
            lambda sol: sol.state == "sale"
            and not sol.display_type
            and sol.invoice_lines
            and sol.order_id._wholtra_follows_changes()
        )
        old_qty = {line.id: (line.product_uom_qty, line.qty_invoiced) for line in lines}
        res = super().write(vals)
        if lines:
            lines._wholtra_sync_draft_invoice_lines(
                old_qty, vals.keys() & FOLLOWED_FIELDS
            )
        return res

    def _wholtra_get_draft_invoice_lines(self):
        self.ensure_one()
        return self.invoice_lines.filtered(
            lambda aml: aml.move_id.state == "draft"
            and aml.move_id.move_type == "out_invoice"
            and aml.display_type == "product"
        )

    def _wholtra_prepare_draft_invoice_line_vals(self, aml, changed):
        """Values written on draft invoice line ``aml`` after ``changed`` fields
        of this order line changed (qty handled separately)."""
        vals = {}
        if "price_unit" in changed:
            vals["price_unit"] = (
                self.currency_id._convert(
                    self.price_unit, aml.currency_id, aml.company_id, aml.move_id.date
                )
                if aml.currency_id != self.currency_id
                else self.price_unit
            )
        if "discount" in changed:
            vals["discount"] = self.discount
        return vals

    def _wholtra_sync_draft_invoice_lines(self, old_qty, changed):
        """Make the draft invoice lines of ``self`` follow the order line: same
        price and discount; for quantities, a fully invoiced line absorbs the
        change, a partially invoiced one (per dispatch) only loses what now
        exceeds the ordered quantity."""
        per_move = {}
        notes = {}
        for line in self:
            amls = line._wholtra_get_draft_invoice_lines()
            if not amls:
                continue
            touched = set()
            for aml in amls:
                vals = line._wholtra_prepare_draft_invoice_line_vals(aml, changed)
                if vals:
                    per_move.setdefault(aml.move_id, []).append(
                        Command.update(aml.id, vals)
                    )
                    touched.add(aml.move_id)
            if "product_uom_qty" in changed:
                before, invoiced = old_qty[line.id]
                uom = line.product_uom_id
                if uom.compare(invoiced, before) >= 0:
                    change = line.product_uom_qty - before
                else:
                    change = min(line.product_uom_qty - invoiced, 0.0)
                aml = amls[-1:]
                if aml and not uom.is_zero(change):
                    qty = line.product_uom_id._compute_quantity(
                        change, aml.product_uom_id
                    )
                    new_qty = max(aml.quantity + qty, 0.0)
                    per_move.setdefault(aml.move_id, []).append(
                        Command.update(aml.id, {"quantity": new_qty})
                    )
                    touched.add(aml.move_id)
            for move in touched:
                notes.setdefault(move, []).append(
                    self.env._(
                        "Updated from sales order %(order)s (line %(line)s).",
                        order=line.order_id.name,
                        line=line.name,
                    )
                )
        if not per_move:
            return
        # Salespeople edit orders without billing rights: their draft invoices
        # follow the order through this method only.
        moves_sudo = self.env["account.move"].concat(*per_move).sudo()
        for move_sudo in moves_sudo:
            move = move_sudo.sudo(False)
            move_sudo.write({"invoice_line_ids": per_move[move]})
            for note in notes[move]:
                move_sudo.message_post(body=note)

    # ------------------------------------------------------------------
    # Posted invoices: pending adjustments
    # ------------------------------------------------------------------
    def _wholtra_get_adjustment_specs(self):
        """What settles this line's posted invoicing, as invoice lines:
        [(quantity, price unit, discount, unit)] in the order currency.

        The posted invoice and credit note lines are grouped by the price,
        discount and unit they carried. A group at the line's current price and
        discount stays as it is (compared like with like: nothing changes, so
        nothing is pending, whatever the rounding of each invoice); every other
        group is reversed at the price and discount its lines carried and
        re-billed at the line's own price and discount (never rounded: a price
        of 1.005 is billed at 1.005, as a dispatch invoice bills it, so the
        pending figure is what the adjustment document bills). The quantity
        billed at the current price then goes to what is kept: invoiced
        quantities beyond what was ordered and delivered (a cancelled or
        reduced line) are credited."""
        self.ensure_one()
        if self.display_type or self.state != "sale" or self.is_downpayment:
            return []
        uom = self.product_uom_id
        discount_digits = self.env["decimal.precision"].precision_get("Discount")

        def key(price, discount, unit):
            # Rounded only to absorb float noise (a converted price): prices
            # are compared at the digits invoices bill, not the 2 "Product
            # Price" display digits (1.005 and 1.01 are different prices).
            return (
                float_round(price, precision_digits=PRICE_KEY_DIGITS),
                float_round(discount or 0.0, precision_digits=discount_digits),
                unit,
            )

        groups = {}  # key -> [net qty in the group's unit, price, discount]
        qty = 0.0
        for aml in self.invoice_lines:
            move = aml.move_id
            if move.state != "posted" or aml.display_type != "product":
                continue
            sign = 1 if move.move_type == "out_invoice" else -1
            price = aml.price_unit
            if aml.currency_id != self.currency_id:
                price = aml.currency_id._convert(
                    price, self.currency_id, self.company_id, move.date
                )
            discount = aml.discount or 0.0
            group = groups.setdefault(
                key(price, discount, aml.product_uom_id), [0.0, price, discount]
            )
            group[0] += sign * aml.quantity
            qty += sign * aml.product_uom_id._compute_quantity(aml.quantity, uom)
        if not groups:
            return []
        kept_qty = min(qty, max(self.product_uom_qty, self.qty_delivered))
        current = groups.pop(key(self.price_unit, self.discount, uom), None)
        current_qty = current[0] if current else 0.0
        specs = [
            (-group_qty, price, discount, unit)
            for (_p, _d, unit), (group_qty, price, discount) in groups.items()
            if not unit.is_zero(group_qty)
        ]
        rebill = kept_qty - current_qty
        if not uom.is_zero(rebill):
            specs.append((rebill, self.price_unit, self.discount or 0.0, uom))
        return specs

    @api.model
    def _wholtra_get_adjustment_amount(self, line_specs):
        """Untaxed amount of one document made of the invoice lines
        ``line_specs`` ([(order line, specs)], see
        ``_wholtra_get_adjustment_specs``), computed and rounded as the invoice
        computes it: per line or globally as the company rounds taxes (the
        global rounding delta included, as in the invoice's balance)."""
        base_lines = [
            line._prepare_base_line_for_taxes_computation(
                quantity=qty, price_unit=price, discount=discount
            )
            for line, specs in line_specs
            for qty, price, discount, _unit in specs
        ]
        if not base_lines:
            return 0.0
        AccountTax = self.env["account.tax"]
        company = line_specs[0][0].company_id or self.env.company
        for base_line in base_lines:
            AccountTax._add_tax_details_in_base_line(base_line, company)
        AccountTax._round_base_lines_tax_details(base_lines, company)
        return sum(
            base_line["tax_details"]["total_excluded_currency"]
            + base_line["tax_details"]["delta_total_excluded_currency"]
            for base_line in base_lines
        )

    @api.depends(
        "state",
        "price_unit",
        "discount",
        "product_uom_qty",
        "qty_delivered",
        "invoice_lines.move_id.state",
        "invoice_lines.quantity",
        "invoice_lines.price_unit",
        "invoice_lines.discount",
        "invoice_lines.price_subtotal",
    )
    def _compute_wholtra_pending_adjustment(self):
        for line in self:
            amount = self._wholtra_get_adjustment_amount(
                [(line, line._wholtra_get_adjustment_specs())]
            )
            line.wholtra_pending_adjustment = (
                0.0 if line.currency_id.is_zero(amount) else amount
            )

    def _wholtra_prepare_adjustment_lines(self, sequence=1):
        """Invoice line values settling the pending adjustment of this line
        (see ``_wholtra_get_adjustment_specs``); nothing when it amounts to
        zero (no zero-amount document, ever)."""
        self.ensure_one()
        specs = self._wholtra_get_adjustment_specs()
        if self.currency_id.is_zero(
            self._wholtra_get_adjustment_amount([(self, specs)])
        ):
            return []
        return [
            self._prepare_invoice_line(
                sequence=sequence,
                quantity=qty,
                price_unit=price,
                discount=discount,
                product_uom_id=unit.id,
            )
            for qty, price, discount, unit in specs
        ]
