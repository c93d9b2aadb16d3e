from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import WholtraInvoicingCommon


class SecurityCommon(WholtraInvoicingCommon):
    """Every role of a distributor, and a delivery invoiced at validation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.wholtra_invoice_auto_post = True
        cls.company_b = cls.env["res.company"].create({"name": "Second Distributor"})
        cls.buyer = cls.env["res.partner"].create(
            {"name": "Deli buyer", "parent_id": cls.customer.id, "email": "b@x.com"}
        )
        cls.portal = new_test_user(
            cls.env,
            login="wi_portal",
            groups="base.group_portal",
            partner_id=cls.buyer.id,
        )
        cls.salesman = new_test_user(
            cls.env, login="wi_salesman", groups="sales_team.group_sale_salesman"
        )
        cls.sales_manager = new_test_user(
            cls.env, login="wi_manager", groups="sales_team.group_sale_manager"
        )
        cls.stock_user = new_test_user(
            cls.env, login="wi_stock", groups="stock.group_stock_user"
        )
        cls.billing = new_test_user(
            cls.env,
            login="wi_billing_sec",
            groups="account.group_account_invoice,base.group_partner_manager",
        )
        cls.other_company = new_test_user(
            cls.env,
            login="wi_other",
            groups="account.group_account_invoice,stock.group_stock_user,"
            "sales_team.group_sale_salesman",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )
        cls.internal_roles = (
            cls.salesman,
            cls.sales_manager,
            cls.stock_user,
            cls.billing,
            cls.other_company,
        )
        cls.order = cls._create_order(user=cls.salesman)
        cls.picking = cls.order.picking_ids
        cls._ship(cls.picking)
        cls.invoice = cls.picking.wholtra_invoice_ids
        cls.invoice.message_subscribe(cls.buyer.ids)
        cls.order.message_subscribe(cls.buyer.ids)

    def _ready_delivery(self, partner=None):
        order = self._create_order(partner=partner, user=self.salesman)
        picking = order.picking_ids
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        return order, picking


@tagged("post_install", "-at_install")
class TestSystemFields(SecurityCommon):
    """Issue 11 (3): fields the system manages are refused over RPC for every
    role, and nothing is written."""

    def test_setup(self):
        self.assertEqual(self.invoice.state, "posted")
        self.assertEqual(self.invoice.wholtra_ar_status, "open")
        self.assertEqual(self.picking.wholtra_invoice_state, "invoiced")

    def test_picking_dispatch_fields_refused_for_every_role(self):
        attempts = [
            {"wholtra_invoice_state": "nothing"},
            {"wholtra_invoice_state": False},
            {"wholtra_invoice_error": "forged"},
            {"wholtra_invoice_ids": [Command.clear()]},
            {"wholtra_invoice_ids": [Command.set([])]},
        ]
        for user in (self.portal, *self.internal_roles):
            for vals in attempts:
                with (
                    self.subTest(user=user.login, vals=vals),
                    self.assertRaises(AccessError),
                ):
                    self.picking.with_user(user).write(vals)
        self.env.invalidate_all()
        self.assertEqual(self.picking.wholtra_invoice_state, "invoiced")
        self.assertFalse(self.picking.wholtra_invoice_error)
        self.assertEqual(self.picking.wholtra_invoice_ids, self.invoice)
        self.assertEqual(self.invoice.wholtra_picking_ids, self.picking)

    def test_picking_created_with_dispatch_state_refused(self):
        vals = {
            "picking_type_id": self.warehouse.out_type_id.id,
            "partner_id": self.customer.id,
            "wholtra_invoice_state": "invoiced",
        }
        with self.assertRaises(AccessError):
            self.env["stock.picking"].with_user(self.stock_user).create(vals)
        # unchanged empty values (as a client resends them) pass
        vals["wholtra_invoice_state"] = False
        picking = self.env["stock.picking"].with_user(self.stock_user).create(vals)
        self.assertFalse(picking.wholtra_invoice_state)

    def test_ar_status_computed_only(self):
        for user in (self.billing, self.sales_manager, self.salesman):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.invoice.with_user(user).write({"wholtra_ar_status": "paid"})
        with self.assertRaises(AccessError):
            self.env["account.move"].with_user(self.billing).create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "wholtra_ar_status": "paid",
                }
            )
        self.env.invalidate_all()
        self.assertEqual(self.invoice.wholtra_ar_status, "open")
        self.assertEqual(self.invoice.payment_state, "not_paid")

    def test_dispute_and_links_refused_outside_their_method(self):
        for vals in (
            {"wholtra_disputed": True, "wholtra_dispute_reason": "forged"},
            {"wholtra_dispute_reason": "forged"},
            {"wholtra_picking_ids": [Command.set([])]},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                self.invoice.with_user(self.billing).write(vals)
        self.env.invalidate_all()
        self.assertFalse(self.invoice.wholtra_disputed)
        self.assertFalse(self.invoice.wholtra_dispute_reason)
        self.assertEqual(self.invoice.wholtra_picking_ids, self.picking)

    def test_billing_creates_invoice_from_client_values(self):
        """The web client sends the unchanged (empty) values: they pass."""
        move = (
            self.env["account.move"]
            .with_user(self.billing)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "wholtra_disputed": False,
                    "wholtra_picking_ids": [Command.set([])],
                }
            )
        )
        self.assertFalse(move.wholtra_disputed)

    def test_copy_and_reversal_keep_working(self):
        copy = self.invoice.with_user(self.billing).copy()
        self.assertFalse(copy.wholtra_picking_ids)
        reversal = self.invoice.with_user(self.billing)._reverse_moves(cancel=True)
        self.assertEqual(reversal.state, "posted")
        self.env.invalidate_all()
        self.assertEqual(self.invoice.wholtra_ar_status, "paid")  # reversed
        self.assertFalse(reversal.wholtra_picking_ids)
        backorder_copy = self.picking.with_user(self.stock_user).copy()
        self.assertFalse(backorder_copy.wholtra_invoice_state)
        # a draft dispatch invoice is cancelled by a billing user
        self.company.wholtra_invoice_auto_post = False
        order, picking = self._ready_delivery()
        picking.with_user(self.stock_user).button_validate()
        draft = picking.wholtra_invoice_ids
        self.assertEqual(draft.state, "draft")
        draft.with_user(self.billing).button_cancel()
        self.env.invalidate_all()
        self.assertEqual(draft.state, "cancel")
        self.assertFalse(draft.wholtra_ar_status)
        self.assertEqual(draft.wholtra_picking_ids, picking)

    def test_pending_adjustment_not_writable(self):
        line = self.order.order_line[:1]
        with self.assertRaises(AccessError):
            self.order.with_user(self.salesman).write(
                {"wholtra_pending_adjustment": 100.0}
            )
        with self.assertRaises(AccessError):
            line.with_user(self.salesman).write({"wholtra_pending_adjustment": 5.0})
        with self.assertRaises(AccessError):
            line.with_user(self.salesman).write({"wholtra_follows_changes": False})
        self.env.invalidate_all()
        self.assertFalse(self.order.wholtra_pending_adjustment)


@tagged("post_install", "-at_install")
class TestDisputes(SecurityCommon):
    """Disputes: only through the wizard / resolve button, by billing users,
    with a reason."""

    def _wizard(self, user, moves, reason="3 cases damaged"):
        return (
            self.env["wholtra.dispute.wizard"]
            .with_user(user)
            .create({"move_ids": [Command.set(moves.ids)], "reason": reason})
        )

    def test_billing_disputes_and_resolves(self):
        action = self.invoice.with_user(self.billing).action_wholtra_dispute()
        self.assertEqual(action["res_model"], "wholtra.dispute.wizard")
        self._wizard(self.billing, self.invoice).action_confirm()
        self.env.invalidate_all()
        self.assertTrue(self.invoice.wholtra_disputed)
        self.assertEqual(self.invoice.wholtra_dispute_reason, "3 cases damaged")
        self.assertEqual(self.invoice.wholtra_ar_status, "disputed")
        self.invoice.with_user(self.billing).action_wholtra_resolve_dispute()
        self.env.invalidate_all()
        self.assertFalse(self.invoice.wholtra_disputed)
        self.assertEqual(self.invoice.wholtra_ar_status, "open")

    def test_other_roles_cannot_dispute(self):
        for user in (self.salesman, self.sales_manager, self.stock_user):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.invoice.with_user(user).action_wholtra_dispute()
                with self.assertRaises(AccessError):
                    self._wizard(user, self.invoice)
        # a billing user of another company
        with self.assertRaises(AccessError):
            self._wizard(self.other_company, self.invoice).action_confirm()
        self.env.invalidate_all()
        self.assertFalse(self.invoice.wholtra_disputed)

    def test_resolve_checks(self):
        self._wizard(self.billing, self.invoice).action_confirm()
        for user in (self.salesman, self.stock_user, self.other_company):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.invoice.with_user(user).action_wholtra_resolve_dispute()
        Move = self.env["account.move"].with_user(self.billing)
        with self.assertRaises(UserError):
            Move.action_wholtra_resolve_dispute()
        with self.assertRaises(MissingError):
            Move.browse(10**8).action_wholtra_resolve_dispute()
        self.env.invalidate_all()
        self.assertTrue(self.invoice.wholtra_disputed)

    def test_dispute_input_checked(self):
        draft = self.env["account.move"].create(
            {"move_type": "out_invoice", "partner_id": self.customer.id}
        )
        with self.assertRaises(UserError):
            draft.with_user(self.billing).action_wholtra_dispute()
        with self.assertRaises(UserError):
            self._wizard(self.billing, draft).action_confirm()
        with self.assertRaises(UserError):
            self._wizard(self.billing, self.invoice, reason="   ").action_confirm()
        with self.assertRaises(UserError):
            self.env["account.move"].with_user(self.billing).action_wholtra_dispute()
        with self.assertRaises(UserError):
            self.invoice.with_user(self.billing).action_wholtra_resolve_dispute()
        wizards = self._wizard(self.billing, self.invoice) | self._wizard(
            self.billing, self.invoice
        )
        with self.assertRaises(UserError):
            wizards.action_confirm()
        self.env.invalidate_all()
        self.assertFalse(self.invoice.wholtra_disputed)
        self.assertFalse(draft.wholtra_disputed)


@tagged("post_install", "-at_install")
class TestInvoiceModeDecision(SecurityCommon):
    """How a customer is invoiced is a billing decision."""

    def test_salesman_cannot_change_invoice_mode(self):
        for user in (self.salesman, self.sales_manager, self.stock_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.customer.with_user(user).write({"wholtra_invoice_mode": "manual"})
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.salesman).create(
                {"name": "Never billed", "wholtra_invoice_mode": "manual"}
            )
        self.env.invalidate_all()
        self.assertFalse(self.customer.wholtra_invoice_mode)

    def test_billing_decides_and_contacts_follow(self):
        self.customer.with_user(self.billing).write(
            {"wholtra_invoice_mode": "periodic"}
        )
        self.assertEqual(self.buyer.wholtra_invoice_mode, "periodic")
        # a sales manager adds a contact (Odoo copies the company's commercial
        # fields) and edits the company: both still work
        manager = self.sales_manager
        contact = (
            self.env["res.partner"]
            .with_user(manager)
            .create({"name": "Second buyer", "parent_id": self.customer.id})
        )
        self.assertEqual(contact.wholtra_invoice_mode, "periodic")
        self.customer.with_user(manager).write({"phone": "+32 2 555 01 01"})
        contact.with_user(manager).write({"wholtra_invoice_mode": "periodic"})
        self.env.invalidate_all()
        self.assertEqual(self.customer.wholtra_invoice_mode, "periodic")


@tagged("post_install", "-at_install")
class TestInternalFieldGroups(SecurityCommon):
    """Issue 11 (8): internal invoicing data is not readable by portal users
    (nor AR figures by warehouse users)."""

    def test_portal_reads_no_internal_field(self):
        partner = self.customer.with_user(self.portal)
        partner.read(["name"])  # the customer itself is readable
        for fname in (
            "wholtra_invoice_mode",
            "wholtra_overdue_invoice_count",
        ):
            with self.subTest(field=fname), self.assertRaises(AccessError):
                partner.read([fname])
        invoice = self.invoice.with_user(self.portal)
        invoice.read(["name", "amount_total"])  # their own invoice
        for fname in (
            "wholtra_ar_status",
            "wholtra_days_overdue",
            "wholtra_disputed",
            "wholtra_dispute_reason",
            "wholtra_picking_ids",
            "wholtra_picking_count",
        ):
            with self.subTest(field=fname), self.assertRaises(AccessError):
                invoice.read([fname])
        with self.assertRaises(AccessError):
            invoice.search_read([("wholtra_ar_status", "=", "open")], ["name"])
        order = self.order.with_user(self.portal)
        with self.assertRaises(AccessError):
            order.read(["wholtra_pending_adjustment"])
        with self.assertRaises(AccessError):
            order.order_line.read(["wholtra_pending_adjustment"])
        # the technical flag of the order form stays readable (no invoicing data)
        order.order_line.read(["wholtra_follows_changes"])

    def test_ar_figures_for_sales_and_accounting_only(self):
        with self.assertRaises(AccessError):
            self.customer.with_user(self.stock_user).read(
                ["wholtra_overdue_invoice_count"]
            )
        for user in (self.salesman, self.billing):
            self.customer.with_user(user).read(["wholtra_overdue_invoice_count"])
        # the invoicing state of a delivery is for internal users
        values = self.picking.with_user(self.stock_user).read(
            ["wholtra_invoice_state", "wholtra_invoice_error"]
        )[0]
        self.assertEqual(values["wholtra_invoice_state"], "invoiced")


@tagged("post_install", "-at_install")
class TestDispatchRights(SecurityCommon):
    """Issue 11 (9): the warehouse user's delivery is invoiced with a sudo
    confined to building and creating the invoice; the hook of sibling addons
    runs in the user's environment."""

    def test_stock_user_validates_and_invoice_is_posted(self):
        calls = []
        picking_model = type(self.env["stock.picking"])
        original = picking_model._wholtra_dispatch_invoices_created

        def spy(pickings, invoices):
            calls.append((pickings.env.su, pickings.env.uid, invoices.env.su))
            return original(pickings, invoices)

        self.patch(picking_model, "_wholtra_dispatch_invoices_created", spy)
        order, picking = self._ready_delivery()
        picking.with_user(self.stock_user).button_validate()
        self.env.invalidate_all()
        invoice = picking.wholtra_invoice_ids
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.wholtra_invoice_state, "invoiced")
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.create_uid, self.stock_user)
        self.assertEqual(invoice.invoice_user_id, self.salesman)
        self.assertAlmostEqual(invoice.amount_untaxed, 10 * 2.5 + 5 * 12.0)
        self.assertEqual(calls, [(False, self.stock_user.id, False)])
        # the rights used for the invoice did not leak to the user
        with self.assertRaises(AccessError):
            invoice.with_user(self.stock_user).read(["name"])
        with self.assertRaises(AccessError):
            self.env["account.move"].with_user(self.stock_user).create(
                {"move_type": "out_invoice", "partner_id": self.customer.id}
            )

    def test_retry_button_checks(self):
        journals = self.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", self.company.id)]
        )
        journals.action_archive()
        order, picking = self._ready_delivery()
        picking.with_user(self.stock_user).button_validate()
        self.assertEqual(picking.wholtra_invoice_state, "to_invoice")
        self.assertTrue(picking.wholtra_invoice_error)
        journals.action_unarchive()
        Picking = self.env["stock.picking"]
        for user in (self.stock_user, self.salesman):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                picking.with_user(user).action_wholtra_retry_invoicing()
        with self.assertRaises(AccessError):
            picking.with_user(self.other_company).action_wholtra_retry_invoicing()
        with self.assertRaises(UserError):
            Picking.with_user(self.billing).action_wholtra_retry_invoicing()
        with self.assertRaises(MissingError):
            Picking.with_user(self.billing).browse(
                10**8
            ).action_wholtra_retry_invoicing()
        receipt = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.in_type_id.id,
                "partner_id": self.customer.id,
            }
        )
        for records in (receipt, self.picking, picking | self.picking):
            with self.subTest(records=records.ids), self.assertRaises(UserError):
                records.with_user(self.billing).action_wholtra_retry_invoicing()
        self.env.invalidate_all()
        self.assertFalse(order.invoice_ids)
        self.assertEqual(picking.wholtra_invoice_state, "to_invoice")
        picking.with_user(self.billing).action_wholtra_retry_invoicing()
        self.env.invalidate_all()
        self.assertEqual(picking.wholtra_invoice_state, "invoiced")
        self.assertFalse(picking.wholtra_invoice_error)
        self.assertEqual(len(order.invoice_ids), 1)
        self.assertEqual(order.invoice_ids.state, "posted")

    def test_view_buttons_checks(self):
        with self.assertRaises(AccessError):
            self.picking.with_user(self.stock_user).action_wholtra_view_invoices()
        action = self.picking.with_user(self.salesman).action_wholtra_view_invoices()
        self.assertEqual(action["res_id"], self.invoice.id)
        with self.assertRaises(UserError):
            self.env["stock.picking"].with_user(
                self.billing
            ).action_wholtra_view_invoices()
        _order, other = self._ready_delivery()
        with self.assertRaises(UserError):
            (self.picking | other).with_user(
                self.billing
            ).action_wholtra_view_invoices()
        action = self.invoice.with_user(self.billing).action_wholtra_view_pickings()
        self.assertEqual(action["res_id"], self.picking.id)
        with self.assertRaises(UserError):
            self.env["account.move"].with_user(
                self.billing
            ).action_wholtra_view_pickings()
        with self.assertRaises(AccessError):
            self.invoice.with_user(self.portal).action_wholtra_view_pickings()
        Aging = self.env["wholtra.ar.aging"].with_user(self.billing)
        with self.assertRaises(UserError):
            Aging.action_open_move()
        row = Aging.search([("move_id", "=", self.invoice.id)])
        self.assertEqual(row.action_open_move()["res_id"], self.invoice.id)

    def test_invoice_adjustments_checks(self):
        self.order.order_line[:1].price_unit = 3.0
        self.assertAlmostEqual(self.order.wholtra_pending_adjustment, 5.0)
        for user in (self.salesman, self.stock_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.order.with_user(user).action_wholtra_invoice_adjustments()
        with self.assertRaises(UserError):
            self.env["sale.order"].with_user(
                self.billing
            ).action_wholtra_invoice_adjustments()
        with self.assertRaises(AccessError):
            self.order.with_user(
                self.other_company
            ).action_wholtra_invoice_adjustments()
        self.env.invalidate_all()
        self.assertEqual(len(self.order.invoice_ids), 1)
        self.order.with_user(self.billing).action_wholtra_invoice_adjustments()
        self.env.invalidate_all()
        self.assertEqual(len(self.order.invoice_ids), 2)
        self.assertFalse(self.order.wholtra_pending_adjustment)


@tagged("post_install", "-at_install")
class TestBadInput(SecurityCommon):
    """Malformed values get a clean error and change nothing."""

    def test_malformed_system_values_refused_cleanly(self):
        picking = self.picking.with_user(self.stock_user)
        for vals in (
            {"wholtra_invoice_ids": 5},
            {"wholtra_invoice_ids": [[6, 0, 5]]},
            {"wholtra_invoice_ids": [["x"]]},
            {"wholtra_invoice_state": ["invoiced"]},
            {"wholtra_invoice_state": "paid"},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                picking.write(vals)
        with self.assertRaises(AccessError):
            self.order.with_user(self.salesman).write(
                {"wholtra_pending_adjustment": float("nan")}
            )
        self.env.invalidate_all()
        self.assertEqual(self.picking.wholtra_invoice_state, "invoiced")
        self.assertEqual(self.picking.wholtra_invoice_ids, self.invoice)

    def test_aging_date_and_grace_days_checked(self):
        Aging = self.env["wholtra.ar.aging"].with_user(self.billing)
        for value in ("not a date", 42, ["2026-01-01"]):
            with self.subTest(value=value), self.assertRaises(UserError):
                Aging.with_context(wholtra_aging_date=value).search_read(
                    [], ["amount_residual"]
                )
        rows = Aging.with_context(wholtra_aging_date="2026-01-01").search([])
        self.assertNotIn(self.invoice, rows.move_id, "not issued yet on that date")
        with (
            self.assertRaises(IntegrityError),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.company.wholtra_past_due_grace_days = -5
            self.env.flush_all()
        self.env.invalidate_all()
        self.assertGreaterEqual(self.company.wholtra_past_due_grace_days, 0)
