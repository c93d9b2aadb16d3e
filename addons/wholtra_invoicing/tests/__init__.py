from . import test_dispatch_invoicing, test_install
