"""The access matrix of the Wholtra addons, walked from the registry.

Every model our addons define and every field they add to any model is looked up in the
declared table (``access_table.py``) and tried as each role of a distributor's Odoo
(``security_fixtures.ROLES``):

- models: read / write / unlink on a sample record of the first company (access rights
  and record rules, so a second company's user is refused), create on the model;
- fields: read (access rights and the field's ``groups=``), and a real ``write`` of a new
  value in a savepoint — refused (``AccessError`` / ``UserError`` / ``ValidationError``)
  unless the role owns that decision. System-managed fields are refused to everybody:
  only the method that owns them writes them.

A model or field that is not in the table fails the test: a new model or guarded field
comes with its declared row."""

import json
import os
from datetime import timedelta

import psycopg2
from access_table import FIELDS, MODELS, ROLE_CODES, SKIP_MODELS
from security_fixtures import ROLES, SecurityFixture

from odoo import Command, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, tagged

REFUSALS = (AccessError, UserError, ValidationError, psycopg2.Error)
# Developers: WHOLTRA_MATRIX_DUMP=/tmp/matrix.json writes what the code actually allows,
# to review against the declared table after a change.
DUMP = os.environ.get("WHOLTRA_MATRIX_DUMP")
CODE_OF_ROLE = {role: code for code, role in ROLE_CODES.items()}


def wholtra_models(env):
    env.cr.execute(
        """SELECT DISTINCT m.model FROM ir_model m
           JOIN ir_model_data d ON d.model = 'ir.model' AND d.res_id = m.id
           WHERE d.module LIKE 'wholtra\\_%%' ORDER BY 1"""
    )
    return [
        row[0]
        for row in env.cr.fetchall()
        if row[0] in env and (env[row[0]]._original_module or "").startswith("wholtra_")
    ]


def wholtra_fields(env):
    """(model, field) of every field a Wholtra addon adds to a model of its own or of
    Odoo (settings wizards and the fields res.users inherits from res.partner left out)."""
    env.cr.execute(
        """SELECT DISTINCT f.model, f.name FROM ir_model_fields f
           JOIN ir_model_data d ON d.model = 'ir.model.fields' AND d.res_id = f.id
           WHERE d.module LIKE 'wholtra\\_%%' ORDER BY 1, 2"""
    )
    found = []
    for model, name in env.cr.fetchall():
        if model not in env or model in SKIP_MODELS:
            continue
        Model = env[model]
        field = Model._fields.get(name)
        if field is None or name in ("id", "display_name", *models.MAGIC_COLUMNS):
            continue
        if field.inherited:  # e.g. res.users fields delegated to res.partner
            continue
        found.append((model, name))
    return found


def roles_of(codes):
    return {ROLE_CODES[c] for c in codes}


