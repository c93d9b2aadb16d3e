{
    "name": "Wholtra Orders",
    "summary": "Trade price tiers, account terms, margin floor and audited price overrides for B2B distributors",
    "version": "19.0.1.0.0",
    "category": "Sales/Sales",
    "license": "LGPL-3",
    "author": "Wholtra",
    "website": "https://www.wholtra.com",
    "maintainers": ["wholtra"],
    "development_status": "Alpha",
    "application": True,
    "depends": [
        "sale_management",
        "sale_margin",
        "sale_stock",
    ],
    "data": [
        "security/wholtra_orders_security.xml",
        "security/ir.model.access.csv",
        "views/res_config_settings_views.xml",
        "views/wholtra_price_tier_views.xml",
        "views/product_pricelist_item_views.xml",
        "views/wholtra_price_override_views.xml",
        "views/product_template_views.xml",
        "views/res_partner_views.xml",
        "views/sale_order_views.xml",
        "wizards/wholtra_order_approval_wizard_views.xml",
        "views/menus.xml",
    ],
    "demo": [
        "demo/wholtra_demo_base.xml",
        "demo/wholtra_orders_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "wholtra_orders/static/tests/tours/*.js",
        ],
    },
}
