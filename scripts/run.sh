#!/usr/bin/env bash
# Set up whatever is missing, then build and serve Registrar on http://127.0.0.1:3000 with the
# embedded SQLite database (data/registrar.db) and the demo data. Prints the URL and demo sign-ins.
set -euo pipefail
cd "$(dirname "$0")/.."
REGISTRAR_SKIP_BROWSER=1 scripts/setup.sh
export DATABASE_URL="${DATABASE_URL:-sqlite://data/registrar.db}"
export REGISTRAR_SEED_DEMO="${REGISTRAR_SEED_DEMO:-true}"
echo "==> building and starting Registrar (first build takes a few minutes)"
exec cargo leptos serve
