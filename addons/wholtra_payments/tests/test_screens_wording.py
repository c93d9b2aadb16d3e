"""Issue 15 item 8: the Collections list and the COD wizard, as a clerk reads them."""

from lxml import etree

from odoo.tests import TransactionCase, new_test_user, tagged

from .common import WholtraPaymentsCommon


@tagged("post_install", "-at_install")
class TestCollectionsScreens(WholtraPaymentsCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_wholtra_payments()
        cls.ar_clerk = new_test_user(
            cls.env,
            login="wp_ar_clerk",
            groups="account.group_account_invoice,sales_team.group_sale_salesman,"
            "wholtra_orders.group_wholtra_credit_manager",
        )

    def test_days_overdue_not_summed_per_group(self):
        Status = self.env["wholtra.collection.status"]
        self.assertEqual(Status._fields["days_overdue"].aggregator, "max")
        self.assertEqual(Status._fields["level_days"].aggregator, "max")
        partner_b = self.env["res.partner"].create({"name": "Second Customer"})
        Status.sudo().create(
            [
                {"partner_id": self.customer.id, "days_overdue": 40},
                {"partner_id": partner_b.id, "days_overdue": 75},
            ]
        )
        groups = Status.formatted_read_group(
            [("partner_id", "in", (self.customer | partner_b).ids)],
            [],
            ["days_overdue:max", "__count"],
        )
        # the list's group rows show the most overdue customer (75), not 115
        self.assertEqual(groups[0]["days_overdue:max"], 75)

    def test_row_actions(self):
        arch = etree.fromstring(
            self.env["wholtra.collection.status"].get_view(
                self.env.ref("wholtra_payments.wholtra_collection_status_view_list").id,
                "list",
            )["arch"]
        )
        buttons = {b.get("name") for b in arch.xpath("//list/button")}
        self.assertLessEqual(
            {
                "action_wholtra_open_invoices",
                "action_wholtra_statement_link",
                "action_wholtra_hold_wizard",
            },
            buttons,
        )
        status = (
            self.env["wholtra.collection.status"]
            .sudo()
            .create({"partner_id": self.customer.id})
            .with_user(self.ar_clerk)
        )
        action = status.action_wholtra_statement_link()
        self.assertEqual(action["res_model"], "wholtra.statement.link")
        link = self.env["wholtra.statement.link"].browse(action["res_id"])
        self.assertEqual(link.partner_id, self.customer.commercial_partner_id)
        hold = status.action_wholtra_hold_wizard()
        self.assertEqual(hold["res_model"], "wholtra.order.approval.wizard")

    def test_cod_wizard_says_delivery(self):
        Wizard = self.env["wholtra.cod.collect.wizard"]
        self.assertEqual(Wizard._fields["picking_id"].string, "Delivery")
        arch = Wizard.get_view(view_type="form")["arch"]
        self.assertNotIn("Picking", arch)
        fields_info = Wizard.fields_get(["picking_id", "partner_id"], ["string"])
        self.assertEqual(fields_info["picking_id"]["string"], "Delivery")
        self.assertEqual(fields_info["partner_id"]["string"], "Customer")
