from datetime import timedelta

from odoo import Command, fields


class WholtraPaymentsCommon:
    """Data helpers shared by the test classes (main company: generic chart and the
    payment_demo provider are installed in the test template)."""

    @classmethod
    def _setup_wholtra_payments(cls):
        cls.company = cls.env.company
        cls.company.wholtra_statement_links_enabled = True
        cls.today = fields.Date.context_today(cls.env["res.partner"])
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Corner Deli Test",
                "is_company": True,
                "email": "deli@example.com",
            }
        )
        cls.customer_contact = cls.env["res.partner"].create(
            {
                "name": "Deli Buyer",
                "parent_id": cls.customer.id,
                "email": "b@example.com",
            }
        )
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "Harbour Grill Test", "is_company": True}
        )
        cls.provider = cls.env.ref("payment.payment_provider_demo")
        cls.provider.write({"state": "test", "is_published": True})
        cls.demo_method = cls.env.ref("payment_demo.payment_method_demo")

    @classmethod
    def _invoice(cls, partner, amount, due_days, post=True):
        """A posted customer invoice of `amount` due `due_days` from today."""
        due = cls.today + timedelta(days=due_days)
        move = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": due - timedelta(days=30),
                "invoice_date_due": due,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Salted crisps 24x50g",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        if post:
            move.action_post()
        return move
