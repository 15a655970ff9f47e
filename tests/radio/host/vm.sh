#!/bin/bash
# Boot the radio-lab VM (QEMU, TCG unless ACCEL=kvm), run one guest script, power off.
# usage: vm.sh IMAGE_DIR SHARE_DIR OUT_DIR SCRIPT [extra qemu args...]
#   SCRIPT is a file name inside SHARE_DIR ("-" gives a root shell on the console).
# env: SMP (2) MEM (MiB, 1024) TIMEOUT (s, 600) KAPPEND (extra kernel args, uniprov.env.K=V)
# exit: the script's status; 124 when TIMEOUT stopped the VM; 125 when the VM left no status.
set -u
I=$1 SHARE=$2 OUT=$3 S=$4; shift 4
for f in vmlinuz initrd.gz root.ext4; do
  [ -s "$I/$f" ] || { echo "vm: $I/$f missing (run build-image.sh)" >&2; exit 2; }
done
mkdir -p "$OUT"; rm -f "$OUT/rc"
arg="uniprov.script=$S"; [ "$S" = - ] && arg=""
if [ "${ACCEL:-tcg}" = kvm ]; then acc="-accel kvm -cpu host"; else acc="-accel tcg,thread=multi -cpu max"; fi
# snapshot=on: every boot starts from the pristine image; writes go to a temp file in TMPDIR.
# shellcheck disable=SC2086
TMPDIR=${TMPDIR:-/tmp} timeout "${TIMEOUT:-600}" qemu-system-x86_64 $acc -M q35 \
  -smp "${SMP:-2}" -m "${MEM:-1024}" -nographic -no-reboot -nic none \
  -kernel "$I/vmlinuz" -initrd "$I/initrd.gz" \
  -append "console=ttyS0 panic=-1 quiet loglevel=3 $arg ${KAPPEND:-}" \
  -drive "file=$I/root.ext4,if=virtio,format=raw,snapshot=on" \
  -virtfs "local,path=$SHARE,mount_tag=host,security_model=none,readonly=on,id=host" \
  -virtfs "local,path=$OUT,mount_tag=out,security_model=none,id=out" "$@"
q=$?
[ "$S" = - ] && exit $q
[ -s "$OUT/rc" ] && exit "$(cat "$OUT/rc")"
[ $q = 124 ] && { echo "vm: stopped after TIMEOUT=${TIMEOUT:-600}s" >&2; exit 124; }
echo "vm: no exit status from the guest (qemu status $q)" >&2
exit 125
