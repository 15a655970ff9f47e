#!/bin/bash
# Boot 1 of systemd-boot.sh (the radio lab's init, no systemd running, like an image build):
# install the package with apt, configure it, enable it, and install the checker unit.
set -u
out=/mnt/out/install.log
exec > >(tee "$out") 2>&1
check() { if "$@"; then echo "PASS install: $*"; else echo "FAIL install: $*"; echo 1 > /mnt/out/rc-install; exit 1; fi; }
cp /mnt/host/uniprov.deb /tmp/
check env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends /tmp/uniprov.deb
check test ! -e /etc/systemd/system/multi-user.target.wants/uniprov.service   # installed disabled
check test "$(stat -c %a /etc/uniprov/device.toml)" = 600
# The shipped file has no credentials: the unit's ExecStartPre would refuse it.
check bash -c '! uniprov device --config /etc/uniprov/device.toml --check-config'
# Configure: the simulated radio (the lab VM's radios are another test's business) and a
# security 2 password, then check and enable.
sed -i 's/^radio = "networkmanager"/radio = "sim"/; s/^# sec2-pwd = .*/sec2-pwd = "boot-test-pass-7"/' /etc/uniprov/device.toml
echo 'sim-connect-delay-ms = 500' >> /etc/uniprov/device.toml
check uniprov device --config /etc/uniprov/device.toml --check-config
check systemctl enable uniprov
check test -L /etc/systemd/system/multi-user.target.wants/uniprov.service
# The checker of boots 2 and 3, and the shares under systemd.
install -m 0644 /mnt/host/uniprov-boot-check.service /etc/systemd/system/
check systemctl enable uniprov-boot-check
cat >> /etc/fstab <<'EOC'
host /mnt/host 9p trans=virtio,version=9p2000.L,msize=262144,ro 0 0
out /mnt/out 9p trans=virtio,version=9p2000.L,msize=262144 0 0
EOC
# No getty on the console: the checker owns it.
systemctl mask serial-getty@ttyS0.service getty@tty1.service >/dev/null 2>&1
echo 0 > /mnt/out/rc-install
