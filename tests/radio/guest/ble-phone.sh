# BLE like the phone apps (docs/apps.md §1), two VMs over host/ble_link.py: the phone VM's bluetoothd
# is configured like each phone's stack, the client is `uniprov provision` (btleplug over BlueZ,
# which turns a long value into Prepare/Execute Write and Read Blob by itself, as CoreBluetooth
# and Android's stack do). Security 2, full provisioning, three device runs with the same GATT
# table (the device restarts between them):
#   1. small MTU, ATT MTU 48 (bluetoothd ExchangeMTU=48, Channels=1: no EATT): Cmd0 (~406 B) goes
#      as Prepare Write + Execute Write, Resp0 (~416 B) is read with Read Blob; manufacturer data
#      of 16 bytes (trimmed to the 8 that fit the advertisement). Not 23, the LE default: bluetoothd
#      5.66 also gives ExchangeMTU to its BR/EDR ATT socket, where the kernel's minimum is 48, and
#      with 23 it registers no adapter ("setsockopt(L2CAP_OPTIONS): Invalid argument"; BlueZ
#      maintainer on linux-bluetooth, 2025-05-12: "you can't go with 23 for classic")
#   2. iOS-like, ATT MTU 185 (CoreBluetooth's usual); manufacturer data of 8 bytes
#   3. Android-like, MTU 512 (requestMtu(512)): Cmd0 in one Write Request, 0x2901 descriptors
#      read one at a time (the client's sequence); manufacturer data of 2 bytes (company id only:
#      not advertised, with a warning, as bluetoothd refuses an empty ManufacturerData value)
# Checked on the device: the GAP name (the adapter Alias) is the service name while provisioning
# and restored after; the advertising data (flags, 128-bit service UUID, manufacturer data) and
# scan response (name) as the controller got them, each within 31 bytes; the whole GATT table
# identical in all three runs (service at 0x0040, then each endpoint's characteristic declaration,
# value and 0x2901 descriptor in endpoint order). On the phone: the long procedures in btmon.
# vms: device phone
# needs: ble
. /mnt/host/lib.sh
ROLE=${ROLE:-device}
SEC2_PWD=abcd1234
bt_up || { fail "$ROLE: BLE controller and bluetoothd"; finish; exit 1; }
RUNS="PROV_MTU48:48:e5020102030405060708091011121314 PROV_IOS185:185:e502010203040506 PROV_AND512:512:e502"

