#!/usr/bin/env bash
# The browser tests of the provisioning page (docs/web.md): builds the page (scripts/web.sh) and
# the uniprov binary, then drives Debian's headless Chromium against real `uniprov device`
# children with web/tests (node --test, playwright-core).
#
# playwright-core and the Node.js that runs it come from PyPI, not npm: the `playwright` wheel
# carries both (playwright/driver/package is playwright-core, playwright/driver/node its Node),
# installed into a cached virtual environment like the interop check's
# (UNIPROV_BROWSER_VENV; ~/.cache/uniprov/browser-venv). No browser is downloaded: the tests
# launch Debian's chromium.
#
# Needs: python3 with python3-venv, network access to PyPI once, chromium (Debian package;
# $CHROMIUM overrides /usr/bin/chromium), the rustup target wasm32-unknown-unknown and
# wasm-bindgen-cli (scripts/web.sh installs them), binaryen (optional). Without chromium it
# prints SKIPPED and exits 0, unless CI is set, where a missing tool is a failure.
# UNIPROV_SCREENSHOTS=1 also refreshes the screenshots in docs/img/.
set -euo pipefail
cd "$(dirname "$0")/.."

# The wheel whose driver is the playwright-core version web/tests/package.json names.
PLAYWRIGHT_WHEEL=1.65.3

chromium=${CHROMIUM:-/usr/bin/chromium}
missing=()
[ -x "$chromium" ] || missing+=("chromium ($chromium)")
python3 -c 'import venv' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  if [ -n "${CI:-}" ]; then
    echo "browser-test: FAILED: missing ${missing[*]} (CI must install them: apt-get install chromium python3-venv)" >&2
    exit 1
  fi
  echo "browser-test: SKIPPED (missing ${missing[*]}; Debian: apt-get install chromium python3-venv)"
  exit 0
fi

scripts/web.sh

echo "== browser-test: cargo build -p uniprov-cli --bin uniprov"
cargo build -p uniprov-cli --bin uniprov
target=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
export UNIPROV_BIN="$target/debug/uniprov"
export CHROMIUM="$chromium"

venv="${UNIPROV_BROWSER_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/uniprov/browser-venv}"
echo "== browser-test: playwright $PLAYWRIGHT_WHEEL from PyPI (playwright-core and Node) in $venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "playwright==$PLAYWRIGHT_WHEEL"
driver=$("$venv/bin/python" -c 'import os, playwright; print(os.path.join(os.path.dirname(playwright.__file__), "driver"))')
want=$(sed -n 's/.*"playwright-core": "\([^"]*\)".*/\1/p' web/tests/package.json)
have=$(sed -n 's/^  "version": "\([^"]*\)".*/\1/p' "$driver/package/package.json")
if [ "$want" != "$have" ]; then
  echo "browser-test: the wheel carries playwright-core $have, web/tests/package.json names $want" >&2
  exit 1
fi
# web/tests resolves `playwright-core` through node_modules, as npm would have laid it out.
mkdir -p web/tests/node_modules
link=web/tests/node_modules/playwright-core
[ -L "$link" ] || rm -rf "$link"   # an npm install's copy
ln -sfn "$driver/package" "$link"
node="$driver/node"

cd web/tests
echo "== browser-test: node $("$node" --version) --test ($($chromium --version 2>/dev/null | head -n1))"
"$node" --test --test-reporter=spec
