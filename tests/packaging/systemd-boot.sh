#!/usr/bin/env bash
# The amd64 package under systemd, at boot, in a VM: installed with apt, the service comes up
# at boot, is provisioned over HTTP by the client, and is not started again once provisioned.
#
#   bash tests/packaging/systemd-boot.sh DEB       # DEB: uniprov_<version>-1_amd64.deb
#
# The radio lab's VM image (tests/radio/host/build-image.sh, cached in UNIPROV_RADIO_CACHE,
# default ~/.cache/uniprov-radio) on a writable copy of its disk, three boots:
#   1. the lab's own init runs guest/install.sh: `apt-get install ./uniprov.deb`, the
#      configuration (security 2 password, simulated radio), `systemctl enable uniprov`, and a
#      checker unit (guest/uniprov-boot-check.service) that runs guest/check.sh at later boots;
#   2. systemd as PID 1 (the lab's initrd, handing over to /lib/systemd/systemd): the service
#      started at boot is provisioned by `uniprov provision` over HTTP and ends with status 0;
#   3. systemd again: the unit's condition skips it (provisioned), nothing listens on port 80.
# Logs and each boot's journal in target/systemd-boot/ (UNIPROV_BOOT_WORK). Exit 0 if all pass.
# env: TIMEOUT (s per boot, 300), SMP (2), MEM (1024), ACCEL (tcg|kvm).
set -euo pipefail
P=$(cd "$(dirname "$0")" && pwd); ROOT=$(cd "$P/../.." && pwd)
DEB=$(realpath "$1")
CACHE=${UNIPROV_RADIO_CACHE:-$HOME/.cache/uniprov-radio}
W=${UNIPROV_BOOT_WORK:-$ROOT/target/systemd-boot}
t0=$SECONDS
say() { echo "[systemd-boot +$((SECONDS - t0))s] $*"; }
fail() { echo "FAIL systemd-boot: $*" >&2; exit 1; }

bash "$ROOT/tests/radio/host/build-image.sh" "$CACHE" >&2 || fail "image build"
I=$CACHE/image
rm -rf "$W"; mkdir -p "$W/share" "$W/out" "$W/initrd"
# The lab's initrd hands over to its own test init; this copy hands over to systemd.
(cd "$W/initrd" && zcat "$I/initrd.gz" | cpio -id --quiet)
sed -i 's|switch_root /root /sbin/uniprov-radio-init|switch_root /root /lib/systemd/systemd|' "$W/initrd/init"
grep -q 'switch_root /root /lib/systemd/systemd' "$W/initrd/init" || fail "cannot patch the lab's initrd"
(cd "$W/initrd" && find . | cpio -o -H newc --quiet | gzip -1) > "$W/initrd-systemd.gz"
rm -rf "$W/initrd"
cp --sparse=always "$I/root.ext4" "$W/disk.ext4"
cp "$DEB" "$W/share/uniprov.deb"
cp "$P"/guest/* "$W/share/"

# boot NAME INITRD KERNEL_ARGS: one boot of the persistent disk; the guest writes out/rc-NAME.
boot() { local name=$1 initrd=$2 args=$3 s=$SECONDS q=0 acc
  if [ "${ACCEL:-tcg}" = kvm ]; then acc="-accel kvm -cpu host"; else acc="-accel tcg,thread=multi -cpu max"; fi
  # shellcheck disable=SC2086
  timeout "${TIMEOUT:-300}" qemu-system-x86_64 $acc -M q35 -smp "${SMP:-2}" -m "${MEM:-1024}" \
    -nographic -no-reboot -nic none -kernel "$I/vmlinuz" -initrd "$initrd" \
    -append "console=ttyS0 panic=-1 quiet loglevel=3 $args" \
    -drive "file=$W/disk.ext4,if=virtio,format=raw" \
    -virtfs "local,path=$W/share,mount_tag=host,security_model=none,readonly=on,id=host" \
    -virtfs "local,path=$W/out,mount_tag=out,security_model=none,id=out" \
    > "$W/console-$name.log" 2>&1 || q=$?
  grep -hE '^(PASS|FAIL) ' "$W/out/$name.log" 2>/dev/null | sed 's/^/  /' || true
  local rc; rc=$(cat "$W/out/rc-$name" 2>/dev/null || echo none)
  say "boot $name: guest status $rc, qemu $q, $((SECONDS - s)) s"
  if [ "$rc" != 0 ]; then tail -n 40 "$W/console-$name.log" | sed 's/^/  | /'; fail "boot $name"; fi
}
boot install "$I/initrd.gz" "uniprov.script=install.sh"
boot provision "$W/initrd-systemd.gz" "systemd.unit=multi-user.target"
boot provisioned "$W/initrd-systemd.gz" "systemd.unit=multi-user.target"
rm -f "$W/disk.ext4"
echo "PASS systemd-boot: installed with apt, started at boot, provisioned over HTTP, skipped once provisioned ($((SECONDS - t0)) s)"