if [ "$ROLE" = device ]; then
  radios_up && ap_up && wpas_up || { fail "lab setup"; finish; exit 1; }
  btmon -w "$LOG/hci.snoop" >/dev/null 2>&1 & snoop=$!
  alias0=$(bluetoothctl show | sed -n 's/^\s*Alias: //p')
  echo "adapter alias before: $alias0"
  n=0
  for run in $RUNS; do n=$((n + 1))
    name=${run%%:*}; mfg=${run##*:}
    RUST_LOG=${RUST_LOG:-info,uniprov=debug} "$UNIPROV" device --transport ble --ble-adapter hci0 \
      --radio wpa-supplicant --wifi-iface wlan1 --wpa-ctrl /run/wpa_supplicant/wlan1 \
      --dhcp-command "udhcpc -i {iface} -n -q -t 5 -T 2" --service-name "$name" --sec-ver 2 \
      --sec2-username $SEC2_USER --sec2-pwd $SEC2_PWD --state-dir /tmp/s$n --autostop-timeout-s 5 \
      --ble-mfg-data "$mfg" > "$LOG/device-$n.log" 2>&1 &
    pid=$!
    check "$name: BLE transport up" wait_for 30 grep -q "BLE transport up" "$LOG/device-$n.log"
    check "$name: the GAP Device Name (adapter Alias) is the service name" \
      sh -c "bluetoothctl show | grep -q 'Alias: $name\$'"
    ( sleep 240; kill "$pid" 2>/dev/null ) & watchdog=$!
    wait "$pid"; rc=$?; kill $watchdog 2>/dev/null
    check "$name: provisioned, the device ended with status 0" test $rc = 0 \
      || sed 's/^/    device: /' "$LOG/device-$n.log"
    check "$name: station has a DHCP address" sh -c "ip -4 addr show dev wlan1 | grep -q 'inet 192.168.77.'"
    check "$name: the adapter alias is restored" sh -c "bluetoothctl show | grep -q 'Alias: $alias0\$'"
    sed -n 's/.*BLE GATT handles.*service=\([^ ]*\) characteristics="\([^"]*\)".*/\1 \2/p' "$LOG/device-$n.log" > /tmp/handles-$n
    echo "    handles run $n: $(cat /tmp/handles-$n)"
    wpa_cli -i wlan1 remove_network all >/dev/null; ip addr flush dev wlan1
  done
  # The whole table is fixed (ble.rs, "GATT handles"): the service at 0x0040, then per endpoint in
  # table order (prov-ctrl first) declaration, value and 0x2901 descriptor, 3 handles each.
  check "the service is at the fixed handle 0x0040 in every run" sh -c \
    'for n in 1 2 3; do grep -q "^0x0040 " /tmp/handles-$n || exit 1; done'
  check "the full handle table (service, every characteristic value, every 0x2901) is identical in the three runs" \
    sh -c 'test -s /tmp/handles-1 && ! grep -q "?" /tmp/handles-1 && cmp /tmp/handles-1 /tmp/handles-2 && cmp /tmp/handles-1 /tmp/handles-3'
  check "the table is laid out in endpoint order from prov-ctrl: value 0x0042+3i, descriptor 0x0043+3i" \
    awk '{ if ($2 !~ /^prov-ctrl=/) exit 1
           for (i = 2; i <= NF; i++) { split($i, a, /[=\/]/); v = 66 + 3 * (i - 2)
             if (a[2] != sprintf("0x%04x", v) || a[3] != sprintf("0x%04x", v + 1)) exit 1 }
           n++ } END { exit !(n == 1) }' /tmp/handles-1
  # What the controller was given (btmon decodes the HCI commands): extended or legacy commands.
  kill "$snoop" 2>/dev/null; sleep 1
  # Matched by opcode: btmon cuts the command names to 80 columns when its output is a file.
  # Advertising data: legacy 0x0008, extended 0x0037; scan response: 0x0009, 0x0038.
  sed -n '/^< HCI Command.*(0x08|0x00\(08\|37\))/,/^[<>@]/p' "$LOG/btmon.log" > /tmp/adv.txt
  sed -n '/^< HCI Command.*(0x08|0x00\(09\|38\))/,/^[<>@]/p' "$LOG/btmon.log" > /tmp/scanrsp.txt
  check "advertising data: flags" grep -q 'Flags: 0x06' /tmp/adv.txt
  # btmon 5.66 names a 128-bit UUID ("Vendor specific") without printing it: look for the AD
  # structure's bytes (length 0x11, type 0x07 complete list, the UUID little-endian) in the
  # HCI capture instead.
  check "advertising data: the 128-bit service UUID" sh -c \
    "od -An -tx1 -v $LOG/hci.snoop | tr -d ' \n' | grep -q 110707ed9b2d0f067c879b43436b4d247517"
  check "scan response: the name of each run" sh -c 'for n in PROV_MTU48 PROV_IOS185 PROV_AND512; do grep -q "Name (complete): $n" /tmp/scanrsp.txt || exit 1; done'
  check "manufacturer data 16 B trimmed to 8 (company + 6), 8 B whole" sh -c \
    "grep -q 'Data: 010203040506\$' /tmp/adv.txt && grep -c 'Company: .*(741)' /tmp/adv.txt | grep -qv '^0\$'"
  check "manufacturer data 2 B (company id only): the device starts and warns it is not advertised" \
    grep -q 'manufacturer data not advertised' "$LOG/device-3.log"
  lens=$(grep -oE 'Data length: 0x[0-9a-f]+' /tmp/adv.txt /tmp/scanrsp.txt | sed 's/.*0x//' | sort -u | tr '\n' ' ')
  echo "    advertising/scan response data lengths (hex): $lens"
  check "every advertising and scan response payload within 31 bytes" sh -c \
    "for l in $lens; do [ \$((0x\$l)) -le 31 ] || exit 1; done"
  wait_for 300 test -e "$OUT/phone.done"
  check "no Wi-Fi passphrase in the device logs" sh -c "! grep -q -e '$PSK' $LOG/device-*.log"
  finish; exit
