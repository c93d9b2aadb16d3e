import logging
from collections import defaultdict
from datetime import timedelta

from psycopg2 import OperationalError
from psycopg2.errors import SerializationFailure

from odoo import Command, api, fields, models
from odoo.tools import SQL, float_compare, float_is_zero, float_round, split_every

_logger = logging.getLogger(__name__)

# Pending pickings classified per chunk by the scheduled action.
PENDING_CHUNK = 1000


class WholtraDispatchInvoicing(models.AbstractModel):
    """Invoicing of validated deliveries and returns (per dispatch or periodic).

    A service without records: ``stock.picking`` only calls it from its
    ``_action_done`` hook, its retry button and its scheduled action. Every
    method is private (not callable over RPC) and takes the pickings as an
    argument, in the caller's environment.

    Rights: the warehouse user who validates a delivery has no accounting
    rights. Building and creating the invoice (reading journals, taxes,
    accounts and earlier invoice lines, creating and posting the move) is done
    on ``*_sudo`` records of the claimed pickings only; the created moves keep
    the user as author and the salesperson of the order. Everything else
    (classification, messages, the ``_wholtra_dispatch_invoices_created`` hook
    of sibling addons) runs in the caller's environment.
    """

    _name = "wholtra.dispatch.invoicing"
    _description = "Dispatch invoicing"

    # ------------------------------------------------------------------
    # Classification
    # ------------------------------------------------------------------
    @api.model
    def _get_invoice_mode(self, picking):
        """Effective invoicing mode of the customer of ``picking``'s order."""
        partner = picking.sale_id.partner_id
        if not partner:
            return "manual"
        return partner._wholtra_get_invoice_mode(picking.company_id)

    @api.model
    def _is_customer_delivery(self, picking):
        return picking.picking_type_code == "outgoing" and any(
            move.sale_line_id and move.location_dest_id.usage == "customer"
            for move in picking.move_ids
        )

    @api.model
    def _is_customer_return(self, picking):
        return any(
            move.sale_line_id
            and move.to_refund
            and move.origin_returned_move_id
            and move.location_id.usage == "customer"
            for move in picking.move_ids
        )

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------
    @api.model
    def _invoice_done_pickings(self, pickings):
        """Validation hook of ``stock.picking``: flag the done deliveries and
        returns of non-manual customers and invoice at once those of
        per-dispatch customers and the returns."""
        to_invoice = self._mark_to_invoice(pickings)
        now = to_invoice.filtered(
            lambda p: self._get_invoice_mode(p) == "dispatch"
            or not self._is_customer_delivery(p)
        )
        if now:
            self._invoice_safely(now)
        return True

    @api.model
    def _mark_to_invoice(self, pickings):
        """Flag the done deliveries/returns of sale orders whose customer is
        invoiced per dispatch or periodically. Returns the flagged pickings."""
        candidates = pickings.filtered(
            lambda p: p.state == "done"
            and p.sale_id
            and not p.wholtra_invoice_state
            and self._get_invoice_mode(p) != "manual"
            and (self._is_customer_delivery(p) or self._is_customer_return(p))
        )
        if candidates:
            # system-managed field: written by its owning method only
            candidates_sudo = candidates.sudo()
            candidates_sudo.write({"wholtra_invoice_state": "to_invoice"})
        return candidates

    @api.model
    def _invoice_safely(self, pickings):
        """Invoice ``pickings`` without ever letting an error escape: the whole
        batch is tried in one savepoint; on failure each picking is retried in
        its own savepoint and the ones that still fail keep 'to invoice' with
        the error (the scheduled action retries them). Concurrency errors are
        re-raised so the transaction is retried as a whole (the state check
        makes it safe)."""
        try:
            with self.env.cr.savepoint():
                return self._create_invoices(pickings)
        except OperationalError:
            raise
        except Exception as error:
            if len(pickings) == 1:
                _logger.warning(
                    "Dispatch invoicing of %s failed: %s", pickings.name, error
                )
                self._flag_error(pickings, error)
                return self.env["account.move"]
            _logger.info("Batch dispatch invoicing failed, retrying one by one")
        moves = self.env["account.move"]
        for picking in pickings:
            try:
                with self.env.cr.savepoint():
                    moves |= self._create_invoices(picking)
            except OperationalError:
                raise
            except Exception as error:
                _logger.warning(
                    "Dispatch invoicing of %s failed: %s", picking.name, error
                )
                self._flag_error(picking, error)
        return moves

    @api.model
    def _flag_error(self, pickings, error):
        message = str(error.args[0] if getattr(error, "args", None) else error)
        pickings_sudo = pickings.sudo()
        pickings_sudo.write(
            {"wholtra_invoice_state": "to_invoice", "wholtra_invoice_error": message}
        )
        body = self.env._(
            "The invoice could not be created: %(error)s. It will be retried "
            "by the scheduled action.",
            error=message,
        )
        for picking_sudo in pickings_sudo:
            picking_sudo.message_post(body=body)

    @api.model
    def _claim(self, pickings):
        """Lock the pickings still waiting for their invoice; rows locked by a
        concurrent run and pickings already invoiced (by a concurrent run that
        committed, or an earlier attempt) are skipped."""
        if not pickings:
            return pickings
        pickings.flush_recordset(["wholtra_invoice_state"])
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM stock_picking WHERE id IN %s"
                        " AND wholtra_invoice_state = 'to_invoice'"
                        " FOR UPDATE SKIP LOCKED",
                        tuple(pickings.ids),
                    ),
                    log_exceptions=False,
                )
                rows = self.env.cr.fetchall()
        except SerializationFailure:
            # a concurrent run invoiced them and committed after our snapshot
            rows = []
        claimed = pickings.browse([row[0] for row in rows])
        (pickings - claimed).invalidate_recordset(["wholtra_invoice_state"])
        return claimed

    @api.model
    def _create_invoices(self, pickings):
        """Create the invoices of the deliveries and the credit notes of the
        returns in ``pickings`` (all 'to invoice'). Returns the created moves."""
        pickings = self._claim(pickings)
        if not pickings:
            return self.env["account.move"]
        # Accounting documents of a delivery, built and created for the
        # warehouse user who validated it (no accounting rights needed).
        pickings_sudo = pickings.sudo()
        deliveries_sudo = pickings_sudo.filtered(self._is_customer_delivery)
        returns_sudo = pickings_sudo - deliveries_sudo
        invoices_sudo = self._create_delivery_invoices(deliveries_sudo)
        refunds_sudo = self._create_return_credit_notes(returns_sudo)
        moves_sudo = invoices_sudo | refunds_sudo
        moves_sudo._wholtra_post_and_send()
        pickings_sudo.write({"wholtra_invoice_error": False})
        if invoices_sudo:
            pickings.browse(deliveries_sudo.ids)._wholtra_dispatch_invoices_created(
                pickings.env["account.move"].browse(invoices_sudo.ids)
            )
        return self.env["account.move"].browse(moves_sudo.ids)

    # ------------------------------------------------------------------
    # Deliveries → invoices
    # ------------------------------------------------------------------
    @api.model
    def _get_invoice_quantities(self, pickings):
        """Quantities shipped in ``pickings`` per sale order line (in the
        line's unit), net of done returns that got no credit note and wait for
        none (their own document was cancelled or never due), capped so
        that a line is never invoiced beyond what was ordered or delivered."""
        quantities = defaultdict(float)
        for move in pickings.move_ids:
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
                    and ret.picking_id.wholtra_invoice_state != "to_invoice"
                    and not any(
                        m.state != "cancel" for m in ret.picking_id.wholtra_invoice_ids
                    )
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

    @api.model
    def _prepare_invoice_vals(self, pickings, quantities, adjusted_orders=None):
        """Invoice values billing ``quantities`` ({sale line: qty}) of the
        deliveries ``pickings``, built with sale's ``_prepare_invoice`` and
        ``_prepare_invoice_line`` so their extensions apply."""
        orders = self.env["sale.order.line"].concat(*quantities).order_id
        order = orders[:1].with_company(pickings.company_id[:1])
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
        line_vals += self._get_pending_adjustment_lines(to_adjust, line_vals)
        if adjusted_orders is not None:
            adjusted_orders["orders"] |= orders
        line_vals += self._get_down_payment_deduction_lines(
            quantities, sequence=len(line_vals) + 1
        )
        vals["invoice_line_ids"] = [Command.create(line) for line in line_vals]
        vals["wholtra_picking_ids"] = [Command.set(pickings.ids)]
        vals["invoice_origin"] = ", ".join(orders.mapped("name"))
        vals["ref"] = ", ".join(o.client_order_ref or o.name for o in orders)[:2000]
        dates = [d for d in pickings.mapped("date_done") if d]
        if dates:
            vals["delivery_date"] = max(dates).date()
        return vals

    @api.model
    def _get_down_payment_deduction_lines(self, quantities, sequence=1):
        """Invoice lines deducting the down payments of the orders billed by
        ``quantities`` ({sale line: qty}), in proportion to what this invoice
        bills: the share of the order's untaxed goods amount, as a fraction of
        each down payment line (quantity -share, at the down payment's price,
        rounded to the quantity precision). The invoice that completes the
        order deducts what remains, so the deductions add up to the down
        payment exactly. Lines are built with sale's own
        ``_prepare_down_payment_section_line`` / ``_prepare_invoice_line``."""
        digits = self.env["decimal.precision"].precision_get("Product Unit")
        AccountTax = self.env["account.tax"]
        by_order = defaultdict(dict)
        for line, qty in quantities.items():
            by_order[line.order_id][line] = qty
        vals_list = []
        for order, billed in by_order.items():
            down_payments = order.order_line.filtered(
                lambda sol: sol.is_downpayment
                and not sol.display_type
                and float_compare(sol.qty_invoiced, 0.0, precision_digits=digits) > 0
            )
            if not down_payments:
                continue
            goods = order.order_line.filtered(
                lambda sol: not sol.is_downpayment and not sol.display_type
            )
            total = sum(goods.mapped("price_subtotal"))
            if order.currency_id.compare_amounts(total, 0.0) <= 0:
                continue
            completes = all(
                sol.product_uom_id.compare(
                    sol.qty_invoiced + billed.get(sol, 0.0), sol.product_uom_qty
                )
                >= 0
                for sol in goods
            )
            share = (
                sum(
                    sol.price_subtotal * qty / sol.product_uom_qty
                    for sol, qty in billed.items()
                    if sol.product_uom_qty
                )
                / total
            )
            section = False
            for down_payment in down_payments:
                remaining = down_payment.qty_invoiced
                fraction = (
                    remaining
                    if completes
                    else min(float_round(share, precision_digits=digits), remaining)
                )
                if float_is_zero(fraction, precision_digits=digits):
                    continue
                if not section:
                    vals_list.append(
                        order._prepare_down_payment_section_line(sequence=sequence)
                    )
                    section = True
                    sequence += 1
                extra_tax_data = None
                if float_compare(fraction, 1.0, precision_digits=digits) == 0:
                    extra_tax_data = (
                        AccountTax._reverse_quantity_base_line_extra_tax_data(
                            down_payment.extra_tax_data
                        )
                    )
                vals_list.append(
                    down_payment._prepare_invoice_line(
                        sequence=sequence,
                        quantity=-fraction,
                        extra_tax_data=extra_tax_data,
                    )
                )
                sequence += 1
        return vals_list

    @api.model
    def _get_pending_adjustment_lines(self, orders, line_vals):
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

    @api.model
    def _create_delivery_invoices(self, deliveries):
        """One invoice per delivery in ``deliveries``; deliveries with nothing
        left to bill are marked 'nothing to invoice'."""
        if not deliveries:
            return self.env["account.move"]
        vals_list = []
        invoiced = nothing = deliveries.browse()
        adjusted = {"orders": self.env["sale.order"]}
        self._prefetch_invoice_data(deliveries)
        for picking in deliveries:
            if picking.wholtra_invoice_ids.filtered(
                lambda m: m.move_type == "out_invoice" and m.state != "cancel"
            ):
                invoiced |= picking  # already billed (state forced back)
                continue
            quantities = self._get_invoice_quantities(picking)
            if not quantities:
                nothing |= picking
                continue
            vals_list.append(self._prepare_invoice_vals(picking, quantities, adjusted))
            invoiced |= picking
        invoices = self._create_moves(deliveries, vals_list)
        invoiced.write({"wholtra_invoice_state": "invoiced"})
        nothing.write({"wholtra_invoice_state": "nothing"})
        return invoices

    @api.model
    def _prefetch_invoice_data(self, pickings_sudo):
        """Read in one query per field what sale's ``_prepare_invoice`` reads
        per order: each invoice is prepared in its company and language
        (another environment per order), which breaks batch prefetching."""
        orders_sudo = pickings_sudo.sale_id
        orders_sudo.fetch(["transaction_ids", "partner_invoice_id", "company_id"])
        orders_sudo.mapped("transaction_ids")

    @api.model
    def _create_moves(self, pickings, vals_list):
        if not vals_list:
            return self.env["account.move"]
        return pickings.sale_id._create_account_invoices(vals_list, final=False)

    # ------------------------------------------------------------------
    # Returns → credit notes
    # ------------------------------------------------------------------
    @api.model
    def _get_return_lines(self, picking):
        """{original invoice: [(sale line, invoice line, qty in invoice unit)]}
        for the refundable return moves of ``picking`` whose delivery was
        invoiced."""
        by_invoice = defaultdict(list)
        for move in picking.move_ids:
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

    @api.model
    def _prepare_credit_note_vals(self, picking, invoice, items):
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
                    **{"return": picking.name},
                ),
                "wholtra_picking_ids": [Command.set(picking.ids)],
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

    @api.model
    def _create_return_credit_notes(self, returns):
        """A credit note per (return, original invoice) at the invoice's
        prices. When the original invoice is still a draft, its lines are
        reduced instead; returns of goods never invoiced produce nothing."""
        vals_list = []
        done = nothing = returns.browse()
        for picking in returns:
            by_invoice = self._get_return_lines(picking)
            if not by_invoice:
                nothing |= picking
                continue
            done |= picking
            for invoice, items in by_invoice.items():
                if invoice.state == "draft":
                    invoice.write(
                        {
                            "invoice_line_ids": [
                                Command.update(
                                    inv_line.id,
                                    {"quantity": max(inv_line.quantity - qty, 0.0)},
                                )
                                for _sale_line, inv_line, qty in items
                            ],
                            "wholtra_picking_ids": [Command.link(picking.id)],
                        }
                    )
                    continue
                vals_list.append(
                    self._prepare_credit_note_vals(picking, invoice, items)
                )
        refunds = self._create_moves(returns, vals_list)
        done.write({"wholtra_invoice_state": "invoiced"})
        nothing.write({"wholtra_invoice_state": "nothing"})
        return refunds

    # ------------------------------------------------------------------
    # Scheduled action: retries and periodic consolidation
    # ------------------------------------------------------------------
    @api.model
    def _period_start(self, day, period):
        if period == "day":
            return day
        if period == "week":
            return day - timedelta(days=day.weekday())
        return day.replace(day=1)

    @api.model
    def _get_pending_work(self, today, batch_size=50):
        """The work of one scheduled run, as lists of picking ids (no records
        kept: 10k pending deliveries are classified by chunks):
        ``(retries, groups)`` where ``retries`` are batches of at most
        ``batch_size`` deliveries/returns to (re)invoice one by one and
        ``groups`` the deliveries of periodic customers whose period is closed,
        one list per customer and period (one invoice each)."""
        Picking = self.env["stock.picking"]
        pending_ids = Picking._search(
            [("wholtra_invoice_state", "=", "to_invoice"), ("state", "=", "done")],
            order="date_done, id",
        )
        pending_ids = list(pending_ids)
        retry_ids = []
        groups = defaultdict(list)
        periods = {}
        for chunk in split_every(PENDING_CHUNK, pending_ids, Picking.browse):
            for picking in chunk:
                if not (
                    self._get_invoice_mode(picking) == "periodic"
                    and self._is_customer_delivery(picking)
                ):
                    retry_ids.append(picking.id)
                    continue
                company = picking.company_id
                period = company.wholtra_invoice_period
                if (company, period) not in periods:
                    periods[company, period] = self._period_start(today, period)
                day = fields.Date.context_today(self, picking.date_done)
                start = self._period_start(day, period)
                if start >= periods[company, period]:
                    continue  # period still open
                order = picking.sale_id
                key = (
                    company.id,
                    order.partner_invoice_id.id,
                    order.currency_id.id,
                    order.payment_term_id.id,
                    order.fiscal_position_id.id,
                    start,
                )
                groups[key].append(picking.id)
            # classification reads only: keep memory flat over 10k deliveries
            self.env.invalidate_all()
        retries = [
            retry_ids[i : i + batch_size] for i in range(0, len(retry_ids), batch_size)
        ]
        return retries, list(groups.values())

    @api.model
    def _cron_invoice_pending(self, batch_size=50, today=None):
        """Retry the deliveries/returns whose invoicing failed and bill the
        deliveries of periodic customers whose period is closed, one invoice
        per customer and period.

        Work is claimed in batches (about ``batch_size`` deliveries) under row
        lock, skipping rows locked by a concurrent run; a periodic group is
        claimed whole or left to the run that holds part of it. In a scheduled
        action each batch is committed with its progress (``_commit_progress``)
        and the run stops when its time is up: the next run (rescheduled at
        once by the scheduler) resumes with what is still 'to invoice', as
        does a run after a killed one. Nothing is invoiced twice: only
        'to invoice' pickings are claimed and invoicing marks them."""
        today = today or fields.Date.context_today(self)
        retries, groups = self._get_pending_work(today, batch_size)
        batches = [(False, [batch]) for batch in retries]
        unit, size = [], 0
        for group in groups:
            unit.append(group)
            size += len(group)
            if size >= batch_size:
                batches.append((True, unit))
                unit, size = [], 0
        if unit:
            batches.append((True, unit))
        in_cron = bool(self.env.context.get("cron_id"))
        Cron = self.env["ir.cron"]
        if in_cron:
            Cron._commit_progress(
                remaining=sum(len(ids) for _periodic, unit in batches for ids in unit)
            )
        Picking = self.env["stock.picking"]
        for is_periodic, unit in batches:
            if is_periodic:
                self._invoice_periodic_groups([Picking.browse(ids) for ids in unit])
            else:
                self._invoice_safely(Picking.browse(unit[0]))
            if in_cron and not Cron._commit_progress(sum(len(ids) for ids in unit)):
                break
            self.env.invalidate_all()
        return True

    @api.model
    def _invoice_periodic_groups(self, groups):
        """One consolidated invoice per group of ``groups`` (lists of pickings
        of one customer and period), created in one batch; when the batch
        fails, each group is retried on its own (failing groups keep 'to
        invoice' with the error)."""
        if len(groups) > 1:
            try:
                with self.env.cr.savepoint():
                    return self._create_periodic_invoices(groups)
            except OperationalError:
                raise
            except Exception:
                _logger.info("Batch periodic invoicing failed, retrying per group")
        moves = self.env["account.move"]
        for pickings in groups:
            moves |= self._invoice_periodic_group(pickings)
        return moves

    @api.model
    def _invoice_periodic_group(self, pickings):
        """One consolidated invoice for ``pickings`` (same customer, period)."""
        try:
            with self.env.cr.savepoint():
                return self._create_periodic_invoices([pickings])
        except OperationalError:
            raise
        except Exception as error:
            _logger.warning("Periodic invoicing failed: %s", error)
            self._flag_error(pickings, error)
        return self.env["account.move"]

    @api.model
    def _claim_group(self, pickings):
        """Claim all of ``pickings`` (one periodic group) or none: when a
        concurrent run holds part of the group, the locks taken here are
        released and the group is left to it (the next run re-groups what is
        still waiting)."""
        savepoint = self.env.cr.savepoint(flush=False)
        claimed = self._claim(pickings)
        if claimed and claimed != pickings:
            waiting = self._still_waiting(pickings - claimed)
            if waiting:  # locked by a concurrent run
                savepoint.close(rollback=True)
                return pickings.browse()
        savepoint.close(rollback=False)
        return claimed

    @api.model
    def _still_waiting(self, pickings):
        self.env.cr.execute(
            SQL(
                "SELECT id FROM stock_picking WHERE id IN %s"
                " AND wholtra_invoice_state = 'to_invoice'",
                tuple(pickings.ids),
            )
        )
        return pickings.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _create_periodic_invoices(self, groups):
        """Create (and post, as set) one invoice per group of ``groups``.
        Returns the invoices, in the caller's environment."""
        claimed = [c for c in (self._claim_group(g) for g in groups) if c]
        if not claimed:
            return self.env["account.move"]
        vals_list = []
        invoiced = nothing = self.env["stock.picking"].sudo()
        self._prefetch_invoice_data(self.env["stock.picking"].concat(*claimed).sudo())
        for pickings in claimed:
            pickings_sudo = pickings.sudo()
            quantities = self._get_invoice_quantities(pickings_sudo)
            if not quantities:
                nothing |= pickings_sudo
                continue
            vals_list.append(self._prepare_invoice_vals(pickings_sudo, quantities))
            invoiced |= pickings_sudo
        invoices_sudo = self._create_moves(invoiced, vals_list)
        if nothing:
            nothing.write({"wholtra_invoice_state": "nothing"})
        if invoiced:
            invoiced.write(
                {"wholtra_invoice_state": "invoiced", "wholtra_invoice_error": False}
            )
        invoices_sudo._wholtra_post_and_send()
        invoices = self.env["account.move"].browse(invoices_sudo.ids)
        if invoices:
            self.env["stock.picking"].browse(
                invoiced.ids
            )._wholtra_dispatch_invoices_created(invoices)
        return invoices
