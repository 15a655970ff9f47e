#!/usr/bin/env bash
# Radio tests for CI (called by .ci/run): real NetworkManager, wpa_supplicant, hostapd, dnsmasq
# and BlueZ in a QEMU VM with simulated radios. See tests/radio/README.md.
#
# Installs what it needs with apt (idempotent: qemu-system-x86, mmdebstrap, busybox-static, cpio,
# e2fsprogs, kmod, libdbus-1-dev, pkg-config, python3-venv for the BLE test's bumble from PyPI),
# builds or reuses the cached VM image (UNIPROV_RADIO_CACHE, default ~/.cache/uniprov-radio),
# builds the release binary (features networkmanager,ble) and runs
# tests/radio/run.sh. Skips (exit 0, with a message) on machines that cannot run it:
# not x86-64 Linux, no apt, not root, or UNIPROV_RADIO=0.
set -euo pipefail
cd "$(dirname "$0")/.."
skip() { echo "radio tests SKIPPED: $*"; exit 0; }
[ "${UNIPROV_RADIO:-1}" != 0 ] || skip "UNIPROV_RADIO=0"
[ "$(uname -s)/$(uname -m)" = Linux/x86_64 ] || skip "needs x86-64 Linux, this is $(uname -s)/$(uname -m)"
command -v apt-get >/dev/null || skip "needs a Debian host (apt-get)"
[ "$(id -u)" = 0 ] || skip "needs root (apt, mmdebstrap)"
if [ "${UNIPROV_RADIO_SKIP_APT:-0}" != 1 ]; then
  need=""
  for p in libdbus-1-dev pkg-config python3-venv; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' || need="$need $p"
  done
  if [ -n "$need" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends $need >/dev/null
  fi
fi
echo "== radio tests (tests/radio/run.sh)"
start=$SECONDS
rc=0; bash tests/radio/run.sh "$@" || rc=$?
echo "== radio tests: status $rc, $((SECONDS - start))s"
exit $rc
