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
