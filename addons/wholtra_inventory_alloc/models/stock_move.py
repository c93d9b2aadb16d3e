from collections import defaultdict

from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

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
        deliveries = done.filtered(
            lambda m: m.state == "done"
            and m.sale_line_id
            and m.company_id.wholtra_allocation_enabled
        )
        if deliveries:
            # delivered from elsewhere: allocations never exceed what is left
            deliveries.sale_line_id._wholtra_shrink_allocations()
        return done

    def _wholtra_serve_allocations(self):
        """Give what was just received to the allocated deliveries first, in
        priority order: reserve their outgoing moves before anyone else can
        (Odoo's own `_trigger_assign` runs after us). What is not received
        stays allocated to the purchase line (its backorder)."""
        received = defaultdict(float)
        for move in self:
            received[move.purchase_line_id] += move.product_uom._compute_quantity(
                move.quantity, move.product_id.uom_id
            )
        Alloc = self.env["wholtra.allocation"]
        allocs = Alloc.search(
            [
                ("purchase_line_id", "in", [pl.id for pl in received]),
                ("state", "in", ("soft", "firm")),
            ]
        )
        allocs_sudo = allocs.sudo().with_context(wholtra_alloc_trusted=True)
        serve_order = self.env["purchase.order.line"]._wholtra_serve_order_key
        to_reserve = []
        for pline, qty in received.items():
            rounding = pline.product_id.uom_id
            for alloc in sorted(
                allocs.filtered(lambda a, pl=pline: a.purchase_line_id == pl),
                key=serve_order,
            ):
                if rounding.compare(qty, 0.0) <= 0:
                    break
                take = min(qty, alloc.quantity)
                qty -= take
                alloc_sudo = allocs_sudo.browse(alloc.id)
                if rounding.compare(take, alloc.quantity) >= 0:
                    alloc_sudo.write({"state": "done"})
                else:
                    alloc_sudo.write({"quantity": alloc.quantity - take})
                    alloc_sudo.copy({"quantity": take, "state": "done"})
                to_reserve.append((alloc.sale_line_id, take))
        for sale_line, qty in to_reserve:
            self._wholtra_reserve_for(sale_line, qty)

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
