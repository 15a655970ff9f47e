# The SoftAP scheme with NetworkManager (`uniprov device --softap`): three hwsim radios, the lab AP
# on wlan0, the device's radio wlan1 (NetworkManager), a phone on wlan2 (plain wpa_supplicant +
# udhcpc, not managed by NetworkManager).
# Phase 1, the default: hwsim's interface combinations allow AP+STA, so the device adds an AP
#   interface (uap0) beside the station wlan1 by itself and removes it at the end.
#   WPA2 hotspot PROV_radio at 192.168.4.1 on channel 6 (hwsim runs AP + station on one channel),
#   the phone joins it, scans through it (answered from the scan made before the hotspot), a wrong
#   passphrase fails with the hotspot still up, the right one provisions; the client polls
#   GetStatus over the hotspot after Apply, as the apps do, and reads Connected with the IP
#   address; the device ends, the hotspot and uap0 are gone, the station is on the lab AP.
#   The corrected passphrase follows the wrong one without prov-ctrl reset, as the apps do (the
#   device resets itself after a failure); RETRY_WITHOUT_RESET=0 sends `ctrl reset` first.
# Phase 2, one interface (--softap-interface wlan1: hotspot, then station): an open hotspot; the
#   device warns that the apps will show a failure; the phone joins and sends the credentials;
#   the hotspot still serves a status poll 2 s after Apply (Android's first poll), then goes down
#   for the station attempt (the phone loses the link, so the client's result is not checked);
#   the device connects and ends.
# Both: no stray NetworkManager profiles, no key or passphrase in the device log.
# Captive portal (phase 1; the page is on by default with --softap): the phone's DHCP lease names
#   the device's DNS responder (192.168.4.2, the hotspot's second address) as its DNS server (a
#   dnsmasq drop-in present only while the hotspot starts, gone afterwards); any
#   name resolves to 192.168.4.1 there; curl of the Android, iOS, Windows and Linux
#   connectivity-check URLs (their hosts resolved through that DNS) gets 302 to
#   http://192.168.4.1/, and following it gives the provisioning page (HTML). Phase 2 checks the
#   redirect once more on the open one-interface hotspot.
# needs: device
. /mnt/host/lib.sh
KEY=softap-key-1; NAME=PROV_radio; HOT=192.168.4.1
cat > /etc/NetworkManager/conf.d/zz-phone.conf <<EOC
[keyfile]
unmanaged-devices=interface-name:wlan0;interface-name:wlan2;interface-name:hwsim*
EOC
radios_up 3 && ap_up && nm_up || { fail "lab setup"; finish; exit 1; }
nmcli con add type wifi ifname wlan1 con-name bystander ssid other-net autoconnect no >/dev/null
profiles() { nmcli -t -f NAME,TYPE con show | sed -n "s/:802-11-wireless$//p" | sed "s/\\\\:/:/g" | sort | tr "\n" " "; }
CLIENT_FLAGS="--transport softap --service-name $HOT:80 --sec-ver 2 --sec2-username $SEC2_USER --sec2-pwd $SEC2_PWD"

# softap_device LOG FLAGS...: `uniprov device --softap` in the background (pid in /run/softap-device.pid)
softap_device() { local log=$1; shift
  RUST_LOG=${RUST_LOG:-debug} "$UNIPROV" device --radio networkmanager --wifi-iface wlan1 --softap \
    --service-name "$NAME" --listen 0.0.0.0:80 --sec-ver 2 --sec2-username $SEC2_USER --sec2-pwd $SEC2_PWD \
    "$@" > "$LOG/$log" 2>&1 &
  echo $! > /run/softap-device.pid
}
# phone_join [KEY]: wpa_supplicant on wlan2 joins $NAME (WPA2 with KEY, else open), then a DHCP lease
phone_join() {
  local sec="key_mgmt=NONE"; [ -n "${1:-}" ] && sec="psk=\"$1\""
  [ -s /run/phone.pid ] && kill "$(cat /run/phone.pid)" 2>/dev/null && sleep 0.5
  printf 'ctrl_interface=/run/wpa_phone\nnetwork={\n ssid="%s"\n %s\n scan_ssid=1\n}\n' "$NAME" "$sec" > /tmp/phone.conf
  wpa_supplicant -B -D nl80211 -i wlan2 -c /tmp/phone.conf -f "$LOG/phone-wpa_supplicant.log" -t -P /run/phone.pid || return 1
  # 60 s: in phase 1 NetworkManager's periodic scans on wlan1 take the shared radio off the
  # hotspot's channel, and the phone's authentication fails until it falls between two scans
  wait_for 60 sh -c 'wpa_cli -p /run/wpa_phone -i wlan2 status | grep -q wpa_state=COMPLETED' || return 1
  ip -4 addr flush dev wlan2
  udhcpc -i wlan2 -n -q -t 10 > "$LOG/phone-udhcpc.log" 2>&1 && ipv4 wlan2 | grep -q '^192\.168\.4\.'
}
# device_ended SECS: the device process exited within SECS; its status in $DEVICE_RC
device_ended() { local pid; pid=$(cat /run/softap-device.pid)
  wait_for "$1" sh -c "! kill -0 $pid" || return 1
  wait "$pid"; DEVICE_RC=$?; rm -f /run/softap-device.pid; return 0; }
