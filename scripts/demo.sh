#!/usr/bin/env bash
# The README quick start: a uniprov device on the simulated radio, provisioned end to end over
# HTTP with security 2. Exits 0 when the device reported CRED_SUCCESS and END.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== building uniprov (debug; the first build compiles ~250 crates: about 2 minutes on 2 cores)"
# Cargo's own progress (a bar on a terminal, one line per crate otherwise) shows it is working.
cargo build -p uniprov-cli --bin uniprov
target=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
bin="$target/debug/uniprov"

work=$(mktemp -d)
password="demo-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
events="$work/events.jsonl"
device_pid=""
cleanup() {
  if [ -n "$device_pid" ]; then kill "$device_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== starting: uniprov device --transport http --listen 127.0.0.1:0 --sec-ver 2 (simulated radio)"
"$bin" device --transport http --listen 127.0.0.1:0 \
  --sec-ver 2 --sec2-username wifiprov --sec2-pwd "$password" \
  --state-dir "$work/state" --sim-connect-delay-ms 500 --cleanup-delay-ms 200 \
  --custom-endpoint custom-data --show-secrets always --events json >"$events" 2>"$work/device.log" &
device_pid=$!

# The device announces its address as the {"event":"listening"} line.
addr=""
for _ in $(seq 1 200); do
  addr=$(sed -n 's/.*"addr":"\([^"]*\)".*"event":"listening".*/\1/p' "$events" | head -n1)
  [ -n "$addr" ] && break
  if ! kill -0 "$device_pid" 2>/dev/null; then cat "$work/device.log" >&2; exit 1; fi
  sleep 0.05
done
[ -n "$addr" ] || { echo "device did not start" >&2; cat "$work/device.log" >&2; exit 1; }
sed -n '/^QR payload/,/^Or open/p' "$work/device.log"

echo "== provisioning $addr with security 2 (SSID HomeNetwork of the simulated world)"
"$bin" provision --transport http --service-name "$addr" \
  --sec2-username wifiprov --sec2-pwd "$password" --ssid HomeNetwork --passphrase password123

echo "== waiting for the device to finish"
status=0
wait "$device_pid" || status=$?
device_pid=""
echo "== device events"
cat "$events"
if [ "$status" -eq 0 ] && grep -q '"event":"cred_success"' "$events" && grep -q '"event":"end"' "$events"; then
  echo "== demo OK: CRED_SUCCESS and END reported, device exited 0"
  echo "== the binary is $bin (the README's by-hand steps use it)"
else
  echo "== demo FAILED (device exit $status)" >&2
  cat "$work/device.log" >&2
  exit 1
fi
