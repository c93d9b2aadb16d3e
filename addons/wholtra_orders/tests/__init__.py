from . import (
    test_credit_hold,
    test_hold_tour,
    test_install,
    test_intelligence,
    test_margin,
    test_performance,
    test_price_overrides,
    test_reorder,
    test_stack_tour,
    test_terms,
    test_tiers,
)
