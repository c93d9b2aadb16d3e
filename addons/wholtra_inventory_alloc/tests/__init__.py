from . import (
    test_allocation,
    test_board_perf,
    test_concurrency,
    test_consumption_order,
    test_engine,
    test_fuzz,
    test_held_customers,
    test_install,
    test_po_changes,
    test_presale,
    test_receipt,
    test_security,
)
