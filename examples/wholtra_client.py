"""A small client of Odoo 19's External JSON-2 API, with `requests` only.

    from wholtra_client import Json2, Json2Error

    odoo = Json2("https://erp.example.com", "wholtra", "<API key>")
    [partner] = odoo.call("res.partner", "search_read",
                          domain=[["name", "=", "FreshMart"]], fields=["name"])
    odoo.call("res.partner", "wholtra_set_hold", ids=[partner["id"]],
              reason="Cheque bounced")

Every call is ``POST <url>/json/2/<model>/<method>`` with the header
``Authorization: bearer <API key>`` and a JSON body holding the record ids (``"ids"``) and
the method's named arguments. Odoo answers the method's return value as JSON (a method that
returns records answers their ids). A refusal answers an HTTP 4xx/5xx status and a JSON body
``{"name": "odoo.exceptions.UserError", "message": ..., "arguments": [...], "context": {},
"debug": <server traceback>}``: it is raised here as :class:`Json2Error`.

Each call runs in its own database transaction: a refused call changes nothing."""

import requests

__all__ = ["Json2", "Json2Error"]


class Json2Error(Exception):
    """A call Odoo refused: ``status`` (HTTP), ``name`` (the exception class, e.g.
    ``odoo.exceptions.UserError``), ``message`` (what the user would read), ``body`` (the
    whole JSON answer)."""

    def __init__(self, status, name, message, body=None):
        super().__init__(f"HTTP {status} {name}: {message}")
        self.status = status
        self.name = name
        self.message = message
        self.body = body or {}


class Json2:
    """One database of one Odoo server, reached with one user's API key."""

    def __init__(self, url, database, key, timeout=60, session=None):
        self.url = url.rstrip("/")
        self.database = database
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers.update(
            {
                "Authorization": f"bearer {key}",
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "wholtra-json2-client",
            }
        )
        if database:
            # Needed when the server hosts several databases (no dbfilter match).
            self.session.headers["X-Odoo-Database"] = database

    def call(self, model, method, ids=None, **kwargs):
        """Call ``model.method`` on ``ids`` (None for a model-level method, e.g.
        ``search_read`` or ``create``) with named arguments; return the JSON answer or
        raise :class:`Json2Error`."""
        body = dict(kwargs)
        if ids is not None:
            body["ids"] = list(ids)
        response = self.session.post(
            f"{self.url}/json/2/{model}/{method}", json=body, timeout=self.timeout
        )
        if response.ok:
            return response.json()
        try:
            error = response.json()
        except ValueError:
            error = {"name": "", "message": response.text[:500]}
        if not isinstance(error, dict):
            error = {"name": "", "message": str(error)[:500]}
        raise Json2Error(
            response.status_code,
            error.get("name") or response.reason,
            error.get("message") or response.reason,
            error,
        )

    # -- conveniences over Odoo's standard ORM methods -------------------------
    def search_read(self, model, domain=(), fields=(), **kwargs):
        return self.call(
            model, "search_read", domain=list(domain), fields=list(fields), **kwargs
        )

    def read(self, model, ids, fields=()):
        return self.call(model, "read", ids=ids, fields=list(fields))

    def read_one(self, model, record_id, fields=()):
        [record] = self.read(model, [record_id], fields)
        return record

    def create(self, model, values, context=None):
        """Create one record (a dict) or several (a list of dicts); answer the id(s)."""
        many = isinstance(values, list)
        extra = {"context": context} if context else {}
        ids = self.call(
            model, "create", vals_list=values if many else [values], **extra
        )
        return ids if many else ids[0]

    def write(self, model, ids, values, context=None):
        extra = {"context": context} if context else {}
        return self.call(model, "write", ids=ids, vals=values, **extra)

    def ref(self, xmlid):
        """The database id of an external identifier such as ``base.main_company``."""
        module, name = xmlid.split(".", 1)
        rows = self.search_read(
            "ir.model.data",
            [["module", "=", module], ["name", "=", name]],
            ["res_id"],
        )
        if not rows:
            raise Json2Error(404, "NotFound", f"no record {xmlid}")
        return rows[0]["res_id"]
