# End to end with wpa_supplicant: `uniprov device --radio wpa-supplicant` (udhcpc as the DHCP
# hook) in the VM, provisioned by `uniprov provision` over HTTP on loopback with security 2.
# needs: device
. /mnt/host/lib.sh
radios_up && ap_up && wpas_up || { fail "lab setup"; finish; exit 1; }
check "uniprov device --radio wpa-supplicant is up" device_up wpa-supplicant \
  --wpa-ctrl /run/wpa_supplicant/wlan1 --dhcp-command "udhcpc -i {iface} -n -q -t 5 -T 2" \
  || { cat "$LOG/device.log"; finish; exit 1; }
provision_flow
wpa_cli -i wlan1 list_networks
check "one network left in wpa_supplicant" test "$(wpa_cli -i wlan1 list_networks | tail -n +2 | wc -l)" = 1
check "the network was saved (SAVE_CONFIG)" grep -q "ssid=\"$SSID\"" /tmp/wpa_supplicant.conf
finish
