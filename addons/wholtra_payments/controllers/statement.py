from werkzeug.exceptions import Forbidden, NotFound

from odoo import http
from odoo.http import request

from odoo.addons.account_payment.controllers.portal import PortalAccount


class WholtraStatementPortal(PortalAccount):
    """Customer statement page reached by a tokenised link (no login needed).

    Thin: the link model checks the token and re-validates every selection; this
    controller only parses the request and renders."""

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
        try:
            return [int(x) for x in str(raw or "").split("-") if x]
        except ValueError:
            return []

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
            int(key[len("invoice_") :])
            for key in kwargs
            if key.startswith("invoice_") and key[len("invoice_") :].isdigit()
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
            if request.env.user._is_public():
                # Nobody is logged in: do not offer to save a card on the customer.
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
        self, link_id, token, invoice_ids, amount, access_token, **kwargs
    ):
        """Create the transaction paying the selected invoices; the invoice set and the
        amount are re-validated and must match the signature issued with the page."""
        link_sudo = self._wholtra_link_sudo(link_id, token)
        ids = self._wholtra_parse_ids(invoice_ids)
        amount = self._cast_as_float(amount)
        invoices_sudo = link_sudo._wholtra_check_selection(ids, amount or 0.0)
        if not link_sudo._wholtra_check_signature(access_token, invoices_sudo, amount):
            raise Forbidden()
        self._validate_transaction_kwargs(kwargs)
        kwargs.update(
            {
                # Not chosen by the browser: a statement pays invoices, it never
                # validates a card, and it comes back to the statement.
                "is_validation": False,
                "landing_route": link_sudo._wholtra_portal_path(),
                "amount": amount,
                "currency_id": invoices_sudo.currency_id.id,
                "partner_id": link_sudo.partner_id.id,
                "reference_prefix": None,
            }
        )
        if request.env.user._is_public():
            # Nobody is logged in: do not save a card on the customer's account.
            kwargs["tokenization_requested"] = False
        tx_sudo = self._create_transaction(
            custom_create_values=link_sudo._wholtra_prepare_transaction_values(
                invoices_sudo
            ),
            **kwargs,
        )
        return tx_sudo._get_processing_values()
