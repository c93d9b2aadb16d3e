from . import (
    test_credit_hold,
    test_install,
    test_margin,
    test_price_overrides,
    test_reorder,
    test_stack_tour,
    test_terms,
    test_tiers,
)
