{
    "name": "Wholtra Payments",
    "summary": "Statement payment links, cash on delivery, payment matching and collection sequence with stop-ship",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "Wholtra",
    "website": "https://www.wholtra.com",
    "maintainers": ["wholtra"],
    "development_status": "Alpha",
    "application": True,
    "depends": [
        "wholtra_orders",
        "wholtra_invoicing",
        "account_payment",
    ],
    "data": [
        "security/wholtra_payments_security.xml",
        "security/ir.model.access.csv",
        "views/res_config_settings_views.xml",
        "views/menus.xml",
    ],
    "demo": [],
}
