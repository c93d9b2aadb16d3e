from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_installed_and_off_by_default(self):
        module = self.env["ir.module.module"].search([("name", "=", "wholtra_orders")])
        self.assertEqual(module.state, "installed")
        company = self.env["res.company"].create({"name": "Fresh Distributor"})
        # A new company behaves as vanilla Odoo until the option is switched on.
        self.assertEqual(company.wholtra_enforce_account_terms, False)
        self.assertFalse(company.wholtra_margin_control)
        self.assertFalse(company.wholtra_audit_price_overrides)
        self.assertEqual(company.wholtra_hold_overdue_days, 0)

    def test_setting_is_saved_on_company(self):
        settings = self.env["res.config.settings"].create(
            {
                "wholtra_enforce_account_terms": True,
                "wholtra_hold_overdue_days": 45,
                "wholtra_margin_control": True,
                "wholtra_audit_price_overrides": True,
                "wholtra_override_reason_threshold": 2.5,
            }
        )
        settings.execute()
        company = self.env.company
        self.assertEqual(company.wholtra_enforce_account_terms, True)
        self.assertEqual(company.wholtra_hold_overdue_days, 45)
        self.assertTrue(company.wholtra_margin_control)
        self.assertTrue(company.wholtra_audit_price_overrides)
        self.assertEqual(company.wholtra_override_reason_threshold, 2.5)
