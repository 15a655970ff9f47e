#!/usr/bin/env bash
# Release artifacts and package tests for CI (called by .ci/run):
#   1. bash scripts/release.sh: uniprov for x86_64, aarch64, armv7 and a static x86_64 client
#      build, and the .deb packages for amd64, arm64 and armhf (dist/, with SIZES);
#   2. lintian-free checks of the packages' metadata (dpkg-deb: Depends, conffiles, unit);
#   3. tests/packaging/emulated.sh for arm64 and armhf: apt installs the package in a Debian
#      root of that architecture (mmdebstrap, cached in ~/.cache/uniprov-pkg) and the ARM
#      device is provisioned by the ARM client under qemu-user;
#   4. tests/packaging/systemd-boot.sh: the amd64 package in the radio lab's VM with systemd as
#      PID 1: up at boot, provisioned over HTTP, skipped at the next boot.
# Installs with apt what it needs (cross toolchains, libdbus-1-dev:arm64/:armhf, qemu-user-static,
# binfmt-support, mmdebstrap, arch-test, help2man, qemu-system-x86 via the radio lab) and
# cargo-deb with cargo. Skips (exit 0, with a message) where it cannot run: not x86-64 Debian,
# not root, or UNIPROV_RELEASE=0.
set -euo pipefail
cd "$(dirname "$0")/.."
skip() { echo "release and package tests SKIPPED: $*"; exit 0; }
[ "${UNIPROV_RELEASE:-1}" != 0 ] || skip "UNIPROV_RELEASE=0"
[ "$(uname -s)/$(uname -m)" = Linux/x86_64 ] || skip "needs x86-64 Linux"
command -v apt-get >/dev/null || skip "needs a Debian host (apt-get)"
[ "$(id -u)" = 0 ] || skip "needs root (apt, chroot, binfmt_misc)"
t0=$SECONDS
step() { echo "== $* (release phase at $((SECONDS - t0)) s)"; }

need=""
for p in qemu-user-static binfmt-support mmdebstrap arch-test file; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' || need="$need $p"
done
if [ -n "$need" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

step "scripts/release.sh"
bash scripts/release.sh
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)

step "package metadata"
for a in amd64 arm64 armhf; do
  deb=dist/uniprov_${version}-1_$a.deb
  dpkg-deb -f "$deb" Package Version Architecture Depends Recommends | tr '\n' ' '; echo
  dpkg-deb -f "$deb" Depends | grep -q 'libdbus-1-3' || { echo "FAIL $deb: Depends lacks libdbus-1-3"; exit 1; }
  dpkg-deb -f "$deb" Recommends | grep -q 'network-manager' || { echo "FAIL $deb: Recommends"; exit 1; }
  dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/uniprov/device.toml || { echo "FAIL $deb: conffiles"; exit 1; }
  dpkg-deb -c "$deb" | grep -q 'lib/systemd/system/uniprov.service' || { echo "FAIL $deb: no unit"; exit 1; }
done
echo "PASS package metadata (amd64 arm64 armhf)"

for a in arm64 armhf; do
  step "emulated $a: apt install and provisioning under qemu-user"
  bash tests/packaging/emulated.sh "$a" "dist/uniprov_${version}-1_$a.deb"
done

step "systemd boot (amd64 package, radio lab VM)"
bash tests/packaging/systemd-boot.sh "dist/uniprov_${version}-1_amd64.deb"

step "release and package tests passed in $((SECONDS - t0)) s"
