# Sourced by the guest test scripts: the lab (hwsim radios, an access point with DHCP), daemon
# start-up helpers, and result reporting. Results are printed as "PASS name" / "FAIL name" lines,
# which run.sh collects; `finish` copies the logs to /mnt/out and returns the status.
set -u
export PAGER=cat TERM=dumb NO_COLOR=1
OUT=/mnt/out; LOG=/tmp/log; mkdir -p "$LOG"
SSID=${SSID:-uniprov-lab}; PSK=${PSK:-correct-horse-battery}
AP_IP=192.168.77.1
UNIPROV=/mnt/host/uniprov
# the client side of the end-to-end tests (a separate binary when UNIPROV_CLIENT_BIN was given)
UNIPROV_CLIENT=/mnt/host/uniprov; [ -x /mnt/host/uniprov-client ] && UNIPROV_CLIENT=/mnt/host/uniprov-client
FAILS=0; PASSES=0
now() { cut -d' ' -f1 /proc/uptime; }
since() { awk "BEGIN { printf \"%.1f\", $(now) - $1 }"; }
pass() { echo "PASS $*"; PASSES=$((PASSES + 1)); }
fail() { echo "FAIL $*"; FAILS=$((FAILS + 1)); }
# check NAME CMD...: PASS/FAIL NAME by CMD's status (and return it)
check() { local n=$1; shift; if "$@"; then pass "$n"; else fail "$n"; return 1; fi; }
# wait_for SECS CMD...: poll CMD every 0.1 s until it succeeds (status 1 on timeout)
wait_for() { local i n=$(($1 * 10)); shift
  for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }

# radios_up [N]: N hwsim radios (default 2): wlan0 (the access point), wlan1 (the device's
# station), wlan2... (more stations, e.g. a phone). regtest=5 leaves 36 channels, so a full scan
# takes ~2.4 s instead of ~8 s.
radios_up() { local n=${1:-2}
  modprobe mac80211_hwsim radios="$n" regtest=5 && wait_for 10 ip link show "wlan$((n - 1))"; }

# ap_up [SSID [PSK]]: hostapd (WPA2-PSK, channel 6) on wlan0, dnsmasq DHCP 192.168.77.10-50.
ap_up() { local ssid=${1:-$SSID} psk=${2:-$PSK}
  mkdir -p /run/hostapd
  cat > /tmp/hostapd.conf <<EOC
interface=wlan0
driver=nl80211
ctrl_interface=/run/hostapd
ssid=$ssid
country_code=US
hw_mode=g
channel=6
wpa=2
wpa_key_mgmt=WPA-PSK
rsn_pairwise=CCMP
wpa_passphrase=$psk
EOC
  hostapd -B -P /run/hostapd.pid -f "$LOG/hostapd.log" -t /tmp/hostapd.conf || return 1
  wait_for 10 sh -c 'hostapd_cli -i wlan0 status | grep -q state=ENABLED' || return 1
  ip addr add $AP_IP/24 dev wlan0
  dnsmasq --interface=wlan0 --bind-interfaces --except-interface=lo --no-resolv --port=0 \
    --dhcp-range=192.168.77.10,192.168.77.50,1h --pid-file=/run/dnsmasq.pid --log-dhcp \
    --log-facility="$LOG/dnsmasq.log"
}

# wpas_up: a stand-alone wpa_supplicant on wlan1 with a control socket in /run/wpa_supplicant and
# a writable config (SAVE_CONFIG), as on a device without NetworkManager.
wpas_up() {
  printf 'ctrl_interface=/run/wpa_supplicant\nupdate_config=1\n' > /tmp/wpa_supplicant.conf
  wpa_supplicant -B -D nl80211 -i wlan1 -c /tmp/wpa_supplicant.conf -f "$LOG/wpa_supplicant.log" -t \
    -P /run/wpas.pid && wait_for 10 test -S /run/wpa_supplicant/wlan1
}

# nm_up: wpa_supplicant in D-Bus mode (what NetworkManager drives) and NetworkManager.
nm_up() {
  wpa_supplicant -u -s -O /run/wpa_supplicant -B -P /run/wpas.pid
  NetworkManager --debug --log-level=DEBUG --log-domains=DEVICE,WIFI,SUPPLICANT,CORE,SETTINGS,DHCP4 \
    > "$LOG/NetworkManager.log" 2>&1 &
  echo $! > /run/nm.pid
  wait_for 30 sh -c 'nmcli -t -f DEVICE,STATE dev | grep -q "^wlan1:disconnected"'
}
nmcli() { timeout 90 /usr/bin/nmcli -c no "$@"; }

# ipv4 IFACE: the first IPv4 address of IFACE (empty if none)
ipv4() { ip -4 -o addr show dev "$1" | awk '{ sub("/.*", "", $4); print $4; exit }'; }

