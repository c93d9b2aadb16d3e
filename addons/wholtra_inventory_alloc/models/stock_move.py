from collections import defaultdict

from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_assign(self, force_qty=False):
        """Customers on hold reserve last: when moves of several customers
        compete (a receipt's `_trigger_assign`, the scheduler), the deliveries of
        customers who cannot ship go after the others' (companies using the
        allocation with *Held customers last* on). Odoo's own order is kept
        otherwise. A held delivery left waiting while others got goods gives a
        credit manager an activity."""
        moves, held = self._wholtra_held_last()
        if not held:
            return super()._action_assign(force_qty=force_qty)
        others = moves - held
        before = {move.id: move.quantity for move in others}
        res = super(StockMove, moves)._action_assign(force_qty=force_qty)
        served_others = any(
            move.product_uom.compare(move.quantity, before[move.id]) > 0
            for move in others
        )
        waiting = held.filtered(lambda m: m.state != "assigned")
        if served_others and waiting:
            waiting.sale_line_id._wholtra_notify_held(
                self.env._(
                    "Goods received were reserved to customers who can ship first."
                )
            )
        return res

    def _wholtra_held_last(self):
        """(these moves with held customers' deliveries moved last, the held
        moves). Only when deliveries of more than one customer compete."""
        if len(self) < 2 or not any(
            c.wholtra_allocation_enabled and c.wholtra_alloc_held_last
            for c in self.company_id
        ):
            return self, self.browse()
        moves_sudo = self.sudo()
        outgoing = moves_sudo.filtered(
            lambda m: m.sale_line_id
            and m.company_id.wholtra_allocation_enabled
            and m.company_id.wholtra_alloc_held_last
            and m.location_dest_id.usage in ("customer", "transit")
        )
        if len(outgoing.sale_line_id.order_id.partner_id.commercial_partner_id) < 2:
            return self, self.browse()
        held_lines = outgoing.sale_line_id._wholtra_held_lines()
        if not held_lines:
            return self, self.browse()
        held = self.browse(
            outgoing.filtered(lambda m: m.sale_line_id in held_lines).ids
        )
        return (self - held) | held, held

    def _action_done(self, cancel_backorder=False):
        done = super()._action_done(cancel_backorder=cancel_backorder)
        receipts = done.filtered(
            lambda m: m.state == "done"
            and m.purchase_line_id
            and m.location_dest_id.usage == "internal"
            and m.company_id.wholtra_allocation_enabled
        )
        if receipts:
            receipts._wholtra_serve_allocations()
            # received: the plan of these products is re-made from what is left
            self.env["wholtra.allocation.queue"]._wholtra_queue(
                (m.company_id.id, m.product_id.id) for m in receipts
            )
        deliveries = done.filtered(
            lambda m: m.state == "done"
            and m.sale_line_id
            and m.company_id.wholtra_allocation_enabled
        )
        if deliveries:
            # delivered from elsewhere: allocations never exceed what is left.
            # Only the allocations that shrink are written (released: their
            # lines are not bumped, see `wholtra.allocation._wholtra_is_release`);
            # what they gave back goes to the other orders through the queue.
            released = deliveries.sale_line_id._wholtra_shrink_allocations()
            if released:
                self.env["wholtra.allocation.queue"]._wholtra_queue(
                    (a.company_id.id, a.product_id.id) for a in released
                )
        return done

    def _wholtra_serve_allocations(self):
        """Give what was just received to the allocated deliveries first, in the
        one serving order (`wholtra.allocation._wholtra_consume`): reserve their
        outgoing moves before anyone else can (Odoo's own `_trigger_assign` runs
        after us). Allocations of customers on hold come last and are released
        rather than served: their goods stay free for Odoo's reservation, which
        serves held deliveries last too (`_action_assign`), and a credit manager
        gets an activity. What is not received stays allocated to the purchase
        line (its backorder)."""
        received = defaultdict(float)
        for move in self:
            received[move.purchase_line_id] += move.product_uom._compute_quantity(
                move.quantity, move.product_id.uom_id
            )
        allocs = self.env["wholtra.allocation"].search(
            [
                ("purchase_line_id", "in", [pl.id for pl in received]),
                ("state", "in", ("soft", "firm")),
            ]
        )
        taken = allocs._wholtra_consume(received, "purchase_line_id")
        held = self.env["sale.order.line"]
        for alloc, qty, is_held in taken:
            if is_held:
                held |= alloc.sale_line_id
            else:
                self._wholtra_reserve_for(alloc.sale_line_id, qty)
        if held:
            held._wholtra_notify_held(
                self.env._(
                    "Goods received for this order were released to customers who "
                    "can ship."
                )
            )

    def _wholtra_reserve_for(self, sale_line, qty):
        """Reserve `qty` (product unit) on the open deliveries of `sale_line`."""
        moves = sale_line.move_ids.filtered(
            lambda m: m.state
            in ("confirmed", "waiting", "partially_available", "assigned")
            and m.location_dest_id.usage in ("customer", "transit")
            and not m.picked
        ).sorted("id")
        for move in moves:
            rounding = move.product_id.uom_id
            if rounding.compare(qty, 0.0) <= 0:
                break
            missing = move.product_qty - move.product_uom._compute_quantity(
                move.quantity, move.product_id.uom_id
            )
            take = min(missing, qty)
            if rounding.compare(take, 0.0) <= 0:
                continue
            before = move.quantity
            move.sudo()._action_assign(
                force_qty=move.product_id.uom_id._compute_quantity(
                    take, move.product_uom
                )
            )
            qty -= move.product_uom._compute_quantity(
                move.quantity - before, move.product_id.uom_id
            )
        # `force_qty` marks the move assigned; let Odoo derive the real state
        moves._recompute_state()
