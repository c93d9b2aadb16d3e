from . import (
    account_move,
    account_move_line,
    account_partial_reconcile,
    res_company,
    res_config_settings,
    res_partner,
    sale_order,
    sale_order_line,
    stock_picking,
    wholtra_ar_aging,
    wholtra_dispatch_invoicing,
)
