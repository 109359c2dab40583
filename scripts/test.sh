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

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

step "the domain crate builds for wasm32-unknown-unknown"
cargo check -p registrar --target wasm32-unknown-unknown

step "unit and integration tests (SQLite and PostgreSQL)"
# Not --workspace: that would also switch on the frontend's hydrate feature for the server build.
cargo test -p registrar -p app -p server

step "browser tests (Chromium, JavaScript off and on)"
cargo leptos build
scripts/e2e.sh
