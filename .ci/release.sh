#!/usr/bin/env bash
# Release artifacts and package tests for CI (called by .ci/run):
#   1. bash scripts/release.sh amd64 arm64 armhf: uniprov for x86_64, aarch64 and armv7 and
#      the .deb packages for amd64, arm64 and armhf (dist/, with SIZES). The amd64 build is the
#      radio lab's (target/release, same features): no second compile. The static musl build
#      (`bash scripts/release.sh static`) is left out of CI to stay in its time budget;
#   2. checks of the packages' metadata and contents (dpkg-deb: Depends, Recommends, conffiles,
#      unit, man pages, the binary's architecture);
#   3. tests/packaging/emulated.sh for arm64 and armhf: apt installs the package in a Debian
#      root of that architecture (tests/packaging/make-root.sh: mmdebstrap, built in the
#      background while step 1 compiles) and the ARM device is provisioned by the ARM client
#      under qemu-user;
#   4. tests/packaging/systemd-boot.sh: the amd64 package in the radio lab's VM with systemd as
#      PID 1: up at boot, provisioned over HTTP, skipped at the next boot.
# Installs with apt what it needs (cross toolchains, libdbus-1-dev:arm64/:armhf, qemu-user-static,
# binfmt-support, mmdebstrap, arch-test, help2man, qemu-system-x86 via the radio lab) and
# cargo-deb with cargo. Prints the time of every step. Skips (exit 0, with a message) where it
# cannot run: not x86-64 Debian, not root, or UNIPROV_RELEASE=0.
set -euo pipefail
cd "$(dirname "$0")/.."
skip() { echo "release and package tests SKIPPED: $*"; exit 0; }
[ "${UNIPROV_RELEASE:-1}" != 0 ] || skip "UNIPROV_RELEASE=0"
[ "$(uname -s)/$(uname -m)" = Linux/x86_64 ] || skip "needs x86-64 Linux"
command -v apt-get >/dev/null || skip "needs a Debian host (apt-get)"
[ "$(id -u)" = 0 ] || skip "needs root (apt, chroot, binfmt_misc)"
t0=$SECONDS ts=$SECONDS
W=target/release-ci; rm -rf "$W"; mkdir -p "$W"
# CPU seconds (user + system) of the finished children so far: with the wall time it tells a
# loaded machine's figures from the work itself (the `times` builtin; no fork).
cpu() { times > "$W/times"; CPU=$(tail -1 "$W/times" | tr 'ms' '  ' | awk '{printf "%d", $1*60+$2+$3*60+$4}'); }
steps=(); cpu; c0=$CPU cs=$CPU
step() { cpu
  [ -z "${cur:-}" ] || steps+=("$(printf '%5d s wall %5d s cpu  %s' $((SECONDS - ts)) $((CPU - cs)) "$cur")")
  cur=$* ts=$SECONDS cs=$CPU; echo "== $* (release phase at $((SECONDS - t0)) s)"; }

step "apt: qemu-user-static, binfmt-support, mmdebstrap"
need=""
for p in qemu-user-static binfmt-support mmdebstrap arch-test file; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' || need="$need $p"
done
if [ -n "$need" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
# The packages register qemu-user with binfmt_misc when they are installed; a machine that
# rebooted without systemd (a container, a CI VM restored from a snapshot) keeps the packages
# but loses the registrations, and mmdebstrap then cannot run foreign maintainer scripts.
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
fi
for q in qemu-aarch64 qemu-arm; do update-binfmts --enable "$q" 2>/dev/null || true; done
for a in arm64 armhf; do arch-test "$a" >/dev/null || echo "warning: $a binaries do not run here (binfmt_misc); the emulated tests will fail"; done

# The foreign architectures before anything reads apt's lists for them: make-root.sh keys its
# cache on their candidate versions while release.sh installs the cross packages.
added=""
for a in arm64 armhf; do
  dpkg --print-foreign-architectures | grep -qx "$a" || { dpkg --add-architecture "$a"; added=1; }
done
[ -z "$added" ] || apt-get update -qq

# The Debian roots of the emulated tests are made (mmdebstrap, maintainer scripts under
# qemu-user: mostly one core) while the cross builds run.
( for a in arm64 armhf; do s=$SECONDS
    bash tests/packaging/make-root.sh "$a" >/dev/null || { echo "root $a: FAILED"; exit 1; }
    echo "root $a: $((SECONDS - s)) s"; done ) > "$W/roots.log" 2>&1 &
roots=$!

step "scripts/release.sh amd64 arm64 armhf"
bash scripts/release.sh amd64 arm64 armhf
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)

step "package metadata and contents"
for a in amd64 arm64 armhf; do
  deb=dist/uniprov_${version}-1_$a.deb
  bad() { echo "FAIL $deb: $*"; exit 1; }
  dpkg-deb -f "$deb" Package Version Architecture Depends Recommends | tr '\n' ' '; echo
  [ "$(dpkg-deb -f "$deb" Architecture)" = "$a" ] || bad "Architecture"
  dpkg-deb -f "$deb" Depends | grep -q 'libdbus-1-3' || bad "Depends lacks libdbus-1-3"
  dpkg-deb -f "$deb" Recommends | grep -q 'network-manager' || bad "Recommends lacks network-manager"
  dpkg-deb -f "$deb" Recommends | grep -q 'bluez' || bad "Recommends lacks bluez"
  ctrl=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles ./postinst)
  grep -qx /etc/uniprov/device.toml <<<"$ctrl" || bad "conffiles"
  # Commands only (the postinst's message tells the admin to run `systemctl enable --now`).
  ! grep -E '^\s*(systemctl|deb-systemd-invoke|invoke-rc.d)\b.*\b(start|restart|enable)\b' <<<"$ctrl" || bad "the postinst starts or enables something"
  list=$(dpkg-deb -c "$deb")
  for f in ./usr/bin/uniprov lib/systemd/system/uniprov.service ./etc/uniprov/device.toml \
      ./usr/share/man/man1/uniprov-device.1.gz ./usr/share/doc/uniprov/README.Debian; do
    grep -q "$f" <<<"$list" || bad "no $f"
  done
  x=$(mktemp -d); dpkg-deb -x "$deb" "$x"
  want=$(case $a in amd64) echo x86-64;; arm64) echo aarch64;; armhf) echo 'ARM, EABI5';; esac)
  file -b "$x/usr/bin/uniprov" | grep -q "$want" || bad "binary: $(file -b "$x/usr/bin/uniprov")"
  grep -q '^# ' "$x/etc/uniprov/device.toml" || bad "device.toml has no comments"
  rm -rf "$x"
done
echo "PASS package metadata and contents (amd64 arm64 armhf)"

step "Debian roots for arm64 and armhf (waiting for make-root.sh)"
rc=0; wait $roots || rc=$?
cat "$W/roots.log"; [ $rc = 0 ] || { echo "FAIL make-root.sh"; exit 1; }

for a in arm64 armhf; do
  step "emulated $a: apt install and provisioning under qemu-user"
  bash tests/packaging/emulated.sh "$a" "dist/uniprov_${version}-1_$a.deb"
done

step "systemd boot (amd64 package, radio lab VM)"
bash tests/packaging/systemd-boot.sh "dist/uniprov_${version}-1_amd64.deb"

step "end"
echo "== release phase times:"; printf '%s\n' "${steps[@]}"
echo "== release and package tests passed in $((SECONDS - t0)) s wall, $((CPU - c0)) s cpu"
