#!/usr/bin/env bash
# Client bench: full security 2 provisioning by `uniprov provision` against a local
# `uniprov device` (release build, simulated radio with no connect delay), per phase.
#
#   bash scripts/client-bench.sh [RUNS]      (default 20)
#
# Every run starts a fresh device on 127.0.0.1, provisions it with --json and reads the phase
# timings from the JSON report. As a baseline measured in the same run, `uniprov version`
# (connect + one proto-ver round trip, no handshake) is timed against the same devices, so the
# figures can be compared across machines and loads as ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"

cargo build --quiet --release -p uniprov-cli --bin uniprov
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
bin="$target/release/uniprov"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for i in $(seq 1 "$runs"); do
  events="$work/events-$i.jsonl"
  "$bin" device --transport http --listen 127.0.0.1:0 --sec-ver 2 \
    --sec2-username wifiprov --sec2-pwd bench-password --state-dir "$work/state-$i" \
    --sim-connect-delay-ms 0 --cleanup-delay-ms 100 --events json >"$events" 2>/dev/null &
  pid=$!
  addr=""
  for _ in $(seq 1 400); do
    addr=$(sed -n 's/.*"addr":"\([^"]*\)".*"event":"listening".*/\1/p' "$events" | head -n1)
    [ -n "$addr" ] && break
    sleep 0.01
  done
  [ -n "$addr" ] || { echo "device did not start" >&2; kill "$pid"; exit 1; }
  start=$(date +%s%N)
  "$bin" version --transport http --service-name "$addr" >/dev/null
  echo $(( ($(date +%s%N) - start) / 1000 )) >>"$work/version-us"
  "$bin" provision --transport http --service-name "$addr" --sec2-username wifiprov \
    --sec2-pwd bench-password --ssid HomeNetwork --passphrase password123 --json >"$work/report-$i.json"
  wait "$pid"
done

python3 - "$work" "$runs" <<'EOF'
import json, pathlib, statistics, sys
work, runs = pathlib.Path(sys.argv[1]), int(sys.argv[2])
phases = {}
for i in range(1, runs + 1):
    report = json.loads((work / f"report-{i}.json").read_text())
    for name, ms in report["phases_ms"].items():
        phases.setdefault(name, []).append(float(ms))
version_ms = [int(l) / 1000 for l in (work / "version-us").read_text().split()]
base = statistics.median(version_ms)
print(f"{runs} runs; baseline `uniprov version` process (start, connect, proto-ver): median {base:.1f} ms")
print(f"{'phase':<12} {'median ms':>10} {'p90 ms':>8} {'x baseline':>10}")
for name, values in phases.items():
    values.sort()
    med = statistics.median(values)
    p90 = values[min(len(values) - 1, int(0.9 * len(values)))]
    print(f"{name:<12} {med:>10.2f} {p90:>8.2f} {med / base:>10.2f}")
EOF
