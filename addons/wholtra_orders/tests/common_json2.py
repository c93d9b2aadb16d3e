"""Test scaffolding for Odoo 19's External JSON-2 API, shared by the addons' API tests:
API keys for test users, ``POST /json/2/<model>/<method>`` with a bearer key, the
refusal shape, and the outgoing webhooks of base_automation captured."""

import json
from contextlib import contextmanager
from unittest.mock import patch

import requests


class Json2TestMixin:
    """Mix into an ``HttpCase``: ``cls._json2_make_keys(*users)`` in ``setUpClass``,
    then ``self._json2(user, model, method, **body)`` and its assertions."""

    @classmethod
    def _json2_make_keys(cls, *users):
        """Generate an API key for each user, as the user does in their preferences."""
        cls.json2_keys = {
            **getattr(cls, "json2_keys", {}),
            **{
                user: cls.env["res.users.apikeys"]
                .with_user(user)
                .sudo()
                ._generate(None, "json2 test", None)
                for user in users
            },
        }

    def _json2(self, user, model, method, /, **body):
        """Call ``model.method`` as ``user`` with the named arguments ``body``;
        return ``(HTTP status, decoded JSON answer)``."""
        response = self.url_open(
            f"/json/2/{model}/{method}",
            data=json.dumps(body),
            headers={
                "Authorization": f"bearer {self.json2_keys[user]}",
                "Content-Type": "application/json",
            },
            timeout=60,
        )
        return response.status_code, response.json()

    def _json2_ok(self, user, model, method, /, **body):
        """``_json2`` that must answer 200; return the answer."""
        status, payload = self._json2(user, model, method, **body)
        self.assertEqual(status, 200, payload)
        return payload

    def _json2_refused(
        self, user, model, method, status, error, message=None, /, **body
    ):
        """``_json2`` that must be refused with HTTP ``status`` and the JSON-2 error
        of ``odoo.exceptions.<error>``, its message matching the regex ``message``
        when given; return the error answer."""
        got_status, payload = self._json2(user, model, method, **body)
        self.assertEqual(got_status, status, payload)
        self.assertEqual(payload["name"], f"odoo.exceptions.{error}")
        if message is not None:
            self.assertRegex(payload["message"], message)
        return payload

    @contextmanager
    def _capture_webhooks(self):
        """Within: the webhooks base_automation sends (``requests.post``) are
        answered 200 and recorded; yield the list of ``(url, JSON payload)``."""
        calls = []

        def post(url, data=None, **kwargs):
            calls.append((url, json.loads(data)))
            response = requests.Response()
            response.status_code = 200
            return response

        with patch.object(requests, "post", post):
            yield calls
