from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_installed_and_off_by_default(self):
        module = self.env["ir.module.module"].search(
            [("name", "=", "wholtra_payments")]
        )
        self.assertEqual(module.state, "installed")
        company = self.env["res.company"].create({"name": "Fresh Distributor"})
        # A new company behaves as vanilla Odoo until the option is switched on.
        self.assertEqual(company.wholtra_statement_links_enabled, False)
        self.assertFalse(company.wholtra_payment_matching_enabled)
        self.assertFalse(company.wholtra_cod_enabled)
        self.assertFalse(company.wholtra_collection_enabled)

    def test_setting_is_saved_on_company(self):
        settings = self.env["res.config.settings"].create(
            {"wholtra_statement_links_enabled": True}
        )
        settings.execute()
        self.assertEqual(self.env.company.wholtra_statement_links_enabled, True)
