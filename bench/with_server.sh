#!/usr/bin/env bash
# Run a benchmark script (bench/*_run.py) in an Odoo shell on a benchmark
# database, with an Odoo HTTP server running so that wkhtmltopdf loads the
# report stylesheets as in production. Called by `make bench-facturx` and
# `make bench-chorus`: bench/with_server.sh SCRIPT
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${BENCH_DB:-arg_bench_fx}
PORT=${BENCH_PORT:-8079}
# The server only serves stylesheets: no job runner (--load without
# queue_job), no crons; the benchmark runs the jobs itself.
.venv/bin/python -m odoo server -c .cache/odoo.conf -d "$DB" --db-filter="^$DB\$" \
    --http-interface=127.0.0.1 --http-port="$PORT" --log-level=warn --max-cron-threads=0 \
    --load=base,web &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 60); do
    curl -sf -o /dev/null "http://127.0.0.1:$PORT/web/login" && break
    sleep 1
done
BENCH_REPORT_URL="http://127.0.0.1:$PORT" .venv/bin/python -m odoo shell \
    -c .cache/odoo.conf -d "$DB" --no-http --log-level=warn <"$1"
