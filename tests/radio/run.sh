#!/bin/bash
# Radio tests: real wpa_supplicant, NetworkManager, hostapd, dnsmasq and BlueZ in a QEMU VM with
# simulated radios (mac80211_hwsim). One command from a clone:
#
#   bash tests/radio/run.sh [TEST...]        # default: every guest/*.sh test but lab
#
# Builds (once, cached) the VM image, builds the uniprov binary (or takes UNIPROV_BIN), boots one
# VM per test and runs guest/TEST.sh in it. Exit status 0 only if every test passed.
# env:
#   UNIPROV_RADIO_CACHE  image cache (default ~/.cache/uniprov-radio)
#   UNIPROV_RADIO_LOGS   logs: LOGS/TEST/{console.log,...} (default target/radio)
#   UNIPROV_BIN          a ready uniprov binary (skips cargo build)
#   UNIPROV_RADIO_FEATURES  cargo features of uniprov-cli for the build (default: networkmanager)
#   UNIPROV_CLIENT_BIN   the client side of the end-to-end tests, when UNIPROV_BIN has no `provision`
#   UNIPROV_PROBE        a ready radio_probe binary (crates/uniprov/examples/radio_probe.rs)
#   UNIPROV_RADIO_SKIP_APT=1  do not install host packages
#   SMP MEM TIMEOUT ACCEL   passed to host/vm.sh
set -u
R=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$R/../.." && pwd)
CACHE=${UNIPROV_RADIO_CACHE:-$HOME/.cache/uniprov-radio}
LOGS=${UNIPROV_RADIO_LOGS:-$ROOT/target/radio}
t0=$SECONDS
say() { echo "[radio +$((SECONDS - t0))s] $*"; }

if [ $# -gt 0 ]; then TESTS=("$@"); else
  # every guest/*.sh except lib and lab (the lab's self-test, run it by name when in doubt)
  TESTS=(); for f in "$R"/guest/*.sh; do n=$(basename "$f" .sh); case $n in lib|lab) ;; *) TESTS+=("$n");; esac; done
fi
for t in "${TESTS[@]}"; do
  [ -f "$R/guest/$t.sh" ] || { echo "run.sh: no test $t (guest/$t.sh)" >&2; exit 2; }
done

say "image"
bash "$R/host/build-image.sh" "$CACHE" || { echo "run.sh: image build failed" >&2; exit 1; }

BIN=${UNIPROV_BIN:-}
if [ -z "$BIN" ]; then
  say "cargo build --release --bin uniprov (features: ${UNIPROV_RADIO_FEATURES-networkmanager})"
  (cd "$ROOT" && cargo build -q --release -p uniprov-cli --features "${UNIPROV_RADIO_FEATURES-networkmanager}") \
    || { echo "run.sh: cargo build failed" >&2; exit 1; }
  BIN=$ROOT/target/release/uniprov
fi
[ -x "$BIN" ] || { echo "run.sh: $BIN is not an executable" >&2; exit 1; }
# radio_probe (crates/uniprov/examples): drives one backend without the manager (backend-* tests)
PROBE=${UNIPROV_PROBE:-}
if [ -z "$PROBE" ] && [ -z "${UNIPROV_BIN:-}" ]; then
  say "cargo build --release --example radio_probe"
  (cd "$ROOT" && cargo build -q --release -p uniprov --example radio_probe --features "${UNIPROV_RADIO_LIB_FEATURES-networkmanager}") \
    || { echo "run.sh: cargo build of radio_probe failed" >&2; exit 1; }
  PROBE=$ROOT/target/release/examples/radio_probe
fi

declare -a SUMMARY; failed=0
for t in "${TESTS[@]}"; do
  # A guest script may say "# needs: device" (the `uniprov device` subcommand) or
  # "# needs: probe" (radio_probe); without it the test is skipped, not failed.
  needs=$(sed -n 's/^# needs: //p' "$R/guest/$t.sh")
  why=""
  case " $needs " in *" device "*) "$BIN" device --help 2>&1 | grep -q -- --radio || why="this uniprov has no 'device --radio'";; esac
  case " $needs " in *" probe "*) [ -n "$PROBE" ] || why="no radio_probe (set UNIPROV_PROBE)";; esac
  if [ -n "$why" ]; then SUMMARY+=("SKIP $t ($why)"); say "SKIP $t: $why"; continue; fi
  d=$LOGS/$t; rm -rf "$d"; mkdir -p "$d/share" "$d/out"
  cp "$R"/guest/*.sh "$d/share/"; cp "$BIN" "$d/share/uniprov"
  [ -n "$PROBE" ] && cp "$PROBE" "$d/share/radio_probe"
  [ -n "${UNIPROV_CLIENT_BIN:-}" ] && cp "$UNIPROV_CLIENT_BIN" "$d/share/uniprov-client"
  s=$SECONDS
  TIMEOUT=${TIMEOUT:-600} bash "$R/host/vm.sh" "$CACHE/image" "$d/share" "$d/out" "$t.sh" > "$d/console.log" 2>&1
  rc=$?
  grep -E '^(PASS|FAIL|SKIP) ' "$d/console.log" | sed "s/^/  $t: /"
  if [ $rc = 0 ]; then v=PASS; else v=FAIL; failed=$((failed + 1)); tail -n 40 "$d/console.log" | sed "s/^/  | /"; fi
  SUMMARY+=("$v $t (rc=$rc, $((SECONDS - s))s, logs $d)")
  say "$v $t (rc=$rc, $((SECONDS - s))s)"
done
echo "--- radio tests ($((SECONDS - t0))s in all)"; printf '%s\n' "${SUMMARY[@]}"
[ $failed = 0 ]
