#!/usr/bin/env bash
# Install whatever Registrar needs to build, run and test, skipping what is already present.
# Safe to run again and again. Used by scripts/run.sh and scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages: a C compiler (bundled SQLite), Node.js for the Tailwind CLI, wasm-opt and
# Playwright, and Chromium for the browser tests.
missing=()
command -v cc >/dev/null 2>&1 || missing+=(build-essential)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "${REGISTRAR_SKIP_BROWSER:-0}" != 1 ] && [ ! -x /usr/bin/chromium ]; then missing+=(chromium); fi
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Rust pieces: the wasm target, fmt and clippy.
rustup target list --installed | grep -qx wasm32-unknown-unknown || { say "adding the wasm32 target"; rustup target add wasm32-unknown-unknown; }
for component in rustfmt clippy; do
  rustup component list --installed | grep -q "^$component" || rustup component add "$component"
done

# cargo-leptos 0.3.10: newer releases do not build on this toolchain; no_downloads keeps it offline.
if ! cargo leptos --version 2>/dev/null | grep -q '0\.3\.10'; then
  say "installing cargo-leptos 0.3.10 (about 14 minutes on 2 cores, once)"
  cargo install cargo-leptos --version 0.3.10 --locked --features no_downloads
fi

# wasm-bindgen-cli must equal the wasm-bindgen crate in Cargo.lock.
wb=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " $wb\$"; then
  say "installing wasm-bindgen-cli $wb"
  cargo install wasm-bindgen-cli --version "$wb" --locked 2>/dev/null || cargo install wasm-bindgen-cli --version "$wb"
fi

# npm tools (npm install, not npm ci: the registry lacks some other-platform optional packages).
[ -x node_modules/.bin/tailwindcss ] && [ -x node_modules/.bin/wasm-opt ] || { say "installing the Tailwind CLI and wasm-opt"; npm install --no-audit --no-fund --loglevel=error; }
[ -d end2end/node_modules/@playwright/test ] || { say "installing Playwright"; (cd end2end && npm install --no-audit --no-fund --loglevel=error); }