no_hotspot_left() { ! nmcli -t -f NAME con show | grep -q uniprov-hotspot; }
CAPTIVE_DNS=192.168.4.2
# dns_a NAME SERVER: the address of the first A answer SERVER gives for NAME (a query made by
# hand over bash's /dev/udp: id 0x1234, RD, one question, type A, class IN; the A record is last)
dns_a() { local q='\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00' l
  local IFS=.; for l in $1; do q+=$(printf '\\x%02x' ${#l})$l; done; unset IFS
  q+='\x00\x00\x01\x00\x01'
  exec 3<>"/dev/udp/$2/53" || return 1
  printf "$q" >&3
  timeout 5 dd bs=512 count=1 <&3 2>/dev/null | od -An -tu1 -v | tr -s ' \n' ' ' \
    | awk '{ if (NF >= 16 && $7 + $8 > 0) print $(NF-3) "." $(NF-2) "." $(NF-1) "." $NF }'
  exec 3<&-
}
# phone_dns: the DNS servers of the phone's DHCP lease (udhcpc's $dns; the address stays)
phone_dns() {
  printf '#!/bin/sh\ncase "$1" in bound|renew) echo "$dns" > /tmp/phone-dns;; esac\nexit 0\n' > /tmp/dns.sh
  chmod +x /tmp/dns.sh; rm -f /tmp/phone-dns
  udhcpc -i wlan2 -n -q -t 10 -s /tmp/dns.sh >> "$LOG/phone-udhcpc.log" 2>&1 && cat /tmp/phone-dns
}
# captive_check URL: URL's host resolved through the captive DNS, then curl: 302 to the page
captive_check() { local url=$1 host ip out
  host=${url#http://}; host=${host%%/*}
  ip=$(dns_a "$host" "$CAPTIVE_DNS")
  [ "$ip" = "$HOT" ] || { echo "    $host resolved to '$ip'"; return 1; }
  out=$(curl -s -m 10 -o /dev/null -w '%{http_code} %{redirect_url}' --resolve "$host:80:$ip" "$url")
  echo "    $url -> $out"
  [ "$out" = "302 http://$HOT/" ]
}
CHECK_URLS="http://connectivitycheck.gstatic.com/generate_204 http://clients3.google.com/generate_204
  http://captive.apple.com/hotspot-detect.html http://www.msftconnecttest.com/connecttest.txt
  http://www.msftncsi.com/ncsi.txt http://nmcheck.gnome.org/check_network_status.txt
  http://connectivity-check.ubuntu.com/ http://detectportal.firefox.com/success.txt"

echo "== phase 1: two interfaces (uap0 made by the device beside wlan1), WPA2 hotspot"
t=$(now)
softap_device device.log --softap-channel 6 --service-key "$KEY" \
  --state-dir /tmp/state1 --autostop-timeout-s 10
check "hotspot up and HTTP served at $HOT:80" wait_for 60 sh -c "ip -4 addr show dev uap0 | grep -q 'inet $HOT/24' && ss -ltn | grep -q ':80 '" \
  || { cat "$LOG/device.log"; finish; exit 1; }
echo "T device scan + hotspot $(since "$t")s"
check "the device found AP+STA in the interface combinations and added uap0" grep -q 'AP interface added' "$LOG/device.log"
check "the hotspot is an access point named after the service name" sh -c "iw dev uap0 info | grep -q 'type AP' && iw dev uap0 info | grep -q 'ssid $NAME'"
check "the hotspot profile is uniprov's and not on disk" sh -c "nmcli -t -f NAME con show --active | grep -qx 'uniprov-hotspot\\\\:$NAME' && ! grep -lqs 'uniprov-hotspot' /etc/NetworkManager/system-connections/*"
t=$(now)
check "the phone joins the WPA2 hotspot and gets a lease from NetworkManager" phone_join "$KEY"
echo "T phone join + lease $(since "$t")s ($(ipv4 wlan2))"
check "scan through the hotspot lists the lab AP (from the scan before the hotspot)" client scan
grep -q "$SSID" /tmp/client.out || fail "scan result has $SSID"
echo "== captive portal"
check "the captive DNS listens on $CAPTIVE_DNS:53" sh -c "ss -lun | grep -q '$CAPTIVE_DNS:53 '"
check "the dnsmasq drop-in was removed once the hotspot was up" sh -c '! ls /etc/NetworkManager/dnsmasq-shared.d/uniprov-* 2>/dev/null'
dns=$(phone_dns); echo "   phone's DHCP DNS servers: [$dns]"
check "the phone's lease names the device's DNS responder" test "$dns" = "$CAPTIVE_DNS"
for name in connectivitycheck.gstatic.com example.org a.b.c.d.e; do
  check "DNS: $name -> $HOT" test "$(dns_a $name $CAPTIVE_DNS)" = "$HOT"
done
check "DNS: NetworkManager's dnsmasq still answers on $HOT (its DHCP and DNS untouched)" sh -c "ss -lun | grep -q '$HOT:53 '"
for url in $CHECK_URLS; do check "connectivity check $url redirected to the page" captive_check "$url"; done
curl -s -m 10 -L -D /tmp/page.head -o /tmp/page.html --resolve "captive.apple.com:80:$HOT" http://captive.apple.com/hotspot-detect.html
echo "   page: $(head -c 300 /tmp/page.html | tr '\n' ' ')"
check "following the redirect gives the provisioning page: 200, text/html" sh -c "grep -q '^HTTP/1.1 200' /tmp/page.head && grep -qi '^content-type: text/html' /tmp/page.head"
check "the page is HTML with the strict CSP" sh -c "grep -qi '<!doctype html' /tmp/page.html && grep -qi \"^content-security-policy: .*wasm-unsafe-eval\" /tmp/page.head"
check "the page is the one GET http://$HOT/ serves" sh -c "curl -s -m 10 http://$HOT/ | cmp -s - /tmp/page.html"
t=$(now); client provision --ssid "$SSID" --passphrase wrong-passphrase-1; rc=$?
check "wrong passphrase: exit status 5 (the hotspot stayed up)" test $rc = 5
echo "T wrong passphrase $(since "$t")s"
if [ "${RETRY_WITHOUT_RESET:-1}" = 1 ]; then
  echo "   (no prov-ctrl reset: the device resets itself after the failed attempt)"
else
  check "ctrl reset after AuthError" client ctrl reset
fi
t=$(now)
check "right passphrase: provisioned through the hotspot (the client read Connected)" client provision --ssid "$SSID" --passphrase "$PSK"
check "the client read the station's IP address over the hotspot" grep -q '192\.168\.77\.' /tmp/client.out
echo "T right passphrase $(since "$t")s"
check "the device ends after provisioning" device_ended 30 && check "device exit status 0" test "$DEVICE_RC" = 0
check "the hotspot is torn down" wait_for 10 no_hotspot_left
check "the AP interface uap0 is removed" wait_for 10 sh -c '! ip link show uap0'
check "the station is on the lab AP with a DHCP address" sh -c "ip -4 addr show dev wlan1 | grep -q 'inet 192.168.77.'"
echo "profiles: [$(profiles)]"
check "no stray NetworkManager profiles after phase 1" test "$(profiles)" = "bystander uniprov:$SSID "
check "no service key or Wi-Fi passphrase in the device log" sh -c "! grep -q -e '$KEY' -e '$PSK' $LOG/device.log"

echo "== phase 2: one interface (wlan1), open hotspot"
t=$(now)
softap_device device-one.log --softap-interface wlan1 --reset --state-dir /tmp/state1 --autostop-timeout-s 5
check "open hotspot up on wlan1 at $HOT:80" wait_for 60 sh -c "ip -4 addr show dev wlan1 | grep -q 'inet $HOT/24' && ss -ltn | grep -q ':80 '" \
  || { cat "$LOG/device-one.log"; finish; exit 1; }
echo "T device reset + scan + hotspot $(since "$t")s"
grep -q 'open network' "$LOG/device-one.log" && pass "an open hotspot is warned about" || fail "an open hotspot is warned about"
check "one interface: the device warns that the apps will show a failure" grep -q 'apps .*will show a failure' "$LOG/device-one.log"
t=$(now)
check "the phone joins the open hotspot" phone_join
echo "T phone join + lease $(since "$t")s"
check "scan through the one-interface hotspot lists the lab AP" client scan
check "captive portal on the one-interface hotspot: Android's check redirected" captive_check http://connectivitycheck.gstatic.com/generate_204
# in the background: its link goes away with the hotspot, so its result is not checked
t=$(now); client provision --ssid "$SSID" --passphrase "$PSK" > /dev/null 2>&1 & client_pid=$!
check "the device received the credentials" wait_for 30 grep -q 'stays up for one more status poll' "$LOG/device-one.log"
echo "T credentials sent $(since "$t")s"
sleep 2
check "the hotspot still serves HTTP 2 s after Apply (the apps' first status poll)" \
  timeout 3 bash -c "exec 3<>/dev/tcp/$HOT/80"
check "then it goes down for the station attempt" wait_for 30 grep -q 'one interface: the hotspot goes down' "$LOG/device-one.log"
check "the device connects and ends" device_ended 60 && check "device exit status 0" test "$DEVICE_RC" = 0
kill "$client_pid" 2>/dev/null
check "the hotspot is torn down (phase 2)" no_hotspot_left
check "the station is on the lab AP (phase 2)" sh -c "ip -4 addr show dev wlan1 | grep -q 'inet 192.168.77.'"
echo "profiles: [$(profiles)]"
check "no stray NetworkManager profiles after phase 2" test "$(profiles)" = "bystander uniprov:$SSID "
check "no Wi-Fi passphrase in the device log (phase 2)" sh -c "! grep -q -e '$PSK' $LOG/device-one.log"
finish