@tagged("post_install", "-at_install")
class TestAccessMatrix(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.fx = SecurityFixture(cls.env)

    # ------------------------------------------------------------------
    def _model_ops(self, model, role):
        user = self.fx.users[role]
        Model = self.env[model].with_user(user)
        sample = self.fx.sample(model).with_user(user)
        allowed = ""
        for op, code in (
            ("read", "r"),
            ("write", "w"),
            ("create", "c"),
            ("unlink", "u"),
        ):
            if op == "create" or not sample:
                ok = Model.has_access(op)
            else:
                ok = sample.has_access(op)
            allowed += code if ok else ""
        return allowed

    def test_models(self):
        problems = []
        rows = 0
        dump = {}
        for model in wholtra_models(self.env):
            declared = MODELS.get(model)
            if declared is None:
                problems.append(f"{model}: no row in access_table.MODELS")
                if not DUMP:
                    continue
                declared = {}
            if declared == "abstract":
                continue
            for role in ROLES:
                actual = self._model_ops(model, role)
                dump.setdefault(model, {})[CODE_OF_ROLE[role]] = actual
                expected = declared.get(CODE_OF_ROLE[role], "")
                rows += 1
                if set(actual) != set(expected):
                    problems.append(
                        f"{model} as {role}: declared {expected!r}, actual {actual!r}"
                    )
        if DUMP:
            with open(DUMP + ".models.json", "w") as out:
                json.dump(dump, out, indent=1, sort_keys=True)
        print(f"access matrix: {rows} model x role rows x 4 operations")
        self.assertFalse(problems, "\n" + "\n".join(problems))

    # ------------------------------------------------------------------
    def _new_value(self, record, field):
        """A value different from the record's, of the field's type."""
        current = record[field.name]
        kind = field.type
        if kind == "boolean":
            return not current
        if kind in ("char", "text", "html"):
            return f"{current or ''} rpc edit"
        if kind == "integer":
            return (current or 0) + 7
        if kind in ("float", "monetary"):
            return (current or 0.0) + 7.5
        if kind == "selection":
            options = [
                key
                for key, _label in field._description_selection(self.env)
                if key != current
            ]
            return options[0] if options else current
        if kind == "date":
            return (current or fields.Date.today()) - timedelta(days=40)
        if kind == "datetime":
            return (current or fields.Datetime.now()) - timedelta(days=40)
        if kind == "many2one":
            comodel = self.env[field.comodel_name]
            domain = [("id", "!=", current.id)] if current else []
            if "company_id" in comodel._fields and comodel._fields["company_id"].store:
                domain.append(("company_id", "in", (record.env.company.id, False)))
            other = comodel.search(domain, limit=1)
            return other.id
        if kind == "many2many" and field.store:
            if current:
                return [Command.clear()]
            other = self.env[field.comodel_name].search([], limit=1)
            return [Command.link(other.id)] if other else None
        return None

    def _try_write(self, record, field, role):
        value = self._new_value(record, field)
        if value is None:
            return None
        before = record.sudo()[field.name]
        try:
            with self.env.cr.savepoint():
                record.with_user(self.fx.users[role]).write({field.name: value})
                record.env.flush_all()
                # A guard may also refuse by ignoring: compare what was stored.
                record.invalidate_recordset([field.name])
                stored = record.sudo()[field.name]
                if field.type == "many2one":
                    accepted = stored.id == value
                elif field.type == "many2many":
                    accepted = stored != before
                else:
                    accepted = stored == value
                raise _Rollback(accepted)
        except _Rollback as done:
            return done.accepted
        except REFUSALS:
            return False
        finally:
            self.env.invalidate_all()

    def test_fields(self):
        problems = []
        counts = {"read": 0, "write": 0}
        dump = {}
        for model, name in wholtra_fields(self.env):
            declared = FIELDS.get(model, {}).get(name)
            if declared is None:
                problems.append(f"{model}.{name}: no row in access_table.FIELDS")
                if not DUMP:
                    continue
                declared = ("", "")
            read_codes, write_codes = declared
            actual_read, actual_write = "", ""
            Model = self.env[model]
            field = Model._fields[name]
            sample = self.fx.sample(model)
            for role in ROLES:
                as_user = Model.with_user(self.fx.users[role])
                can_read = as_user.has_access("read") and as_user._has_field_access(
                    field, "read"
                )
                counts["read"] += 1
                actual_read += CODE_OF_ROLE[role] if can_read else ""
                if can_read != (CODE_OF_ROLE[role] in read_codes):
                    problems.append(
                        f"{model}.{name} read as {role}: declared "
                        f"{CODE_OF_ROLE[role] in read_codes}, actual {can_read}"
                    )
            if not sample or Model._transient:
                actual_write = write_codes  # no record to write: rights only
            elif self._new_value(sample, field) is None or (
                field.compute and not field.inverse and not field.store
            ):
                actual_write = "-"  # computed, or written through its comodel
                if write_codes != "-":
                    problems.append(f"{model}.{name}: not written directly: '-'")
            else:
                for role in ROLES:
                    accepted = self._try_write(sample, field, role)
                    counts["write"] += 1
                    actual_write += CODE_OF_ROLE[role] if accepted else ""
                    if accepted != (CODE_OF_ROLE[role] in write_codes):
                        problems.append(
                            f"{model}.{name} write as {role}: declared "
                            f"{CODE_OF_ROLE[role] in write_codes}, actual {accepted}"
                        )
            dump.setdefault(model, {})[name] = [actual_read, actual_write]
        if DUMP:
            with open(DUMP + ".fields.json", "w") as out:
                json.dump(dump, out, indent=1, sort_keys=True)
        print(
            f"access matrix: {counts['read']} field reads, {counts['write']} field "
            "writes tried"
        )
        self.assertFalse(problems, "\n" + "\n".join(problems))


class _Rollback(Exception):
    def __init__(self, accepted):
        super().__init__()
        self.accepted = accepted
