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
#   UNIPROV_RADIO_FEATURES  cargo features of uniprov-cli for the build (default: networkmanager,ble)
#   UNIPROV_RADIO_LIB_FEATURES  cargo features of uniprov for radio_probe (default: networkmanager)
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
  # every guest/*.sh except lib and lab (the lab's self-test): run that by name
  TESTS=(); for f in "$R"/guest/*.sh; do n=$(basename "$f" .sh); case $n in lib|lab) ;; *) TESTS+=("$n");; esac; done
fi
for t in "${TESTS[@]}"; do
  [ -f "$R/guest/$t.sh" ] || { echo "run.sh: no test $t (guest/$t.sh)" >&2; exit 2; }
done

say "image"
bash "$R/host/build-image.sh" "$CACHE" || { echo "run.sh: image build failed" >&2; exit 1; }

BIN=${UNIPROV_BIN:-}
if [ -z "$BIN" ]; then
  say "cargo build --release --bin uniprov (features: ${UNIPROV_RADIO_FEATURES-networkmanager,ble})"
  (cd "$ROOT" && cargo build -q --release -p uniprov-cli --features "${UNIPROV_RADIO_FEATURES-networkmanager,ble}") \
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

# run_vms TEST DIR ROLE...: the BLE air (host/ble_link.py in a venv with bumble, cached) and one
# VM per role, each with a bumble controller on its second serial port and ROLE in its
# environment; out folders DIR/out-ROLE. When the last role's VM ends, the host writes
# `<last role>.done` into the others' out folders. Status: the first failing VM's, else 0.
run_vms() { local t=$1 d=$2; shift 2; local roles=("$@") role i port0 rc=0 r pids=()
  local venv=$CACHE/venv
  if ! "$venv/bin/python" -c 'import bumble' 2>/dev/null; then
    say "python venv with bumble ($venv)"
    python3 -m venv "$venv" && "$venv/bin/pip" install -q -r "$R/host/requirements-ble.txt" \
      || { echo "run.sh: cannot install bumble" >&2; return 1; }
  fi
  port0=${UNIPROV_RADIO_BLE_PORT:-$((20000 + RANDOM % 20000))}
  local ports=(); for i in "${!roles[@]}"; do ports+=($((port0 + i))); done
  "$venv/bin/python" "$R/host/ble_link.py" "${ports[@]}" > "$d/ble_link.log" 2>&1 &
  local link=$!
  for i in $(seq 100); do grep -q ready "$d/ble_link.log" 2>/dev/null && break; sleep 0.1; done
  for i in "${!roles[@]}"; do role=${roles[$i]}; mkdir -p "$d/out-$role"
    ( SMP=${SMP:-1} MEM=${MEM:-768} KAPPEND="${KAPPEND:-} uniprov.env.ROLE=$role" TIMEOUT=${TIMEOUT:-600} \
      bash "$R/host/vm.sh" "$CACHE/image" "$d/share" "$d/out-$role" "$t.sh" \
        -serial mon:stdio -serial "tcp:127.0.0.1:${ports[$i]}" > "$d/console-$role.log" 2>&1 ) &
    pids+=($!)
  done
  local last=$((${#roles[@]} - 1))
  wait "${pids[$last]}"; r=$?; [ $r = 0 ] || rc=$r
  for i in "${!roles[@]}"; do [ "$i" = $last ] || touch "$d/out-${roles[$i]}/${roles[$last]}.done"; done
  for i in "${!roles[@]}"; do [ "$i" = $last ] && continue; wait "${pids[$i]}"; r=$?; [ $rc != 0 ] || rc=$r; done
  kill "$link" 2>/dev/null; wait "$link" 2>/dev/null
  return $rc
}

declare -a SUMMARY; failed=0
for t in "${TESTS[@]}"; do
  # A guest script may say "# needs: device" (the `uniprov device` subcommand) or
  # "# needs: probe" (radio_probe); without it the test is skipped, not failed.
  needs=$(sed -n 's/^# needs: //p' "$R/guest/$t.sh")
  why=""
  case " $needs " in *" device "*) "$BIN" device --help 2>&1 | grep -q -- --radio || why="this uniprov has no 'device --radio'";; esac
  case " $needs " in *" ble "*) "$BIN" device --help 2>&1 | grep -q -- --ble-adapter || why="this uniprov has no BLE (cargo feature ble)";; esac
  case " $needs " in *" probe "*) [ -n "$PROBE" ] || why="no radio_probe (set UNIPROV_PROBE)";; esac
  if [ -n "$why" ]; then SUMMARY+=("SKIP $t ($why)"); say "SKIP $t: $why"; continue; fi
  d=$LOGS/$t; rm -rf "$d"; mkdir -p "$d/share" "$d/out"
  cp "$R"/guest/*.sh "$d/share/"; cp "$BIN" "$d/share/uniprov"
  [ -n "$PROBE" ] && cp "$PROBE" "$d/share/radio_probe"
  [ -n "${UNIPROV_CLIENT_BIN:-}" ] && cp "$UNIPROV_CLIENT_BIN" "$d/share/uniprov-client"
  s=$SECONDS
  # "# vms: ROLE ROLE": one VM per role (env ROLE), joined by host/ble_link.py's BLE air
  roles=$(sed -n 's/^# vms: //p' "$R/guest/$t.sh")
  if [ -z "$roles" ]; then
    TIMEOUT=${TIMEOUT:-600} bash "$R/host/vm.sh" "$CACHE/image" "$d/share" "$d/out" "$t.sh" > "$d/console.log" 2>&1
    rc=$?
  else
    run_vms "$t" "$d" $roles; rc=$?
  fi
  grep -hE '^(PASS|FAIL|SKIP) ' "$d"/console*.log | sed "s/^/  $t: /"
  if [ $rc = 0 ]; then v=PASS; else v=FAIL; failed=$((failed + 1)); tail -n 40 "$d"/console*.log | sed "s/^/  | /"; fi
  SUMMARY+=("$v $t (rc=$rc, $((SECONDS - s))s, logs $d)")
  say "$v $t (rc=$rc, $((SECONDS - s))s)"
done
echo "--- radio tests ($((SECONDS - t0))s in all)"; printf '%s\n' "${SUMMARY[@]}"
[ $failed = 0 ]
