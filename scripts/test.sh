#!/usr/bin/env bash
# Set up whatever is missing, then run every check: formatting, clippy, the domain crate on wasm32,
# unit tests, the integration tests on SQLite and PostgreSQL, and the browser tests in Chromium with
# JavaScript on and off. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/postgres.sh
ensure_postgres

step() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }
logs=target/test-logs
mkdir -p "$logs"

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

step "the domain crate builds for wasm32-unknown-unknown"
cargo check -p registrar --target wasm32-unknown-unknown

step "unit and integration tests (SQLite and PostgreSQL)"
# Not --workspace: that would also switch on the frontend's hydrate feature for the server build.
timeout 1800 cargo test -p registrar -p app -p server 2>&1 | tee "$logs/cargo-test.log"

step "browser tests (Chromium, JavaScript off and on)"
cargo leptos build
scripts/e2e.sh 2>&1 | tee "$logs/e2e.log"

# One closing line, counted from what the runners printed above.
count() { { grep -Eo "$1" "$2" || true; } | awk -v col="$3" '{n += $col} END {print n + 0}'; }
rust_passed=$(count '[0-9]+ passed; [0-9]+ failed' "$logs/cargo-test.log" 1)
rust_failed=$(count '[0-9]+ passed; [0-9]+ failed' "$logs/cargo-test.log" 3)
browser_passed=$(count '^ +[0-9]+ passed' "$logs/e2e.log" 1)
browser_failed=$(count '^ +[0-9]+ failed' "$logs/e2e.log" 1)
echo
echo "summary: $((rust_passed + browser_passed)) passed, $((rust_failed + browser_failed)) failed"
