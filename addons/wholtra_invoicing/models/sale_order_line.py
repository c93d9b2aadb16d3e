from odoo import Command, api, fields, models

from .system_fields import check_system_fields

FOLLOWED_FIELDS = {"product_uom_qty", "price_unit", "discount"}
SYSTEM_FIELDS = ("wholtra_pending_adjustment", "wholtra_follows_changes")


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
    def _wholtra_get_posted_totals(self):
        """(net qty in line unit, net untaxed amount in order currency) of the
        posted invoices and credit notes of this line."""
        self.ensure_one()
        qty = amount = 0.0
        for aml in self.invoice_lines:
            move = aml.move_id
            if move.state != "posted" or aml.display_type != "product":
                continue
            sign = 1 if move.move_type == "out_invoice" else -1
            qty += sign * aml.product_uom_id._compute_quantity(
                aml.quantity, self.product_uom_id
            )
            subtotal = aml.price_subtotal
            if aml.currency_id != self.currency_id:
                subtotal = aml.currency_id._convert(
                    subtotal, self.currency_id, self.company_id, move.date
                )
            amount += sign * subtotal
        return qty, amount

    def _wholtra_current_unit_price(self):
        self.ensure_one()
        if self.product_uom_qty:
            return self.price_reduce_taxexcl
        return self.price_unit * (1 - (self.discount or 0.0) / 100.0)

    def _wholtra_get_adjustment(self):
        """(credit qty, price diff amount) still pending on this line:
        quantities invoiced beyond what was ordered and delivered (a cancelled
        or reduced line) and price/discount changes on posted invoices."""
        self.ensure_one()
        if self.display_type or self.state != "sale" or self.is_downpayment:
            return 0.0, 0.0
        qty, amount = self._wholtra_get_posted_totals()
        uom = self.product_uom_id
        if uom.is_zero(qty):
            return 0.0, 0.0
        credit_qty = max(qty - max(self.product_uom_qty, self.qty_delivered), 0.0)
        if uom.is_zero(credit_qty):
            credit_qty = 0.0
        kept_qty = qty - credit_qty
        diff = kept_qty * self._wholtra_current_unit_price() - kept_qty * amount / qty
        if self.currency_id.is_zero(diff):
            diff = 0.0
        return credit_qty, diff

    @api.depends(
        "state",
        "price_unit",
        "discount",
        "product_uom_qty",
        "qty_delivered",
        "invoice_lines.move_id.state",
        "invoice_lines.quantity",
        "invoice_lines.price_subtotal",
    )
    def _compute_wholtra_pending_adjustment(self):
        for line in self:
            credit_qty, diff = line._wholtra_get_adjustment()
            qty, amount = (0.0, 0.0)
            if credit_qty:
                qty, amount = line._wholtra_get_posted_totals()
            avg = amount / qty if qty else 0.0
            line.wholtra_pending_adjustment = diff - credit_qty * avg

    def _wholtra_prepare_adjustment_lines(self, sequence=1):
        """Invoice line values settling the pending adjustment of this line:
        the old billing is reversed at its average price and re-billed at the
        current price (net quantity 0); quantities over-invoiced are credited at
        the average invoiced price."""
        self.ensure_one()
        credit_qty, diff = self._wholtra_get_adjustment()
        if not credit_qty and not diff:
            return []
        qty, amount = self._wholtra_get_posted_totals()
        avg = amount / qty
        vals_list = []
        kept_qty = qty - credit_qty
        if diff and kept_qty:
            vals_list.append(
                self._prepare_invoice_line(
                    sequence=sequence, quantity=-kept_qty, price_unit=avg, discount=0.0
                )
            )
            vals_list.append(
                self._prepare_invoice_line(sequence=sequence, quantity=kept_qty)
            )
        if credit_qty:
            vals_list.append(
                self._prepare_invoice_line(
                    sequence=sequence,
                    quantity=-credit_qty,
                    price_unit=avg,
                    discount=0.0,
                )
            )
        return vals_list
