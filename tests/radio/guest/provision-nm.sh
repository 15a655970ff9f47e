# End to end with NetworkManager: `uniprov device --radio networkmanager` in the VM, provisioned by
# `uniprov provision` over HTTP on loopback with security 2 (see provision_flow in lib.sh).
# needs: device
. /mnt/host/lib.sh
radios_up && ap_up && nm_up || { fail "lab setup"; finish; exit 1; }
nmcli con add type wifi ifname wlan1 con-name bystander ssid other-net autoconnect no >/dev/null
profiles() { nmcli -t -f NAME,TYPE con show | sed -n "s/:802-11-wireless$//p" | sed "s/\\\\:/:/g" | sort | tr "\n" " "; }
check "uniprov device --radio networkmanager is up" device_up networkmanager || { cat "$LOG/device.log"; finish; exit 1; }
provision_flow
echo "profiles: [$(profiles)]"
check "no stray NetworkManager profiles" test "$(profiles)" = "bystander uniprov:$SSID "
check "the provisioned profile is on disk" sh -c "grep -lq 'id=uniprov:$SSID' /etc/NetworkManager/system-connections/*"
finish
