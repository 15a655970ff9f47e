#!/usr/bin/env bash
# Release artifacts from one command, on an amd64 Debian 12 machine:
#
#   bash scripts/release.sh [ARCH...]      # ARCH: amd64 arm64 armhf static (default: all four)
#
# * `uniprov` for x86_64, aarch64 and armv7 (hard-float) Linux with the `networkmanager` and
#   `ble` features, cross-compiled with Debian's cross toolchains (gcc-aarch64-linux-gnu,
#   gcc-arm-linux-gnueabihf), rustup targets and libdbus from Debian's multiarch packages;
# * Debian packages built by cargo-deb (`[package.metadata.deb]` in crates/cli/Cargo.toml):
#   uniprov_<version>-1_{amd64,arm64,armhf}.deb;
# * `static`: a fully static x86_64 binary (musl, default features: every client subcommand
#   and the device on the simulated radio or wpa_supplicant, no D-Bus) for factory lines.
#
# Every binary embeds the browser provisioning page, built first by scripts/web.sh
# (UNIPROV_RELEASE_WEB=0 skips it: the binaries then serve a "page not built" placeholder).
#
# Output in dist/ (or $UNIPROV_DIST): the binaries as uniprov-<version>-<triple>, the .deb
# files, SHA256SUMS and SIZES (bytes of every artifact). Installs what it lacks when run as root
# on Debian (apt: the cross toolchains, libdbus-1-dev:arm64/:armhf, help2man; rustup targets;
# cargo install cargo-deb --locked); UNIPROV_RELEASE_SKIP_INSTALL=1 skips that.
set -euo pipefail
shopt -s inherit_errexit   # a failed cargo build inside $(build ...) stops the script
cd "$(dirname "$0")/.."
ROOT=$PWD
ARCHES=("$@"); [ ${#ARCHES[@]} -gt 0 ] || ARCHES=(amd64 arm64 armhf static)
DIST=${UNIPROV_DIST:-$ROOT/dist}
CARGO_DEB_VERSION=3.8.0
FEATURES=networkmanager,ble
t0=$SECONDS
say() { echo "[release +$((SECONDS - t0))s] $*"; }
VERSION=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"]=="uniprov-cli"))')
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')

triple() { case $1 in
  amd64) echo x86_64-unknown-linux-gnu;; arm64) echo aarch64-unknown-linux-gnu;;
  armhf) echo armv7-unknown-linux-gnueabihf;; static) echo x86_64-unknown-linux-musl;;
  *) echo "release.sh: unknown arch $1 (amd64 arm64 armhf static)" >&2; exit 2;; esac; }
gnu_prefix() { case $1 in arm64) echo aarch64-linux-gnu;; armhf) echo arm-linux-gnueabihf;; esac; }
for a in "${ARCHES[@]}"; do triple "$a" >/dev/null; done

install_tools() {
  [ "${UNIPROV_RELEASE_SKIP_INSTALL:-0}" != 1 ] || return 0
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    local pkgs="pkg-config libdbus-1-dev dpkg-dev help2man file binutils" a
    for a in "${ARCHES[@]}"; do case $a in
      arm64|armhf) pkgs="$pkgs gcc-$(gnu_prefix "$a") libc6-dev-$a-cross libdbus-1-dev:$a"
        dpkg --print-foreign-architectures | grep -qx "$a" || { say "dpkg --add-architecture $a"; dpkg --add-architecture "$a"; touch "$DIST.apt-update"; };;
    esac; done
    local missing="" p
    for p in $pkgs; do dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"; done
    if [ -n "$missing" ]; then
      say "apt: installing$missing"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      # shellcheck disable=SC2086
      apt-get install -y -qq --no-install-recommends $missing >/dev/null
    fi
    rm -f "$DIST.apt-update"
  fi
  local installed; installed=$(rustup target list --installed 2>/dev/null || true)
  for a in "${ARCHES[@]}"; do
    [ "$a" = amd64 ] && continue
    grep -qx "$(triple "$a")" <<<"$installed" || { say "rustup target add $(triple "$a")"; rustup target add "$(triple "$a")"; }
  done
  if ! cargo deb --version 2>/dev/null | grep -q "$CARGO_DEB_VERSION"; then
    say "cargo install cargo-deb $CARGO_DEB_VERSION --locked"
    cargo install -q cargo-deb --version "$CARGO_DEB_VERSION" --locked
  fi
}

