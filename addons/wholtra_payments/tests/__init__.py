from . import (
    test_cod,
    test_collection,
    test_install,
    test_matching,
    test_performance,
    test_statement_link,
    test_statement_tour,
)
