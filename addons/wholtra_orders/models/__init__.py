from . import (
    account_move,
    product_pricelist,
    product_pricelist_item,
    product_template,
    res_company,
    res_config_settings,
    res_partner,
    sale_order,
    sale_order_line,
    stock_picking,
    wholtra_price_override,
    wholtra_price_tier,
)
