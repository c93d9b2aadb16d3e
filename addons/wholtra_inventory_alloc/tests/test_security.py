"""Server-side controls of the allocation, tried as each role would over the API:
every refusal is checked together with what was (not) written, read back from the
database, and the legitimate path next to it still works."""

import math
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import format_date, mute_logger

from .common import AllocCommon


class SecurityCommon(AllocCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.po = cls._create_po(10)
        cls.so = cls._create_so(cls.gold, 8)
        cls.so_b = cls._create_so(cls.bronze, 8)
        users = {
            "salesman": "sales_team.group_sale_salesman",
            "sales_manager": "sales_team.group_sale_manager",
            "stock_user": "stock.group_stock_user",
            "stock_manager": "stock.group_stock_manager",
            "purchase_user": "purchase.group_purchase_user",
            "billing": "account.group_account_invoice",
        }
        for role, groups in users.items():
            setattr(
                cls, role, new_test_user(cls.env, f"alloc_sec_{role}", groups=groups)
            )
        cls.portal = new_test_user(
            cls.env,
            "alloc_sec_portal",
            groups="base.group_portal",
            partner_id=cls.gold.id,
        )
        cls.company_b = cls.env["res.company"].create(
            {"name": "Second Distributor", "wholtra_allocation_enabled": True}
        )
        cls.other_stock_user = new_test_user(
            cls.env,
            "alloc_sec_other_co",
            groups="stock.group_stock_user,stock.group_stock_manager",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )

    def _vals(self, so=None, qty=3, **kw):
        return {
            "sale_line_id": (so or self.so).order_line.id,
            "purchase_line_id": self.po.order_line.id,
            "quantity": qty,
            **kw,
        }

    def _state(self, allocs=None):
        """(id, quantity, state, sale line, purchase line, priority) read back from
        the database."""
        self.env.invalidate_all()
        allocs = allocs if allocs is not None else self.env["wholtra.allocation"]
        domain = [("id", "in", allocs.ids)] if allocs else []
        return [
            (
                a.id,
                a.quantity,
                a.state,
                a.sale_line_id.id,
                a.purchase_line_id.id,
                a.priority,
                a.date_expected,
            )
            for a in self.env["wholtra.allocation"].search(domain, order="id")
        ]

    def _as(self, user, records):
        return records.with_user(user).with_context(
            allowed_company_ids=user.company_ids.ids
        )


@tagged("post_install", "-at_install")
class TestAllocationFieldGuards(SecurityCommon):
    """wholtra.allocation: the system-managed fields and who may set what."""

    def test_state_is_not_writable(self):
        alloc = self._allocate(self.so, self.po, 3)
        before = self._state()
        for user in (self.stock_user, self.stock_manager):
            for state in ("done", "cancelled", "firm", "soft"):
                with self.assertRaisesRegex(UserError, "set by the system"):
                    self._as(user, alloc).write({"state": state})
                self.assertEqual(self._state(), before)
        # the owning methods: buttons of the right role
        self._as(self.stock_manager, alloc).action_make_firm()
        self.assertEqual(self._state(alloc)[0][2], "firm")
        self._as(self.stock_manager, alloc).action_make_soft()
        self._as(self.stock_user, alloc).action_release()
        self.assertEqual(self._state(alloc)[0][2], "cancelled")

    def test_create_received_or_cancelled_refused(self):
        Alloc = self.env["wholtra.allocation"]
        for user in (self.stock_user, self.stock_manager):
            for state in ("done", "cancelled"):
                with self.assertRaisesRegex(UserError, "soft or firm"):
                    self._as(user, Alloc).create(self._vals(state=state))
        self.assertEqual(self._state(), [])
        # firm: inventory managers only
        with self.assertRaises(AccessError):
            self._as(self.stock_user, Alloc).create(self._vals(state="firm"))
        self.assertEqual(self._state(), [])
        firm = self._as(self.stock_manager, Alloc).create(self._vals(state="firm"))
        self.assertEqual(self._state()[0][1:3], (3, "firm"))
        self.assertEqual(firm.create_uid, self.stock_manager)

    def test_system_fields_refused_on_create(self):
        Alloc = self._as(self.stock_user, self.env["wholtra.allocation"])
        for vals in (
            {"priority": 5000},
            {"date_expected": fields.Datetime.now()},
            {"order_id": self.so_b.id},
            {"partner_id": self.bronze.id},
            {"purchase_id": self.po.id},
            {"vendor_id": self.bronze.id},
        ):
            with self.assertRaisesRegex(UserError, "set by the system"):
                Alloc.create(self._vals(**vals))
        self.assertEqual(self._state(), [])
        # the priority comes from the customer, not from the caller
        alloc = Alloc.create(self._vals())
        expected = self.env["sale.order.line"]._get_allocation_priority(self.gold)
        self.assertEqual(self._state(alloc)[0][5], expected[self.gold.id])

    def test_system_fields_refused_on_write(self):
        alloc = self._allocate(self.so, self.po, 3)
        before = self._state()
        later = self.po.order_line.date_planned + timedelta(days=30)
        for vals in (
            {"priority": 5000},
            {"date_expected": later},
            {"order_id": self.so_b.id},
            {"partner_id": self.bronze.id},
            {"vendor_id": self.bronze.id},
            {"purchase_id": self._create_po(5).id},
        ):
            for user in (self.stock_user, self.stock_manager):
                with self.assertRaisesRegex(UserError, "set by the system"):
                    self._as(user, alloc).write(vals)
        self.assertEqual(self._state(alloc), before)

    def test_links_are_fixed_after_creation(self):
        alloc = self._allocate(self.so, self.po, 3)
        other_po = self._create_po(10)
        before = self._state()
        for vals in (
            {"sale_line_id": self.so_b.order_line.id},
            {"purchase_line_id": other_po.order_line.id},
            {"product_id": self.other_product.id},
            {"company_id": self.company_b.id},
        ):
            with self.assertRaisesRegex(UserError, "release it and allocate again"):
                self._as(self.stock_manager, alloc).write(vals)
        self.assertEqual(self._state(), before)
        # the same value (a client re-sending the form) is not a change
        self._as(self.stock_user, alloc).write(
            {"sale_line_id": self.so.order_line.id, "quantity": 4}
        )
        self.assertEqual(self._state(alloc)[0][1], 4)

    def test_received_allocation_is_history(self):
        alloc = self._allocate(self.so, self.po, 8)
        self._receive(self.po, 10)
        done = self._allocs(self.so, states=("done",))
        self.assertEqual(done, alloc)
        before = self._state()
        with self.assertRaisesRegex(UserError, "keep their quantity"):
            self._as(self.stock_manager, done).write({"quantity": 2})
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            self._as(self.stock_manager, done).unlink()
        with self.assertRaisesRegex(UserError, "current state"):
            self._as(self.stock_manager, done).action_release()
        self.assertEqual(self._state(), before)

    def test_resize_is_validated(self):
        alloc = self._allocate(self.so, self.po, 3)
        self._allocate(self.so_b, self.po, 5)
        before = self._state()
        # 5 already on so_b, PO has 10: 6 would exceed it
        with self.assertRaisesRegex(ValidationError, "left to allocate"):
            self._as(self.stock_user, alloc).write({"quantity": 6})
        for bad in (0, -2, 0.001, 1e308, float("nan"), float("inf"), "x", None):
            with self.assertRaises(ValidationError):
                self._as(self.stock_user, alloc).write({"quantity": bad})
        self.assertEqual(self._state(), before)
        self._as(self.stock_user, alloc).write({"quantity": 5})
        self.assertEqual(self._state(alloc)[0][1], 5)

    def test_create_runs_the_wizard_checks(self):
        """Creating over the API checks what the wizard checks."""
        Alloc = self._as(self.stock_user, self.env["wholtra.allocation"])
        water_po = self._create_po(10, product=self.other_product)
        draft_po = self.env["purchase.order"].create(
            {
                "partner_id": self.vendor.id,
                "order_line": [
                    Command.create({"product_id": self.product.id, "product_qty": 5})
                ],
            }
        )
        service = self.env["product.product"].create(
            {"name": "Delivery service", "type": "service"}
        )
        service_so = self._create_so(self.gold, 2, product=service)
        cases = [
            (self._vals(qty=11), ValidationError, "left to allocate"),
            (self._vals(qty=9), ValidationError, "left to allocate"),
            (
                self._vals(purchase_line_id=water_po.order_line.id),
                ValidationError,
                "products differ",
            ),
            (
                self._vals(purchase_line_id=draft_po.order_line.id),
                ValidationError,
                "not confirmed",
            ),
            (self._vals(so=service_so), ValidationError, "storable"),
            (self._vals(product_id=self.other_product.id), ValidationError, "differ"),
            (self._vals(company_id=self.company_b.id), UserError, ""),
            (self._vals(qty=float("nan")), ValidationError, "positive"),
            (self._vals(qty=float("inf")), ValidationError, "positive"),
            (self._vals(qty=-1), ValidationError, "positive"),
            (self._vals(qty=0), ValidationError, "positive"),
            # stored as 0.00: found by the property test (was an IntegrityError)
            (self._vals(qty=0.001), ValidationError, "positive"),
            (self._vals(qty=1e308), ValidationError, "positive"),
            (self._vals(qty="3"), ValidationError, "positive"),
            (self._vals(qty=None), ValidationError, "positive"),
            (self._vals(sale_line_id="x"), ValidationError, "needs an order line"),
            (self._vals(sale_line_id=0), ValidationError, "needs an order line"),
            (self._vals(purchase_line_id=[1]), ValidationError, "needs"),
            (self._vals(sale_line_id=999999999), MissingError, "does not exist"),
            (self._vals(product_id="x"), ValidationError, "Invalid"),
        ]
        for vals, error, message in cases:
            with self.subTest(vals=vals), self.assertRaisesRegex(error, message):
                Alloc.create(vals)
        with self.assertRaises(ValidationError):
            Alloc.create(["not a dict"])
        # two rows of one call count together
        with self.assertRaisesRegex(ValidationError, "left to allocate"):
            Alloc.create([self._vals(qty=6), self._vals(so=self.so_b, qty=6)])
        self.assertEqual(self._state(), [])
        Alloc.create([self._vals(qty=6), self._vals(so=self.so_b, qty=4)])
        self.assertEqual(
            sorted(s[1] for s in self._state()),
            [4, 6],
        )

    def test_trusted_key_needs_sudo(self):
        """The context key that skips the checks (receipts, PO changes) is
        honoured only in sudo."""
        Alloc = self._as(self.stock_manager, self.env["wholtra.allocation"])
        trusted = Alloc.with_context(wholtra_alloc_trusted=True)
        with self.assertRaisesRegex(ValidationError, "left to allocate"):
            trusted.create(self._vals(qty=50))
        with self.assertRaisesRegex(UserError, "soft or firm"):
            trusted.create(self._vals(state="done"))
        alloc = trusted.create(self._vals(qty=2))
        with self.assertRaisesRegex(ValidationError, "left to allocate"):
            self._as(self.stock_manager, alloc).with_context(
                wholtra_alloc_trusted=True
            ).write({"quantity": 50})
        self.assertEqual([s[1:3] for s in self._state()], [(2, "soft")])
        # the system path (sudo + key) is what receipts and PO changes use
        self.assertTrue(
            alloc.sudo().with_context(wholtra_alloc_trusted=True)._wholtra_trusted()
        )
        self.assertFalse(
            alloc.with_context(wholtra_alloc_trusted=True)
            .with_user(self.stock_manager)
            ._wholtra_trusted()
        )

    def test_roles_without_create_rights(self):
        Alloc = self.env["wholtra.allocation"]
        for user in (
            self.salesman,
            self.sales_manager,
            self.purchase_user,
            self.portal,
        ):
            with self.assertRaises(AccessError):
                self._as(user, Alloc).create(self._vals())
        self.assertEqual(self._state(), [])
        alloc = self._allocate(self.so, self.po, 2)
        for user in (self.salesman, self.sales_manager, self.portal, self.billing):
            with self.assertRaises(AccessError):
                self._as(user, alloc).write({"quantity": 1})
            with self.assertRaises(AccessError):
                self._as(user, alloc).unlink()
        self.assertEqual(self._state()[0][1], 2)

    def test_other_company_user(self):
        alloc = self._allocate(self.so, self.po, 2)
        user = self.other_stock_user
        Alloc = self._as(user, self.env["wholtra.allocation"])
        self.assertFalse(Alloc.search([("id", "=", alloc.id)]))
        with self.assertRaises(AccessError):
            Alloc.browse(alloc.id).write({"quantity": 1})
        with self.assertRaises(AccessError):
            Alloc.browse(alloc.id).action_release()
        with self.assertRaises(AccessError):
            Alloc.create(self._vals(so=self.so_b, qty=1))
        self.assertEqual([s[1:3] for s in self._state()], [(2, "soft")])


@tagged("post_install", "-at_install")
class TestOrderLineGuards(SecurityCommon):
    """Fields this addon adds on order and purchase lines."""

    def test_technical_fields_refused(self):
        sol, pol = self.so.order_line, self.po.order_line
        self.env.flush_all()
        before = (sol.wholtra_alloc_version, pol.wholtra_alloc_version)
        for user in (self.salesman, self.sales_manager, self.stock_user, self.billing):
            with self.assertRaises(UserError):
                self._as(user, sol).write({"wholtra_alloc_version": 99})
            with self.assertRaises(UserError):
                self._as(user, sol).write(
                    {"wholtra_proposal_line_ids": [Command.set(pol.ids)]}
                )
            with self.assertRaises(UserError):
                self._as(user, sol).write(
                    {
                        "wholtra_allocation_ids": [
                            Command.create({"purchase_line_id": pol.id, "quantity": 1})
                        ]
                    }
                )
        with self.assertRaisesRegex(UserError, "maintained by the allocation"):
            self._as(self.purchase_user, pol).write({"wholtra_alloc_version": 99})
        with self.assertRaisesRegex(UserError, "maintained by the allocation"):
            self._as(self.purchase_user, pol).write(
                {"wholtra_proposal_sale_line_ids": [Command.set(sol.ids)]}
            )
        with self.assertRaisesRegex(UserError, "maintained by the allocation"):
            self._as(self.purchase_user, self.po).write(
                {
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product.id,
                                "product_qty": 1,
                                "wholtra_proposal_sale_line_ids": [
                                    Command.set(sol.ids)
                                ],
                            }
                        )
                    ]
                }
            )
        self.env.invalidate_all()
        self.assertEqual((sol.wholtra_alloc_version, pol.wholtra_alloc_version), before)
        self.assertFalse(sol.wholtra_proposal_line_ids)
        self.assertFalse(sol.wholtra_allocation_ids)
        self.assertEqual(len(self.po.order_line), 1)

    def test_presale_flag_is_a_sales_decision_on_quotations(self):
        quote = self._create_so(self.gold, 3, confirm=False, user_id=self.salesman.id)
        line = quote.order_line
        for user in (self.stock_user, self.billing):
            with self.assertRaises(AccessError):
                self._as(user, line).write({"wholtra_presale": True})
        self.env.invalidate_all()
        self.assertFalse(line.wholtra_presale)
        self._as(self.salesman, line).write({"wholtra_presale": True})
        self.env.invalidate_all()
        self.assertTrue(line.wholtra_presale)
        quote.action_confirm()
        # once confirmed the flag is history, for every role
        for user in (self.salesman, self.sales_manager):
            with self.assertRaisesRegex(UserError, "quotations"):
                self._as(user, line).write({"wholtra_presale": False})
        self.env.invalidate_all()
        self.assertTrue(line.wholtra_presale)
        # a client re-sending the same value, or a new line without the flag,
        # is not a change
        self._as(self.salesman, line).write({"wholtra_presale": True})
        self._as(self.salesman, quote).write(
            {
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "product_uom_qty": 1,
                            "wholtra_presale": False,
                        }
                    )
                ]
            }
        )
        with self.assertRaisesRegex(UserError, "quotations"):
            self._as(self.salesman, quote).write(
                {
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product.id,
                                "product_uom_qty": 1,
                                "wholtra_presale": True,
                            }
                        )
                    ]
                }
            )
        self.env.invalidate_all()
        self.assertEqual(quote.order_line.mapped("wholtra_presale"), [True, False])

    def test_purchase_user_changes_po_without_allocation_access(self):
        """A buyer reduces and cancels a PO: the allocations follow (the system
        does it), although the buyer has no access to them."""
        alloc_a = self._allocate(self.so, self.po, 6)
        alloc_b = self._allocate(self.so_b, self.po, 4)
        alloc_a.sudo().priority = 30
        po = self._as(self.purchase_user, self.po)
        date = self.po.order_line.date_planned
        po.order_line.write({"product_qty": 8, "date_planned": date})
        self.env.invalidate_all()
        self.assertEqual((alloc_a.quantity, alloc_b.quantity), (6, 2))
        po.button_cancel()
        self.env.invalidate_all()
        self.assertEqual((alloc_a | alloc_b).mapped("state"), ["cancelled"] * 2)
        self.assertTrue(
            self.env["mail.activity"].search(
                [("res_model", "=", "sale.order"), ("res_id", "=", self.so_b.id)]
            )
        )