finish() {
  for p in /run/*.pid; do [ -s "$p" ] && kill "$(cat "$p")" 2>/dev/null; done
  cp -a "$LOG"/. "$OUT"/ 2>/dev/null
  echo "SUMMARY passed=$PASSES failed=$FAILS"
  [ "$FAILS" = 0 ] && [ "$PASSES" -gt 0 ]
}

# ---- end to end: `uniprov device` provisioned by `uniprov provision` over HTTP on loopback ----
# The device and client flags are in DEVICE_FLAGS / CLIENT_FLAGS so they can follow the CLI.
SEC2_USER=${SEC2_USER:-wifiprov}; SEC2_PWD=${SEC2_PWD:-abcd1234}; PORT=${PORT:-8080}
CLIENT_FLAGS=${CLIENT_FLAGS:---transport httpd --service-name 127.0.0.1:$PORT --sec-ver 2 --sec2-username $SEC2_USER --sec2-pwd $SEC2_PWD}

# device_up RADIO [extra device flags...]: start `uniprov device` in the background
device_up() { local radio=$1; shift
  local flags=${DEVICE_FLAGS:---transport http --listen 127.0.0.1:$PORT --sec-ver 2 --sec2-username $SEC2_USER --sec2-pwd $SEC2_PWD --state-dir /tmp/uniprov-state --no-auto-stop}
  # shellcheck disable=SC2086
  RUST_LOG=${RUST_LOG:-debug} "$UNIPROV" device --radio "$radio" --wifi-iface wlan1 "$@" $flags > "$LOG/device.log" 2>&1 &
  echo $! > /run/uniprov-device.pid
  wait_for 20 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT"
}

# client CMD... : run the uniprov client (output in /tmp/client.out, also printed)
client() {
  # shellcheck disable=SC2086
  timeout 180 "$UNIPROV_CLIENT" "$@" $CLIENT_FLAGS > /tmp/client.out 2>&1; local rc=$?
  sed 's/^/    client: /' /tmp/client.out; return $rc
}

# provision_flow: the scenario both radios must pass (§10.2, §10.3):
# unknown SSID -> NetworkNotFound, ctrl reset, wrong passphrase -> AuthError, ctrl reset,
# right passphrase -> connected with a DHCP address.
provision_flow() {
  local t
  t=$(now); client provision --ssid no-such-ssid --passphrase "$PSK"; local rc=$?
  check "unknown SSID: provision fails with the network-not-found exit status (6)" test $rc = 6
  check "unknown SSID: NetworkNotFound reported" grep -qiE 'network ?not ?found|NetworkNotFound|not found' /tmp/client.out
  echo "T unknown SSID $(since "$t")s"
  check "ctrl reset after NetworkNotFound" client ctrl reset
  t=$(now); client provision --ssid "$SSID" --passphrase wrong-passphrase-1; rc=$?
  check "wrong passphrase: provision fails with the Wi-Fi auth exit status (5)" test $rc = 5
  check "wrong passphrase: AuthError reported" grep -qiE 'auth ?error|AuthError|authentication' /tmp/client.out
  echo "T wrong passphrase $(since "$t")s"
  check "ctrl reset after AuthError" client ctrl reset
  t=$(now)
  check "right passphrase: provisioned" client provision --ssid "$SSID" --passphrase "$PSK"
  echo "T right passphrase $(since "$t")s"
  check "station has a DHCP address" sh -c "ip -4 addr show dev wlan1 | grep -q 'inet 192.168.77.'"
  # (the banner shows the sec2 password on purpose: it is the QR code's PoP; the Wi-Fi passphrase never)
  check "no Wi-Fi passphrase in the device log" sh -c "! grep -q -e '$PSK' $LOG/device.log"
}

# ---- BLE across two VMs (run.sh starts host/ble_link.py and gives each VM a controller) ----
# bt_up: attach the bumble controller on the second serial port (H4 over /dev/ttyS1) as hci0,
# start bluetoothd (debug log in $LOG/bluetoothd.log) and wait until BlueZ lists hci0. The HCI
# traffic is decoded by btmon into $LOG/btmon.log.
bt_up() {
  modprobe hci_uart || return 1
  stdbuf -oL btmon -T > "$LOG/btmon.log" 2>&1 &
  echo $! > /run/btmon.pid
  wait_for 5 grep -q "Note:" "$LOG/btmon.log" # monitoring: the controller's setup is in the log
  btattach -B /dev/ttyS1 -P h4 -S 115200 > "$LOG/btattach.log" 2>&1 &
  echo $! > /run/btattach.pid
  wait_for 10 test -e /sys/class/bluetooth/hci0 || return 1
  /usr/libexec/bluetooth/bluetoothd -n -d > "$LOG/bluetoothd.log" 2>&1 &
  echo $! > /run/bluetoothd.pid
  wait_for 10 sh -c 'busctl tree org.bluez 2>/dev/null | grep -q /org/bluez/hci0'
}
