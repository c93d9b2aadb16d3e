"""Parsing of untrusted values (RPC arguments, HTTP parameters) shared by the models,
wizards and controllers of this addon, and the batch claim of its scheduled
actions."""

import math

from psycopg2.errors import SerializationFailure

# PostgreSQL integer columns: an id outside this range is no record at all.
MAX_ID = 2**31 - 1
# No single amount typed by a customer, a driver or a clerk comes near this; above it
# a value is a typo or an attack, refused before anything is written.
AMOUNT_CEILING = 1e9


def to_id(value):
    """The record id in ``value`` (int or digit string), or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit() or len(value) > 10:
            return None
        value = int(value)
    if not isinstance(value, int) or not 0 < value <= MAX_ID:
        return None
    return value


def to_amount(value):
    """The finite float in ``value`` (number or numeric string), or None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if len(value) > 40:
            return None
    try:
        amount = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return amount if math.isfinite(amount) else None


def claim_skip_locked(env, query):
    """Ids returned by ``query`` (a ``SELECT id ... FOR UPDATE SKIP LOCKED`` of a
    scheduled action's batch), or None when a row was changed by a worker that
    committed after this transaction's snapshot (REPEATABLE READ refuses to lock
    it): the transaction is rolled back (the caller committed its previous batch:
    nothing is pending) and the caller claims again on a fresh snapshot."""
    try:
        with env.cr.savepoint(flush=False):
            rows = env.execute_query(query)
    except SerializationFailure:
        env.cr.rollback()
        env.invalidate_all(flush=False)
        return None
    return [row[0] for row in rows]
