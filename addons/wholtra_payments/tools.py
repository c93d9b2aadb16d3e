"""Parsing of untrusted values (RPC arguments, HTTP parameters) shared by the models,
wizards and controllers of this addon."""

import math

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
