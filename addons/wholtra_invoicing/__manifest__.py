{
    "name": "Wholtra Invoicing",
    "summary": "Invoice on dispatch, credit notes on returns, draft invoices that follow order changes, AR aging",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "Wholtra",
    "website": "https://www.wholtra.com",
    "maintainers": ["wholtra"],
    "development_status": "Alpha",
    "application": True,
    "depends": [
        "sale_stock",
        "account",
    ],
    "data": [
        "security/wholtra_invoicing_security.xml",
        "security/ir.model.access.csv",
        "views/res_config_settings_views.xml",
        "views/menus.xml",
    ],
    "demo": [],
}
