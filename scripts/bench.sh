#!/usr/bin/env bash
# Measure the performance targets (README, "Performance") on scratch databases: SQLite, and
# PostgreSQL when one answers at REGISTRAR_BENCH_PG_URL (default: this machine's local server).
# Release build: numbers from a debug build mean little.
set -euo pipefail
cd "$(dirname "$0")/.."
pg="${REGISTRAR_BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
args=()
if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -d "$pg" 2>/dev/null; then
  args+=(--postgres "$pg")
else
  echo "PostgreSQL not reachable at $pg: measuring SQLite only" >&2
fi
cargo run --quiet --release -p server --bin registrar -- bench "${args[@]}"
