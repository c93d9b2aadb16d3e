from . import account_payment_register, wholtra_cod_collect_wizard
