from . import wholtra_order_approval_wizard
