import logging

from odoo import Command
from odoo.tests import tagged, warmup

from .common import WholtraOrdersCommon

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestConfirmPerformance(WholtraOrdersCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.products = cls.env["product.product"].create(
            [
                {
                    "name": f"Snack {i}",
                    "list_price": 10.0 + i,
                    "standard_price": 5.0,
                    "type": "consu",
                    "wholtra_moq": 1,
                    "wholtra_order_multiple": 1,
                    "taxes_id": [Command.clear()],
                }
                for i in range(25)
            ]
        )
        cls.tier_gold.write({"margin_floor": 10.0, "max_discount": 20.0})
        cls.company.account_use_credit_limit = True
        cls.grill.credit_limit = 1_000_000.0

    def _enable_all(self, on=True):
        self.company.write(
            {
                "wholtra_enforce_account_terms": on,
                "wholtra_margin_control": on,
                "wholtra_audit_price_overrides": on,
                "wholtra_hold_overdue_days": 30 if on else 0,
            }
        )

    def _new_order(self, size):
        return self._order(
            self.grill, [(product, 1) for product in self.products[:size]]
        )

    def _count(self, method_name, order):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        getattr(order, method_name)()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_checks_add_no_query_per_line(self):
        self._enable_all()
        small, big = self._new_order(1), self._new_order(25)
        self._count("_confirmation_error_message", self._new_order(1))  # warm caches
        self.assertEqual(
            self._count("_confirmation_error_message", small),
            self._count("_confirmation_error_message", big),
        )

    def test_confirm_25_lines_adds_no_per_line_queries(self):
        """What our checks add to a confirmation does not grow with the lines."""
        added = {}
        for size in (1, 25):
            self._enable_all(False)
            self._new_order(size).action_confirm()  # warm up
            vanilla = self._count("action_confirm", self._new_order(size))
            self._enable_all(True)
            self._new_order(size).action_confirm()
            ours = self._count("action_confirm", self._new_order(size))
            added[size] = ours - vanilla
            _logger.info(
                "confirm %s lines: vanilla %s queries, with wholtra %s",
                size,
                vanilla,
                ours,
            )
        self.assertEqual(added[1], added[25], f"queries added by wholtra: {added}")

    @warmup
    def test_confirmation_checks_query_count(self):
        self._enable_all()
        order = self._new_order(25)
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(__system__=13):
            self.assertFalse(order._confirmation_error_message())
