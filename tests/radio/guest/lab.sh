# Self-test of the lab itself (no uniprov logic): the uniprov binary runs in the guest, the AP is
# up, wpa_supplicant joins it and udhcpc gets a lease, NetworkManager joins it with DHCP.
. /mnt/host/lib.sh
check "uniprov binary runs in the guest" "$UNIPROV" --version
t=$(now); check "hwsim radios" radios_up; echo "T radios $(since "$t")s"
t=$(now); check "access point (hostapd + dnsmasq)" ap_up; echo "T ap $(since "$t")s"

t=$(now); wpas_up
n=$(wpa_cli -i wlan1 add_network)
wpa_cli -i wlan1 set_network "$n" ssid "\"$SSID\"" >/dev/null
wpa_cli -i wlan1 set_network "$n" psk "\"$PSK\"" >/dev/null
wpa_cli -i wlan1 select_network "$n" >/dev/null
check "wpa_supplicant COMPLETED" wait_for 30 sh -c 'wpa_cli -i wlan1 status | grep -q wpa_state=COMPLETED'
echo "T wpa_supplicant connect $(since "$t")s"
t=$(now)
check "udhcpc lease" udhcpc -i wlan1 -n -q -t 5 -T 2
echo "T udhcpc $(since "$t")s, address $(ipv4 wlan1)"
check "ping the AP" ping -c 1 -W 3 $AP_IP
wpa_cli -i wlan1 status | grep -E '^(wpa_state|ip_address|ssid|freq)='
kill "$(cat /run/wpas.pid)"; rm -f /run/wpas.pid; ip addr flush dev wlan1
wait_for 10 sh -c '! pidof wpa_supplicant'

t=$(now); check "NetworkManager up" nm_up; echo "T NetworkManager $(since "$t")s"
t=$(now); nmcli -f SSID,CHAN,SIGNAL,SECURITY dev wifi list --rescan yes ifname wlan1
echo "T nmcli scan $(since "$t")s"
t=$(now)
check "nmcli connect" nmcli --wait 60 dev wifi connect "$SSID" password "$PSK" ifname wlan1 name lab
echo "T nmcli connect $(since "$t")s, address $(ipv4 wlan1)"
nmcli con delete lab >/dev/null
finish
