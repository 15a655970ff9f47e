#!/usr/bin/env bash
# Install a foreign-architecture uniprov .deb with apt in a Debian root of that architecture
# and provision it end to end there, on an amd64 machine, under qemu-user (binfmt_misc):
#
#   bash tests/packaging/emulated.sh ARCH DEB      # ARCH: arm64 or armhf
#
# The root (make-root.sh: Debian minbase of the host's release by mmdebstrap, cached) is
# unpacked afresh for every run. Inside it:
# `apt-get install ./uniprov_*_ARCH.deb` (offline: the root already has the dependencies),
# `--check-config` refuses the packaged /etc/uniprov/device.toml and accepts it with
# credentials, then `uniprov device` (simulated radio, HTTP on loopback) is provisioned by
# `uniprov provision`, both the ARCH binary: security 2 (the default; run once) and security 1.
# Needs root, qemu-user-static, binfmt-support and mmdebstrap (installed by .ci/release.sh).
set -euo pipefail
ARCH=$1 DEB=$(realpath "$2")
t0=$SECONDS
say() { echo "[emulated $ARCH +$((SECONDS - t0))s] $*"; }
fail() { echo "FAIL emulated $ARCH: $*" >&2; exit 1; }
case $ARCH in arm64) qemu=aarch64;; armhf) qemu=arm;; *) fail "unknown arch $ARCH";; esac

# binfmt_misc: qemu-user-static registers its interpreters, but the file system may be absent.
[ -e /proc/sys/fs/binfmt_misc/status ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
[ -e /proc/sys/fs/binfmt_misc/qemu-$qemu ] || update-binfmts --enable "qemu-$qemu"
grep -qx enabled "/proc/sys/fs/binfmt_misc/qemu-$qemu" || fail "binfmt qemu-$qemu not enabled"

TAR=$(bash "$(dirname "$0")/make-root.sh" "$ARCH")

R=$(mktemp -d "${TMPDIR:-/tmp}/uniprov-$ARCH-root.XXXXXX")
cleanup() { umount "$R/proc" 2>/dev/null || true; umount "$R/dev" 2>/dev/null || true; rm -rf "$R"; }
trap cleanup EXIT
tar -C "$R" -xf "$TAR"
mount -t proc proc "$R/proc"; mount --bind /dev "$R/dev"
cp "$DEB" "$R/tmp/"
in_root() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"; }

say "apt-get install ./$(basename "$DEB")"
in_root /bin/sh -c "cd /tmp && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ./$(basename "$DEB")" > "$R.apt.log" 2>&1 \
  || { cat "$R.apt.log"; rm -f "$R.apt.log"; fail "apt-get install"; }
grep -E 'not enabled|Setting up uniprov' "$R.apt.log" | sed 's/^/  | /'; rm -f "$R.apt.log"
[ "$(in_root uname -m)" = "$(case $ARCH in arm64) echo aarch64;; armhf) echo armv7l;; esac)" ] || fail "not emulated: $(in_root uname -m)"
echo "  /usr/bin/uniprov: $(file -b "$R/usr/bin/uniprov" | cut -d, -f1-2)"
[ "$(in_root stat -c %a /etc/uniprov/device.toml)" = 600 ] || fail "device.toml is not 0600"
[ "$(in_root stat -c %a /var/lib/uniprov)" = 700 ] || fail "/var/lib/uniprov is not 0700"
[ -f "$R/lib/systemd/system/uniprov.service" ] || [ -f "$R/usr/lib/systemd/system/uniprov.service" ] || fail "no unit"
[ ! -e "$R/etc/systemd/system/multi-user.target.wants/uniprov.service" ] || fail "the package enabled the service"
in_root dpkg-query -W -f='${Version} ${Architecture}\n' uniprov | sed 's/^/  installed: uniprov /'

say "--check-config"
if in_root uniprov device --config /etc/uniprov/device.toml --check-config >/dev/null 2>&1; then
  fail "the packaged, unconfigured device.toml passed --check-config"
fi
in_root env UNIPROV_SEC2_PWD=emulated-pass-1 uniprov device --config /etc/uniprov/device.toml --radio sim --check-config \
  || fail "--check-config with a password"

# provision SEC ARGS...: device (simulated radio) and client, both the ARCH binary.
provision() { local sec=$1; shift
  local port=$((20000 + RANDOM % 20000)) st=/tmp/state-sec$sec
  in_root uniprov device --config /etc/uniprov/device.toml --radio sim --sim-connect-delay-ms 0 \
      --listen "127.0.0.1:$port" --state-dir "$st" --transport http --events json --sec-ver "$sec" "$@" \
      > "$R/tmp/device-$sec.out" 2> "$R/tmp/device-$sec.err" &
  local dev=$! i
  for i in $(seq 200); do grep -q listening "$R/tmp/device-$sec.out" 2>/dev/null && break; sleep 0.1; done
  local s=$SECONDS rc=0
  in_root uniprov provision --transport http --service-name "127.0.0.1:$port" "$@" \
      --ssid HomeNetwork --passphrase password123 > "$R/tmp/client-$sec.out" 2>&1 || rc=$?
  local took=$((SECONDS - s)) drc=0
  # The device ends by itself after provisioning (within 60 s); a failed client leaves it
  # serving. A device still running then is killed and fails the test (status 143).
  [ $rc = 0 ] || kill "$dev" 2>/dev/null || true
  for i in $(seq 600); do kill -0 "$dev" 2>/dev/null || break; sleep 0.1; done
  kill "$dev" 2>/dev/null || true
  wait "$dev" || drc=$?
  if [ $rc != 0 ] || [ $drc != 0 ] || [ ! -f "$R$st/wifi.json" ]; then
    sed 's/^/  | /' "$R/tmp/device-$sec.err" "$R/tmp/client-$sec.out"
    fail "security $sec: client $rc, device $drc"
  fi
  grep -q '"cred_success"' "$R/tmp/device-$sec.out" || fail "security $sec: no cred_success event"
  ! grep -rq -- "${SECRET:-x}" "$R/tmp/device-$sec.out" "$R/tmp/device-$sec.err" || fail "security $sec: secret in the device output"
  echo "PASS emulated $ARCH security $sec: provisioned in ${took} s (client), device exit 0, $(stat -c %a "$R$st/wifi.json") wifi.json"
}
SECRET=emulated-pass-1 provision 2 --sec2-username wifiprov --sec2-pwd emulated-pass-1
SECRET=emulated-pop-1 provision 1 --pop emulated-pop-1
say "done"
