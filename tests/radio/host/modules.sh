#!/bin/bash
# Copy the kernel modules the lab needs (and everything they depend on) from an extracted Debian
# kernel package into a root filesystem, then run depmod.
# usage: modules.sh EXTRACTED_KERNEL KVER ROOT
set -euo pipefail
K=$(cd "$1" && pwd); KV=$2; R=$(cd "$3" && pwd)
S=$K/lib/modules/$KV; D=$R/lib/modules/$KV
[ -e "$S/modules.dep" ] || depmod -b "$K" "$KV"
mkdir -p "$D"
# Whole directories: crypto (mac80211 and Bluetooth load ciphers at run time), wireless, Bluetooth.
dirs="crypto arch/x86/crypto lib net/wireless net/mac80211 net/bluetooth net/rfkill drivers/bluetooth
      drivers/virtio fs/9p net/9p fs/netfs fs/fscache fs/ext4 fs/jbd2 drivers/char/hw_random drivers/tty/serial"
# Single modules found by name (their directories move between kernel versions).
mods="mac80211_hwsim virtio_blk virtio_console mbcache af_packet_diag overlay"
cd "$S"
want=$( { for d in $dirs; do [ -d "kernel/$d" ] && find "kernel/$d" -name '*.ko*'; done
          for m in $mods; do find kernel -name "$m.ko*" | head -1; done; } | sort -u)
# Close over modules.dep (its lines are "path: dep dep ...").
list=$(mktemp); trap 'rm -f "$list"' EXIT
printf '%s\n' "$want" > "$list"
all=$(awk 'FNR == NR { if ($0 != "") keep[$0] = 1; next }
  { sub(":", "", $1); deps[$1] = ""; for (i = 2; i <= NF; i++) deps[$1] = deps[$1] " " $i }
  END { changed = 1
        while (changed) { changed = 0
          for (m in keep) { k = split(deps[m], d, " "); for (i = 1; i <= k; i++) if (!(d[i] in keep)) { keep[d[i]] = 1; changed = 1 } } }
        for (m in keep) print m }' "$list" modules.dep)
for f in $all; do install -D -m 0644 "$f" "$D/$f"; done
cp modules.order modules.builtin modules.builtin.modinfo "$D/"
depmod -b "$R" "$KV"
echo "modules: $(echo "$all" | wc -l) files, $(du -sh "$D" | cut -f1)"
