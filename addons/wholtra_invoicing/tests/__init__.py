from . import (
    test_ar_status,
    test_concurrency,
    test_dispatch_invoicing,
    test_fuzz,
    test_idempotency,
    test_install,
    test_order_changes,
    test_performance,
    test_periodic,
    test_returns,
    test_security,
    test_unbilled,
)
