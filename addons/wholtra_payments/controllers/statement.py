from werkzeug.exceptions import Forbidden, NotFound

from odoo import http
from odoo.exceptions import ValidationError
from odoo.http import request

from odoo.addons.account_payment.controllers.portal import PortalAccount

from ..tools import to_amount, to_id


class WholtraStatementPortal(PortalAccount):
    """Customer statement page reached by a tokenised link (no login needed).

    Thin: the link model checks the token and re-validates every selection, amount and
    payment option; this controller only parses the request and renders."""

    def _wholtra_link_sudo(self, link_id, token):
        link_sudo = (
            request.env["wholtra.statement.link"]
            .sudo()
            ._wholtra_get_by_token(link_id, token)
        )
        if not link_sudo:
            raise NotFound()  # Don't tell whether the id exists.
        return link_sudo

    @staticmethod
    def _wholtra_parse_ids(raw):
        """Invoice ids of the route ("12-15-20"); None when malformed."""
        parts = str(raw or "").split("-")
        ids = [to_id(part) for part in parts]
        if not parts or len(parts) > 500 or None in ids:
            return None
        return ids

    @http.route(
        "/wholtra/statement/<int:link_id>/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def wholtra_statement_page(self, link_id, token, pay=None, amount=None, **kwargs):
        link_sudo = self._wholtra_link_sudo(link_id, token)
        chosen_ids = [
            invoice_id
            for key in kwargs
            if key.startswith("invoice_")
            and (invoice_id := to_id(key[len("invoice_") :])) is not None
        ]
        values = link_sudo._wholtra_statement_page_values(
            chosen_ids if pay else None, amount
        )
        selected_sudo = values.get("selected")
        if selected_sudo:
            common = self._get_common_page_view_values(
                invoices_data={
                    "partner": link_sudo.partner_id,
                    "company": link_sudo.company_id,
                    "total_amount": values["amount"],
                    "currency": values["currency"],
                    "amount_residual": values["selected_total"],
                    "landing_route": values["page_path"],
                    "transaction_route": values["transaction_route"],
                },
                access_token=values["signature"],
            )
            if link_sudo._wholtra_is_customer_user():
                # The customer's own saved cards (those of the company and its
                # contacts), as the transaction route accepts them.
                common["tokens_sudo"] = (
                    request.env["payment.token"]
                    .sudo()
                    .search(
                        [
                            ("provider_id", "in", common["providers_sudo"].ids),
                            ("partner_id", "child_of", link_sudo.partner_id.id),
                        ]
                    )
                )
            else:
                # Saved cards are offered to the customer's own users only, and only
                # they may save a card on the customer (not a visitor holding the link).
                common["tokens_sudo"] = request.env["payment.token"].sudo()
                common["show_tokenize_input_mapping"] = dict.fromkeys(
                    common.get("show_tokenize_input_mapping") or {}, False
                )
            values.update(common)
        return request.render("wholtra_payments.statement_page", values)

    @http.route(
        "/wholtra/statement/<int:link_id>/<string:token>/transaction/<string:invoice_ids>",
        type="jsonrpc",
        auth="public",
    )
    def wholtra_statement_transaction(
        self, link_id, token, invoice_ids, amount=None, access_token=None, **kwargs
    ):
        """Create the transaction paying the selected invoices; the invoice set and the
        amount are re-validated and must match the signature issued with the page; the
        payment option must be one the page offers to this visitor; one payment at a
        time per link and invoice."""
        link_sudo = self._wholtra_link_sudo(link_id, token)
        self._validate_transaction_kwargs(kwargs)
        ids = self._wholtra_parse_ids(invoice_ids)
        if ids is None:
            raise ValidationError(
                request.env._(
                    "Some selected invoices cannot be paid from this statement."
                )
            )
        amount = to_amount(amount)
        if amount is None:
            raise ValidationError(request.env._("The amount to pay must be a number."))
        invoices_sudo = link_sudo._wholtra_check_selection(ids, amount)
        if not link_sudo._wholtra_check_signature(access_token, invoices_sudo, amount):
            raise Forbidden()
        provider_sudo, method_sudo, token_sudo = (
            link_sudo._wholtra_check_payment_option(
                invoices_sudo,
                amount,
                kwargs.get("provider_id"),
                kwargs.get("payment_method_id"),
                kwargs.get("token_id"),
                kwargs.get("flow"),
            )
        )
        link_sudo._wholtra_lock_for_payment(invoices_sudo)
        kwargs.update(
            {
                # Not chosen by the browser: a statement pays invoices, it never
                # validates a card, and it comes back to the statement.
                "provider_id": provider_sudo.id,
                "payment_method_id": method_sudo.id,
                "token_id": token_sudo.id or None,
                "is_validation": False,
                "landing_route": link_sudo._wholtra_portal_path(),
                "amount": amount,
                "currency_id": invoices_sudo.currency_id.id,
                "partner_id": link_sudo.partner_id.id,
                "reference_prefix": None,
                "tokenization_requested": bool(kwargs.get("tokenization_requested"))
                and link_sudo._wholtra_is_customer_user(),
            }
        )
        kwargs.pop("csrf_token", None)
        tx_sudo = self._create_transaction(
            custom_create_values=link_sudo._wholtra_prepare_transaction_values(
                invoices_sudo
            ),
            **kwargs,
        )
        return tx_sudo._get_processing_values()
