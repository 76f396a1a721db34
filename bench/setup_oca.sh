#!/usr/bin/env bash
# Prepare what the dunning benchmark's account_credit_control side needs,
# idempotently: the OCA add-ons of bench/requirements.txt in
# .cache/bench/addons (not in the virtualenv), and .cache/bench/odoo.conf,
# the usual configuration with them first in the addons path, which only the
# benchmark's OCA databases are run with. Called by `make bench`.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST=$ROOT/.cache/bench
REQUIREMENTS=$ROOT/bench/requirements.txt

mkdir -p "$DEST"
key=$(sha256sum "$REQUIREMENTS" | cut -c1-16)
if [ "$(cat "$DEST/addons.stamp" 2>/dev/null)" != "$key" ]; then
    echo "==> Installing the OCA add-ons of bench/requirements.txt into .cache/bench" >&2
    rm -rf "$DEST/addons" "$DEST/addons.stamp"
    "$ROOT/.venv/bin/python" -m pip install -q --no-deps --target "$DEST/addons" \
        -r "$REQUIREMENTS"
    echo "$key" >"$DEST/addons.stamp"
fi
sed "s|^addons_path = |addons_path = $DEST/addons/odoo/addons,|" \
    "$ROOT/.cache/odoo.conf" >"$DEST/odoo.conf"
