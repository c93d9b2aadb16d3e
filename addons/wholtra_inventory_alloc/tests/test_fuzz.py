"""Property-based tests: random allocation, resize, release, PO reductions and date
moves, receipts and order reductions, as an inventory user and as the system.
Each step either is refused with a clean business error and writes nothing, or
leaves the invariants true:

- no purchase line has more allocated than it still has to receive;
- no order line has more allocated than it still has to deliver;
- what receipts served never exceeds what was received;
- open allocations have a finite positive quantity and the ETA of their purchase
  line.

Each example runs in a savepoint that is rolled back."""

import logging
import math
from collections import Counter
from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import AllocCommon

_logger = logging.getLogger(__name__)

EXAMPLES = 60

EDGE_QTY = st.sampled_from(
    [0.0, -1.0, -0.001, 0.001, 1e-9, 0.5, 2.5, 1e15, 1e308, math.nan, math.inf]
    + [-math.inf, 3.0, 10.0]
)
QTY = st.one_of(
    EDGE_QTY,
    st.floats(min_value=-2, max_value=12, allow_nan=False).map(lambda x: round(x, 3)),
)
SANE_QTY = st.floats(min_value=0, max_value=12).map(lambda x: round(x, 1))
DATES = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1))
IDX = st.integers(min_value=0, max_value=5)

OPS = st.one_of(
    st.tuples(st.just("create"), IDX, IDX, QTY),
    st.tuples(st.just("create"), IDX, IDX, SANE_QTY),
    st.tuples(st.just("resize"), IDX, QTY),
    st.tuples(st.just("resize"), IDX, SANE_QTY),
    st.tuples(st.just("release"), IDX),
    st.tuples(st.just("firm"), IDX),
    st.tuples(st.just("set_date"), IDX, DATES),
    st.tuples(st.just("po_qty"), IDX, SANE_QTY),
    st.tuples(st.just("po_date"), IDX, DATES),
    st.tuples(st.just("so_qty"), IDX, SANE_QTY),
    st.tuples(st.just("receive"), IDX, st.floats(0.5, 12).map(lambda x: round(x, 1))),
    st.tuples(st.just("engine")),
)


