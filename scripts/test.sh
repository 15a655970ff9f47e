#!/usr/bin/env bash
# The whole test suite: unit, vector, pair and end-to-end tests, the no_std build of the core,
# the browser tests of the web page, the packaging check and the interop checks. This is the
# README's test command and what .ci/run calls. Every check runs even when an earlier one
# failed; the last line is the verdict, `N passed, M failed` (the cargo and browser tests
# counted one by one, each other check as one), and the
# exit status is non-zero when anything failed.
#
# Needs: a Rust toolchain (cargo), a C linker (build-essential), python3 with python3-venv and
# network access for the interop check (it installs the PyPI package esp-protocomm into a
# cached virtual environment; UNIPROV_SKIP_INTEROP=1 skips it, saying so). The browser tests
# need Debian's chromium (else they print SKIPPED, or fail when CI is set) and PyPI's
# playwright wheel (playwright-core and its Node, in a cached virtual environment), and build
# the page with the wasm32 target and wasm-bindgen-cli (installed when missing).
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
failures=()
log=$(mktemp)
unit_dir=""
cleanup() {
  rm -f "$log"
  if [ -n "$unit_dir" ]; then rm -rf "$unit_dir"; fi
}
trap cleanup EXIT

# One check: runs "$@", counts it as one test.
check() {
  local name=$1
  shift
  echo "== $name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "FAILED: $name"
  fi
}

no_std_build() {
  if rustup target list --installed 2>/dev/null | grep -qx thumbv7em-none-eabihf; then
    cargo build -p uniprov-core --no-default-features --target thumbv7em-none-eabihf
  else
    cargo build -p uniprov-core --no-default-features
  fi
}

target_dir() {
  cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])'
}

systemd_unit() {
  if ! command -v systemd-analyze >/dev/null; then
    echo "skipped: systemd-analyze is not installed"
    return 0
  fi
  unit_dir=$(mktemp -d)
  cargo build -p uniprov-cli --bin uniprov || return 1
  sed "s|/usr/bin/uniprov|$(target_dir)/debug/uniprov|" packaging/uniprov.service >"$unit_dir/uniprov.service"
  systemd-analyze verify "$unit_dir/uniprov.service"
}

interop() {
  if [ "${UNIPROV_SKIP_INTEROP:-}" = 1 ]; then
    echo "skipped on request (UNIPROV_SKIP_INTEROP=1)"
    return 0
  fi
  cargo build -p uniprov-cli --bin uniprov || return 1
  bash tests/interop/run.sh "$(target_dir)/debug/uniprov"
}

check "no_std build of uniprov-core" no_std_build

# First, because it builds web/dist, which the uniprov binary embeds: the cargo tests then use
# the same binary. Its node tests are counted one by one from node's `ℹ pass N` / `ℹ fail N`.
echo "== browser tests (bash scripts/browser-test.sh): the web page in headless Chromium"
bash scripts/browser-test.sh 2>&1 | tee "$log"
browser_status=${PIPESTATUS[0]}
read -r browser_passed browser_failed < <(
  awk '/^ℹ pass [0-9]+$/ { p += $3 } /^ℹ fail [0-9]+$/ { f += $3 } END { print p + 0, f + 0 }' "$log"
)
passed=$((passed + browser_passed))
failed=$((failed + browser_failed))
if [ "$browser_failed" -gt 0 ]; then
  failures+=("browser tests: $browser_failed tests")
elif [ "$browser_status" -ne 0 ]; then
  failed=$((failed + 1))
  failures+=("browser tests (exit $browser_status without a failed test: build error, missing tool)")
fi

echo "== cargo test --workspace --all-targets --no-fail-fast"
# The cargo test lines are counted from its `test result:` summaries; a build failure or a
# crashed test binary (no summary) counts as one failure.
cargo test --workspace --all-targets --no-fail-fast 2>&1 | tee "$log"
cargo_status=${PIPESTATUS[0]}
read -r cargo_passed cargo_failed < <(
  awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed;?$/) p += $(i-1); if ($(i) ~ /^failed;?$/) f += $(i-1) } }
       END { print p + 0, f + 0 }' "$log"
)
passed=$((passed + cargo_passed))
failed=$((failed + cargo_failed))
if [ "$cargo_failed" -gt 0 ]; then
  failures+=("cargo test: $cargo_failed tests")
elif [ "$cargo_status" -ne 0 ]; then
  failed=$((failed + 1))
  failures+=("cargo test (exit $cargo_status without a failed test: build error or crash)")
fi

check "packaging: systemd-analyze verify packaging/uniprov.service" systemd_unit
check "interop: esp-protocomm (PyPI, a third-party security-1 client) against uniprov device over HTTP" interop

echo
for name in "${failures[@]}"; do
  echo "failed: $name"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
