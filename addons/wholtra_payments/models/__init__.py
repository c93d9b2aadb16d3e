from . import (
    account_bank_statement_line,
    account_move,
    account_payment,
    payment_transaction,
    res_company,
    res_config_settings,
    res_partner,
    sale_order,
    stock_picking,
    wholtra_collection_level,
    wholtra_collection_status,
    wholtra_statement_link,
)
