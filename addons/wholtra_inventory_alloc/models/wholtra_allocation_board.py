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
        # quantities are converted to the product's unit with the stored factors
        return SQL(
            """
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
                SELECT d.sl_id, d.kind, d.kind_sequence, d.product_id, d.company_id, d.date,
                       d.partner_id, NULL, d.order_id, NULL, -d.quantity, d.late
                  FROM (
                    SELECT sl.id AS sl_id,
                           unnest(ARRAY['reserved', 'unallocated']) AS kind,
                           unnest(ARRAY[2, 4]) AS kind_sequence,
                           sl.product_id, sl.company_id,
                           COALESCE(so.commitment_date, so.date_order) AS date,
                           so.partner_id, so.id AS order_id,
                           unnest(ARRAY[
                               COALESCE(mv.reserved, 0),
                               (sl.product_uom_qty - sl.qty_delivered)
                                 * COALESCE(lu.factor / NULLIF(pu.factor, 0), 1)
                                 - COALESCE(mv.reserved, 0) - COALESCE(al.allocated, 0)
                           ]) AS quantity,
                           COALESCE(so.commitment_date, so.date_order)
                             < NOW() AT TIME ZONE 'UTC' AS late
                      FROM sale_order_line sl
                      JOIN sale_order so ON so.id = sl.order_id
                      JOIN product_product pp ON pp.id = sl.product_id
                      JOIN product_template pt ON pt.id = pp.product_tmpl_id
                      LEFT JOIN uom_uom lu ON lu.id = sl.product_uom_id
                      LEFT JOIN uom_uom pu ON pu.id = pt.uom_id
                      LEFT JOIN (
                          SELECT m.sale_line_id, SUM(m.quantity) AS reserved
                            FROM stock_move m
                           WHERE m.state IN ('assigned', 'partially_available')
                             AND m.sale_line_id IS NOT NULL
                        GROUP BY m.sale_line_id
                      ) mv ON mv.sale_line_id = sl.id
                      LEFT JOIN (
                          SELECT sale_line_id, SUM(quantity) AS allocated
                            FROM wholtra_allocation
                           WHERE state IN ('soft', 'firm')
                        GROUP BY sale_line_id
                      ) al ON al.sale_line_id = sl.id
                     WHERE so.state = 'sale' AND pt.is_storable
                       AND sl.product_uom_qty > sl.qty_delivered
                  ) d
                 WHERE d.quantity > 0
            ) b
            """
        )

    @property
    def _table_query(self):
        return self._table_query_sql()
