# Shared settings for scripts/run, scripts/test and scripts/devdb (sourced, not run).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"
ODOO_SRC="$ROOT/.cache/odoo-19/usr/lib/python3/dist-packages/odoo"
ODOO=("$VENV/bin/python" -m odoo)
# The server itself runs from Odoo's launcher script: in prefork mode (--workers) Odoo
# re-executes sys.argv[0] for its websocket process, which `-m odoo` cannot be.
ODOO_SERVER=("$VENV/bin/python" "$ROOT/.cache/odoo-19/usr/bin/odoo")
ADDONS_PATH="$ODOO_SRC/addons,$ROOT/addons"
CONF="$ROOT/.cache/odoo.conf"
WHOLTRA_MODULES="wholtra_orders,wholtra_inventory_alloc,wholtra_invoicing,wholtra_payments"
# Core modules our addons build on, plus payment_demo (the test payment provider).
CORE_MODULES="sale_management,sale_margin,sale_stock,purchase_stock,account_payment,payment_demo"

write_conf() {
  mkdir -p "$ROOT/.cache"
  cat > "$CONF" <<CONF
[options]
addons_path = $ADDONS_PATH
data_dir = $ROOT/.cache/filestore
admin_passwd = admin
http_interface = 127.0.0.1
without_demo = True
CONF
}