@tagged("post_install", "-at_install")
class TestPublicMethods(SecurityCommon):
    """Every public method of the addon: owning group, arguments, clean errors."""

    def test_allocation_buttons(self):
        alloc = self._allocate(self.so, self.po, 3)
        Alloc = self.env["wholtra.allocation"]
        before = self._state()
        for user in (self.salesman, self.sales_manager, self.purchase_user):
            for method in ("action_make_firm", "action_make_soft", "action_release"):
                with self.assertRaises(AccessError):
                    getattr(self._as(user, alloc), method)()
        with self.assertRaises(AccessError):
            self._as(self.stock_user, alloc).action_make_firm()
        for method in ("action_make_firm", "action_make_soft", "action_release"):
            with self.assertRaisesRegex(UserError, "Select at least one"):
                getattr(self._as(self.stock_manager, Alloc), method)()
            with self.assertRaises(MissingError):
                getattr(self._as(self.stock_manager, Alloc.browse(999999999)), method)()
        with self.assertRaisesRegex(UserError, "current state"):
            self._as(self.stock_manager, alloc).action_make_soft()
        self.assertEqual(self._state(), before)
        # firm: the stock user may no longer release it
        self._as(self.stock_manager, alloc).action_make_firm()
        with self.assertRaises(AccessError):
            self._as(self.stock_user, alloc).action_release()
        self.assertEqual(self._state(alloc)[0][2], "firm")
        self._as(self.stock_manager, alloc).action_release()
        self.assertEqual(self._state(alloc)[0][2], "cancelled")

    def test_engine_entry_points(self):
        engine = self.env["wholtra.allocation.engine"]
        for user in (
            self.salesman,
            self.sales_manager,
            self.purchase_user,
            self.portal,
        ):
            with self.assertRaises(AccessError):
                self._as(user, engine).action_run()
        for user in (self.salesman, self.stock_user, self.portal):
            with self.assertRaises(AccessError):
                self._as(user, engine).action_propose_purchases()
        self.assertEqual(self._state(), [])
        # a company where the allocation is off
        self.company.wholtra_allocation_enabled = False
        with self.assertRaisesRegex(UserError, "not enabled"):
            self._as(self.stock_user, engine).action_run()
        with self.assertRaisesRegex(UserError, "not enabled"):
            self._as(self.purchase_user, engine).action_propose_purchases()
        self.company.wholtra_allocation_enabled = True
        action = self._as(self.stock_user, engine).action_run()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(sum(s[1] for s in self._state()), 10)

    def test_engine_merges_duplicate_soft_allocations(self):
        """Found by the property test: two soft allocations of the same order line
        to the same purchase line (a manual one next to the engine's) made the
        engine update one and forget the other, over-allocating the PO."""
        Alloc = self._as(self.stock_user, self.env["wholtra.allocation"])
        Alloc.create(self._vals(qty=4))
        Alloc.create(self._vals(qty=1))
        self._as(self.stock_user, self.env["wholtra.allocation.engine"]).action_run()
        self.assertEqual(
            sorted((s[3], s[1]) for s in self._state() if s[2] == "soft"),
            sorted([(self.so.order_line.id, 8), (self.so_b.order_line.id, 2)]),
        )

    def test_order_buttons(self):
        SO = self.env["sale.order"]
        quote = self._create_so(self.gold, 2, confirm=False)
        for user in (self.salesman, self.portal, self.purchase_user):
            with self.assertRaises(AccessError):
                self._as(user, self.so).action_wholtra_run_allocation()
        with self.assertRaisesRegex(UserError, "Select at least one"):
            self._as(self.stock_user, SO).action_wholtra_run_allocation()
        with self.assertRaises(MissingError):
            self._as(
                self.stock_user, SO.browse(999999999)
            ).action_wholtra_run_allocation()
        with self.assertRaisesRegex(UserError, "Confirm the order"):
            self._as(self.stock_user, quote).action_wholtra_run_allocation()
        self.assertEqual(self._state(), [])
        self._as(self.stock_user, self.so).action_wholtra_run_allocation()
        # the engine plans the product: this order first, the other one gets the rest
        self.assertEqual([s[1] for s in self._state()], [8, 2])
        # views of allocations: sales and inventory staff, not the portal
        for records, expected in (
            (self.so, [8]),
            (self.so.order_line, [8]),
            (self.po, [8, 2]),
        ):
            with self.assertRaises(AccessError):
                self._as(self.portal, records).action_wholtra_view_allocations()
            with self.assertRaisesRegex(UserError, "Select at least one"):
                self._as(
                    self.stock_user, records.browse()
                ).action_wholtra_view_allocations()
            action = self._as(
                self.stock_user, records
            ).action_wholtra_view_allocations()
            self.assertEqual(
                self.env["wholtra.allocation"]
                .search(action["domain"], order="id")
                .mapped("quantity"),
                expected,
            )
        with self.assertRaises(AccessError):
            self._as(self.portal, self.gold).action_wholtra_open_backorders()
        with self.assertRaises(AccessError):
            self._as(self.stock_user, self.gold).action_wholtra_open_backorders()
        with self.assertRaisesRegex(UserError, "Select at least one"):
            self._as(self.salesman, self.gold.browse()).action_wholtra_open_backorders()
        action = self._as(
            self.sales_manager, self.gold
        ).action_wholtra_open_backorders()
        self.assertIn(
            self.so.order_line, self.env["sale.order.line"].search(action["domain"])
        )

    def test_allocate_wizard(self):
        SOL = self.env["sale.order.line"]
        quote = self._create_so(self.gold, 2, confirm=False)
        with self.assertRaises(AccessError):
            self._as(self.salesman, self.so.order_line).action_wholtra_allocate()
        with self.assertRaisesRegex(UserError, "Select at least one"):
            self._as(self.stock_user, SOL).action_wholtra_allocate()
        with self.assertRaisesRegex(UserError, "one order line at a time"):
            self._as(
                self.stock_user, self.so.order_line | self.so_b.order_line
            ).action_wholtra_allocate()
        with self.assertRaisesRegex(UserError, "confirmed order lines"):
            self._as(self.stock_user, quote.order_line).action_wholtra_allocate()
        action = self._as(self.stock_user, self.so.order_line).action_wholtra_allocate()
        Wizard = self._as(self.stock_user, self.env[action["res_model"]]).with_context(
            action["context"]
        )
        with self.assertRaises(AccessError):
            self._as(self.salesman, self.env[action["res_model"]]).create(
                {"sale_line_id": self.so.order_line.id}
            )
        defaults = Wizard.default_get(["sale_line_id", "line_ids"])
        self.assertEqual(len(defaults["line_ids"]), 1)
        for bad in (None, "x", -1, [1], {"evil": 1}):
            with self.assertRaisesRegex(UserError, "field names"):
                Wizard.default_get(bad)
        with self.assertRaisesRegex(UserError, "from an order line"):
            Wizard.with_context(default_sale_line_id="x").default_get(
                ["sale_line_id", "line_ids"]
            )
        wizard = Wizard.create(
            {
                "firm": True,
                "line_ids": [
                    Command.create(
                        {"purchase_line_id": self.po.order_line.id, "quantity": 3}
                    )
                ],
            }
        )
        with self.assertRaises(AccessError):
            wizard.action_allocate()
        with self.assertRaisesRegex(UserError, "Select at least one"):
            wizard.browse().action_allocate()
        wizard.firm = False
        for bad in (math.nan, math.inf, -math.inf, -2, 1e308, "x"):
            with self.assertRaisesRegex(ValidationError, "positive number"):
                wizard.line_ids.write({"quantity": bad})
            with self.assertRaisesRegex(ValidationError, "positive number"):
                wizard.line_ids.create(
                    {
                        "wizard_id": wizard.id,
                        "purchase_line_id": self.po.order_line.id,
                        "quantity": bad,
                    }
                )
        self.assertEqual(len(wizard.line_ids), 1)
        wizard.line_ids.quantity = 50
        with self.assertRaisesRegex(ValidationError, "left to allocate"):
            wizard.action_allocate()
        self.assertEqual(self._state(), [])
        wizard.line_ids.quantity = 3
        wizard.action_allocate()
        self.assertEqual([s[1:3] for s in self._state()], [(3, "soft")])


