# BLE end to end across two VMs, BlueZ to BlueZ over bumble's simulated link (host/ble_link.py):
# `uniprov device --transport ble` (ROLE=device, with the Wi-Fi lab and wpa_supplicant) is
# provisioned by `uniprov provision --transport ble` (ROLE=phone) in the other VM.
#   1. security 1 with PoP, full mode: provisioned, the device exits 0, DHCP address
#   2. security 2, session-only mode with provisioning enabled and a custom endpoint:
#      scan, provision with --custom_data, then a new connection still reaches the session
#      and the custom endpoint (the session endpoints remain after provisioning, §11)
# The phone's client logs the endpoint map it read from the 0x2901 descriptors.
# vms: device phone
# needs: ble
. /mnt/host/lib.sh
ROLE=${ROLE:-device}
POP=abcd1234 SEC2_PWD=abcd1234
bt_up || { fail "$ROLE: BLE controller and bluetoothd"; finish; exit 1; }
echo "T $ROLE: BLE up at $(now)s"

device() { # device LOGNAME FLAGS...: run `uniprov device` over BLE in the background
  local name=$1; shift
  RUST_LOG=${RUST_LOG:-info,uniprov=debug} "$UNIPROV" device --transport ble --ble-adapter hci0 \
    --radio wpa-supplicant --wifi-iface wlan1 --wpa-ctrl /run/wpa_supplicant/wlan1 \
    --dhcp-command "udhcpc -i {iface} -n -q -t 5 -T 2" "$@" > "$LOG/$name.log" 2>&1 &
  echo $! > /run/uniprov-device.pid
  check "$name: BLE transport up" wait_for 30 grep -q "BLE transport up" "$LOG/$name.log" \
    || sed 's/^/    device: /' "$LOG/$name.log"
}

if [ "$ROLE" = device ]; then
  radios_up && ap_up && wpas_up || { fail "lab setup"; finish; exit 1; }
  device device-sec1 --service-name PROV_SEC1 --sec-ver 1 --pop $POP --state-dir /tmp/s1 \
    --autostop-timeout-s 5 --ble-mfg-data e5020102
  # (a polled `kill -0` would see the exited device as a zombie until `wait`)
  pid=$(cat /run/uniprov-device.pid)
  ( sleep "${PHASE1_WAIT:-240}"; kill "$pid" 2>/dev/null ) & watchdog=$!
  wait "$pid"; rc=$?; kill $watchdog 2>/dev/null
  check "sec1: the device ended provisioning with status 0" test $rc = 0 \
    || sed 's/^/    device: /' "$LOG/device-sec1.log"
  check "sec1: station has a DHCP address" sh -c "ip -4 addr show dev wlan1 | grep -q 'inet 192.168.77.'"
  check "sec1: a BLE session was opened" grep -q 'BLE session opened' "$LOG/device-sec1.log"
  wpa_cli -i wlan1 remove_network all >/dev/null; ip addr flush dev wlan1
  device device-sec2 --service-name PROV_SEC2 --sec-ver 2 --sec2-username $SEC2_USER \
    --sec2-pwd $SEC2_PWD --state-dir /tmp/s2 --mode session-only --enable-provisioning \
    --custom-endpoint custom-data
  pid=$(cat /run/uniprov-device.pid)
  # the host writes phone.done into our out folder when the phone VM has finished
  wait_for 400 test -e "$OUT/phone.done"
  check "sec2: the phone VM finished" test -e "$OUT/phone.done"
  check "session-only: the device still runs after provisioning" kill -0 "$pid"
  check "sec2: station has a DHCP address" sh -c "ip -4 addr show dev wlan1 | grep -q 'inet 192.168.77.'"
  check "custom-data reached the device (twice)" test "$(grep -c 'custom endpoint request' $LOG/device-sec2.log)" -ge 2
  check "advertising restarted after a disconnect" grep -q 'BLE session closed' "$LOG/device-sec2.log"
  check "no Wi-Fi passphrase in the device logs" sh -c "! grep -q -e '$PSK' $LOG/device-*.log"
  for f in "$LOG"/device-*.log; do echo "--- $f"; sed 's/^/    device: /' "$f"; done
  finish; exit
fi

# ROLE=phone
ble_client() { # ble_client NAME CMD...: the client over BLE (output in /tmp/client.out, printed)
  local name=$1; shift
  RUST_LOG=${RUST_LOG:-info,uniprov=debug} timeout 240 "$UNIPROV_CLIENT" "$@" --transport ble \
    --service-name "$name" --ble-adapter hci0 --timeout 90 > /tmp/client.out 2>&1; local rc=$?
  sed 's/^/    client: /' /tmp/client.out; cat /tmp/client.out >> "$LOG/client.log"; return $rc
}
t=$(now)
check "sec1: provisioned over BLE" ble_client PROV_SEC1 provision --sec-ver 1 --pop $POP \
  --ssid "$SSID" --passphrase "$PSK"
echo "T sec1 provision $(since "$t")s"
for d in $(busctl tree org.bluez | grep -o 'dev_[0-9A-F_]*' | sort -u); do
  timeout 10 bluetoothctl info "$(echo "${d#dev_}" | tr _ :)" | sed 's/^/    bluez: /'
done
check "endpoints mapped through the 0x2901 descriptors" grep -q 'BLE endpoints' /tmp/client.out
grep 'BLE endpoints' /tmp/client.out | head -1
sec2="--sec-ver 2 --sec2-username $SEC2_USER --sec2-pwd $SEC2_PWD"
t=$(now)
# shellcheck disable=SC2086
check "sec2: scan over BLE lists the lab AP" ble_client PROV_SEC2 scan $sec2
grep -q "$SSID" /tmp/client.out || fail "sec2: scan result has $SSID"
echo "T sec2 scan $(since "$t")s"
t=$(now)
# shellcheck disable=SC2086
check "sec2: provisioned over BLE with --custom_data" ble_client PROV_SEC2 provision $sec2 \
  --custom_data hello-ble --ssid "$SSID" --passphrase "$PSK"
echo "T sec2 provision $(since "$t")s"
t=$(now)
# shellcheck disable=SC2086
check "session-only: a new session reaches custom-data after provisioning" \
  ble_client PROV_SEC2 custom --endpoint custom-data --data again $sec2
grep -q SUCCESS /tmp/client.out || fail "session-only: custom-data answered SUCCESS"
echo "T sec2 custom after provisioning $(since "$t")s"
finish
