from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import AllocCommon


@tagged("post_install", "-at_install")
class TestManualAllocation(AllocCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.po = cls._create_po(10)
        cls.so_a = cls._create_so(cls.gold, 8)
        cls.so_b = cls._create_so(cls.bronze, 8)
        cls.stock_user = new_test_user(
            cls.env, "alloc_stock_user", groups="stock.group_stock_user"
        )
        cls.stock_manager = new_test_user(
            cls.env, "alloc_stock_manager", groups="stock.group_stock_manager"
        )
        cls.sales_user = new_test_user(
            cls.env, "alloc_sales_user", groups="sales_team.group_sale_salesman"
        )

    def test_allocate_within_limits(self):
        alloc = self._allocate(self.so_a, self.po, 8)
        self.assertEqual(alloc.state, "soft")
        self.assertEqual(alloc.date_expected, self.po.order_line.date_planned)
        line = self.so_a.order_line
        self.assertEqual(line.wholtra_alloc_status, "allocated")
        self.assertEqual(line.wholtra_qty_allocated, 8)
        self.assertEqual(self.po.order_line.wholtra_qty_allocated, 8)
        self.assertEqual(self.po.order_line.wholtra_qty_free, 2)
        self.assertEqual(self.so_b.order_line.wholtra_alloc_status, "unallocated")

    def test_over_po_remaining_refused(self):
        self._allocate(self.so_a, self.po, 8)
        count = self.env["wholtra.allocation"].search_count([])
        with self.assertRaisesRegex(
            ValidationError, "only 2.0 Units of Cola Cans 24x33cl left"
        ):
            self._allocate(self.so_b, self.po, 5)
        self.assertEqual(self.env["wholtra.allocation"].search_count([]), count)
        # raising the existing one above the PO is refused too
        with self.assertRaises(ValidationError):
            self._allocs(self.so_a).quantity = 11

    def test_over_sale_undelivered_refused(self):
        po2 = self._create_po(20)
        self._allocate(self.so_a, self.po, 5)
        with self.assertRaisesRegex(
            ValidationError, "only 3.0 Units.*left to allocate"
        ):
            self._allocate(self.so_a, po2, 4)
        self.assertEqual(len(self._allocs(self.so_a)), 1)

    def test_bad_inputs(self):
        Alloc = self.env["wholtra.allocation"]
        with self.assertRaisesRegex(ValidationError, "positive"):
            self._allocate(self.so_a, self.po, -3)
        with self.assertRaisesRegex(ValidationError, "positive"):
            self._allocate(self.so_a, self.po, 0)
        water_po = self._create_po(10, product=self.other_product)
        with self.assertRaisesRegex(ValidationError, "products differ"):
            self._allocate(self.so_a, water_po, 1)
        other_company = self.env["res.company"].create({"name": "Other Distributor"})
        self.env.user.company_ids |= other_company
        po_other = self._create_po(10, company=other_company)
        with self.assertRaisesRegex(ValidationError, "different companies"):
            self._allocate(self.so_a, po_other, 1)
        draft_so = self._create_so(self.gold, 3, confirm=False)
        with self.assertRaisesRegex(ValidationError, "not confirmed"):
            self._allocate(draft_so, self.po, 1)
        self.assertFalse(Alloc.search([]))

    def test_wizard_from_order_line(self):
        action = self.so_a.order_line.action_wholtra_allocate()
        wizard_form = Form(
            self.env[action["res_model"]].with_context(action["context"])
        )
        self.assertEqual(wizard_form.qty_open, 8)
        self.assertEqual(len(wizard_form.line_ids), 1)
        with wizard_form.line_ids.edit(0) as wl:
            self.assertEqual(wl.qty_free, 10)
            wl.quantity = 3
        wizard_form.save().action_allocate()
        alloc = self._allocs(self.so_a)
        self.assertEqual(alloc.quantity, 3)
        self.assertEqual(alloc.purchase_line_id, self.po.order_line)
        # the PO line shows who is promised what
        self.assertEqual(self.po.order_line.wholtra_allocation_ids, alloc)
        action = self.po.action_wholtra_view_allocations()
        self.assertEqual(self.env["wholtra.allocation"].search(action["domain"]), alloc)

    def test_firm_only_by_manager(self):
        Alloc = self.env["wholtra.allocation"]
        vals = {
            "sale_line_id": self.so_a.order_line.id,
            "purchase_line_id": self.po.order_line.id,
            "quantity": 4,
            "state": "firm",
        }
        with self.assertRaisesRegex(UserError, "Firm allocations are protected"):
            Alloc.with_user(self.stock_user).create(vals)
        firm = Alloc.with_user(self.stock_manager).create(vals)
        with self.assertRaises(UserError):
            firm.with_user(self.stock_user).quantity = 2
        with self.assertRaises(UserError):
            firm.with_user(self.stock_user).action_release()
        with self.assertRaises(UserError):
            firm.with_user(self.stock_user).unlink()
        self.assertEqual((firm.state, firm.quantity), ("firm", 4))
        # a stock user can manage soft ones
        soft = Alloc.with_user(self.stock_user).create(
            dict(vals, state="soft", quantity=1)
        )
        soft.with_user(self.stock_user).action_release()
        self.assertEqual(soft.state, "cancelled")
        firm.with_user(self.stock_manager).action_release()
        self.assertEqual(firm.state, "cancelled")

    def test_sales_user_reads_only(self):
        alloc = self._allocate(self.so_a, self.po, 2)
        self.assertEqual(alloc.with_user(self.sales_user).quantity, 2)
        with self.assertRaises(AccessError):
            alloc.with_user(self.sales_user).write({"quantity": 1})
        with self.assertRaises(AccessError):
            self.env["wholtra.allocation"].with_user(self.sales_user).create(
                {
                    "sale_line_id": self.so_b.order_line.id,
                    "purchase_line_id": self.po.order_line.id,
                    "quantity": 1,
                }
            )

    def test_multi_company_rule(self):
        alloc = self._allocate(self.so_a, self.po, 2)
        other_company = self.env["res.company"].create({"name": "Other Distributor 2"})
        user = new_test_user(
            self.env,
            "alloc_other_co",
            groups="stock.group_stock_user",
            company_id=other_company.id,
            company_ids=[Command.set(other_company.ids)],
        )
        self.assertFalse(
            self.env["wholtra.allocation"]
            .with_user(user)
            .search([("id", "=", alloc.id)])
        )
