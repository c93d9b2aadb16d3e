from . import test_install, test_stack_tour
