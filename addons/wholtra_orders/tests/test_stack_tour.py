from odoo import Command
from odoo.tests import HttpCase, tagged
from odoo.tools.misc import find_in_path


@tagged("post_install", "-at_install")
class TestStackTour(HttpCase):
    def test_sale_order_form_with_wholtra_menu(self):
        # Odoo skips tours silently without a browser: here a missing Chromium is a failure.
        self.assertTrue(
            any(
                find_in_path(b)
                for b in ("chromium", "google-chrome", "chromium-browser")
            ),
            "Chromium is required for the browser tours (run scripts/bootstrap)",
        )
        partner = self.env["res.partner"].create({"name": "Tour Snack Shack"})
        product = self.env["product.product"].create(
            {"name": "Salted Crisps 24x50g", "list_price": 12.0, "type": "consu"}
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": 3}),
                ],
            }
        )
        self.start_tour(
            f"/odoo/action-sale.action_orders/{order.id}",
            "wholtra_orders_stack_tour",
            login="admin",
        )
