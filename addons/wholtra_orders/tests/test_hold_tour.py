from odoo import Command
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestHoldTour(HttpCase):
    def test_blocked_order_released_in_the_browser(self):
        self.env.company.wholtra_enforce_account_terms = True
        partner = self.env["res.partner"].create(
            {"name": "Tour Held Deli", "is_company": True}
        )
        partner._wholtra_set_hold("Cheque bounced")
        product = self.env["product.product"].create(
            {"name": "Salted Crisps 24x50g", "list_price": 12.0, "type": "consu"}
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": 3})
                ],
            }
        )
        self.start_tour(
            f"/odoo/action-sale.action_quotations_with_onboarding/{order.id}",
            "wholtra_orders_hold_tour",
            login="admin",
        )
        self.assertEqual(order.state, "sale")
        self.assertTrue(order.wholtra_hold_released)
        self.assertEqual(order.wholtra_hold_release_reason, "Paid by card on the phone")
        self.assertTrue(partner.wholtra_hold_manual, "the customer stays on hold")
