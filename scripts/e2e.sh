#!/usr/bin/env bash
# Run the Playwright suite against a freshly started server with a fresh demo database.
# Expects a built site (cargo leptos build). Port: REGISTRAR_E2E_PORT (default 3100).
set -euo pipefail
cd "$(dirname "$0")/.."
port="${REGISTRAR_E2E_PORT:-3100}"
dir=target/e2e
mkdir -p "$dir"
rm -f "$dir"/registrar.db "$dir"/registrar.db-wal "$dir"/registrar.db-shm

DATABASE_URL="sqlite://$dir/registrar.db" REGISTRAR_SEED_DEMO=true LEPTOS_SITE_ROOT=target/site \
  LEPTOS_SITE_ADDR="127.0.0.1:$port" RUST_LOG=warn target/debug/registrar serve >"$dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT

cd end2end
REGISTRAR_E2E_URL="http://127.0.0.1:$port" npx playwright test "$@" || {
  echo "--- server log (target/e2e/server.log) ---" >&2
  tail -n 50 "../$dir/server.log" >&2
  exit 1
}
