#!/bin/bash
# Boots 2 and 3 of systemd-boot.sh, run by uniprov-boot-check.service under systemd (PID 1).
# Boot 2 (no marker): uniprov.service, started at boot, is provisioned over HTTP and ends
# with status 0, not restarted. Boot 3: its condition skipped it. Powers off at the end.
set -u
marker=/var/lib/uniprov-boot-test
if [ -e $marker ]; then name=provisioned; else name=provision; fi
log=/mnt/out/$name.log; : > "$log"
failed=0
say() { echo "$*" | tee -a "$log"; }
check() { if "$@"; then say "PASS $name: $*"; else say "FAIL $name: $*"; failed=1; fi; }
prop() { systemctl show uniprov -p "$1" --value; }
finish() {
  journalctl -b --no-pager > "/mnt/out/journal-$name.log" 2>&1
  systemd-analyze security uniprov --no-pager > "/mnt/out/security-$name.txt" 2>&1 || true
  echo "$failed" > "/mnt/out/rc-$name"; sync
  systemctl poweroff --no-block
  exit 0
}
say "check $name: pid 1 is $(cat /proc/1/comm), uptime $(cut -d' ' -f1 /proc/uptime) s"
check test "$(cat /proc/1/comm)" = systemd

if [ $name = provision ]; then
  # The service came up at boot (nobody started it but systemd).
  for _ in $(seq 120); do [ "$(prop ActiveState)" = active ] && break; sleep 0.5; done
  check test "$(prop ActiveState)" = active
  check test "$(prop UnitFileState)" = enabled
  s=$(cut -d' ' -f1 /proc/uptime)
  rc=3
  for _ in $(seq 60); do
    uniprov provision --transport http --service-name 127.0.0.1:80 --sec2-username wifiprov --sec2-pwd boot-test-pass-7 \
      --ssid HomeNetwork --passphrase password123 > /tmp/client.out 2>&1 && { rc=0; break; }
    rc=$?; [ $rc = 3 ] || break      # 3: not listening yet
    sleep 0.5
  done
  say "client exit $rc at $s s of uptime"; sed 's/^/  client: /' /tmp/client.out | tee -a "$log"
  check test $rc = 0
  for _ in $(seq 60); do [ "$(prop ActiveState)" = inactive ] && break; sleep 0.5; done
  check test "$(prop ActiveState)" = inactive
  check test "$(prop Result)" = success
  check test "$(prop ExecMainStatus)" = 0
  check test "$(prop NRestarts)" = 0
  check test "$(stat -c %a /var/lib/uniprov)" = 700
  check test "$(stat -c %a /var/lib/uniprov/wifi.json)" = 600
  journalctl -b -u uniprov --no-pager -o cat > /tmp/unit.log
  sed 's/^/  journal: /' /tmp/unit.log | tail -n 25 | tee -a "$log"
  check grep -q 'configuration OK: security 2' /tmp/unit.log
  check bash -c '! grep -q -e boot-test-pass-7 -e password123 /tmp/unit.log'
  touch $marker
else
  for _ in $(seq 20); do [ -n "$(prop ConditionTimestamp)" ] && break; sleep 0.5; done
  check test "$(prop ConditionResult)" = no
  check test "$(prop ActiveState)" = inactive
  check test "$(prop ExecMainPID)" = 0
  check bash -c '! pgrep -x uniprov'
  check bash -c '! ss -ltn | grep -q ":80 "'
  journalctl -b -u uniprov --no-pager -o cat | tee -a "$log"
  check test -f /var/lib/uniprov/wifi.json
fi
finish
