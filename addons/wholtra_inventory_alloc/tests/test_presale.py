from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import AllocCommon


@tagged("post_install", "-at_install")
class TestPresale(AllocCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["stock.quant"]._update_available_quantity(
            cls.product, cls.stock_location, 5
        )

    def test_block_without_stock_or_supply(self):
        self.company.wholtra_presale_policy = "block"
        so = self._create_so(self.bronze, 8, confirm=False)
        self.assertIn("Not enough free stock", so.wholtra_availability_warning)
        with self.assertRaisesRegex(UserError, r"Cola Cans 24x33cl \(3 Units\)"):
            so.action_confirm()
        self.assertEqual(so.state, "draft")
        # within free stock: fine
        small = self._create_so(self.bronze, 5)
        self.assertEqual(small.state, "sale")
        # free stock is now reserved: no oversell of it
        with self.assertRaises(UserError):
            so.action_confirm()
        # inbound supply with free quantity makes it acceptable
        self._create_po(10)
        so.action_confirm()
        self.assertEqual(so.state, "sale")

    def test_warning_live_before_save(self):
        """The shortage is told while the clerk types the line, before Save, and
        goes when the quantity fits the free stock (5)."""
        self.company.wholtra_presale_policy = "warn"
        form = Form(self.env["sale.order"])
        form.partner_id = self.bronze
        self.assertFalse(form.wholtra_availability_warning)
        with form.order_line.new() as line:
            line.product_id = self.product
            line.product_uom_qty = 8
        self.assertIn(
            "this quotation: Cola Cans 24x33cl (3 Units)",
            form.wholtra_availability_warning,
        )
        with form.order_line.edit(0) as line:
            line.product_uom_qty = 5
        self.assertFalse(form.wholtra_availability_warning)
        so = form.save()
        self.assertFalse(so.wholtra_availability_warning)

    def test_block_bypassed_by_presale_flag(self):
        self.company.wholtra_presale_policy = "block"
        with Form(self.env["sale.order"]) as so_form:
            so_form.partner_id = self.bronze
            with so_form.order_line.new() as line:
                line.product_id = self.product
                line.product_uom_qty = 50
                line.wholtra_presale = True
        so = so_form.record
        so.action_confirm()
        self.assertEqual(so.state, "sale")

    def test_warn_does_not_block(self):
        self.company.wholtra_presale_policy = "warn"
        so = self._create_so(self.bronze, 8, confirm=False)
        self.assertIn("Cola Cans", so.wholtra_availability_warning)
        so.action_confirm()
        self.assertEqual(so.state, "sale")

    def test_off_by_default(self):
        self.assertEqual(self.company.wholtra_presale_policy, "none")
        so = self._create_so(self.bronze, 80, confirm=False)
        self.assertFalse(so.wholtra_availability_warning)
        so.action_confirm()
        self.assertEqual(so.state, "sale")

    def test_allocate_on_confirm(self):
        self.company.wholtra_allocate_on_confirm = True
        po = self._create_po(10)
        so = self._create_so(self.gold, 8)
        # 5 reserved from stock, 3 allocated to the inbound PO
        self.assertEqual(so.order_line.wholtra_qty_reserved, 5)
        self.assertEqual(self._allocs(so).quantity, 3)
        self.assertEqual(self._allocs(so).purchase_id, po)


@tagged("post_install", "-at_install")
class TestProposals(AllocCommon):
    def test_rfqs_grouped_by_vendor_and_linked(self):
        crunchy = self.env["res.partner"].create({"name": "Crunchy Snacks"})
        self.product.seller_ids = [Command.create({"partner_id": self.vendor.id})]
        crisps = self.env["product.product"].create(
            {
                "name": "Crisps Salted",
                "is_storable": True,
                "seller_ids": [Command.create({"partner_id": crunchy.id})],
            }
        )
        self._create_po(4)
        engine = self.env["wholtra.allocation.engine"]
        so1 = self._create_so(self.gold, 6)
        so2 = self._create_so(self.bronze, 3)
        so3 = self._create_so(self.bronze, 7, product=crisps)
        engine._run(self.company)
        orders = engine._propose_purchases(self.company)
        self.assertEqual(len(orders), 2)
        self.assertEqual(set(orders.mapped("state")), {"draft"})
        cola_po = orders.filtered(lambda o: o.partner_id == self.vendor)
        self.assertEqual(cola_po.order_line.product_qty, 5)  # 9 wanted - 4 inbound
        self.assertEqual(
            cola_po.order_line.wholtra_proposal_sale_line_ids,
            (so1 | so2).order_line,
        )
        crisps_po = orders - cola_po
        self.assertEqual(crisps_po.partner_id, crunchy)
        self.assertEqual(crisps_po.order_line.product_qty, 7)
        self.assertEqual(
            crisps_po.order_line.wholtra_proposal_sale_line_ids, so3.order_line
        )
        # rerun-safe
        self.assertFalse(engine._propose_purchases(self.company))
        self.assertEqual(cola_po.order_line.product_qty, 5)
        # confirming the proposal turns it into supply the engine allocates
        cola_po.button_confirm()
        engine._run(self.company)
        self.assertEqual(so1.order_line.wholtra_alloc_status, "allocated")
        self.assertEqual(so2.order_line.wholtra_alloc_status, "allocated")
