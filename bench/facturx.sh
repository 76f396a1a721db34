#!/usr/bin/env bash
# Run bench/facturx_run.py against a benchmark database, with an Odoo HTTP
# server running so that wkhtmltopdf loads the report stylesheets as in
# production. Called by `make bench-facturx`.
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${BENCH_DB:-arg_bench_fx}
PORT=${BENCH_PORT:-8079}
.venv/bin/python -m odoo server -c .cache/odoo.conf -d "$DB" --db-filter="^$DB\$" \
    --http-interface=127.0.0.1 --http-port="$PORT" --log-level=warn --max-cron-threads=0 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 60); do
    curl -sf -o /dev/null "http://127.0.0.1:$PORT/web/login" && break
    sleep 1
done
BENCH_REPORT_URL="http://127.0.0.1:$PORT" .venv/bin/python -m odoo shell \
    -c .cache/odoo.conf -d "$DB" --no-http --log-level=warn <bench/facturx_run.py
