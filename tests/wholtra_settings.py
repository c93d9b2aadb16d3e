"""What an administrator switches on in Settings for every Wholtra behaviour of the
order-to-cash flow ("wholtra") and the same settings off ("vanilla"): shared by the query
budgets (tests/test_query_budgets.py) and the whole-flow benchmark
(tests/benchmarks/bench_o2c.py), so both measure the same configuration."""

# What an administrator switches on in Settings for the wholtra arm (every Wholtra
# behaviour of the flow except cash on delivery, which changes the business work:
# the driver must record a collected amount before validating), and off for vanilla.
SETTINGS = {
    "wholtra": {
        # wholtra_orders: account terms (credit limit, MOV / MOQ, hold rule), margin
        # floor and discount allowance, audit of price overrides
        "wholtra_enforce_account_terms": True,
        "wholtra_hold_overdue_days": 30,
        "wholtra_margin_control": True,
        "wholtra_default_margin_floor": 5.0,
        "wholtra_audit_price_overrides": True,
        # wholtra_inventory_alloc: allocation engine run on confirmation, orders
        # beyond stock + supply blocked, customers on hold served last
        "wholtra_allocation_enabled": True,
        "wholtra_allocate_on_confirm": True,
        "wholtra_presale_policy": "block",
        "wholtra_alloc_held_last": True,
        # wholtra_invoicing: one invoice per validated delivery, posted at once
        "wholtra_invoice_mode": "dispatch",
        "wholtra_invoice_auto_post": True,
        "wholtra_invoice_send_email": False,
        "wholtra_past_due_grace_days": 2,
        # wholtra_payments: statement links, payment matching, collection sequence
        "wholtra_statement_links_enabled": True,
        "wholtra_statement_link_validity_days": 30,
        "wholtra_payment_matching_enabled": True,
        "wholtra_collection_enabled": True,
        "wholtra_collection_lift_hold": True,
    },
    "vanilla": {
        "wholtra_enforce_account_terms": False,
        "wholtra_hold_overdue_days": 0,
        "wholtra_margin_control": False,
        "wholtra_default_margin_floor": 0.0,
        "wholtra_audit_price_overrides": False,
        "wholtra_allocation_enabled": False,
        "wholtra_allocate_on_confirm": False,
        "wholtra_presale_policy": "none",
        "wholtra_alloc_held_last": True,
        "wholtra_invoice_mode": "manual",
        "wholtra_invoice_auto_post": False,
        "wholtra_invoice_send_email": False,
        "wholtra_past_due_grace_days": 0,
        "wholtra_statement_links_enabled": False,
        "wholtra_statement_link_validity_days": 0,
        "wholtra_payment_matching_enabled": False,
        "wholtra_collection_enabled": False,
        "wholtra_collection_lift_hold": True,
    },
}
