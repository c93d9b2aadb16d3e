from . import test_credit_hold, test_install, test_margin, test_stack_tour, test_tiers
