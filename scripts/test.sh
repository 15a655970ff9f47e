#!/usr/bin/env bash
# The whole test suite: unit, vector, pair and end-to-end tests, the no_std build of the core,
# and the interop checks. This is the README's test command and what .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== no_std build of uniprov-core"
if rustup target list --installed 2>/dev/null | grep -qx thumbv7em-none-eabihf; then
  cargo build -p uniprov-core --no-default-features --target thumbv7em-none-eabihf
else
  cargo build -p uniprov-core --no-default-features
fi

echo "== cargo test"
cargo test --workspace --all-targets

echo "== packaging: systemd-analyze verify packaging/uniprov.service"
if command -v systemd-analyze >/dev/null; then
  unit_dir=$(mktemp -d)
  trap 'rm -rf "$unit_dir"' EXIT
  cargo build -p uniprov-cli --bin uniprov
  bin_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug
  sed "s|/usr/bin/uniprov|$bin_dir/uniprov|" packaging/uniprov.service >"$unit_dir/uniprov.service"
  systemd-analyze verify "$unit_dir/uniprov.service"
else
  echo "skipped: systemd-analyze is not installed"
fi

echo "== interop: esp-protocomm (PyPI, a third-party security-1 client) against uniprov device over HTTP"
cargo build -p uniprov-cli --bin uniprov
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
bash tests/interop/run.sh "$target_dir/debug/uniprov"
