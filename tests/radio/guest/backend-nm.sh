# The NetworkManager backend against the real daemon, without the manager (examples/radio_probe):
# scan, wrong passphrase -> AuthFailed, unknown SSID -> NoApFound, right -> Connected with a DHCP
# address, persist -> a profile on disk with autoconnect; failures leave no profile; an unrelated
# profile is never touched.
# needs: probe
. /mnt/host/lib.sh
PROBE=/mnt/host/radio_probe
N="$PROBE networkmanager wlan1 --"
export RUST_LOG=${RUST_LOG:-debug}
radios_up && ap_up && nm_up || { fail "lab setup"; finish; exit 1; }
# An unrelated profile that must survive everything the backend does.
nmcli con add type wifi ifname wlan1 con-name bystander ssid other-net autoconnect no >/dev/null
profiles() { nmcli -t -f NAME,TYPE con show | sed -n "s/:802-11-wireless$//p" | sed "s/\\\\:/:/g" | sort | tr "\n" " "; }
show_profiles() { echo "profiles: [$(profiles)]"; }

t=$(now); $N scan > /tmp/scan.txt 2>"$LOG/probe-scan.log"; cat /tmp/scan.txt
check "scan lists the lab AP as WPA2-PSK on channel 6" grep -q "^scan $SSID ch=6 rssi=-[0-9]* auth=3$" /tmp/scan.txt
echo "T scan $(since "$t")s"

t=$(now); $N connect "$SSID" wrong-passphrase-1 > /tmp/o 2>"$LOG/probe-wrong.log"; cat /tmp/o
check "wrong passphrase -> AuthFailed" grep -q 'event Disconnected { reason: AuthFailed }' /tmp/o
echo "T wrong passphrase $(since "$t")s"
show_profiles; check "failed attempt left no profile" test "$(profiles)" = "bystander "

t=$(now); $N connect no-such-ssid "$PSK" > /tmp/o 2>"$LOG/probe-notfound.log"; cat /tmp/o
check "unknown SSID -> NoApFound" grep -q 'event Disconnected { reason: NoApFound }' /tmp/o
echo "T unknown SSID $(since "$t")s"
show_profiles; check "failed attempt left no profile" test "$(profiles)" = "bystander "

t=$(now); $N connect "$SSID" "$PSK" persist > /tmp/o 2>"$LOG/probe-right.log"; cat /tmp/o
check "right passphrase -> Connected with a DHCP address" grep -q 'event Connected(WifiConnected { ip4_addr: "192.168.77.' /tmp/o
check "Connected reports WPA2_PSK, channel 6, the SSID" grep -q 'auth_mode: AuthMode(3), ssid: \[117, 110, 105' /tmp/o
echo "T right passphrase $(since "$t")s, address $(ipv4 wlan1)"
nmcli -f connection.id,connection.autoconnect,connection.interface-name con show "uniprov:$SSID"
check "persist -> profile on disk" sh -c "grep -l 'id=uniprov:$SSID' /etc/NetworkManager/system-connections/*"
check "persisted profile autoconnects" sh -c "nmcli -g connection.autoconnect con show uniprov:$SSID | grep -q yes"
check "persisted profile is not volatile/unsaved" sh -c "! nmcli -g GENERAL.FLAGS con show uniprov:$SSID 2>/dev/null | grep -qiE 'volatile|unsaved'"
show_profiles; check "profiles: bystander + the provisioned one" test "$(profiles)" = "bystander uniprov:$SSID "
check "no passphrase in the probe's logs" sh -c "! grep -q '$PSK' $LOG/probe-*.log"
cp /etc/NetworkManager/system-connections/* "$LOG/" 2>/dev/null
finish
