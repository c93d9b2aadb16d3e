import logging
from contextlib import contextmanager

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import SQL

from ..tools import claim_skip_locked

_logger = logging.getLogger(__name__)

# Where the customers whose refresh after a reconciliation is deferred are kept
# (``cr.cache``: one transaction's).
DEFERRED_KEY = "wholtra_collection_refresh_deferred"
# Customers evaluated per committed batch by the scheduled action.
CRON_BATCH_SIZE = 200


class WholtraCollectionStatus(models.Model):
    """Where one customer stands in the collection sequence of one company."""

    _name = "wholtra.collection.status"
    _description = "Customer Collection Status"
    _order = "level_days desc, overdue_amount desc, id"
    _check_company_auto = True
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    level_id = fields.Many2one(
        "wholtra.collection.level", string="Level", index=True, ondelete="set null"
    )
    level_days = fields.Integer(
        related="level_id.days_overdue",
        store=True,
        string="Level starts at (days)",
        aggregator="max",
    )
    overdue_amount = fields.Monetary(
        string="Overdue amount", help="Overdue, undisputed, at the last evaluation."
    )
    oldest_due_date = fields.Date(string="Oldest due date")
    days_overdue = fields.Integer(
        aggregator="max",  # a group shows its most overdue customer, not a sum
        help="Days the oldest overdue invoice is overdue: past its due date, minus "
        "the company's grace days.",
    )
    last_action = fields.Char(string="Last action")
    last_action_date = fields.Date(string="Last action on")
    hold_set = fields.Boolean(
        string="Hold set by collections",
        help="The collection sequence put this customer on hold; it lifts the hold "
        "when nothing is overdue any more (if the setting says so).",
    )

    hold_reason = fields.Char(
        readonly=True, help="The hold reason written by the collection sequence."
    )
    evaluated_date = fields.Date(
        string="Evaluated on",
        readonly=True,
        copy=False,
        help="Day of the scheduled run that last evaluated this customer: a run "
        "killed halfway resumes with the customers it had not evaluated yet.",
    )

    _partner_company_uniq = models.UniqueIndex(
        "(partner_id, company_id)", "One collection status per customer and company."
    )

    # ------------------------------------------------------------------
    # Guard: the rows are the collection sequence's own record. Only its methods
    # (scheduled action, refresh after a payment: both in sudo) create or change
    # them, so "hold set by collections" can be trusted when a payment lifts it.
    # ------------------------------------------------------------------
    @api.model
    def _wholtra_check_system_write(self):
        if not self.env.su:
            raise AccessError(
                self.env._(
                    "Collection statuses are kept by the collection sequence: they "
                    "cannot be created or changed by hand. Put a customer on hold "
                    "from the customer form (credit managers)."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._wholtra_check_system_write()
        return super().create(vals_list)

    def write(self, vals):
        self._wholtra_check_system_write()
        return super().write(vals)

    # ------------------------------------------------------------------
    # Evaluation
    # ------------------------------------------------------------------
    @api.model
    def _wholtra_overdue_by_partner(self, company, today, partners=None):
        """{commercial partner: (overdue amount, oldest due date, days overdue)} of
        ``company`` on ``today``, from the one definition of overdue
        (``account.move._wholtra_overdue_groups``: grace days and disputes handled
        there). ``partners``: commercial partners; None: every customer with
        something overdue."""
        Move = self.env["account.move"]
        if partners is None:
            # Every customer: the same domain and aggregates as
            # _wholtra_overdue_groups, without a customer filter (one query; the
            # collection run is in sudo).
            groups = {
                partner: (amount, count, oldest)
                for partner, amount, count, oldest in Move._read_group(
                    Move._wholtra_overdue_domain(today, company),
                    ["commercial_partner_id"],
                    ["amount_residual_signed:sum", "__count", "invoice_date_due:min"],
                )
            }
        else:
            groups = Move._wholtra_overdue_groups(partners, today, company)
        grace = Move._wholtra_overdue_grace_days(company)
        return {
            partner: (amount, oldest, (today - oldest).days - grace)
            for partner, (amount, _count, oldest) in groups.items()
        }

    @api.model
    def _wholtra_target_level(self, levels, days):
        target = self.env["wholtra.collection.level"]
        for level in levels:  # sorted by days_overdue
            if days >= level.days_overdue:
                target = level
        return target

    @api.model
    def _wholtra_collection_run(
        self, companies=None, today=None, partners=None, escalate=True
    ):
        """Evaluate the collection sequence. Rerun-safe: a customer only moves when its
        target level differs from the recorded one; a customer already at its level is
        left alone. With escalate=False (right after a payment) levels are only
        cleared or lowered, never raised: no reminder is sent. Returns the statuses
        that changed."""
        companies = companies or self.env["res.company"].search(
            [("wholtra_collection_enabled", "=", True)]
        )
        changed = self.browse()
        for company in companies.filtered("wholtra_collection_enabled"):
            changed |= self.with_company(company)._wholtra_collection_run_company(
                company, today or fields.Date.context_today(self), partners, escalate
            )
        return changed

    def _wholtra_collection_run_company(
        self, company, today, partners=None, escalate=True
    ):
        levels = self.env["wholtra.collection.level"].search(
            [("company_id", "=", company.id)], order="days_overdue, id"
        )
        overdue = self._wholtra_overdue_by_partner(company, today, partners)
        # Also the statuses still showing overdue figures: a customer whose overdue
        # fell to 0 without a payment (dispute, credit note, hand reconcile) and had
        # no level is reset to 0 (same selection as the scheduled action's claim).
        status_domain = Domain("company_id", "=", company.id) & (
            Domain("partner_id", "in", [p.id for p in overdue])
            | Domain("level_id", "!=", False)
            | Domain("hold_set", "=", True)
            | Domain("overdue_amount", "!=", 0)
            | Domain("oldest_due_date", "!=", False)
        )
        if partners is not None:
            status_domain &= Domain("partner_id", "in", partners.ids)
        statuses = self.search(status_domain)
        known = set(statuses.partner_id)
        missing = [p for p in overdue if p not in known] if escalate else []
        if missing:
            statuses |= self.create(
                [{"partner_id": p.id, "company_id": company.id} for p in missing]
            )
        # Claim the rows: a concurrent run skips what this one holds.
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM wholtra_collection_status WHERE id IN %s "
                "FOR UPDATE SKIP LOCKED",
                tuple(statuses.ids) or (0,),
            )
        )
        statuses = self.browse([r[0] for r in rows])
        changed = self.browse()
        figures = []  # statuses whose level stays: only their figures move
        for status in statuses:
            amount, due, days = overdue.get(status.partner_id, (0.0, False, 0))
            if not status._wholtra_keeps_level(levels, amount, days, escalate):
                pass
            elif status._wholtra_figures_differ(amount, due, days):
                figures.append((status.id, amount, due or None, days))
                continue
            else:
                continue  # the daily rerun touches nothing
            try:
                with self.env.cr.savepoint():
                    if status._wholtra_apply(
                        levels, amount, due, days, today, escalate=escalate
                    ):
                        changed |= status
            except pg_errors.SerializationFailure:
                raise  # a concurrent update: the batch is rolled back and retried
            except Exception:
                _logger.exception(
                    "Collection sequence failed for partner %s", status.partner_id.id
                )
        self._wholtra_write_figures(figures)
        return changed

    def _wholtra_keeps_level(self, levels, amount, days, escalate=True):
        """Whether the evaluation leaves this status at its level (no reminder, no
        hold set or lifted, no message): only its figures may move."""
        self.ensure_one()
        target = (
            self._wholtra_target_level(levels, days) if amount > 0 else levels.browse()
        )
        if (
            not escalate
            and target
            and (not self.level_id or target.days_overdue > self.level_id.days_overdue)
        ):
            target = self.level_id  # reminders wait for the scheduled run
        lift = (
            not target
            and self.hold_set
            and self.company_id.wholtra_collection_lift_hold
        )
        return target == self.level_id and not lift

    def _wholtra_figures_differ(self, amount, due, days):
        self.ensure_one()
        return (
            self.currency_id.compare_amounts(self.overdue_amount, amount)
            or self.days_overdue != days
            or (self.oldest_due_date or False) != (due or False)
        )

    @api.model
    def _wholtra_write_figures(self, figures):
        """Write the overdue figures [(status id, amount, oldest due date, days)] of
        statuses that keep their level, in one statement (the nightly run moves
        every overdue customer one day on)."""
        if not figures:
            return
        fnames = ["overdue_amount", "oldest_due_date", "days_overdue"]
        self.flush_model([*fnames, "write_date", "write_uid"])
        self.env.execute_query(
            SQL(
                "UPDATE wholtra_collection_status AS s SET overdue_amount = v.amount, "
                "oldest_due_date = v.due, days_overdue = v.days, write_uid = %s, "
                "write_date = now() AT TIME ZONE 'UTC' "
                "FROM (VALUES %s) AS v(id, amount, due, days) WHERE s.id = v.id",
                self.env.uid,
                SQL(", ").join(
                    SQL("(%s, %s::numeric, %s::date, %s)", *row) for row in figures
                ),
            )
        )
        self.browse(row[0] for row in figures).invalidate_recordset(
            [*fnames, "write_date", "write_uid"]
        )

    def _wholtra_apply(self, levels, amount, due, days, today, escalate=True):
        """Move this status to the level `days` calls for; send, log, hold, lift."""
        self.ensure_one()
        vals = {"overdue_amount": amount, "oldest_due_date": due, "days_overdue": days}
        target = (
            self._wholtra_target_level(levels, days) if amount > 0 else levels.browse()
        )
        moved = False
        escalating = bool(target) and (
            not self.level_id or target.days_overdue > self.level_id.days_overdue
        )
        if escalating and not escalate:
            target = self.level_id  # reminders wait for the scheduled run
        if target != self.level_id:
            if escalating:
                self._wholtra_notify_level(target, today)
                vals.update(
                    last_action=self.env._(
                        "%(level)s sent (%(days)s days overdue)",
                        level=target.name,
                        days=days,
                    ),
                    last_action_date=today,
                )
                if target.action == "email_hold" and not self.hold_set:
                    commercial = self.partner_id.commercial_partner_id
                    if commercial.wholtra_hold_manual:
                        # A credit manager's hold stays theirs: never lifted by us.
                        vals["last_action"] = self.env._(
                            "%(level)s sent (already on hold)", level=target.name
                        )
                    else:
                        vals["hold_reason"] = self._wholtra_set_hold(target, days)
                        vals["hold_set"] = True
                        vals["last_action"] = self.env._(
                            "%(level)s sent, customer put on hold", level=target.name
                        )
            elif not target:
                vals.update(
                    last_action=self.env._("Nothing overdue: collection level cleared"),
                    last_action_date=today,
                )
                self.partner_id.message_post(
                    body=self.env._(
                        "Collection level %(level)s cleared: nothing overdue any more.",
                        level=self.level_id.name,
                    )
                )
            vals["level_id"] = target.id
            moved = True
        if (
            not target
            and self.hold_set
            and self.company_id.wholtra_collection_lift_hold
        ):
            commercial = self.partner_id.commercial_partner_id
            if commercial.wholtra_hold_manual and (
                commercial.wholtra_hold_reason == self.hold_reason
            ):
                self._wholtra_lift_hold()
                vals["last_action"] = self.env._("Paid: hold lifted")
            else:
                # Lifted or re-set by someone since: leave it as it is.
                vals["last_action"] = self.env._("Paid: level cleared")
            vals["hold_set"] = False
            vals["hold_reason"] = False
            vals["last_action_date"] = today
            moved = True
        changes = {
            name: value
            for name, value in vals.items()
            if self._fields[name].convert_to_write(self[name], self) != value
        }
        if changes:
            self.write(changes)
        return moved

    def _wholtra_notify_level(self, level, today=None):
        """Send the level's email (logged in the customer's chatter). The template
        reads what it states when it is rendered
        (``res.partner._wholtra_collection_reminder_values``), on the run's date."""
        self.ensure_one()
        partner = self.partner_id.with_company(self.company_id)
        if level.mail_template_id:
            partner.with_context(
                wholtra_collection_date=today or fields.Date.context_today(self),
                wholtra_level_name=level.name,
            ).message_post_with_source(
                level.mail_template_id,
                subtype_xmlid="mail.mt_comment",
                message_type="comment",
            )
        else:
            partner.message_post(
                body=self.env._(
                    "Collection level %(level)s reached (no email template).",
                    level=level.name,
                )
            )

    def _wholtra_set_hold(self, level, days):
        reason = self.env._(
            "Collection level %(level)s: invoices %(days)s days overdue",
            level=level.name,
            days=days,
        )
        self.partner_id.with_company(self.company_id)._wholtra_set_hold(reason)
        return reason

    def _wholtra_lift_hold(self):
        self.partner_id.with_company(self.company_id)._wholtra_lift_hold(
            self.env._("Overdue invoices paid (collection sequence)")
        )

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------
    @api.model
    def _cron_wholtra_collection(self):
        """Scheduled action. Customers are claimed in batches (``FOR UPDATE SKIP
        LOCKED``) and each batch is committed: two workers running it at once share
        the customers and send one reminder each; a rerun only moves what changed."""
        self._wholtra_check_system_write()
        companies = self.env["res.company"].search(
            [("wholtra_collection_enabled", "=", True)]
        )
        for company in companies:
            if not self.with_company(company)._wholtra_cron_company(company):
                return  # time is up: the scheduled action runs again at once

    def _wholtra_cron_domain_sql(self, company, today, partner_ids):
        """The statuses the scheduled run of ``today`` still has to evaluate: every
        customer with something overdue and every status still showing a level, a
        hold or overdue figures, not evaluated by a run of ``today`` yet."""
        return SQL(
            "company_id = %s "
            "AND (evaluated_date IS NULL OR evaluated_date < %s) "
            "AND (partner_id = ANY(%s) OR level_id IS NOT NULL OR hold_set "
            "OR overdue_amount <> 0 OR oldest_due_date IS NOT NULL)",
            company.id,
            today,
            partner_ids or [0],
        )

    def _wholtra_cron_company(self, company):
        """Evaluate ``company``'s customers in committed batches. Each batch is
        claimed with ``FOR UPDATE SKIP LOCKED`` (a second worker takes the next
        customers) and marked evaluated for today in the same transaction as the
        reminders it sent: a run killed halfway resumes where it stopped, and a
        customer is never evaluated (nor reminded) twice on the same day.
        Returns False when the cron's time is up (the rest is left for the next
        call: the scheduled action is rescheduled at once)."""
        today = fields.Date.context_today(self)
        overdue = self._wholtra_overdue_by_partner(company, today)
        self._wholtra_ensure_statuses(company, list(overdue))
        partner_ids = [partner.id for partner in overdue]
        where = self._wholtra_cron_domain_sql(company, today, partner_ids)
        to_do = None  # counted once, after the first batch
        while True:
            # First statement of a fresh transaction: the snapshot includes what other
            # workers committed, and rows they hold are skipped.
            claimed_ids = claim_skip_locked(
                self.env,
                SQL(
                    "SELECT id FROM wholtra_collection_status WHERE %s "
                    "ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
                    where,
                    CRON_BATCH_SIZE,
                ),
            )
            if claimed_ids is None:
                continue  # a row committed by another worker meanwhile: new snapshot
            if not claimed_ids:
                self.env["ir.cron"]._commit_progress(remaining=0)
                return True
            claimed = self.browse(claimed_ids)
            self._wholtra_collection_run(
                company, today=today, partners=claimed.partner_id
            )
            self.flush_model()
            self.env.execute_query(
                SQL(
                    "UPDATE wholtra_collection_status SET evaluated_date = %s "
                    "WHERE id = ANY(%s)",
                    today,
                    claimed.ids,
                )
            )
            if to_do is None:
                (to_do,) = self.env.execute_query(
                    SQL(
                        "SELECT count(*) FROM wholtra_collection_status WHERE %s", where
                    )
                )[0]
            else:  # what the other workers took is not subtracted: an estimate
                to_do = max(to_do - len(claimed), 0)
            time_left = self.env["ir.cron"]._commit_progress(
                len(claimed), remaining=to_do
            )
            self.env.invalidate_all()
            if not time_left:
                return False

    @api.model
    def _wholtra_ensure_statuses(self, company, partners):
        """Create the missing status rows of ``partners`` and commit them, tolerating a
        concurrent worker creating the same rows (it then owns them)."""
        self._wholtra_check_system_write()
        partner_ids = [partner.id for partner in partners]
        if not partner_ids:
            return  # nobody overdue (there is no partner 0 to insert)
        try:
            with self.env.cr.savepoint():
                self.env.execute_query(
                    SQL(
                        "INSERT INTO wholtra_collection_status "
                        "(partner_id, company_id, create_uid, write_uid, create_date, "
                        "write_date) "
                        "SELECT p, %s, %s, %s, now() AT TIME ZONE 'UTC', "
                        "now() AT TIME ZONE 'UTC' FROM unnest(%s) AS p "
                        "ON CONFLICT (partner_id, company_id) DO NOTHING",
                        company.id,
                        self.env.uid,
                        self.env.uid,
                        partner_ids,
                    )
                )
        except (pg_errors.SerializationFailure, pg_errors.UniqueViolation):
            _logger.info("Collection statuses created by a concurrent worker")
        self.env["ir.cron"]._commit_progress(0)
        self.env.invalidate_all()

    @api.model
    @contextmanager
    def _wholtra_refresh_deferred(self):
        """Within the block, the refresh of the customers whose invoices are
        reconciled is deferred to its end, done once for them all (a payment
        registered on many invoices reconciles them one by one). Nested blocks:
        the outermost refreshes. Nothing is refreshed when the block fails."""
        cache = self.env.cr.cache
        if DEFERRED_KEY in cache:
            yield
            return
        cache[DEFERRED_KEY] = pending = set()
        try:
            yield
        finally:
            cache.pop(DEFERRED_KEY, None)
        if pending:
            self._wholtra_refresh_partners(self.env["res.partner"].browse(pending))

    @api.model
    def _wholtra_refresh_partners(self, partners):
        """Re-evaluate some customers now (their invoices' reconciliation changed):
        clears or lowers their level and lifts the collection hold when nothing is
        overdue any more. Never escalates.

        Called by ``account.move._wholtra_reconciliation_changed`` in the user's
        environment, once per reconcile operation: the collection sequence's own
        rows and the hold it set are changed in sudo here."""
        status_sudo = self.sudo()
        partners = partners.commercial_partner_id
        pending = self.env.cr.cache.get(DEFERRED_KEY)
        if pending is not None:
            pending.update(partners.ids)  # refreshed at the end of the block
            return
        statuses_sudo = status_sudo.search([("partner_id", "in", partners.ids)])
        for company in statuses_sudo.company_id.filtered("wholtra_collection_enabled"):
            status_sudo._wholtra_collection_run(
                company, partners=partners.sudo(), escalate=False
            )

    def _wholtra_one_status(self):
        status = self.exists()
        if len(status) != 1:
            raise UserError(self.env._("Choose one customer's collection status."))
        status.check_access("read")
        return status

    def action_wholtra_statement_link(self):
        """Row action: the customer's statement link (created when missing), to
        send it; invoicing users only (checked by the customer's action)."""
        status = self._wholtra_one_status()
        return status.partner_id.with_company(
            status.company_id
        ).action_wholtra_statement_link()

    def action_wholtra_hold_wizard(self):
        """Row action: set or lift the customer's hold (credit managers, checked
        by the customer's action)."""
        status = self._wholtra_one_status()
        return status.partner_id.with_company(
            status.company_id
        ).action_wholtra_hold_wizard()

    def action_wholtra_open_invoices(self):
        """Open the overdue invoices of this customer (the one definition of
        overdue: grace days and disputes as everywhere else)."""
        status = self._wholtra_one_status()
        Move = self.env["account.move"]
        domain = Move._wholtra_overdue_domain(
            fields.Date.context_today(self), status.company_id
        ) & Domain("commercial_partner_id", "=", status.partner_id.id)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Overdue invoices"),
            "res_model": "account.move",
            "view_mode": "list,form",
            "domain": list(domain),  # dates serialised by the JSON-RPC encoder
        }
