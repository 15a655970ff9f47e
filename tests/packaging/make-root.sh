#!/usr/bin/env bash
# A minimal Debian root of a foreign architecture for the emulated package tests, cached:
#
#   bash tests/packaging/make-root.sh ARCH      # prints the tarball's path on stdout
#
# mmdebstrap (minbase, the host's release and apt sources, plus libdbus-1-3: the package's
# dependencies, so installing it needs no network) runs the root's maintainer scripts under
# qemu-user (5-10 minutes on a loaded 2-core machine). The tarball
# ${UNIPROV_PKG_CACHE:-target/packaging-roots}/root-ARCH.tar (inside the repository, like the
# build: nothing outside it is cached) is rebuilt only when the recipe below or the candidate
# versions of its packages change.
set -euo pipefail
ARCH=$1
CACHE=${UNIPROV_PKG_CACHE:-$(cd "$(dirname "$0")/../.." && pwd)/target/packaging-roots}
PKGS="libdbus-1-3"
VARIANT=minbase
log() { echo "[root $ARCH] $*" >&2; }
trap 'log "failed at line $LINENO: $BASH_COMMAND"' ERR
SUITE=$(. /etc/os-release && echo "$VERSION_CODENAME")
SRC=""; for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do [ -s "$f" ] && { SRC=$f; break; }; done
[ -n "$SRC" ] || { log "no apt sources file"; exit 1; }
mkdir -p "$CACHE"
# The candidate versions join the key when apt knows the architecture; an empty answer (the
# architecture not added yet, lists being updated) must not stop the script: mmdebstrap uses
# its own apt configuration.
KEY=$( { echo "recipe 1: $VARIANT $SUITE $ARCH $PKGS, no man/locale/doc"; apt-cache policy "libc6:$ARCH" "libdbus-1-3:$ARCH" "apt:$ARCH" 2>/dev/null | grep -E '^[a-z]|Candidate' || true; } | sha256sum | cut -c1-16)
TAR=$CACHE/root-$ARCH.tar
if [ "$(cat "$TAR.key" 2>/dev/null)" = "$KEY" ] && [ -s "$TAR" ]; then
  log "cached ($TAR, key $KEY)"
else
  s=$SECONDS; log "mmdebstrap $SUITE $ARCH (key $KEY)"
  rm -f "$TAR" "$TAR.key"
  mmdebstrap -q --variant="$VARIANT" --architectures="$ARCH" --include="$PKGS" \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' "$SUITE" "$CACHE/root-$ARCH.tmp.tar" "$SRC" >&2
  mv "$CACHE/root-$ARCH.tmp.tar" "$TAR"; echo "$KEY" > "$TAR.key"
  log "built in $((SECONDS - s)) s: $(du -h "$TAR" | cut -f1)"
fi
echo "$TAR"
