#!/bin/sh
# Test set-up, run once on each test container by prepare.yml: a small "built" ML box (what the manifest
# reads) with the leftovers of a build (what template_prep must remove or keep). One script instead of
# dozens of tasks: the test machines are slow and this is fixture data, not what is tested.
set -eu

# The host keys the build made (openssh-server's postinst), to compare with the clone's.
mkdir -p /var/lib/mlbox-test
cat /etc/ssh/ssh_host_*_key.pub | sort > /var/lib/mlbox-test/hostkeys-before

# Debian packages with NVIDIA's names and no copyright file, as the vendor repositories ship them; their
# .deb files stay in apt's cache like downloaded packages do.
for stub in libcudnn9-cuda-12=9.10.2.21-1 cuda-toolkit-12-8=12.8.1-1; do
  name=${stub%%=*} version=${stub#*=}
  dir=/var/tmp/stub-$name
  mkdir -p "$dir/DEBIAN" "$dir/usr/share/doc/$name"
  printf 'Package: %s\nVersion: %s\nArchitecture: amd64\nMaintainer: test <test@example.invalid>\nDescription: stand-in\n' \
    "$name" "$version" > "$dir/DEBIAN/control"
  echo "stand-in without a copyright file" > "$dir/usr/share/doc/$name/README"
  dpkg-deb --build --root-owner-group "$dir" "/var/cache/apt/archives/${name}_${version}_amd64.deb" >/dev/null
  dpkg -i "/var/cache/apt/archives/${name}_${version}_amd64.deb" >/dev/null
  rm -rf "$dir"
done

# Environment base (a stand-in for python_stack's): six (License field) and packaging (License-Expression)
# from PyPI, frozen as python_stack does.
python3 -m venv /opt/mlbox/envs/base
/opt/mlbox/envs/base/bin/pip install --quiet --disable-pip-version-check six==1.17.0 packaging==26.4
/opt/mlbox/envs/base/bin/pip freeze --all > /opt/mlbox/envs/base/.mlbox-freeze.txt
# Environment broken: numpy's metadata without the module, so that the first-boot import fails.
python3 -m venv --without-pip /opt/mlbox/envs/broken
site=$(/opt/mlbox/envs/broken/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
mkdir -p "$site/numpy-2.4.6.dist-info"
printf 'Metadata-Version: 2.4\nName: numpy\nVersion: 2.4.6\nLicense-Expression: BSD-3-Clause\n\n' \
  > "$site/numpy-2.4.6.dist-info/METADATA"

# The build user, with the key the build logged in with.
useradd --create-home --shell /bin/bash builder
mkdir -p /home/builder/.ssh /root/.ssh
echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBUILD builder@packer" > /home/builder/.ssh/authorized_keys
echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIROOT admin@example" > /root/.ssh/authorized_keys

# Histories and caches.
echo "sudo apt-get update" > /home/builder/.bash_history
echo "cat /etc/mlbox/jupyter-token" > /root/.bash_history
echo "import torch" > /root/.python_history
mkdir -p /root/.cache/pip/http /home/builder/.cache/pip /var/cache/mlbox/uv/wheels-v5
echo cached | tee /root/.cache/pip/http/entry /home/builder/.cache/pip/entry /var/cache/mlbox/uv/wheels-v5/entry >/dev/null
chown -R builder: /home/builder

# cloud-init's state of the build VM, and the network configuration it wrote for it.
mkdir -p /var/lib/cloud/instances/i-0123456789 /var/lib/cloud/seed/nocloud /etc/netplan
echo "#cloud-config" > /var/lib/cloud/instances/i-0123456789/user-data.txt
echo "instance-id: i-0123456789" > /var/lib/cloud/seed/nocloud/meta-data
echo "cloud-init ran" > /var/log/cloud-init.log
echo "network: {ethernets: {eth0: {match: {macaddress: '52:54:00:12:34:56'}, dhcp4: true}}}" > /etc/netplan/50-cloud-init.yaml
# A file of the administrator's that pins a MAC address: kept, with a warning.
printf 'network:\n  ethernets:\n    lan:\n      match:\n        macaddress: "52:54:00:12:34:57"\n' > /etc/netplan/01-pinned.yaml
chmod 0600 /etc/netplan/*.yaml
mkdir -p /etc/udev/rules.d /var/lib/dhcp
echo 'SUBSYSTEM=="net", ATTR{address}=="52:54:00:12:34:56", NAME="eth0"' > /etc/udev/rules.d/70-persistent-net.rules
echo "# not a network rule: kept" > /etc/udev/rules.d/99-keep.rules
echo "lease { fixed-address 10.0.2.15; }" > /var/lib/dhcp/dhclient.eth0.leases
echo "not random" > /var/lib/systemd/random-seed

# JupyterLab's settings and token file as python_stack writes them (the jupyter group owns the settings).
getent group jupyter >/dev/null || groupadd --system jupyter
mkdir -p /etc/mlbox/jupyter
printf '{"IdentityProvider": {"token": "TemplateToken0123456789abcdefghijklmnopqrstuvwx"}, "ServerApp": {"ip": "127.0.0.1", "port": 8888}}\n' \
  > /etc/mlbox/jupyter/jupyter_server_config.json
chgrp jupyter /etc/mlbox/jupyter/jupyter_server_config.json
chmod 0640 /etc/mlbox/jupyter/jupyter_server_config.json
echo TemplateToken0123456789abcdefghijklmnopqrstuvwx > /etc/mlbox/jupyter-token
chmod 0600 /etc/mlbox/jupyter-token
# The running server's files, which repeat the token.
mkdir -p /home/jupyter/.local/share/jupyter/runtime
echo '{"token": "TemplateToken0123456789abcdefghijklmnopqrstuvwx"}' > /home/jupyter/.local/share/jupyter/runtime/jpserver-4651.json

# A first-boot report and marker, as on a clone that was made a template again.
mkdir -p /var/lib/mlbox /var/log/mlbox
echo "2026-01-01T00:00:00Z" > /var/lib/mlbox/firstboot.done
echo "{}" > /var/log/mlbox/firstboot.json

# Logs, rotated logs and temporary files.
echo "provisioning output" > /var/log/build.log
echo rotated > /var/log/build.log.1
echo rotated | gzip > /var/log/apt/history.log.1.gz
mkdir -p /var/tmp/build-scratch /tmp/systemd-private-0123-example.service-abc
echo scratch | tee /var/tmp/build-scratch/file /tmp/build-leftover >/dev/null
echo "a running service's" > /tmp/systemd-private-0123-example.service-abc/keep

# The build VM's identity, to compare with the clone's. (Not overwritten: journald names its directory
# after the machine-id it started with, as on a real VM.)
cp /etc/machine-id /var/lib/mlbox-test/machine-id-before
touch /var/lib/mlbox-test/built
