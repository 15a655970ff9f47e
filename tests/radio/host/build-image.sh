#!/bin/bash
# Build the radio-lab VM image into a cache directory (nothing outside it is written, except the
# host packages installed with apt unless UNIPROV_RADIO_SKIP_APT=1).
#
# usage: build-image.sh CACHE_DIR
# Produces CACHE_DIR/image/{vmlinuz,initrd.gz,root.ext4,stamp}. The stamp holds the cache key:
# a hash of this folder's image inputs and of the package versions apt would install now. When the
# stamp matches, the build is skipped (prints "image: cached").
#
# The guest is a minimal Debian of the host's release (same glibc, so a host-built uniprov binary
# runs unchanged) with the stock Debian kernel, mac80211_hwsim, hostapd, wpa_supplicant,
# NetworkManager, dnsmasq, udhcpc, BlueZ and libdbus. PID 1 is our own small init (guest/init).
set -euo pipefail
H=$(cd "$(dirname "$0")" && pwd)
C=$1; mkdir -p "$C"; C=$(cd "$C" && pwd)
I=$C/image; W=$C/work
log() { echo "[radio-build +${SECONDS}s] $*"; }

GUEST_PKGS="systemd-sysv udev dbus kmod iproute2 iw rfkill wireless-regdb hostapd wpasupplicant \
network-manager dnsmasq-base udhcpc bluez bluez-test-tools procps iputils-ping curl"
HOST_PKGS="qemu-system-x86 mmdebstrap busybox-static cpio e2fsprogs kmod"

export DEBIAN_FRONTEND=noninteractive
if [ "${UNIPROV_RADIO_SKIP_APT:-0}" != 1 ]; then
  missing=$(for p in $HOST_PKGS; do dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' || echo "$p"; done)
  if [ -n "$missing" ]; then
    log "apt: installing host tools:" $missing
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
fi

SRC=${UNIPROV_RADIO_APT_SOURCES:-}
[ -n "$SRC" ] || for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
  [ -s "$f" ] && { SRC=$f; break; }; done
[ -n "$SRC" ] || { echo "build-image: no apt sources file; set UNIPROV_RADIO_APT_SOURCES" >&2; exit 1; }
SUITE=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
KPKG=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
[ -n "$KPKG" ] || { echo "build-image: cannot resolve linux-image-amd64" >&2; exit 1; }

# Cache key: our inputs + what apt would install now.
# shellcheck disable=SC2086
KEY=$( { cat "$H/build-image.sh" "$H/modules.sh" "$H/initramfs-init" "$H/../guest/init"; \
         echo "$SUITE $KPKG $GUEST_PKGS"; \
         apt-cache policy $KPKG $GUEST_PKGS 2>/dev/null | grep -E '^[a-z]|Candidate'; } | sha256sum | cut -c1-16)
if [ -s "$I/stamp" ] && [ "$(cat "$I/stamp")" = "$KEY" ] && [ -s "$I/root.ext4" ]; then
  log "image: cached ($I, key $KEY)"; exit 0
fi
log "image: building (key $KEY, suite $SUITE, kernel $KPKG)"
rm -rf "$W"; mkdir -p "$W/dl" "$I"

log "kernel: $KPKG"
(cd "$W/dl" && apt-get download -q "$KPKG" >/dev/null)
dpkg -x "$W"/dl/"$KPKG"_*.deb "$W/kernel"
KV=${KPKG#linux-image-}

log "rootfs: mmdebstrap"
mmdebstrap -q --variant=minbase --include="${GUEST_PKGS// /,}" \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' "$SUITE" "$W/root" "$SRC"

log "rootfs: modules, init, configuration"
"$H/modules.sh" "$W/kernel" "$KV" "$W/root"
install -m 0755 "$H/../guest/init" "$W/root/sbin/uniprov-radio-init"
mkdir -p "$W/root/etc/NetworkManager/conf.d" "$W/root/mnt/host" "$W/root/mnt/out"
cat > "$W/root/etc/NetworkManager/conf.d/uniprov-radio.conf" <<'EOC'
# wlan0 is the lab's access point (hostapd); NetworkManager manages only the station wlan1.
[main]
plugins=keyfile
[keyfile]
unmanaged-devices=interface-name:wlan0;interface-name:hwsim*
[device]
wifi.scan-rand-mac-address=no
EOC
echo uniprov-radio > "$W/root/etc/hostname"

log "initrd"
T=$W/initrd; mkdir -p "$T/bin"
cp "$(command -v busybox)" "$T/bin/busybox"
install -m 0755 "$H/initramfs-init" "$T/init"
M=$W/root/lib/modules/$KV
for m in virtio_pci virtio_blk crc32c_generic ext4 9pnet_virtio 9p; do
  line=$(grep -E "(^|/)$m\.ko(\.[a-z]+)?:" "$M/modules.dep" || true)
  [ -n "$line" ] || continue          # built in
  for f in ${line%%:*} ${line#*:}; do install -D -m 0644 "$M/$f" "$T/lib/modules/$KV/$f"; done
done
cp "$M/modules.dep" "$M/modules.alias" "$M/modules.builtin" "$T/lib/modules/$KV/"
(cd "$T" && find . | cpio -o -H newc --quiet | gzip -1) > "$I/initrd.gz"

log "root.ext4"
cp "$W/kernel/boot/vmlinuz-$KV" "$I/vmlinuz"
rm -f "$I/root.ext4"; mkfs.ext4 -q -F -L uniprov-radio -d "$W/root" "$I/root.ext4" 1G
echo "$KEY" > "$I/stamp"
[ "${UNIPROV_RADIO_KEEP_WORK:-0}" = 1 ] || rm -rf "$W"
du -sh "$I"/*
log "image: done"
