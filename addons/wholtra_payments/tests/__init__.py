from . import test_install, test_statement_link
