"""Issue 15 item 8: what the AR clerk reads on the invoice and the aging graph."""

from datetime import date, timedelta

from lxml import etree

from odoo.tests import Form, tagged

from .test_ar_status import ArCommon


@tagged("post_install", "-at_install")
class TestArScreens(ArCommon):
    def test_ar_status_in_invoice_header(self):
        arch = etree.fromstring(
            self.env["account.move"].get_view(
                self.env.ref("account.view_move_form").id, "form"
            )["arch"]
        )
        header = arch.xpath("//group[@id='header_right_group']")[0]
        for fname in ("wholtra_ar_status", "wholtra_days_overdue"):
            self.assertTrue(
                header.xpath(f".//field[@name='{fname}']"),
                f"{fname} in the header group",
            )
            self.assertFalse(
                arch.xpath(f"//page[@name='other_info']//field[@name='{fname}']"),
                f"{fname} not under Other Info",
            )
        status = header.xpath(".//field[@name='wholtra_ar_status']")[0]
        self.assertEqual(status.get("widget"), "badge")
        self.assertIn("past_due", status.get("decoration-danger"))

    def test_invoice_form_reads_past_due(self):
        partner = self.env["res.partner"].create({"name": "Corner Deli"})
        due = date.today() - timedelta(days=40)
        invoice = self._invoice(partner, 120.0, due, due)
        self.assertEqual(invoice.wholtra_ar_status, "past_due")
        form = Form(invoice.with_user(self.billing))
        self.assertEqual(form.wholtra_ar_status, "past_due")
        self.assertGreater(form.wholtra_days_overdue, 0)
        self.assertEqual(form.amount_residual, 120.0)

    def test_aging_graph_buckets_in_order_one_colour(self):
        arch = etree.fromstring(
            self.env["wholtra.ar.aging"].get_view(view_type="graph")["arch"]
        )
        groupbys = [f.get("name") for f in arch.xpath("//field[not(@type='measure')]")]
        # the buckets on the axis, not a dataset per bucket coloured in the
        # order the customers came in (90+ was green)
        self.assertEqual(groupbys, ["bucket"])
        self.assertNotEqual(arch.get("stacked"), "1")
        partner_a = self.env["res.partner"].create({"name": "Aa Late Payer"})
        partner_b = self.env["res.partner"].create({"name": "Bb Good Payer"})
        as_of = date(2026, 6, 30)
        # the first customer only has a 90+ invoice, the second the others
        self._invoice(partner_a, 90.0, as_of - timedelta(days=120))
        for days, amount in ((0, 10.0), (10, 20.0), (45, 30.0), (75, 40.0)):
            self._invoice(partner_b, amount, as_of - timedelta(days=days))
        aging = self.env["wholtra.ar.aging"].with_context(wholtra_aging_date=as_of)
        groups = aging.formatted_read_group(
            [("partner_id", "in", (partner_a | partner_b).ids)],
            ["bucket"],
            ["amount_residual:sum"],
        )
        self.assertEqual(
            [(g["bucket"], g["amount_residual:sum"]) for g in groups],
            [
                ("0_current", 10.0),
                ("1_30", 20.0),
                ("31_60", 30.0),
                ("61_90", 40.0),
                ("91_plus", 90.0),
            ],
        )
