import logging
from collections import defaultdict
from datetime import timedelta

from psycopg2 import OperationalError

from odoo import Command, api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


class StockPicking(models.Model):
    _inherit = "stock.picking"

    wholtra_invoice_ids = fields.Many2many(
        comodel_name="account.move",
        relation="wholtra_invoice_picking_rel",
        column1="picking_id",
        column2="move_id",
        string="Dispatch invoices",
        copy=False,
        readonly=True,
        help="Invoices and credit notes created from this delivery or return.",
    )
    wholtra_invoice_count = fields.Integer(compute="_compute_wholtra_invoice_count")
    wholtra_invoice_state = fields.Selection(
        selection=[
            ("to_invoice", "To invoice"),
            ("invoiced", "Invoiced"),
            ("nothing", "Nothing to invoice"),
        ],
        string="Dispatch invoicing",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="To invoice: waiting for the invoice (periodic run, or a retry after "
        "an error). Invoiced: its invoice or credit note exists.",
    )
    wholtra_invoice_error = fields.Text(
        string="Invoicing error",
        copy=False,
        readonly=True,
    )

    @api.depends("wholtra_invoice_ids")
    def _compute_wholtra_invoice_count(self):
        for picking in self:
            picking.wholtra_invoice_count = len(picking.wholtra_invoice_ids)

    # ------------------------------------------------------------------
    # Classification
    # ------------------------------------------------------------------
    def _wholtra_get_invoice_mode(self):
        self.ensure_one()
        partner = self.sale_id.partner_id
        if not partner:
            return "manual"
        return partner._wholtra_get_invoice_mode(self.company_id)

    def _wholtra_is_customer_delivery(self):
        self.ensure_one()
        return self.picking_type_code == "outgoing" and any(
            move.sale_line_id and move.location_dest_id.usage == "customer"
            for move in self.move_ids
        )

    def _wholtra_is_customer_return(self):
        self.ensure_one()
        return any(
            move.sale_line_id
            and move.to_refund
            and move.origin_returned_move_id
            and move.location_id.usage == "customer"
            for move in self.move_ids
        )

    # ------------------------------------------------------------------
    # Validation hook
    # ------------------------------------------------------------------
    def _action_done(self):
        res = super()._action_done()
        to_invoice = self._wholtra_mark_to_invoice()
        now = to_invoice.filtered(
            lambda p: p._wholtra_get_invoice_mode() == "dispatch"
            or not p._wholtra_is_customer_delivery()
        )
        if now:
            now._wholtra_invoice_safely()
        return res

    def _wholtra_mark_to_invoice(self):
        """Flag the done deliveries/returns of sale orders whose customer is
        invoiced per dispatch or periodically. Returns the flagged pickings."""
        candidates = self.filtered(
            lambda p: p.state == "done"
            and p.sale_id
            and not p.wholtra_invoice_state
            and p._wholtra_get_invoice_mode() != "manual"
            and (p._wholtra_is_customer_delivery() or p._wholtra_is_customer_return())
        )
        if candidates:
            candidates.write({"wholtra_invoice_state": "to_invoice"})
        return candidates

    def _wholtra_invoice_safely(self):
        """Invoice ``self`` without ever letting an error escape: the whole batch
        is tried in one savepoint; on failure each picking is retried in its own
        savepoint and the ones that still fail keep 'to invoice' with the error
        (the scheduled action retries them). Concurrency errors are re-raised so
        the transaction is retried as a whole (the state check makes it safe).
        """
        try:
            with self.env.cr.savepoint():
                return self._wholtra_create_invoices()
        except OperationalError:
            raise
        except Exception as error:
            if len(self) == 1:
                _logger.warning("Dispatch invoicing of %s failed: %s", self.name, error)
                self._wholtra_flag_error(error)
                return self.env["account.move"]
            _logger.info("Batch dispatch invoicing failed, retrying one by one")
        moves = self.env["account.move"]
        for picking in self:
            try:
                with self.env.cr.savepoint():
                    moves |= picking._wholtra_create_invoices()
            except OperationalError:
                raise
            except Exception as error:
                _logger.warning(
                    "Dispatch invoicing of %s failed: %s", picking.name, error
                )
                picking._wholtra_flag_error(error)
        return moves

    def _wholtra_flag_error(self, error):
        message = str(error.args[0] if getattr(error, "args", None) else error)
        self.write(
            {"wholtra_invoice_state": "to_invoice", "wholtra_invoice_error": message}
        )
        for picking in self:
            picking.message_post(
                body=self.env._(
                    "The invoice could not be created: %(error)s. It will be retried "
                    "by the scheduled action.",
                    error=message,
                ),
            )

    def _wholtra_claim(self):
        """Lock the pickings still waiting for their invoice; locked rows and
        pickings already invoiced (by a concurrent run or an earlier attempt)
        are skipped."""
        if not self:
            return self
        self.flush_recordset(["wholtra_invoice_state"])
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM stock_picking WHERE id IN %s"
                " AND wholtra_invoice_state = 'to_invoice' FOR UPDATE SKIP LOCKED",
                tuple(self.ids),
            )
        )
        claimed = self.browse([row[0] for row in rows])
        (self - claimed).invalidate_recordset(["wholtra_invoice_state"])
        return claimed

    def _wholtra_create_invoices(self):
        """Create the invoices of the deliveries and the credit notes of the
        returns in ``self`` (all 'to invoice'). Returns the created moves."""
        pickings = self._wholtra_claim()
        if not pickings:
            return self.env["account.move"]
        pickings = pickings.sudo()  # warehouse users create invoices of deliveries
        deliveries = pickings.filtered(lambda p: p._wholtra_is_customer_delivery())
        returns = pickings - deliveries
        invoices = deliveries._wholtra_create_delivery_invoices()
        refunds = returns._wholtra_create_return_credit_notes()
        moves = invoices | refunds
        moves._wholtra_post_and_send()
        pickings.write({"wholtra_invoice_error": False})
        if invoices:
            deliveries._wholtra_dispatch_invoices_created(invoices)
        return moves

    def _wholtra_dispatch_invoices_created(self, invoices):
        """Hook called right after the invoices of validated deliveries are
        created (and posted when auto-post is on). Sibling addons extend it
        (e.g. cash on delivery)."""
        return True

    # ------------------------------------------------------------------
    # Deliveries → invoices
    # ------------------------------------------------------------------
    def _wholtra_get_invoice_quantities(self):
        """Quantities shipped in ``self`` per sale order line (in the line's
        unit), net of done returns that got no credit note, capped so that a
        line is never invoiced beyond what was ordered or delivered."""
        quantities = defaultdict(float)
        for move in self.move_ids:
            line = move.sale_line_id
            if (
                move.state != "done"
                or not line
                or line.display_type
                or move.location_dest_id.usage != "customer"
            ):
                continue
            qty = move.quantity
            for ret in move.returned_move_ids:
                if (
                    ret.state == "done"
                    and ret.to_refund
                    and not ret.picking_id.wholtra_invoice_ids
                ):
                    qty -= ret.product_uom._compute_quantity(
                        ret.quantity, move.product_uom
                    )
            quantities[line] += move.product_uom._compute_quantity(
                qty, line.product_uom_id
            )
        result = {}
        for line, qty in quantities.items():
            cap = max(line.product_uom_qty, line.qty_delivered) - line.qty_invoiced
            qty = min(qty, cap)
            if line.product_uom_id.compare(qty, 0.0) > 0:
                result[line] = qty
        return result

    def _wholtra_prepare_invoice_vals(self, quantities, adjusted_orders=None):
        """Invoice values billing ``quantities`` ({sale line: qty}) of the
        deliveries in ``self``, built with sale's ``_prepare_invoice`` and
        ``_prepare_invoice_line`` so their extensions apply."""
        orders = self.env["sale.order.line"].concat(*quantities).order_id
        order = orders[:1].with_company(self.company_id[:1])
        if order.partner_invoice_id.lang:
            order = order.with_context(lang=order.partner_invoice_id.lang)
        vals = order._prepare_invoice()
        lines = sorted(
            quantities, key=lambda sol: (sol.order_id.id, sol.sequence, sol.id)
        )
        line_vals = [
            line._prepare_invoice_line(sequence=seq, quantity=quantities[line])
            for seq, line in enumerate(lines, start=1)
        ]
        # pending adjustments go on one invoice per order within a batch
        to_adjust = orders - adjusted_orders["orders"] if adjusted_orders else orders
        line_vals += self._wholtra_get_pending_adjustment_lines(to_adjust, line_vals)
        if adjusted_orders is not None:
            adjusted_orders["orders"] |= orders
        vals["invoice_line_ids"] = [Command.create(line) for line in line_vals]
        vals["wholtra_picking_ids"] = [Command.set(self.ids)]
        vals["invoice_origin"] = ", ".join(orders.mapped("name"))
        vals["ref"] = ", ".join(o.client_order_ref or o.name for o in orders)[:2000]
        dates = [d for d in self.mapped("date_done") if d]
        if dates:
            vals["delivery_date"] = max(dates).date()
        return vals

    @api.model
    def _wholtra_get_pending_adjustment_lines(self, orders, line_vals):
        """Adjustments pending on ``orders`` (posted invoice, then a price,
        discount or quantity change) ride along with the next dispatch invoice,
        unless they would make it negative (then the order's *Invoice
        adjustments* button credits them)."""
        order_lines = orders.order_line.filtered(
            lambda sol: not sol.display_type
            and any(aml.move_id.state == "posted" for aml in sol.invoice_lines)
        )
        adjustments = []
        for line in order_lines:
            adjustments += line._wholtra_prepare_adjustment_lines(
                sequence=1000 + line.sequence
            )
        if not adjustments:
            return []

        def amount(vals):
            return (
                vals["quantity"]
                * vals["price_unit"]
                * (1 - (vals.get("discount") or 0.0) / 100)
            )

        if sum(map(amount, line_vals)) + sum(map(amount, adjustments)) < 0:
            return []
        return adjustments

    def _wholtra_create_delivery_invoices(self):
        """One invoice per delivery in ``self``; deliveries with nothing left
        to bill are marked 'nothing to invoice'."""
        if not self:
            return self.env["account.move"]
        vals_list = []
        invoiced = nothing = self.browse()
        adjusted = {"orders": self.env["sale.order"]}
        for picking in self:
            if picking.wholtra_invoice_ids.filtered(
                lambda m: m.move_type == "out_invoice" and m.state != "cancel"
            ):
                invoiced |= picking  # already billed (state forced back by hand)
                continue
            quantities = picking._wholtra_get_invoice_quantities()
            if not quantities:
                nothing |= picking
                continue
            vals_list.append(
                picking._wholtra_prepare_invoice_vals(quantities, adjusted)
            )
            invoiced |= picking
        invoices = self._wholtra_create_moves(vals_list)
        invoiced.write({"wholtra_invoice_state": "invoiced"})
        nothing.write({"wholtra_invoice_state": "nothing"})
        return invoices

    def _wholtra_create_moves(self, vals_list):
        if not vals_list:
            return self.env["account.move"]
        orders = self.sale_id
        return orders._create_account_invoices(vals_list, final=False)

    # ------------------------------------------------------------------
    # Returns → credit notes
    # ------------------------------------------------------------------
    def _wholtra_get_return_lines(self):
        """{original invoice: [(sale line, invoice line, qty in invoice unit)]}
        for the refundable return moves of ``self`` whose delivery was invoiced."""
        self.ensure_one()
        by_invoice = defaultdict(list)
        for move in self.move_ids:
            if not (
                move.state == "done"
                and move.to_refund
                and move.sale_line_id
                and move.location_id.usage == "customer"
            ):
                continue
            origin = move.origin_returned_move_id.picking_id
            invoices = origin.wholtra_invoice_ids.filtered(
                lambda m: m.move_type == "out_invoice" and m.state != "cancel"
            )
            inv_line = invoices.invoice_line_ids.filtered(
                lambda aml, sol=move.sale_line_id: sol in aml.sale_line_ids
            )[:1]
            if not inv_line:
                continue
            qty = move.product_uom._compute_quantity(
                move.quantity, inv_line.product_uom_id
            )
            by_invoice[inv_line.move_id].append((move.sale_line_id, inv_line, qty))
        return by_invoice

    def _wholtra_prepare_credit_note_vals(self, invoice, items):
        self.ensure_one()
        order = items[0][0].order_id.with_company(invoice.company_id)
        vals = order._prepare_invoice()
        vals.update(
            {
                "move_type": "out_refund",
                "partner_id": invoice.partner_id.id,
                "reversed_entry_id": invoice.id,
                "invoice_origin": invoice.invoice_origin,
                "ref": self.env._(
                    "Return %(return)s of %(invoice)s",
                    invoice=invoice.name,
                    **{"return": self.name},
                ),
                "wholtra_picking_ids": [Command.set(self.ids)],
                "invoice_line_ids": [
                    Command.create(
                        sale_line._prepare_invoice_line(
                            sequence=seq,
                            quantity=qty,
                            product_uom_id=inv_line.product_uom_id.id,
                            price_unit=inv_line.price_unit,
                            discount=inv_line.discount,
                            tax_ids=[Command.set(inv_line.tax_ids.ids)],
                        )
                    )
                    for seq, (sale_line, inv_line, qty) in enumerate(items, start=1)
                ],
            }
        )
        return vals

    def _wholtra_create_return_credit_notes(self):
        """A credit note per (return, original invoice) at the invoice's prices.
        When the original invoice is still a draft, its lines are reduced
        instead; returns of goods never invoiced produce nothing."""
        vals_list = []
        done = nothing = self.browse()
        for picking in self:
            by_invoice = picking._wholtra_get_return_lines()
            if not by_invoice:
                nothing |= picking
                continue
            done |= picking
            for invoice, items in by_invoice.items():
                if invoice.state == "draft":
                    for _sale_line, inv_line, qty in items:
                        inv_line.quantity = max(inv_line.quantity - qty, 0.0)
                    invoice.wholtra_picking_ids = [Command.link(picking.id)]
                    continue
                vals_list.append(
                    picking._wholtra_prepare_credit_note_vals(invoice, items)
                )
        refunds = self._wholtra_create_moves(vals_list)
        done.write({"wholtra_invoice_state": "invoiced"})
        nothing.write({"wholtra_invoice_state": "nothing"})
        return refunds

    # ------------------------------------------------------------------
    # Scheduled action: retries and periodic consolidation
    # ------------------------------------------------------------------
    @api.model
    def _wholtra_period_start(self, day, period):
        if period == "day":
            return day
        if period == "week":
            return day - timedelta(days=day.weekday())
        return day.replace(day=1)

    @api.model
    def _cron_wholtra_invoice_pending(self, batch_size=50, today=None):
        """Retry the deliveries/returns whose invoicing failed and bill the
        deliveries of periodic customers whose period is closed, one invoice per
        customer and period. Safe to run twice or concurrently: pickings are
        claimed under row lock and re-checked."""
        today = today or fields.Date.context_today(self)
        pending = self.search(
            [("wholtra_invoice_state", "=", "to_invoice"), ("state", "=", "done")],
            order="date_done, id",
        )
        periodic = pending.filtered(
            lambda p: p._wholtra_get_invoice_mode() == "periodic"
            and p._wholtra_is_customer_delivery()
        )
        retry = pending - periodic
        groups = defaultdict(lambda: self.browse())
        for picking in periodic:
            period = picking.company_id.wholtra_invoice_period
            day = fields.Date.context_today(self, picking.date_done)
            start = self._wholtra_period_start(day, period)
            if start >= self._wholtra_period_start(today, period):
                continue  # period still open
            order = picking.sale_id
            key = (
                picking.company_id,
                order.partner_invoice_id,
                order.currency_id,
                order.payment_term_id,
                order.fiscal_position_id,
                start,
            )
            groups[key] |= picking
        batches = [retry[i : i + batch_size] for i in range(0, len(retry), batch_size)]
        batches += list(groups.values())
        in_cron = bool(self.env.context.get("cron_id"))
        if in_cron:
            self.env["ir.cron"]._commit_progress(remaining=len(batches))
        for batch in batches:
            if batch in groups.values():
                self._wholtra_invoice_periodic_group(batch)
            else:
                batch._wholtra_invoice_safely()
            if in_cron and not self.env["ir.cron"]._commit_progress(1):
                break
        return True

    def _wholtra_invoice_periodic_group(self, pickings):
        """One consolidated invoice for ``pickings`` (same customer, period)."""
        try:
            with self.env.cr.savepoint():
                return pickings._wholtra_create_periodic_invoice()
        except OperationalError:
            raise
        except Exception as error:
            _logger.warning("Periodic invoicing failed: %s", error)
            pickings._wholtra_flag_error(error)
        return self.env["account.move"]

    def _wholtra_create_periodic_invoice(self):
        pickings = self._wholtra_claim()
        if not pickings:
            return self.env["account.move"]
        pickings = pickings.sudo()
        quantities = pickings._wholtra_get_invoice_quantities()
        if not quantities:
            pickings.write({"wholtra_invoice_state": "nothing"})
            return self.env["account.move"]
        invoice = pickings._wholtra_create_moves(
            [pickings._wholtra_prepare_invoice_vals(quantities)]
        )
        pickings.write(
            {"wholtra_invoice_state": "invoiced", "wholtra_invoice_error": False}
        )
        invoice._wholtra_post_and_send()
        pickings._wholtra_dispatch_invoices_created(invoice)
        return invoice

    # ------------------------------------------------------------------
    # UI
    # ------------------------------------------------------------------
    def action_wholtra_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        invoices = self.wholtra_invoice_ids
        if len(invoices) == 1:
            action.update(
                views=[(self.env.ref("account.view_move_form").id, "form")],
                res_id=invoices.id,
            )
        else:
            action["domain"] = [("id", "in", invoices.ids)]
        action["context"] = {"create": False}
        return action

    def action_wholtra_retry_invoicing(self):
        pickings = self.filtered(lambda p: p.wholtra_invoice_state == "to_invoice")
        pickings._wholtra_invoice_safely()
        return True
