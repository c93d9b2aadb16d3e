"""Guard of the fields the system manages (set by their owning method only)."""

from odoo.exceptions import AccessError
from odoo.fields import Command


def _is_noop(records_sudo, field, value):
    """Whether writing ``value`` leaves ``field`` as it is on every record (or,
    on create, sets it to its empty value): clients resend unchanged values.
    Malformed values are never a no-op (refused)."""
    try:
        return _compare(records_sudo, field, value)
    except (TypeError, ValueError, IndexError, KeyError):
        return False


def _compare(records_sudo, field, value):
    if field.type in ("one2many", "many2many"):
        if not value:
            return True
        if (
            not isinstance(value, list | tuple)
            or len(value) != 1
            or not isinstance(value[0], list | tuple)
        ):
            return False
        command = value[0]
        if command[0] == Command.CLEAR:
            return all(not record[field.name] for record in records_sudo)
        if command[0] == Command.SET and len(command) == 3:
            ids = set(command[2] or ())
            if not records_sudo:
                return not ids
            return all(set(record[field.name].ids) == ids for record in records_sudo)
        return False
    if not records_sudo:
        return not value
    new = field.convert_to_cache(value, records_sudo[:1])
    return all(
        field.convert_to_cache(record[field.name], record) == new
        for record in records_sudo
    )


def check_system_fields(records, vals, fnames):
    """Refuse (AccessError) to set any of ``fnames`` in ``vals`` unless the
    environment is superuser: the owning method writes them with a narrow
    ``sudo()``. Values identical to the current ones pass (clients resend them).
    """
    if records.env.su or not isinstance(vals, dict):
        return  # trusted path; malformed values are refused by the ORM
    keys = [fname for fname in fnames if fname in vals]
    if not keys:
        return
    records_sudo = records.sudo()
    touched = [
        fname
        for fname in keys
        if not _is_noop(records_sudo, records._fields[fname], vals[fname])
    ]
    if touched:
        env = records.env
        raise AccessError(
            env._(
                "%(fields)s (%(model)s) is managed by Odoo and cannot be set by "
                "hand.",
                fields=", ".join(
                    records._fields[fname]._description_string(env) for fname in touched
                ),
                model=env["ir.model"]._get(records._name).name,
            )
        )
