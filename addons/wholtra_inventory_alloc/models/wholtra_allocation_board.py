from odoo import fields, models
from odoo.tools import SQL


class WholtraAllocationBoard(models.Model):
    """Per product supply/demand timeline: free stock, open inbound purchase
    lines, allocations per customer and unallocated open demand. Supply is
    positive, demand negative, so the sum per product is the net position."""

    _name = "wholtra.allocation.board"
    _description = "Allocation Board"
    _auto = False
    _order = "product_id, date, kind_sequence, id"
    _depends = {
        "stock.quant": [
            "product_id",
            "company_id",
            "location_id",
            "quantity",
            "reserved_quantity",
        ],
        "stock.location": ["usage"],
        "purchase.order": ["state", "partner_id"],
        "purchase.order.line": [
            "product_id",
            "company_id",
            "date_planned",
            "order_id",
            "product_uom_qty",
            "qty_received",
            "product_uom_id",
            "display_type",
        ],
        "wholtra.allocation": [
            "product_id",
            "company_id",
            "date_expected",
            "partner_id",
            "vendor_id",
            "order_id",
            "purchase_id",
            "quantity",
            "state",
            "sale_line_id",
        ],
        "sale.order": ["state", "commitment_date", "date_order", "partner_id"],
        "sale.order.line": [
            "product_id",
            "company_id",
            "order_id",
            "product_uom_qty",
            "qty_delivered",
            "product_uom_id",
        ],
        "stock.move": ["state", "sale_line_id", "quantity"],
        "product.template": ["is_storable", "uom_id"],
        "uom.uom": ["factor"],
    }

    kind = fields.Selection(
        [
            ("stock", "Free stock"),
            ("inbound", "Inbound (PO)"),
            ("reserved", "Reserved demand"),
            ("allocated", "Allocated demand"),
            ("unallocated", "Unallocated demand"),
        ],
        readonly=True,
    )
    kind_sequence = fields.Integer(readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    date = fields.Datetime(readonly=True, help="ETA for supply, due date for demand.")
    customer_id = fields.Many2one("res.partner", readonly=True)
    vendor_id = fields.Many2one("res.partner", readonly=True)
    sale_order_id = fields.Many2one("sale.order", readonly=True)
    purchase_order_id = fields.Many2one("purchase.order", readonly=True)
    quantity = fields.Float(readonly=True, digits="Product Unit")
    late = fields.Boolean(readonly=True)

    def _table_query_sql(self):
        # One pass per source, joined on hashes: the board is read whole by its
        # default views (grouped by product, ordered by the product's name), so
        # the query is shaped for the full computation: open demand through the
        # open-demand partial index of sale.order.line (same rows: a line's
        # state is its order's, a product line has no display type); the
        # reserved and allocated quantities aggregated once per order line and
        # joined to the open lines (reserved demand is driven by the few
        # assigned moves; open_line is inlined in both uses, not written to a
        # temporary tuple store: 100k rows at a year's volume). Quantities are converted to the product's unit with
        # the stored factors.
        return SQL(
            """
            WITH mv AS (
                SELECT m.sale_line_id, SUM(m.quantity) AS reserved
                  FROM stock_move m
                 WHERE m.state IN ('assigned', 'partially_available')
                   AND m.sale_line_id IS NOT NULL
              GROUP BY m.sale_line_id
            ), al AS (
                SELECT a.sale_line_id, SUM(a.quantity) AS allocated
                  FROM wholtra_allocation a
                 WHERE a.state IN ('soft', 'firm')
              GROUP BY a.sale_line_id
            ), open_line AS NOT MATERIALIZED (
                SELECT sl.id, sl.product_id, sl.company_id, so.partner_id,
                       so.id AS order_id,
                       COALESCE(so.commitment_date, so.date_order) AS date,
                       (sl.product_uom_qty - sl.qty_delivered)
                         * COALESCE(lu.factor / NULLIF(pu.factor, 0), 1) AS open_qty
                  FROM sale_order_line sl
                  JOIN sale_order so ON so.id = sl.order_id
                  JOIN product_product pp ON pp.id = sl.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  LEFT JOIN uom_uom lu ON lu.id = sl.product_uom_id
                  LEFT JOIN uom_uom pu ON pu.id = pt.uom_id
                 WHERE sl.state = 'sale' AND sl.display_type IS NULL
                   AND sl.product_uom_qty > sl.qty_delivered
                   AND so.state = 'sale' AND pt.is_storable
            )
            SELECT b.src_id * 10 + b.kind_sequence AS id, b.* FROM (
                SELECT MIN(q.id)::bigint AS src_id, 'stock' AS kind, 0 AS kind_sequence,
                       q.product_id, q.company_id,
                       NULL::timestamp AS date, NULL::integer AS customer_id,
                       NULL::integer AS vendor_id, NULL::integer AS sale_order_id,
                       NULL::integer AS purchase_order_id,
                       SUM(q.quantity - q.reserved_quantity) AS quantity, FALSE AS late
                  FROM stock_quant q
                  JOIN stock_location l ON l.id = q.location_id
                 WHERE l.usage = 'internal'
              GROUP BY q.product_id, q.company_id
                UNION ALL
                SELECT pl.id, 'inbound', 1, pl.product_id, pl.company_id, pl.date_planned,
                       NULL, po.partner_id, NULL, po.id,
                       pl.product_uom_qty
                         - pl.qty_received * COALESCE(lu.factor / NULLIF(pu.factor, 0), 1),
                       pl.date_planned < NOW() AT TIME ZONE 'UTC'
                  FROM purchase_order_line pl
                  JOIN purchase_order po ON po.id = pl.order_id
                  JOIN product_product pp ON pp.id = pl.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  LEFT JOIN uom_uom lu ON lu.id = pl.product_uom_id
                  LEFT JOIN uom_uom pu ON pu.id = pt.uom_id
                 WHERE po.state = 'purchase' AND pl.display_type IS NULL
                   AND pl.product_uom_qty
                       > pl.qty_received * COALESCE(lu.factor / NULLIF(pu.factor, 0), 1)
                UNION ALL
                SELECT a.id, 'allocated', 3, a.product_id, a.company_id, a.date_expected,
                       a.partner_id, a.vendor_id, a.order_id, a.purchase_id,
                       -a.quantity, so.commitment_date < a.date_expected
                  FROM wholtra_allocation a
                  JOIN sale_order so ON so.id = a.order_id
                 WHERE a.state IN ('soft', 'firm')
                UNION ALL
                SELECT ol.id, 'reserved', 2, ol.product_id, ol.company_id, ol.date,
                       ol.partner_id, NULL, ol.order_id, NULL, -mv.reserved,
                       ol.date < NOW() AT TIME ZONE 'UTC'
                  FROM mv
                  JOIN open_line ol ON ol.id = mv.sale_line_id
                 WHERE mv.reserved > 0
                UNION ALL
                SELECT d.id, 'unallocated', 4, d.product_id, d.company_id, d.date,
                       d.partner_id, NULL, d.order_id, NULL, -d.quantity,
                       d.date < NOW() AT TIME ZONE 'UTC'
                  FROM (
                    SELECT ol.*, ol.open_qty - COALESCE(mv.reserved, 0)
                             - COALESCE(al.allocated, 0) AS quantity
                      FROM open_line ol
                      LEFT JOIN mv ON mv.sale_line_id = ol.id
                      LEFT JOIN al ON al.sale_line_id = ol.id
                  ) d
                 WHERE d.quantity > 0
            ) b
            """
        )

    @property
    def _table_query(self):
        return self._table_query_sql()

    def _wholtra_no_jit(self):
        # The whole-board query is estimated far above PostgreSQL's JIT thresholds;
        # compiling it cost more than running it (measured at 100k open lines:
        # 6.8 s of JIT for a 1.3 s query). Off for this transaction only.
        self.env.cr.execute("SET LOCAL jit = off")

    def _search(self, domain, offset=0, limit=None, order=None, **kwargs):
        self._wholtra_no_jit()
        return super()._search(
            domain, offset=offset, limit=limit, order=order, **kwargs
        )

    def _read_group(
        self,
        domain,
        groupby=(),
        aggregates=(),
        having=(),
        offset=0,
        limit=None,
        order=None,
    ):
        self._wholtra_no_jit()
        return super()._read_group(
            domain,
            groupby,
            aggregates,
            having=having,
            offset=offset,
            limit=limit,
            order=order,
        )
