import math

from odoo import api, fields, models
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.tools import float_repr

from ..tools import AMOUNT_CEILING, to_amount, to_id

COD_METHODS = [("cash", "Cash"), ("cheque", "Cheque"), ("card", "Card terminal")]
# Recorded by the COD collection wizard (through _wholtra_cod_record) and the payment
# it posts: never typed on the delivery.
COD_FIELDS = (
    "wholtra_cod_amount",
    "wholtra_cod_method",
    "wholtra_cod_reference",
    "wholtra_cod_driver_id",
    "wholtra_cod_date",
    "wholtra_cod_payment_id",
)


class StockPicking(models.Model):
    _inherit = "stock.picking"

    wholtra_cod_required = fields.Boolean(
        string="Cash on delivery",
        compute="_compute_wholtra_cod_required",
        help="The driver records the amount collected before the delivery is validated.",
    )
    wholtra_cod_expected = fields.Monetary(
        string="Amount to collect",
        compute="_compute_wholtra_cod_expected",
        currency_field="wholtra_cod_currency_id",
    )
    wholtra_cod_currency_id = fields.Many2one(
        "res.currency", compute="_compute_wholtra_cod_expected"
    )
    wholtra_cod_amount = fields.Monetary(
        string="Amount collected",
        currency_field="wholtra_cod_currency_id",
        copy=False,
        readonly=True,
    )
    wholtra_cod_method = fields.Selection(
        COD_METHODS, string="Collected by", copy=False, readonly=True
    )
    wholtra_cod_reference = fields.Char(
        string="Collection reference", copy=False, readonly=True
    )
    wholtra_cod_driver_id = fields.Many2one(
        "res.users", string="Driver", copy=False, readonly=True, index="btree_not_null"
    )
    wholtra_cod_date = fields.Date(string="Collected on", copy=False, readonly=True)
    wholtra_cod_payment_id = fields.Many2one(
        "account.payment", string="COD payment", copy=False, readonly=True
    )

    # ------------------------------------------------------------------
    # Guard: what the driver collected is recorded by the collection method only
    # ------------------------------------------------------------------
    @api.model
    def _wholtra_check_cod_fields(self, vals):
        if not self.env.su and set(COD_FIELDS) & vals.keys():
            raise AccessError(
                self.env._(
                    "The cash-on-delivery collection is recorded with the Collect "
                    "payment step of the delivery, not by editing the delivery."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._wholtra_check_cod_fields(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._wholtra_check_cod_fields(vals)
        return super().write(vals)

    @api.depends("sale_id.wholtra_cod", "picking_type_code", "company_id")
    def _compute_wholtra_cod_required(self):
        for picking in self:
            picking.wholtra_cod_required = bool(
                picking.company_id.wholtra_cod_enabled
                and picking.picking_type_code == "outgoing"
                and picking.sale_id.wholtra_cod
            )

    @api.depends("move_ids.quantity", "move_ids.product_uom_qty", "sale_id")
    def _compute_wholtra_cod_expected(self):
        for picking in self:
            picking.wholtra_cod_currency_id = (
                picking.sale_id.currency_id or picking.company_id.currency_id
            )
            picking.wholtra_cod_expected = picking._wholtra_cod_expected_amount()

    def _wholtra_cod_expected_amount(self):
        """Value, taxes included, of what this delivery ships at the order's prices
        (what the dispatch invoice will bill)."""
        self.ensure_one()
        total = 0.0
        for move in self.move_ids.filtered(
            lambda m: m.state != "cancel" and m.sale_line_id
        ):
            line = move.sale_line_id
            if not line.product_uom_qty:
                continue
            qty = (
                move.quantity if move.picked or move.quantity else move.product_uom_qty
            )
            qty = move.product_uom._compute_quantity(qty, line.product_uom_id)
            total += line.price_total * qty / line.product_uom_qty
        return (
            self.wholtra_cod_currency_id.round(total)
            if self.wholtra_cod_currency_id
            else total
        )

    def _wholtra_cod_missing(self):
        return self.filtered(
            lambda p: p.wholtra_cod_required and not p.wholtra_cod_method
        )

    # ------------------------------------------------------------------
    # Validation flow
    # ------------------------------------------------------------------
    def _pre_action_done_hook(self):
        missing = self._wholtra_cod_missing()
        if missing:
            return missing[0]._wholtra_action_cod_collect()
        return super()._pre_action_done_hook()

    def _wholtra_action_cod_collect(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Cash on delivery: %(name)s", name=self.name),
            "res_model": "wholtra.cod.collect.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                **self.env.context,
                "default_picking_id": self.id,
                "default_amount": self.wholtra_cod_expected,
            },
        }

    def _action_done(self):
        missing = self._wholtra_cod_missing()
        if missing:
            raise UserError(
                self.env._(
                    "Cash on delivery: record the amount collected for %(names)s "
                    "before validating.",
                    names=", ".join(missing.mapped("name")),
                )
            )
        # Checked before anything is moved or posted.
        for picking in self.filtered(
            lambda p: p.wholtra_cod_method and not p.wholtra_cod_payment_id
        ):
            picking._wholtra_cod_check_amount(picking.wholtra_cod_amount)
        res = super()._action_done()
        cod = self.filtered(
            lambda p: p.state == "done"
            and p.wholtra_cod_method
            and not p.wholtra_cod_payment_id
        )
        for picking in cod:
            picking._wholtra_cod_post_payment()
        return res

    def _wholtra_dispatch_invoices_created(self, invoices):
        """Settle the new dispatch invoices with what the driver collected. Called by
        wholtra_invoicing in the user's environment (a stock user) or in sudo: the
        payment and the invoices are read in sudo here, nothing else."""
        res = super()._wholtra_dispatch_invoices_created(invoices)
        pickings_sudo = self.sudo().filtered("wholtra_cod_payment_id")
        for picking_sudo in pickings_sudo:
            picking_sudo._wholtra_cod_reconcile(
                invoices.sudo() & picking_sudo.wholtra_invoice_ids
            )
        return res

    # ------------------------------------------------------------------
    # Collection
    # ------------------------------------------------------------------
    def _wholtra_cod_max_amount(self):
        """The most a driver may record: twice what this delivery ships (an
        over-collection stays as customer credit) plus what the customer owes on its
        open invoices (it may settle old invoices with the driver), never more than
        a sane ceiling."""
        self.ensure_one()
        commercial = self.partner_id.commercial_partner_id
        # Stock users do not read invoices: one aggregate in sudo.
        groups = (
            self.env["account.move"]
            .sudo()
            ._read_group(
                [
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("company_id", "=", self.company_id.id),
                    ("commercial_partner_id", "=", commercial.id),
                    ("payment_state", "in", ("not_paid", "partial")),
                ],
                [],
                ["amount_residual_signed:sum"],
            )
        )
        owed = groups[0][0] or 0.0
        expected = max(self.wholtra_cod_expected, 0.0)
        return min(2 * expected + max(owed, 0.0), AMOUNT_CEILING)

    def _wholtra_cod_check_amount(self, amount):
        """Refuse an amount collected that is not a finite positive number within
        what the customer can owe for this delivery."""
        self.ensure_one()
        currency = self.wholtra_cod_currency_id or self.company_id.currency_id
        if (
            not isinstance(amount, int | float)
            or isinstance(amount, bool)
            or not math.isfinite(amount)
            or amount <= 0
            or (amount < AMOUNT_CEILING and currency.compare_amounts(amount, 0) <= 0)
        ):
            raise ValidationError(
                self.env._(
                    "Cash on delivery %(picking)s: the amount collected must be a "
                    "positive number.",
                    picking=self.name,
                )
            )
        maximum = self._wholtra_cod_max_amount()
        if amount >= AMOUNT_CEILING or currency.compare_amounts(amount, maximum) > 0:
            raise ValidationError(
                self.env._(
                    "Cash on delivery %(picking)s: %(amount)s is more than the "
                    "driver can collect (%(maximum)s: twice this delivery plus the "
                    "customer's open invoices). Check the amount.",
                    picking=self.name,
                    amount=f"{amount:.2f}"
                    if amount < AMOUNT_CEILING
                    else f"{amount:.3g}",
                    maximum=float_repr(maximum, currency.decimal_places),
                )
            )

    def _wholtra_cod_record(self, amount, method, reference, driver):
        """Record what the driver collected (the COD collection wizard's write, the
        only path to the collection fields)."""
        self.ensure_one()
        if not self.wholtra_cod_required:
            raise UserError(
                self.env._(
                    "%(picking)s is not a cash-on-delivery delivery.", picking=self.name
                )
            )
        if self.state in ("done", "cancel"):
            raise UserError(self.env._("This delivery is already closed."))
        if method not in dict(COD_METHODS):
            raise ValidationError(self.env._("Choose how the amount was collected."))
        self._wholtra_cod_check_amount(amount)
        picking_sudo = self.sudo()
        picking_sudo.write(
            {
                "wholtra_cod_amount": amount,
                "wholtra_cod_method": method,
                "wholtra_cod_reference": reference or False,
                "wholtra_cod_driver_id": driver.id,
                "wholtra_cod_date": fields.Date.context_today(self),
            }
        )

    # ------------------------------------------------------------------
    # Payment
    # ------------------------------------------------------------------
    def _wholtra_cod_journal(self):
        self.ensure_one()
        journal = self._wholtra_cod_chosen_journal(
            self.env.context.get("wholtra_cod_journal_id")
        )
        journal = journal or self.company_id._wholtra_cod_payment_journal()
        if not journal:
            raise UserError(
                self.env._(
                    "Cash on delivery needs a cash or bank journal: set the COD journal "
                    "in the Invoicing settings."
                )
            )
        return journal

    def _wholtra_cod_chosen_journal(self, journal_id):
        """The cash or bank journal of this delivery's company given by the COD API
        (``wholtra_record_cod(journal_id=)``), else an empty recordset."""
        self.ensure_one()
        journal_sudo = self.env["account.journal"].sudo()
        if journal_id is None or journal_id is False:
            return journal_sudo
        journal_sudo = journal_sudo.browse(to_id(journal_id) or []).exists()
        if (
            not journal_sudo
            or journal_sudo.type not in ("cash", "bank")
            or journal_sudo.company_id != self.company_id
        ):
            raise ValidationError(
                self.env._(
                    "Cash on delivery %(picking)s: the journal must be a cash or bank "
                    "journal of %(company)s.",
                    picking=self.name,
                    company=self.company_id.name,
                )
            )
        return journal_sudo

    def _wholtra_prepare_cod_payment_values(self):
        self.ensure_one()
        method_label = dict(COD_METHODS)[self.wholtra_cod_method]
        memo = self.env._(
            "COD %(picking)s (%(method)s)", picking=self.name, method=method_label
        )
        if self.wholtra_cod_reference:
            memo = f"{memo} {self.wholtra_cod_reference}"
        return {
            "payment_type": "inbound",
            "partner_type": "customer",
            "partner_id": self.partner_id.commercial_partner_id.id,
            "amount": self.wholtra_cod_amount,
            "currency_id": self.wholtra_cod_currency_id.id,
            "date": self.wholtra_cod_date or fields.Date.context_today(self),
            "journal_id": self._wholtra_cod_journal().id,
            "company_id": self.company_id.id,
            "memo": memo,
        }

    def _wholtra_cod_post_payment(self):
        """Post the collected amount as a customer payment and settle the delivery's
        invoices with it (short collection leaves an open balance, over collection a
        credit)."""
        self.ensure_one()
        if not self.wholtra_cod_amount:
            return self.env["account.payment"]
        self._wholtra_cod_check_amount(self.wholtra_cod_amount)
        # Drivers are warehouse users: the payment is an accounting record.
        payment_sudo = (
            self.env["account.payment"]
            .sudo()
            .with_context(wholtra_no_matching=True)
            .create(self._wholtra_prepare_cod_payment_values())
        )
        payment_sudo.action_post()
        picking_sudo = self.sudo()
        picking_sudo.wholtra_cod_payment_id = payment_sudo
        self._wholtra_cod_reconcile(picking_sudo.wholtra_invoice_ids)
        return payment_sudo

    def _wholtra_cod_reconcile(self, invoices):
        self.ensure_one()
        payment_sudo = self.sudo().wholtra_cod_payment_id
        invoices_sudo = invoices.sudo().filtered(
            lambda inv: inv.state == "posted"
            and inv.move_type == "out_invoice"
            and inv.payment_state in ("not_paid", "partial")
        )
        if payment_sudo and invoices_sudo:
            payment_sudo._wholtra_reconcile_in_order(invoices_sudo)

    # ------------------------------------------------------------------
    # External API (JSON-2)
    # ------------------------------------------------------------------
    def wholtra_record_cod(
        self, amount, journal_id=None, reference=None, method="cash"
    ):
        """Record what the driver collected on a cash-on-delivery delivery and
        validate it, as the Collect payment step (COD wizard) of Validate does: the
        collection is posted as a customer payment and settles the dispatch invoice
        (short collection: open balance; over collection: customer credit). The
        delivery's quantities are those set on its moves; what is not delivered
        goes to a backorder.

        Inventory users (the driver is the caller); one delivery to a COD customer,
        not done or cancelled, cash on delivery switched on in the settings.

        :param float amount: amount collected, positive, at most twice the delivery
            plus the customer's open invoices
        :param int journal_id: cash or bank journal of the delivery's company
            (default: the settings' COD journal)
        :param str reference: cheque number or card terminal receipt (required for
            ``cheque`` and ``card``)
        :param str method: ``cash`` (default), ``cheque`` or ``card``
        :return: {"picking_id": int, "payment_id": int, "amount": float,
            "currency": str, "state": payment state ("in_process", "paid"),
            "invoice_ids": [int]} (the delivery's dispatch invoices)
        :raise AccessError: not an inventory user, or no write access
        :raise UserError: not one COD delivery, closed delivery, no reference for a
            cheque or card, the delivery needs another step to validate
        :raise ValidationError: amount, method or journal not valid
        :raise MissingError: unknown delivery
        """
        if not self.env.su and not self.env.user.has_group("stock.group_stock_user"):
            raise AccessError(
                self.env._("Only inventory users record cash-on-delivery collections.")
            )
        if len(self) != 1:
            raise UserError(self.env._("Choose one delivery."))
        if not self.exists():
            raise MissingError(self.env._("This delivery does not exist."))
        self.check_access("write")
        value = to_amount(amount)
        if value is None or isinstance(amount, str):
            raise ValidationError(self.env._("The amount collected must be a number."))
        if method not in dict(COD_METHODS):
            raise ValidationError(
                self.env._(
                    "The collection method must be one of: %(methods)s.",
                    methods=", ".join(dict(COD_METHODS)),
                )
            )
        if reference is not None and not isinstance(reference, str):
            raise ValidationError(self.env._("The reference must be a text."))
        self._wholtra_cod_chosen_journal(journal_id)  # checked before anything
        self._wholtra_cod_check_amount(value)
        wizard = (
            self.env["wholtra.cod.collect.wizard"]
            .with_context(
                skip_backorder=True,
                wholtra_cod_journal_id=journal_id,
                button_validate_picking_ids=self.ids,
            )
            .create(
                {
                    "picking_id": self.id,
                    "amount": value,
                    "method": method,
                    "reference": reference or False,
                }
            )
        )
        result = wizard.action_confirm()
        if self.state != "done":
            raise UserError(
                self.env._(
                    "%(picking)s needs another step to be validated: validate it in "
                    "Odoo.",
                    picking=self.name,
                )
                if isinstance(result, dict)
                else self.env._(
                    "%(picking)s could not be validated.", picking=self.name
                )
            )
        # The driver (a stock user) does not read payments: the answer is read in sudo.
        picking_sudo = self.sudo()
        payment_sudo = picking_sudo.wholtra_cod_payment_id
        return {
            "picking_id": self.id,
            "payment_id": payment_sudo.id,
            "amount": payment_sudo.currency_id.round(payment_sudo.amount),
            "currency": payment_sudo.currency_id.name,
            "state": payment_sudo.state,
            "invoice_ids": picking_sudo.wholtra_invoice_ids.ids,
        }
