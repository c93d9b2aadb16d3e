from . import (
    purchase_order,
    purchase_order_line,
    res_company,
    res_config_settings,
    res_partner,
    sale_order,
    sale_order_line,
    stock_move,
    wholtra_allocation,
    wholtra_allocation_board,
    wholtra_allocation_engine,
    wholtra_allocation_queue,
)
