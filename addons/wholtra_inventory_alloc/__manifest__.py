{
    "name": "Wholtra Inventory Allocation",
    "summary": "Stock visibility on order lines and pre-allocation of sales to inbound purchase order lines",
    "version": "19.0.1.0.0",
    "category": "Inventory/Inventory",
    "license": "LGPL-3",
    "author": "Wholtra",
    "website": "https://www.wholtra.com",
    "maintainers": ["wholtra"],
    "development_status": "Alpha",
    "application": True,
    "depends": [
        "wholtra_orders",
        "purchase_stock",
    ],
    "data": [
        "security/wholtra_inventory_alloc_security.xml",
        "security/ir.model.access.csv",
        "views/res_config_settings_views.xml",
        "views/menus.xml",
    ],
    "demo": [],
}