@tagged("post_install", "-at_install")
class TestPortalReads(SecurityCommon):
    """The portal customer reads its promised date, not the internal figures."""

    INTERNAL = {
        "sale.order": [
            "wholtra_availability_warning",
            "wholtra_allocation_count",
            "wholtra_presale_policy",
        ],
        "sale.order.line": [
            "wholtra_allocation_ids",
            "wholtra_alloc_version",
            "wholtra_presale",
            "wholtra_proposal_line_ids",
            "wholtra_qty_on_hand",
            "wholtra_qty_free",
            "wholtra_qty_free_all",
            "wholtra_qty_incoming",
            "wholtra_next_eta",
            "wholtra_qty_reserved",
            "wholtra_qty_allocated",
            "wholtra_alloc_status",
            "wholtra_alloc_summary",
        ],
        "purchase.order.line": [
            "wholtra_allocation_ids",
            "wholtra_alloc_version",
            "wholtra_proposal_sale_line_ids",
            "wholtra_qty_allocated",
            "wholtra_qty_free",
        ],
    }

    @mute_logger("odoo.models")
    def test_internal_fields_hidden_from_portal(self):
        self._allocate(self.so, self.po, 8)
        self.so.message_subscribe(partner_ids=self.gold.ids)
        for model, names in self.INTERNAL.items():
            for name in names:
                self.assertTrue(self.env[model]._fields[name].groups, name)
        for name in self.INTERNAL["sale.order"]:
            with self.assertRaises(AccessError):
                self._as(self.portal, self.so).read([name])
        for name in self.INTERNAL["sale.order.line"]:
            with self.assertRaises(AccessError):
                self._as(self.portal, self.so.order_line).read([name])
        # the customer's promise stays readable
        (values,) = self._as(self.portal, self.so).read(["wholtra_expected_date"])
        self.assertEqual(
            values["wholtra_expected_date"], self.po.order_line.date_planned
        )
        (values,) = self._as(self.portal, self.so.order_line).read(
            ["wholtra_promised_date"]
        )
        self.assertEqual(
            values["wholtra_promised_date"], self.po.order_line.date_planned
        )
        # the sales and inventory side read them
        self._as(self.sales_manager, self.so).read(self.INTERNAL["sale.order"])
        self._as(self.stock_user, self.so.order_line).read(
            self.INTERNAL["sale.order.line"]
        )
        self._as(self.purchase_user, self.po.order_line).read(
            ["wholtra_qty_allocated", "wholtra_qty_free"]
        )