@tagged("post_install", "-at_install")
class TestAllocationFuzz(AllocCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pos = cls._create_po(8, days=4) | cls._create_po(6, days=12)
        cls.sos = (
            cls._create_so(cls.gold, 5, days_ago=2)
            | cls._create_so(cls.bronze, 7, days_ago=1)
            | cls._create_so(cls.gold, 4)
        )
        cls.stock_user = new_test_user(
            cls.env, "alloc_fuzz_stock", groups="stock.group_stock_user"
        )
        cls.stock_manager = new_test_user(
            cls.env, "alloc_fuzz_manager", groups="stock.group_stock_manager"
        )
        # open allocations to resize, release, receive and re-plan
        cls._allocate(cls, cls.sos[0], cls.pos[0], 4)
        cls._allocate(cls, cls.sos[1], cls.pos[1], 5)
        cls._allocate(cls, cls.sos[1], cls.pos[0], 2, state="firm")
        cls.outcomes = Counter()

    # ------------------------------------------------------------------
    def _allocs(self):
        return self.env["wholtra.allocation"].search(
            [("purchase_line_id", "in", self.pos.order_line.ids)], order="id"
        )

    def _snapshot(self):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT id, quantity, state, purchase_line_id, sale_line_id "
            "FROM wholtra_allocation WHERE purchase_line_id IN %s ORDER BY id",
            [tuple(self.pos.order_line.ids)],
        )
        return self.env.cr.fetchall()

    def _apply(self, op):
        kind, *args = op
        Alloc = self.env["wholtra.allocation"]
        allocs = self._allocs()
        pick = allocs[args[0] % len(allocs)] if allocs and args else None
        as_user = Alloc.with_user(self.stock_user)
        if kind == "create":
            so = self.sos[args[0] % len(self.sos)]
            po = self.pos[args[1] % len(self.pos)]
            as_user.create(
                {
                    "sale_line_id": so.order_line.id,
                    "purchase_line_id": po.order_line.id,
                    "quantity": args[2],
                }
            )
        elif kind == "resize" and pick:
            user = self.stock_manager if pick.state == "firm" else self.stock_user
            pick.with_user(user).write({"quantity": args[1]})
        elif kind == "release" and pick:
            pick.with_user(self.stock_manager).action_release()
        elif kind == "firm" and pick:
            pick.with_user(self.stock_manager).action_make_firm()
        elif kind == "set_date" and pick:
            pick.with_user(self.stock_manager).write({"date_expected": args[1]})
        elif kind == "po_qty":
            line = self.pos[args[0] % len(self.pos)].order_line
            line.write({"product_qty": args[1], "date_planned": line.date_planned})
        elif kind == "po_date":
            self.pos[args[0] % len(self.pos)].order_line.date_planned = args[1]
        elif kind == "so_qty":
            self.sos[args[0] % len(self.sos)].order_line.product_uom_qty = args[1]
        elif kind == "receive":
            po = self.pos[args[0] % len(self.pos)]
            if po.picking_ids.filtered(lambda p: p.state not in ("done", "cancel")):
                self._receive(po, args[1])
        elif kind == "engine":
            self.env["wholtra.allocation.engine"].with_user(
                self.stock_user
            ).action_run()

    def _check_invariants(self):
        self.env.flush_all()
        self.env.invalidate_all()
        allocs = self._allocs()
        active = allocs.filtered(lambda a: a.state in ("soft", "firm"))
        for alloc in active:
            self.assertTrue(math.isfinite(alloc.quantity) and alloc.quantity > 0)
            self.assertEqual(alloc.date_expected, alloc.purchase_line_id.date_planned)
        for pline in self.pos.order_line:
            uom = pline.product_id.uom_id
            mine = active.filtered(lambda a, pl=pline: a.purchase_line_id == pl)
            self.assertLessEqual(
                uom.compare(sum(mine.mapped("quantity")), pline._wholtra_open_qty()),
                0,
                f"{pline.order_id.name} over-allocated",
            )
            served = allocs.filtered(
                lambda a, pl=pline: a.purchase_line_id == pl and a.state == "done"
            )
            self.assertLessEqual(
                uom.compare(sum(served.mapped("quantity")), pline.qty_received), 0
            )
        for sline in self.sos.order_line:
            uom = sline.product_id.uom_id
            mine = active.filtered(lambda a, sl=sline: a.sale_line_id == sl)
            open_qty = sline._wholtra_undelivered_qty() if sline.state == "sale" else 0
            self.assertLessEqual(
                uom.compare(sum(mine.mapped("quantity")), open_qty),
                0,
                f"{sline.order_id.name} over-allocated",
            )

    def _run_example(self, ops):
        savepoint = self.env.cr.savepoint()
        try:
            for op in ops:
                before = self._snapshot()
                try:
                    with self.env.cr.savepoint():
                        self._apply(op)
                except UserError:
                    # clean refusal (ValidationError, AccessError are UserErrors)
                    self.env.invalidate_all()
                    self.assertEqual(self._snapshot(), before, f"{op} wrote")
                    self.outcomes["refused"] += 1
                    self.outcomes[f"{op[0]} refused"] += 1
                else:
                    self.outcomes["applied"] += 1
                    self.outcomes[f"{op[0]} applied"] += 1
                self._check_invariants()
        finally:
            savepoint.close(rollback=True)
            self.env.invalidate_all()

    def test_random_operations_keep_invariants(self):
        start = self._snapshot()

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[
                HealthCheck.function_scoped_fixture,
                HealthCheck.too_slow,
            ],
        )
        @given(st.lists(OPS, min_size=1, max_size=4))
        def run(ops):
            self.outcomes["examples"] += 1
            self._run_example(ops)

        run()
        # every example was rolled back
        self.assertEqual(self._snapshot(), start)
        self.assertGreater(self.outcomes["refused"], 0)
        self.assertGreater(self.outcomes["applied"], 0)
        _logger.info("allocation fuzz: %s", dict(self.outcomes))
