from . import (
    test_api,
    test_cod,
    test_collection,
    test_concurrency,
    test_fuzz,
    test_install,
    test_matching,
    test_performance,
    test_screens_wording,
    test_security,
    test_statement_link,
    test_statement_tour,
)