fi

# ROLE=phone
# bt_phone MTU: bluetoothd restarted with ATT MTU and one ATT channel (no EATT), like a phone stack
bt_phone() { local old; old=$(cat /run/bluetoothd.pid)
  # the old bluetoothd must be gone (and have left org.bluez) before the new one starts
  kill "$old" 2>/dev/null; wait_for 20 sh -c "! test -e /proc/$old || grep -q '^State:.*Z' /proc/$old/status" \
    || return 1
  printf '[GATT]\nExchangeMTU = %s\nChannels = 1\n' "$1" > /etc/bluetooth/main.conf
  /usr/libexec/bluetooth/bluetoothd -n -d >> "$LOG/bluetoothd.log" 2>&1 &
  echo $! > /run/bluetoothd.pid
  wait_for 30 sh -c 'busctl tree org.bluez 2>/dev/null | grep -q /org/bluez/hci0' || return 1
  # bluetoothctl's exit status says little (it is not 0 for every success): check the state
  bluetoothctl power on >/dev/null 2>&1
  wait_for 10 sh -c 'bluetoothctl show | grep -q "Powered: yes"'
}
count() { grep -c "$1" "$LOG/btmon.log"; }
sec2="--sec-ver 2 --sec2-username $SEC2_USER --sec2-pwd $SEC2_PWD"
for run in $RUNS; do
  name=${run%%:*}; mtu=${run#*:}; mtu=${mtu%%:*}
  check "$name: bluetoothd with ExchangeMTU=$mtu" bt_phone "$mtu"
  prep0=$(count 'ATT: Prepare Write Request'); blob0=$(count 'ATT: Read Blob Request'); exec0=$(count 'ATT: Execute Write Request')
  t=$(now)
  # shellcheck disable=SC2086
  RUST_LOG=${RUST_LOG:-info,uniprov=debug} timeout 240 "$UNIPROV_CLIENT" provision $sec2 --transport ble \
    --service-name "$name" --ble-adapter hci0 --timeout 90 --ssid "$SSID" --passphrase "$PSK" > /tmp/client.out 2>&1
  rc=$?; sed 's/^/    client: /' /tmp/client.out; cat /tmp/client.out >> "$LOG/client.log"
  check "$name (MTU $mtu): security 2 full provisioning" test $rc = 0
  echo "T $name provision $(since "$t")s"
  prep=$(($(count 'ATT: Prepare Write Request') - prep0)); blob=$(($(count 'ATT: Read Blob Request') - blob0))
  exe=$(($(count 'ATT: Execute Write Request') - exec0))
  echo "    $name: Prepare Write $prep, Execute Write $exe, Read Blob $blob"
  if [ "$mtu" -lt 406 ]; then
    check "$name: Cmd0 went as Prepare Write + Execute Write" sh -c "[ $prep -ge 2 ] && [ $exe -ge 1 ]"
    check "$name: Resp0 was read with Read Blob" test "$blob" -ge 1
  else
    check "$name: one Write Request per request (no Prepare Write)" test "$prep" = 0
  fi
done
# What the phone discovered (its btmon decodes the Read By Type responses): prov-ctrl (0xff4f)
# with its value at 0x0042 in every run, as the device logged.
check "phone: prov-ctrl discovered at value handle 0x0042 in all three runs" sh -c \
  "grep -A1 --no-group-separator 'Value Handle:' $LOG/btmon.log | paste - - \
     | grep '(1775ff4f-6b43-439b-877c-060f2d9bed07)' | grep -o 'Value Handle: 0x[0-9a-f]*' \
     | sort | uniq -c | awk 'END { exit !(NR == 1 && \$1 == 3 && \$4 == \"0x0042\") }'"
grep -B2 -A3 'Exchange MTU' "$LOG/btmon.log" | grep -E 'MTU' | sort | uniq -c | sed 's/^/    btmon: /'
finish
