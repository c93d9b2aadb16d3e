from datetime import timedelta

from odoo import Command, fields
from odoo.tests import TransactionCase


class AllocCommon(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.company.wholtra_allocation_enabled = True
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.vendor = cls.env["res.partner"].create({"name": "Fizz Beverages"})
        cls.product = cls.env["product.product"].create(
            {
                "name": "Cola Cans 24x33cl",
                "is_storable": True,
                "type": "consu",
            }
        )
        cls.other_product = cls.env["product.product"].create(
            {"name": "Sparkling Water 6x1.5l", "is_storable": True, "type": "consu"}
        )
        cls.gold = cls.env["res.partner"].create({"name": "Gold Freshmart"})
        cls.bronze = cls.env["res.partner"].create({"name": "Bronze Corner Deli"})
        cls.salesperson = cls.env["res.users"].create(
            {
                "name": "Sally Sales",
                "login": "sally_alloc",
                "group_ids": [
                    Command.link(cls.env.ref("sales_team.group_sale_salesman").id)
                ],
            }
        )
        cls.now = fields.Datetime.now()

    # ------------------------------------------------------------------
    @classmethod
    def _set_priority(cls, partner, priority):
        """Give a customer an allocation priority through wholtra_orders' tiers
        (the interface this addon consumes)."""
        if "wholtra.price.tier" not in cls.env:
            return False
        pricelist = cls.env["product.pricelist"].create({"name": f"List {priority}"})
        tier = cls.env["wholtra.price.tier"].create(
            {
                "name": f"Tier {priority}",
                "allocation_priority": priority,
                "pricelist_id": pricelist.id,
            }
        )
        partner.wholtra_tier_id = tier
        return True

    def _require_priorities(self):
        if not (
            self._set_priority(self.gold, 30) and self._set_priority(self.bronze, 10)
        ):
            self.skipTest("wholtra_orders tiers are not available yet")
        self.env.invalidate_all()

    @classmethod
    def _create_po(cls, qty, days=7, product=None, company=None):
        po = cls.env["purchase.order"].create(
            {
                "partner_id": cls.vendor.id,
                "company_id": (company or cls.company).id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": (product or cls.product).id,
                            "product_qty": qty,
                            "price_unit": 10.0,
                            "date_planned": cls.now + timedelta(days=days),
                        }
                    )
                ],
            }
        )
        po.button_confirm()
        return po

    @classmethod
    def _create_so(cls, partner, qty, product=None, confirm=True, days_ago=0, **kw):
        so = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "user_id": cls.salesperson.id,
                "date_order": cls.now - timedelta(days=days_ago),
                "order_line": [
                    Command.create(
                        {
                            "product_id": (product or cls.product).id,
                            "product_uom_qty": qty,
                            "price_unit": 20.0,
                        }
                    )
                ],
                **kw,
            }
        )
        if confirm:
            so.action_confirm()
        return so

    def _allocate(self, so, po, qty, state="soft"):
        return self.env["wholtra.allocation"].create(
            {
                "sale_line_id": so.order_line.id,
                "purchase_line_id": po.order_line.id,
                "quantity": qty,
                "state": state,
            }
        )

    def _allocs(self, so=None, po=None, states=("soft", "firm")):
        domain = [("state", "in", states)]
        if so:
            domain.append(("order_id", "=", so.id))
        if po:
            domain.append(("purchase_id", "=", po.id))
        return self.env["wholtra.allocation"].search(domain)

    def _receive(self, po, qty):
        picking = po.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        move = picking.move_ids
        move.quantity = qty
        move.picked = True
        res = picking.button_validate()
        if (
            isinstance(res, dict)
            and res.get("res_model") == "stock.backorder.confirmation"
        ):
            wizard = (
                self.env["stock.backorder.confirmation"]
                .with_context(res["context"])
                .create({})
            )
            wizard.process()
        return picking
