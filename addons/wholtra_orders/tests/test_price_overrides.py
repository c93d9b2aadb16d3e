from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import WholtraOrdersCommon


@tagged("post_install", "-at_install")
class TestPriceOverrides(WholtraOrdersCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable(
            wholtra_audit_price_overrides=True, wholtra_override_reason_threshold=5.0
        )

    def test_override_logged_with_reason(self):
        order = self._order(self.grill, [(self.crisps, 10), (self.cola, 10)])
        crisps_line = order.order_line.filtered(
            lambda line: line.product_id == self.crisps
        )
        self.assertFalse(order.wholtra_price_override_ids, "pricelist prices: no log")
        crisps_line.with_user(self.salesman).write(
            {"price_unit": 14.0, "wholtra_override_reason": "Match cash & carry"}
        )
        log = order.wholtra_price_override_ids
        self.assertEqual(len(log), 1)
        self.assertEqual(log.user_id, self.salesman)
        self.assertEqual(log.order_line_id, crisps_line)
        self.assertEqual(log.pricelist_price, 16.0)
        self.assertEqual(log.price_unit, 14.0)
        self.assertEqual(log.reason, "Match cash & carry")
        self.assertAlmostEqual(log.deviation, 12.5)
        self.assertTrue(log.date)
        self.assertTrue(crisps_line.wholtra_price_overridden)
        self.assertEqual(order.wholtra_price_override_count, 1)

    def test_reason_required_above_threshold(self):
        order = self._order(self.grill, [(self.crisps, 10)])
        line = order.order_line
        with self.assertRaisesRegex(ValidationError, "Enter an override reason"):
            line.write({"price_unit": 12.0})
        self.assertEqual(line.price_unit, 16.0, "nothing was written")
        self.assertFalse(order.wholtra_price_override_ids)
        # under the threshold (16 -> 15.5 is 3.1%) no reason is needed, still logged
        line.write({"price_unit": 15.5})
        self.assertEqual(order.wholtra_price_override_ids.price_unit, 15.5)
        self.assertFalse(order.wholtra_price_override_ids.reason)
        # a discount is an override too
        with self.assertRaisesRegex(ValidationError, "Enter an override reason"):
            line.write({"discount": 10.0})
        line.write({"discount": 10.0, "wholtra_override_reason": "Damaged boxes"})
        self.assertEqual(len(order.wholtra_price_override_ids), 2)
        self.assertEqual(order.wholtra_price_override_ids[0].discount, 10.0)

    def test_override_from_the_form(self):
        with Form(self.env["sale.order"]) as order_form:
            order_form.partner_id = self.grill
            with order_form.order_line.new() as line:
                line.product_id = self.crisps
                line.product_uom_qty = 5
                line.price_unit = 13.0
                line.wholtra_override_reason = "Opening order"
        order = order_form.record
        self.assertEqual(order.order_line.price_unit, 13.0)
        self.assertEqual(order.wholtra_price_override_ids.reason, "Opening order")
        self.assertEqual(order.wholtra_price_override_ids.pricelist_price, 16.0)

    def test_override_survives_recompute_and_qty_change(self):
        order = self._order(self.grill, [(self.crisps, 10), (self.cola, 10)])
        crisps_line = order.order_line.filtered(
            lambda line: line.product_id == self.crisps
        )
        cola_line = order.order_line - crisps_line
        crisps_line.write({"price_unit": 14.0, "wholtra_override_reason": "Deal"})
        self.pl_gold.item_ids.fixed_price = 17.0
        self.cola.list_price = 15.5
        order._recompute_prices()
        self.assertEqual(crisps_line.price_unit, 14.0, "override kept")
        self.assertEqual(cola_line.price_unit, 15.5, "other lines re-priced")
        order.action_update_prices()
        self.assertEqual(crisps_line.price_unit, 14.0)
        crisps_line.product_uom_qty = 20
        self.assertEqual(crisps_line.price_unit, 14.0)
        self.assertEqual(len(order.wholtra_price_override_ids), 1)
        # going back to the pricelist price ends the override
        crisps_line.write({"price_unit": 17.0})
        self.assertFalse(crisps_line.wholtra_price_overridden)

    def test_no_audit_when_switched_off(self):
        self.company.wholtra_audit_price_overrides = False
        order = self._order(self.grill, [(self.crisps, 10)])
        order.order_line.write({"price_unit": 1.0})
        self.assertFalse(order.wholtra_price_override_ids)
        self.assertFalse(order.order_line.wholtra_price_overridden)
        order._recompute_prices()
        self.assertEqual(order.order_line.price_unit, 16.0, "vanilla recompute")

    def test_salesperson_cannot_alter_the_log(self):
        order = self._order(self.grill, [(self.crisps, 10)])
        order.order_line.write({"price_unit": 15.5})
        log = order.wholtra_price_override_ids.with_user(self.salesman)
        self.assertEqual(log.price_unit, 15.5)
        with self.assertRaisesRegex(AccessError, "not allowed"):
            log.write({"price_unit": 16.0})
        with self.assertRaisesRegex(AccessError, "not allowed"):
            log.unlink()
        # the log is an audit trail: not even a manager edits or deletes it
        manager_log = log.with_user(self.sales_manager)
        with self.assertRaisesRegex(AccessError, "not allowed"):
            manager_log.unlink()
        # the trail outlives a deleted quotation line
        order.order_line.unlink()
        self.assertTrue(log.exists())
        self.assertEqual(log.sudo().product_id, self.crisps)
        self.assertEqual(order.wholtra_price_override_ids, log)

    def test_duplicate_keeps_the_override_and_its_reason(self):
        order = self._order(self.grill, [(self.crisps, 10)])
        order.order_line.write({"price_unit": 13.0, "wholtra_override_reason": "Deal"})
        duplicate = order.copy()
        self.assertEqual(duplicate.order_line.price_unit, 13.0)
        self.assertTrue(duplicate.order_line.wholtra_price_overridden)
        self.assertEqual(duplicate.wholtra_price_override_ids.reason, "Deal")
        duplicate._recompute_prices()
        self.assertEqual(duplicate.order_line.price_unit, 13.0)
