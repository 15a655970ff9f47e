# The wpa_supplicant backend against the real daemon, without the manager (examples/radio_probe):
# scan, wrong passphrase -> AuthFailed, unknown SSID -> NoApFound, right -> Connected with a DHCP
# address (udhcpc hook), persist -> SAVE_CONFIG; failed attempts leave no network behind.
# needs: probe
. /mnt/host/lib.sh
PROBE=/mnt/host/radio_probe
W="$PROBE wpa-supplicant /run/wpa_supplicant/wlan1 --dhcp udhcpc -i {iface} -n -q -t 5 -T 2 --"
export RUST_LOG=${RUST_LOG:-debug}
radios_up && ap_up && wpas_up || { fail "lab setup"; finish; exit 1; }
networks() { wpa_cli -i wlan1 list_networks | tail -n +2 | wc -l; }

t=$(now); $W scan > /tmp/scan.txt 2>"$LOG/probe-scan.log"; cat /tmp/scan.txt
check "scan lists the lab AP as WPA2-PSK on channel 6" grep -q "^scan $SSID ch=6 rssi=-[0-9]* auth=3$" /tmp/scan.txt
echo "T scan $(since "$t")s"

t=$(now); $W connect "$SSID" wrong-passphrase-1 > /tmp/o 2>"$LOG/probe-wrong.log"; cat /tmp/o
check "wrong passphrase -> AuthFailed" grep -q 'event Disconnected { reason: AuthFailed }' /tmp/o
echo "T wrong passphrase $(since "$t")s"
check "failed attempt left no network" test "$(networks)" = 0

t=$(now); $W connect no-such-ssid "$PSK" > /tmp/o 2>"$LOG/probe-notfound.log"; cat /tmp/o
check "unknown SSID -> NoApFound" grep -q 'event Disconnected { reason: NoApFound }' /tmp/o
echo "T unknown SSID $(since "$t")s"
check "failed attempt left no network" test "$(networks)" = 0

t=$(now); $W connect "$SSID" "$PSK" persist > /tmp/o 2>"$LOG/probe-right.log"; cat /tmp/o
check "right passphrase -> Connected with a DHCP address" grep -q 'event Connected(WifiConnected { ip4_addr: "192.168.77.' /tmp/o
check "Connected reports WPA2_PSK, channel 6, the SSID" grep -q 'auth_mode: AuthMode(3), ssid: \[117, 110, 105' /tmp/o
check "persist -> SAVE_CONFIG wrote the network" grep -q "ssid=\"$SSID\"" /tmp/wpa_supplicant.conf
echo "T right passphrase $(since "$t")s, address $(ipv4 wlan1)"
check "no passphrase in the probe's logs" sh -c "! grep -q '$PSK' $LOG/probe-*.log"
cp /tmp/wpa_supplicant.conf "$LOG/wpa_supplicant.conf.saved"
finish
