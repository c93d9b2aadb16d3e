"""Small checks shared by the public (RPC-callable) methods of wholtra_orders."""

import math
from contextlib import contextmanager

from odoo.exceptions import AccessError, MissingError, UserError, ValidationError


def ensure_one_record(records):
    """Like ``ensure_one()``, with a clean error for an API caller: a missing or
    multiple selection is a ``UserError``, a deleted record a ``MissingError``."""
    if len(records) != 1:
        raise UserError(
            records.env._(
                "Select exactly one %(model)s (got %(count)s).",
                model=records._description,
                count=len(records),
            )
        )
    if not records.exists():
        raise MissingError(
            records.env._("This record does not exist or has been deleted.")
        )
    records.check_access("read")
    return records


def check_group(env, group_xmlid, what):
    """AccessError unless superuser or member of ``group_xmlid``."""
    if not env.su and not env.user.has_group(group_xmlid):
        raise AccessError(env._("You are not allowed to do this: %(what)s.", what=what))


# No distributor types a price, quantity or amount of a hundred billion: beyond,
# a value is a typing or API error (and 2-decimal amounts lose precision).
MAX_NUMBER = 1e11


def check_finite_numbers(model, vals, field_names):
    """ValidationError for an amount / quantity / percentage in ``vals`` that is
    not a finite number (NaN, infinity, text) or is absurdly large, before
    anything is written."""
    if not isinstance(vals, dict):
        raise ValidationError(model.env._("Invalid values."))
    for fname in field_names:
        value = vals.get(fname)
        if value is None or value is False:
            continue
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            number = math.nan
        if isinstance(value, bool) or not math.isfinite(number):
            number = math.nan
        if not abs(number) <= MAX_NUMBER:
            raise ValidationError(
                model.env._(
                    "%(field)s must be a number between -%(max)s and %(max)s, "
                    "not %(value)s.",
                    max=f"{MAX_NUMBER:,.0f}",
                    field=model._fields[fname].string,
                    value=str(value)[:30],
                )
            )


# Key of the hold memo in ``cr.cache`` (never in the context: a caller cannot
# forge it): {(as_of, company ids): {commercial partner id: overdue group}}.
HOLD_MEMO = "wholtra_orders_hold_overdue"


@contextmanager
def hold_memo(env):
    """Within the block, the overdue figures of the credit-hold evaluation are read
    once per customer (the confirmation check and the allocation's held-last rule
    of one confirmation). Used around work that pays no invoice; nested blocks
    share the outer memo, which is dropped when the outer block ends."""
    cache = env.cr.cache
    if HOLD_MEMO in cache:
        yield
        return
    cache[HOLD_MEMO] = {}
    try:
        yield
    finally:
        cache.pop(HOLD_MEMO, None)


# ---------------------------------------------------------------- External API
def ensure_records(records):
    """Clean errors for the ``ids`` of a multi-record API call: none selected is a
    ``UserError``, a deleted one a ``MissingError``; read access is checked."""
    if not records:
        raise UserError(
            records.env._("Select at least one %(model)s.", model=records._description)
        )
    missing = records - records.exists()
    if missing:
        raise MissingError(
            records.env._(
                "%(model)s %(ids)s does not exist or has been deleted.",
                model=records._description,
                ids=", ".join(str(i) for i in missing.ids),
            )
        )
    records.check_access("read")
    return records


def api_number(env, value, label, minimum=0.0, strictly=False):
    """A finite JSON number (not a boolean) of at least ``minimum`` (over it when
    ``strictly``) and at most ``MAX_NUMBER``, as a float; else a ``ValidationError``
    naming ``label``."""
    number = (
        float(value)
        if isinstance(value, int | float) and not isinstance(value, bool)
        else math.nan
    )
    if (
        not math.isfinite(number)
        or abs(number) > MAX_NUMBER
        or number < minimum
        or (strictly and number == minimum)
    ):
        raise ValidationError(
            env._(
                "%(label)s must be a number %(rule)s %(minimum)s, not %(value)s.",
                label=label,
                rule=env._("over") if strictly else env._("of at least"),
                minimum=minimum,
                value=str(value)[:30],
            )
        )
    return number


def api_record(env, model, value, label, required=True):
    """The existing record of ``model`` whose id is ``value`` (a positive integer),
    read access checked; ``None`` / ``False`` give an empty recordset unless
    ``required``. Clean ``ValidationError`` / ``MissingError`` otherwise."""
    if value in (None, False) and not required:
        return env[model]
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValidationError(
            env._(
                "%(label)s must be the id of a %(model)s, not %(value)s.",
                label=label,
                model=env[model]._description,
                value=str(value)[:30],
            )
        )
    record = env[model].browse(value).exists()
    if not record:
        raise MissingError(
            env._(
                "%(model)s %(id)s (%(label)s) does not exist or has been deleted.",
                model=env[model]._description,
                id=value,
                label=label,
            )
        )
    record.check_access("read")
    return record


def api_reason(env, reason):
    """A non-empty reason (text), stripped."""
    if not isinstance(reason, str) or not reason.strip():
        raise UserError(env._("Enter a reason."))
    return reason.strip()[:1000]
