"""Cross-addon, end to end: a Gold-tier customer's order is priced by its tier, shipped in two
parts, invoiced per dispatch (wholtra_invoicing), paid (AR status), and a credit hold set by
collections (wholtra_orders hold used by wholtra_payments) stops the next order and delivery.
Runs on the DB where the four addons are installed, with the options switched on here."""

from flow_common import WholtraFlowCase

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged


@tagged("post_install", "-at_install")
class TestDistributorFlow(WholtraFlowCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "wholtra_enforce_account_terms": True,
                "wholtra_invoice_mode": "dispatch",
                "wholtra_invoice_auto_post": True,
            }
        )
        cls.env.user.group_ids += cls.env.ref("product.group_product_pricelist")
        cls.crisps = cls._make_product("Sea Salt Crisps 24x40g", 18.50, 11.0, stock=100)
        cls.cola = cls._make_product("Cola Cans 24x330ml", 15.0, 6.0, stock=100)
        gold_pricelist = cls.env["product.pricelist"].create(
            {
                "name": "Gold trade prices",
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "1_product",
                            "product_tmpl_id": cls.crisps.product_tmpl_id.id,
                            "compute_price": "fixed",
                            "fixed_price": 16.0,
                        }
                    )
                ],
            }
        )
        cls.gold = cls.env["wholtra.price.tier"].create(
            {
                "name": "Gold",
                "pricelist_id": gold_pricelist.id,
                "allocation_priority": 30,
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "FreshMart Convenience Stores", "is_company": True}
        )
        cls.buyer = cls.env["res.partner"].create(
            {"name": "Priya (buyer)", "parent_id": cls.customer.id}
        )

    def _order(self, crisps_qty, cola_qty):
        with Form(self.env["sale.order"]) as form:
            form.partner_id = self.buyer
            with form.order_line.new() as line:
                line.product_id = self.crisps
                line.product_uom_qty = crisps_qty
            with form.order_line.new() as line:
                line.product_id = self.cola
                line.product_uom_qty = cola_qty
        return form.record

    def _ship(self, picking, quantities):
        """Validate ``picking`` with {product: qty}; the rest goes to a backorder."""
        for move in picking.move_ids:
            move.quantity = quantities.get(move.product_id, 0.0)
        picking.move_ids.picked = True
        picking.with_context(skip_backorder=True).button_validate()
        self.assertEqual(picking.state, "done")

    def test_order_ship_in_two_parts_invoice_each_dispatch_pay(self):
        self.customer.wholtra_tier_id = self.gold
        # the contact orders at its company's tier price
        self.assertEqual(self.buyer.commercial_partner_id.wholtra_tier_id, self.gold)
        order = self._order(10, 4)
        self.assertEqual(order.pricelist_id, self.gold.pricelist_id)
        self.assertEqual(order.order_line.mapped("price_unit"), [16.0, 15.0])
        self.assertEqual(order.amount_untaxed, 220.0)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

        first = order.picking_ids
        self._ship(first, {self.crisps: 6, self.cola: 4})
        invoice_1 = first.wholtra_invoice_ids
        self.assertEqual(len(invoice_1), 1, "one invoice for the first dispatch")
        self.assertEqual(invoice_1.state, "posted")
        self.assertEqual(invoice_1.amount_untaxed, 6 * 16.0 + 4 * 15.0)
        self.assertIn(first, invoice_1.wholtra_picking_ids)
        self.assertEqual(invoice_1.partner_id, order.partner_invoice_id)
        self.assertEqual(invoice_1.commercial_partner_id, self.customer)

        backorder = order.picking_ids - first
        self.assertEqual(backorder.move_ids.product_uom_qty, 4.0)
        self._ship(backorder, {self.crisps: 4})
        invoice_2 = backorder.wholtra_invoice_ids
        self.assertEqual(len(invoice_2), 1)
        self.assertEqual(invoice_2.amount_untaxed, 4 * 16.0)
        self.assertEqual(
            invoice_1.amount_untaxed + invoice_2.amount_untaxed, order.amount_untaxed
        )
        self.assertEqual(order.invoice_status, "invoiced")
        self.assertEqual(self.crisps.qty_available, 90.0)

        # Validating again (a retry) invoices nothing twice.
        self.env["wholtra.dispatch.invoicing"]._invoice_safely(first)
        self.assertEqual(order.invoice_ids, invoice_1 | invoice_2)

        self.assertEqual(invoice_1.wholtra_ar_status, "open")
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice_1.ids
        ).create({"payment_date": fields.Date.today()})._create_payments()
        self.assertEqual(invoice_1.payment_state, "paid")
        self.assertEqual(invoice_1.wholtra_ar_status, "paid")
        self.assertEqual(invoice_2.wholtra_ar_status, "open")

    def test_credit_hold_stops_orders_and_deliveries_until_lifted(self):
        order = self._order(2, 2)
        order.action_confirm()
        picking = order.picking_ids

        self.customer._wholtra_set_hold("Two cheques returned unpaid")
        self.assertTrue(self.buyer.commercial_partner_id.wholtra_on_hold)
        quote = self._order(1, 1)
        with self.assertRaisesRegex(UserError, "Two cheques returned unpaid"):
            quote.action_confirm()
        self.assertEqual(quote.state, "draft", "nothing confirmed")
        with self.assertRaises(UserError):
            quote.copy().action_confirm()
        with self.assertRaises(UserError):
            self._ship(picking, {self.crisps: 2, self.cola: 2})
        self.assertNotEqual(picking.state, "done", "the warehouse cannot ship")
        self.assertFalse(order.invoice_ids)

        self.customer._wholtra_lift_hold("Paid by bank transfer")
        quote.action_confirm()
        self.assertEqual(quote.state, "sale")
        self._ship(picking, {self.crisps: 2, self.cola: 2})
        self.assertEqual(
            order.invoice_ids.invoice_line_ids.mapped(
                lambda inv_line: (inv_line.quantity, inv_line.price_unit)
            ),
            [(2.0, line.price_unit) for line in order.order_line],
        )
