# Wholtra for Odoo 19 — the two commands are `make run` and `make test`.
SHELL := /bin/bash
.PHONY: run test lint bench bootstrap core-suites pot invariants load

bootstrap:   ## install everything the addons need (idempotent)
	bash scripts/bootstrap

run:         ## serve the demo database on http://127.0.0.1:8069 (admin / admin)
	bash scripts/run

test:        ## fresh DB, Odoo's runner over the addons, pytest over tests/
	bash scripts/test

lint:        ## ruff check + ruff format --check
	bash scripts/bootstrap >/dev/null
	.venv/bin/ruff check addons tests scripts
	.venv/bin/ruff format --check addons tests scripts

bench:       ## benchmarks in tests/benchmarks (figures printed, nothing asserted on time)
	bash scripts/bench

load:        ## Locust over JSON-2 on Odoo --workers=4 (20 users, 5 min), DB checks, vs vanilla
	bash scripts/load

core-suites: ## Odoo's own sale/purchase_stock/account_payment/stock_account suites, with and without Wholtra
	bash scripts/core-suites

pot:         ## regenerate addons/*/i18n/*.pot from the demo DB (run `make run` once first)
	bash scripts/bootstrap >/dev/null
	. scripts/lib.sh && write_conf && "$${ODOO[@]}" i18n export -c "$$CONF" -d "$${WHOLTRA_DB:-wholtra_demo}" \
	  wholtra_orders wholtra_inventory_alloc wholtra_invoicing wholtra_payments

invariants:  ## the flow's property-based invariants, long run (WHOLTRA_INVARIANT_EXAMPLES=3000) on a fresh DB
	bash scripts/bootstrap >/dev/null
	DEVDB=$${WHOLTRA_INVARIANT_DB:-wholtra_invariants} bash scripts/devdb test \
	  wholtra_orders,wholtra_inventory_alloc,wholtra_invoicing,wholtra_payments /wholtra_no_test
	. scripts/lib.sh && write_conf && WHOLTRA_INVARIANT_EXAMPLES=$${WHOLTRA_INVARIANT_EXAMPLES:-3000} \
	  "$$VENV/bin/pytest" -c setup.cfg --rootdir . --odoo-config="$$CONF" \
	  --odoo-database="$${WHOLTRA_INVARIANT_DB:-wholtra_invariants}" --odoo-log-level=warn \
	  -p no:cacheprovider -s tests/test_invariants_stateful.py
