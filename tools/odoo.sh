#!/usr/bin/env bash
# Database helpers for the Makefile.
#   tools/odoo.sh ensure-db NAME demo COUNTRY LOCALISATION   create NAME with demo data unless it
#                                                            exists, upgrade it when the add-on changed
#   tools/odoo.sh ensure-db NAME fresh COUNTRY LOCALISATION  (re)create NAME without demo data
# COUNTRY is the main company's country, LOCALISATION the Odoo module holding
# its chart of accounts (l10n_fr_account for FR).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODULE=account_receivable_gateway
ODOO=("$ROOT/.venv/bin/python" -m odoo)
CONF=$ROOT/.cache/odoo.conf

addon_hash() {
    # Fingerprint of the add-on's files, to upgrade a database that runs older code.
    (cd "$ROOT/.cache/addons/$MODULE" && find -L . -type f -not -path '*/__pycache__/*' -print0 \
        | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
}

module_installed() {
    [ "$(psql -d "$1" -Atqc "select state from ir_module_module where name = '$MODULE'" 2>/dev/null)" = installed ]
}

create() {
    local name=$1 demo=$2 country=$3 localisation=$4
    echo "==> Creating database $name ($demo data)" >&2
    "${ODOO[@]}" db -c "$CONF" init "$name" --force --country "$country"
    # The localisation's chart of accounts is loaded on the main company first
    # (account alone would load its generic chart); demo data comes after
    # that, so that Odoo's and the add-on's demo entries use that chart.
    "${ODOO[@]}" server -c "$CONF" -d "$name" -i "$localisation" --load-language=fr_FR \
        --stop-after-init --no-http --log-level=warn
    if [ "$demo" = demo ]; then
        "${ODOO[@]}" module force-demo -c "$CONF" -d "$name" >/dev/null
    fi
    "${ODOO[@]}" server -c "$CONF" -d "$name" -i "$MODULE" --stop-after-init --no-http --log-level=warn
    module_installed "$name" || { echo "installing $MODULE into $name failed" >&2; exit 1; }
    addon_hash >"$ROOT/.cache/stamps/db-$name"
}

case ${1:-} in
    ensure-db)
        name=$2 mode=$3 country=$4 localisation=$5
        stamp=$ROOT/.cache/stamps/db-$name
        if [ "$mode" = demo ] && module_installed "$name"; then
            if [ "$(cat "$stamp" 2>/dev/null)" != "$(addon_hash)" ]; then
                echo "==> Upgrading $MODULE in $name" >&2
                "${ODOO[@]}" server -c "$CONF" -d "$name" -u "$MODULE" --stop-after-init \
                    --no-http --log-level=warn
                addon_hash >"$stamp"
            fi
            exit 0
        fi
        create "$name" "$mode" "$country" "$localisation"
        ;;
    *)
        echo "usage: $0 ensure-db NAME demo|fresh COUNTRY LOCALISATION" >&2
        exit 2
        ;;
esac
