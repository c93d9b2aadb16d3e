"""The RPC surface of the Wholtra addons, called as a hostile integrator would.

Every public method (no ``_`` prefix, not ``@api.private``) that our addons add to any model
is enumerated from the registry and called over HTTP through Odoo 19's External JSON-2 API
(``POST /json/2/<model>/<method>``, ``Authorization: bearer <API key>``) as a portal
customer and as a plain salesperson, with missing records and malformed arguments. Each
call must end in a clean answer — a business or access error (``UserError``,
``ValidationError``, ``AccessError``, ``MissingError``) or an argument error of the API
itself (HTTP 4xx) — never an internal server error with a traceback, and must leave the
database unchanged.

A method that a new addon version adds is picked up without touching this file."""

import inspect
import json

from security_fixtures import SecurityFixture

from odoo.tests import HttpCase, tagged
from odoo.tools import SQL

# Answers a client may get for a refused call.
CLEAN_ERRORS = {
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.AccessError",
    "odoo.exceptions.MissingError",
    "odoo.exceptions.RedirectWarning",
    "werkzeug.exceptions.NotFound",
    "werkzeug.exceptions.UnprocessableEntity",
    "werkzeug.exceptions.BadRequest",
    "werkzeug.exceptions.Forbidden",
}
# Overrides of Odoo's own public actions on the paths our addons change; create/write/
# unlink are covered by the access matrix (test_access_matrix.py).
OVERRIDES = {
    "button_validate",
    "button_cancel",
    "button_confirm",
    "action_confirm",
    "action_post",
    "action_cancel",
    "action_update_prices",
}
# Malformed values given to every parameter a method declares.
MALFORMED = ("x", -1, None, [999999999], {"evil": [1, 2]}, 1e308)
NO_SUCH_ID = 999999999
# Tables whose content must not change on a refused call.
WATCHED_TABLES = (
    "res_partner",
    "sale_order",
    "sale_order_line",
    "stock_picking",
    "stock_move",
    "account_move",
    "account_move_line",
    "account_payment",
    "payment_transaction",
    "purchase_order",
    "purchase_order_line",
    "product_pricelist_item",
    "mail_message",
    "mail_activity",
)


def wholtra_public_methods(env):
    """(model, method name, is @api.model, parameter names, added by us) of every public
    method a Wholtra addon adds, plus our overrides of Odoo's public actions."""
    found = []
    for model_name in sorted(env.registry):
        cls = type(env[model_name])
        for attr in dir(cls):
            if attr.startswith("_"):
                continue
            owners = [
                klass.__module__
                for klass in cls.__mro__
                if callable(klass.__dict__.get(attr))
            ]
            ours = [o for o in owners if o.startswith("odoo.addons.wholtra_")]
            if not ours or (len(ours) != len(owners) and attr not in OVERRIDES):
                continue
            func = getattr(cls, attr)
            if getattr(func, "_api_private", False):
                continue
            params = [
                p.name
                for p in list(inspect.signature(func).parameters.values())[1:]
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
            ]
            found.append(
                (
                    model_name,
                    attr,
                    bool(getattr(func, "_api_model", False)),
                    params,
                    len(ours) == len(owners),
                )
            )
    return found


@tagged("post_install", "-at_install")
class TestRpcSurface(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.fx = SecurityFixture(cls.env)
        cls.keys = {}
        for role in ("portal", "salesman"):
            user = cls.fx.users[role]
            cls.keys[role] = (
                cls.env["res.users.apikeys"]
                .with_user(user)
                .sudo()
                ._generate(None, f"rpc surface {role}", None)
            )
        cls.methods = wholtra_public_methods(cls.env)

    def _snapshot(self):
        self.env.flush_all()
        parts = [
            SQL(
                "(SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) "
                "FROM %s t)",
                SQL.identifier(table),
            )
            for table in WATCHED_TABLES
        ]
        self.env.cr.execute(SQL("SELECT %s", SQL(", ").join(parts)))
        return dict(zip(WATCHED_TABLES, self.env.cr.fetchone(), strict=True))

    def _call(self, role, model, method, body):
        response = self.url_open(
            f"/json/2/{model}/{method}",
            data=json.dumps(body),
            headers={
                "Authorization": f"bearer {self.keys[role]}",
                "Content-Type": "application/json",
            },
            timeout=60,
        )
        try:
            payload = response.json()
        except ValueError:
            payload = {"name": "<not json>", "message": response.text[:300]}
        return response.status_code, payload

    def _variants(self, model, is_model_method, params):
        """Request bodies: missing records, then malformed arguments."""
        bodies = []
        if not is_model_method:
            real = self.fx.sample(model)
            bodies.append({"ids": []})
            bodies.append({"ids": [NO_SUCH_ID]})
            if params and real:
                for value in MALFORMED:
                    bodies.append({"ids": real.ids, **dict.fromkeys(params, value)})
            if params:
                bodies.append({"ids": [NO_SUCH_ID], **dict.fromkeys(params, "x")})
        else:
            for value in MALFORMED if params else (None,):
                bodies.append(dict.fromkeys(params, value))
        return bodies

    def test_public_methods_answer_cleanly_and_change_nothing(self):
        self.assertGreater(len(self.methods), 20, "the enumeration found our methods")
        problems = []
        calls = 0
        for role in ("portal", "salesman"):
            for model, method, is_model_method, params, new in self.methods:
                if not new:
                    continue  # Odoo's own action: its argument checks are Odoo's
                for body in self._variants(model, is_model_method, params):
                    before = self._snapshot()
                    status, payload = self._call(role, model, method, body)
                    calls += 1
                    after = self._snapshot()
                    where = f"{role}: {model}.{method}({json.dumps(body)[:120]})"
                    name = payload.get("name") if isinstance(payload, dict) else None
                    if status >= 500:
                        problems.append(
                            f"{where} -> HTTP {status} {name}: "
                            f"{str(payload.get('message'))[:160]}"
                        )
                    elif status >= 400 and name not in CLEAN_ERRORS:
                        problems.append(f"{where} -> HTTP {status} {name}")
                    changed = [t for t in WATCHED_TABLES if before[t] != after[t]]
                    if changed:
                        problems.append(f"{where} -> changed {', '.join(changed)}")
        print(f"RPC surface: {len(self.methods)} methods, {calls} calls")
        self.assertFalse(problems, "\n" + "\n".join(problems))

    def test_portal_customer_is_refused_on_real_records(self):
        """A portal customer calling our actions on its own company's documents gets an
        access error and changes nothing (Odoo's own actions we extend: nothing changes)."""
        problems = []
        for model, method, is_model_method, _params, new in self.methods:
            if is_model_method:
                continue
            record = self.fx.sample(model)
            if not record:
                continue
            before = self._snapshot()
            status, payload = self._call("portal", model, method, {"ids": record.ids})
            after = self._snapshot()
            name = payload.get("name") if isinstance(payload, dict) else None
            if (new and status < 400) or (status >= 400 and name not in CLEAN_ERRORS):
                problems.append(f"{model}.{method} on #{record.id} -> {status} {name}")
            changed = [t for t in WATCHED_TABLES if before[t] != after[t]]
            if changed:
                problems.append(f"{model}.{method} -> changed {', '.join(changed)}")
        self.assertFalse(problems, "\n" + "\n".join(problems))
