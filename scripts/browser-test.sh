#!/usr/bin/env bash
# The browser tests of the provisioning page (docs/web.md): builds the page (scripts/web.sh) and
# the uniprov binary, then drives Debian's headless Chromium against real `uniprov device`
# children with web/tests (node --test, playwright-core).
#
# Needs: node + npm, chromium (Debian package; $CHROMIUM overrides /usr/bin/chromium), the rustup
# target wasm32-unknown-unknown, wasm-bindgen-cli (installed by scripts/web.sh), binaryen
# (optional). Without chromium or node it prints SKIPPED and exits 0, unless CI is set, where a
# missing tool is a failure.
# UNIPROV_SCREENSHOTS=1 also refreshes the screenshots in docs/img/.
set -euo pipefail
cd "$(dirname "$0")/.."

chromium=${CHROMIUM:-/usr/bin/chromium}
missing=()
[ -x "$chromium" ] || missing+=("chromium ($chromium)")
command -v node >/dev/null 2>&1 || missing+=(node)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  if [ -n "${CI:-}" ]; then
    echo "browser-test: FAILED: missing ${missing[*]} (CI must install them: apt-get install chromium nodejs npm)" >&2
    exit 1
  fi
  echo "browser-test: SKIPPED (missing ${missing[*]}; Debian: apt-get install chromium nodejs npm)"
  exit 0
fi

scripts/web.sh

echo "== browser-test: cargo build -p uniprov-cli --bin uniprov"
cargo build -p uniprov-cli --bin uniprov
target=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
export UNIPROV_BIN="$target/debug/uniprov"
export CHROMIUM="$chromium"

cd web/tests
echo "== browser-test: npm ci"
npm ci --no-audit --no-fund
echo "== browser-test: node --test ($($chromium --version 2>/dev/null | head -n1))"
node --test --test-reporter=spec