# build ARCH: cargo build --release for ARCH's triple; prints the binary's path.
build() { local a=$1 t; t=$(triple "$a")
  case $a in
    amd64)
      # The host triple without --target: the same build as tests/radio/run.sh (target/release).
      cargo build -q --release --locked -p uniprov-cli --features "$FEATURES" >&2
      echo "$TARGET_DIR/release/uniprov";;
    arm64|armhf)
      local p; p=$(gnu_prefix "$a"); local T; T=$(echo "$t" | tr 'a-z-' 'A-Z_')
      env "CARGO_TARGET_${T}_LINKER=$p-gcc" "CC_${t//-/_}=$p-gcc" \
        PKG_CONFIG_ALLOW_CROSS=1 PKG_CONFIG_SYSROOT_DIR=/ \
        PKG_CONFIG_LIBDIR="/usr/lib/$p/pkgconfig:/usr/share/pkgconfig" \
        cargo build -q --release --locked -p uniprov-cli --features "$FEATURES" --target "$t" >&2
      echo "$TARGET_DIR/$t/release/uniprov";;
    static)
      RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
        cargo build -q --release --locked -p uniprov-cli --target "$t" >&2
      echo "$TARGET_DIR/$t/release/uniprov";;
  esac
}

# Man pages from --help (help2man), generated once with a binary this machine can run.
man_pages() { local bin=$1 out=$ROOT/target/deb-doc w
  mkdir -p "$out"; w=$(mktemp -d)
  for sub in "" device provision; do
    local name=uniprov${sub:+-$sub}
    printf '#!/bin/sh\nexec %q %s "$@"\n' "$bin" "$sub" > "$w/$name"; chmod +x "$w/$name"
    help2man --no-info --no-discard-stderr --version-string="$VERSION" --section=1 \
      --name="$(case $sub in "") echo "provision ESP32 and uniprov devices, or be one";;
                 device) echo "run this machine as a provisionable device";;
                 provision) echo "send Wi-Fi or Thread credentials to a device";; esac)" \
      "$w/$name" | gzip -9n > "$out/$name.1.gz"
  done
  rm -rf "$w"
}

package() { local a=$1 t; t=$(triple "$a")
  local args=(deb -q -p uniprov-cli --no-build --locked --strip --deb-revision 1 -o "$DIST")
  [ "$a" = amd64 ] || args+=(--target "$t")
  # cargo-deb reads the binary from target/<triple>/release and strips it with the target's
  # strip; dpkg-shlibdeps finds the foreign architecture's libraries through multiarch.
  cargo "${args[@]}" >&2
}

mkdir -p "$DIST"
install_tools
# The browser provisioning page (web/dist, embedded by crates/cli/build.rs into every binary):
# built here so that a release never ships the "page not built" placeholder.
if [ "${UNIPROV_RELEASE_WEB:-1}" != 0 ]; then
  s=$SECONDS; say "web page (scripts/web.sh)"
  bash scripts/web.sh >&2
  say "web page built in $((SECONDS - s)) s"
fi
host_bin="" feature_bin=""
for a in "${ARCHES[@]}"; do
  s=$SECONDS; say "build $a ($(triple "$a"))"
  bin=$(build "$a")
  [ "$a" = static ] || feature_bin=$bin
  case $a in amd64) host_bin=$bin; dest=$DIST/uniprov-$VERSION-x86_64-linux-gnu;;
    static) dest=$DIST/uniprov-$VERSION-x86_64-linux-musl-static;;
    *) dest=$DIST/uniprov-$VERSION-$(gnu_prefix "$a");; esac
  strip_cmd=strip; case $a in arm64|armhf) strip_cmd=$(gnu_prefix "$a")-strip;; esac
  "$strip_cmd" -o "$dest" "$bin"
  if [ "${UNIPROV_RELEASE_WEB:-1}" != 0 ] && ! grep -qa 'pkg/uniprov_web_bg.wasm' "$dest"; then
    echo "release.sh: $dest does not embed the web page (web/dist)" >&2; exit 1
  fi
  say "built $a in $((SECONDS - s)) s: $(file -b "$dest" | cut -d, -f1-2)"
done
debs=(); for a in "${ARCHES[@]}"; do [ "$a" = static ] || debs+=("$a"); done
if [ ${#debs[@]} -gt 0 ]; then
  # Every build with the features prints the same --help; an ARM one runs through qemu-user.
  man_pages "${host_bin:-$feature_bin}"
  for a in "${debs[@]}"; do s=$SECONDS; package "$a"; say "packaged $a in $((SECONDS - s)) s"; done
fi
(cd "$DIST" && rm -f SHA256SUMS SIZES &&
  for f in uniprov-"$VERSION"-* uniprov_"$VERSION"-*.deb; do [ -e "$f" ] || continue
    sha256sum "$f" >> SHA256SUMS; printf '%10d  %s\n' "$(stat -c %s "$f")" "$f" >> SIZES; done)
say "artifacts in $DIST:"; cat "$DIST/SIZES"
