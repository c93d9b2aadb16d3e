"""Cross-addon suites run by pytest-odoo (see scripts/test) on the test DB where the four
Wholtra addons are installed. Benchmarks are marked ``benchmark`` and run by `make bench`."""