@tagged("post_install", "-at_install")
class TestPortalOrderPage(HttpCase):
    """The customer's order page shows the promised date to a portal user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        env.company.wholtra_allocation_enabled = True
        customer = env["res.partner"].create({"name": "Portal Grocer"})
        cls.portal = new_test_user(
            env, "alloc_portal_page", groups="base.group_portal", partner_id=customer.id
        )
        product = env["product.product"].create(
            {"name": "Portal Cola", "is_storable": True}
        )
        vendor = env["res.partner"].create({"name": "Portal Vendor"})
        eta = fields.Datetime.now().replace(hour=12, minute=0, second=0) + timedelta(
            days=9
        )
        po = env["purchase.order"].create(
            {
                "partner_id": vendor.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_qty": 10,
                            "price_unit": 1,
                            "date_planned": eta,
                        }
                    )
                ],
            }
        )
        po.button_confirm()
        cls.so = env["sale.order"].create(
            {
                "partner_id": customer.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": 4,
                            "price_unit": 3,
                        }
                    )
                ],
            }
        )
        cls.so.action_confirm()
        cls.so.message_subscribe(partner_ids=customer.ids)
        env["wholtra.allocation"].create(
            {
                "sale_line_id": cls.so.order_line.id,
                "purchase_line_id": po.order_line.id,
                "quantity": 4,
            }
        )
        cls.eta = eta

    def test_portal_order_page_shows_promised_date(self):
        self.assertEqual(self.so.wholtra_expected_date, self.eta)
        self.authenticate("alloc_portal_page", "alloc_portal_page")
        response = self.url_open(f"/my/orders/{self.so.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.so.name, response.text)
        self.assertIn("Promised Date", response.text)
        self.assertIn(format_date(self.env, self.eta), response.text)
