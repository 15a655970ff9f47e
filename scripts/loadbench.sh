#!/usr/bin/env bash
# Load figures of `uniprov device` (release build): full sessions (new TCP connection,
# proto-ver, handshake, one encrypted custom-data request) for security 1 and 2 at
# concurrency 1, 16 and 64, with the device's CPU time per session.
#
#   bash scripts/loadbench.sh [SESSIONS_PER_RUN]        # default 2000
#   LOADBENCH_DURATION_S=600 bash scripts/loadbench.sh  # one long sec2 run at 16, RSS sampled
set -euo pipefail
cd "$(dirname "$0")/.."
sessions=${1:-2000}

cargo build --release --quiet -p uniprov-cli --bin uniprov
cargo build --release --quiet -p uniprov --example loadgen
target=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
bin="$target/release/uniprov"
loadgen="$target/release/examples/loadgen"
work=$(mktemp -d)
device_pid=""
cleanup() {
  if [ -n "$device_pid" ]; then kill "$device_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

start_device() { # sec_ver, then security options
  local sec=$1; shift
  : >"$work/events"
  RUST_LOG=warn "$bin" device --listen 127.0.0.1:0 --events json --sec-ver "$sec" "$@" \
    --max-sessions 128 --max-connections 128 --no-auto-stop --custom-endpoint custom-data \
    --state-dir "$work/state" >"$work/events" 2>"$work/device.log" &
  device_pid=$!
  addr=""
  for _ in $(seq 1 200); do
    addr=$(sed -n 's/.*"addr":"\([^"]*\)".*"event":"listening".*/\1/p' "$work/events" | head -n1)
    [ -n "$addr" ] && return 0
    sleep 0.05
  done
  echo "device did not start" >&2; cat "$work/device.log" >&2; exit 1
}

stop_device() { kill "$device_pid"; wait "$device_pid" 2>/dev/null || true; device_pid=""; }

echo "# $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${LOADBENCH_DURATION_S:-}" ]; then
  start_device 2 --sec2-pwd bench-password
  echo "# sec2, concurrency 16, ${LOADBENCH_DURATION_S} s; device VmRSS every 30 s:"
  "$loadgen" --target "$addr" --sec-ver 2 --sec2-pwd bench-password --concurrency 16 \
    --duration-s "$LOADBENCH_DURATION_S" --device-pid "$device_pid" --sample-s 30 --json
  stop_device
  exit 0
fi
for sec in 1 2; do
  if [ "$sec" = 1 ]; then opts=(--pop bench-pop); else opts=(--sec2-pwd bench-password); fi
  start_device "$sec" "${opts[@]}"
  for c in 1 16 64; do
    printf 'sec%s c=%-3s load %s  ' "$sec" "$c" "$(cut -d' ' -f1 /proc/loadavg)"
    "$loadgen" --target "$addr" --sec-ver "$sec" "${opts[@]}" --concurrency "$c" \
      --sessions "$sessions" --device-pid "$device_pid" --sample-s 3600 --json
  done
  stop_device
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
