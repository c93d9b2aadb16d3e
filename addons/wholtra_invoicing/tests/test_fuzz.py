"""Property-based test (hypothesis) of dispatch invoicing: a warehouse user
ships random partial quantities of lines with odd prices and discounts; the
delivery's invoice bills exactly what was shipped, at the price each order
line carried. Each example runs in its own savepoint, rolled back after it."""

from contextlib import closing

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import WholtraInvoicingCommon

EXAMPLES = 30
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PRICES = st.one_of(
    st.integers(min_value=101, max_value=99999).map(lambda cents: cents / 100),
    st.sampled_from([1.01, 3.33, 9.99, 12.345, 0.99 * 7]),
)
DISCOUNTS = st.one_of(
    st.integers(min_value=0, max_value=5000).map(lambda bp: bp / 100),
    st.sampled_from([0.0, 7.5, 12.34, 33.33, 50.0]),
)
LINES = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=40),  # ordered
        PRICES,
        DISCOUNTS,
        st.floats(min_value=0.0, max_value=1.0),  # share shipped
    ),
    min_size=1,
    max_size=3,
)


@tagged("post_install", "-at_install")
class TestDispatchInvoicingFuzz(WholtraInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.wholtra_invoice_auto_post = True
        cls.stock_user = new_test_user(
            cls.env, login="wi_fuzz_stock", groups="stock.group_stock_user"
        )
        cls.products = [cls.crisps, cls.cola, cls.water]

    @SETTINGS
    @given(lines=LINES)
    def test_invoice_bills_what_was_shipped(self, lines):
        shipped = [int(ordered * share) for ordered, _price, _disc, share in lines]
        assume(any(shipped))
        with closing(self.env.cr.savepoint()):
            self._check_example(lines, shipped)
        self.env.invalidate_all()

    def _check_example(self, lines, shipped):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": ordered,
                            "price_unit": price,
                            "discount": discount,
                        }
                    )
                    for product, (ordered, price, discount, _share) in zip(
                        self.products, lines, strict=False
                    )
                ],
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        by_line = dict(zip(order.order_line, shipped, strict=True))
        for move in picking.move_ids:
            move.quantity = by_line[move.sale_line_id]
            move.picked = bool(move.quantity)
        picking.with_user(self.stock_user).with_context(
            skip_backorder=True
        ).button_validate()
        self.env.invalidate_all()

        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.wholtra_invoice_state, "invoiced")
        invoice = picking.wholtra_invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(order.invoice_ids, invoice)
        currency = invoice.currency_id
        product_lines = invoice.invoice_line_ids.filtered(
            lambda aml: aml.display_type == "product"
        )
        expected_total = 0.0
        for sol, qty in by_line.items():
            amls = product_lines.filtered(lambda aml, sol=sol: sol in aml.sale_line_ids)
            self.assertEqual(sol.qty_delivered, qty)
            self.assertEqual(sol.qty_invoiced, qty)
            if not qty:
                self.assertFalse(amls, "nothing shipped, nothing billed")
                continue
            self.assertEqual(len(amls), 1)
            self.assertEqual(amls.quantity, qty)
            self.assertEqual(amls.price_unit, sol.price_unit)
            self.assertEqual(amls.discount, sol.discount)
            subtotal = qty * sol.price_unit * (1 - sol.discount / 100)
            self.assertLessEqual(
                abs(amls.price_subtotal - subtotal),
                currency.rounding,
                f"{qty} x {sol.price_unit} -{sol.discount}%",
            )
            expected_total += subtotal
        billed = len([q for q in shipped if q])
        self.assertEqual(len(product_lines), billed)
        # within rounding: Odoo rounds the total, then spreads the difference
        self.assertLessEqual(
            abs(invoice.amount_untaxed - expected_total),
            currency.rounding * billed,
        )
        self.assertTrue(currency.compare_amounts(invoice.amount_untaxed, 0.0) > 0)
        self.assertFalse(
            currency.compare_amounts(
                invoice.amount_total, invoice.amount_untaxed + invoice.amount_tax
            )
        )
        # the rest waits on the backorder, not billed
        rest = {
            move.sale_line_id: move.product_uom_qty
            for move in picking.backorder_ids.move_ids
        }
        for sol, qty in by_line.items():
            self.assertEqual(rest.get(sol, 0.0), sol.product_uom_qty - qty)
