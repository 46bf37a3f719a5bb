#!/usr/bin/env bash
# Records what a real GPU host shows this collection, for the unit-test fixtures (tests/unit/fixtures/) and
# docs/gpu-host.md: its PCI tree as gpu_facts reads it, nvidia-smi's answers, the driver's files, what
# gpu_facts and stack_facts return there, site.yml's checks before any change (load_profile, preflight, GPUs,
# compatibility, every role's input checks; --check, profiles current and seed-2021) and verify.yml's report.
#
#   tests/harness/record-gpu-host.sh <out-dir> [<name>=<python environment> ...]
#
# Run as root in a checkout on the GPU host, with ansible-core importable (ansible-playbook on PATH).
# It installs nothing and changes nothing, except that each environment named is linked as
# /opt/mlbox/envs/<name> (so that verify.yml's PyTorch and TensorFlow checks use it) until the end.
# Output: sysfs.tgz, info.txt, facts.log, plan.log, verify.log and artifacts/<host>/verify.{json,md}.
set -uo pipefail
out=$(mkdir -p "${1:?usage: record-gpu-host.sh <out-dir> [env ...]}" && cd "$1" && pwd)
shift
cd "$(dirname "$0")/../.." || exit 1
repo=$PWD
export LC_ALL=C.UTF-8 ANSIBLE_FORCE_COLOR=0 ANSIBLE_NOCOLOR=1 ANSIBLE_STDOUT_CALLBACK=default
export ANSIBLE_CALLBACK_RESULT_FORMAT=yaml ANSIBLE_HOST_KEY_CHECKING=False
work=$(mktemp -d)
links=()
cleanup() {
  for link in "${links[@]}"; do rm -f "$link"; done
  rm -rf "$work"
}
trap cleanup EXIT

# This checkout as the collection mlinabox.stack.
mkdir -p "$work/coll/ansible_collections/mlinabox"
ln -s "$repo" "$work/coll/ansible_collections/mlinabox/stack"
export ANSIBLE_COLLECTIONS_PATH="$work/coll" ANSIBLE_ROLES_PATH="$repo/roles"
local_host=(-i "localhost," -c local -e ansible_become=false -e ansible_python_interpreter="${MLBOX_RECORD_PYTHON:-/usr/bin/python3}")

# The PCI tree, with the fixture recipe of tests/unit/fixtures/README.md.
tree="$work/sysfs/$(hostname)"
for dev in /sys/bus/pci/devices/*; do
  [ -e "$dev" ] || continue
  name=$(basename "$dev" | tr : _)
  mkdir -p "$tree/bus/pci/devices/$name"
  for f in vendor device class subsystem_vendor subsystem_device uevent; do
    cp "$dev/$f" "$tree/bus/pci/devices/$name/" 2>/dev/null
  done
done
mkdir -p "$tree"
tar -C "$work/sysfs" -czf "$out/sysfs.tgz" .

section() { printf '\n## %s\n' "$*"; }
query=index,name,uuid,pci.bus_id,driver_version,compute_cap,memory.total
{
  section date; date -u +%FT%TZ
  section uname -a; uname -a
  section /etc/os-release; cat /etc/os-release
  section "PID 1"; cat /proc/1/comm
  section "nvidia-smi --query-gpu=$query --format=csv,noheader,nounits"
  nvidia-smi --query-gpu=$query --format=csv,noheader,nounits; echo "rc=$?"
  section "nvidia-smi --query-gpu=${query/compute_cap,/} --format=csv,noheader,nounits"
  nvidia-smi --query-gpu="${query/compute_cap,/}" --format=csv,noheader,nounits; echo "rc=$?"
  section nvidia-smi; nvidia-smi; echo "rc=$?"
  section "command -v nvidia-smi nvcc"; command -v nvidia-smi nvcc
  for f in /proc/driver/nvidia/version /sys/module/nvidia/version /sys/module/nvidia/taint; do
    section "$f"; cat "$f"
  done
  section "ls -l /usr/local"; ls -l /usr/local
  section "nvcc --version"; nvcc --version
  section "dpkg-query (NVIDIA, CUDA, cuDNN, Docker)"
  dpkg-query -W -f='${Package}\t${Version}\t${db:Status-Abbrev}\n' 2>&1 | grep -Ei 'nvidia|cuda|cudnn|docker|containerd'
  section "PCI devices of NVIDIA (vendor 0x10de)"; grep -l 0x10de /sys/bus/pci/devices/*/vendor
} >"$out/info.txt" 2>&1

for env in "$@"; do
  link=/opt/mlbox/envs/${env%%=*}
  mkdir -p /opt/mlbox/envs
  if [ ! -e "$link" ]; then ln -s "${env#*=}" "$link" && links+=("$link"); fi
done

{
  section "ansible localhost -m mlinabox.stack.gpu_facts"
  timeout 60 ansible localhost "${local_host[@]}" -m mlinabox.stack.gpu_facts; echo "rc=$?"
  section "ansible localhost -m mlinabox.stack.stack_facts"
  timeout 60 ansible localhost "${local_host[@]}" -m mlinabox.stack.stack_facts; echo "rc=$?"
} >"$out/facts.log" 2>&1

# Only the tasks tagged `always` run: the checks before any change, for the newest stack and the 2021 one.
for profile in current seed-2021; do
  section "ansible-playbook playbooks/site.yml --check --tags mlbox_checks_only -e mlbox_profile=$profile"
  timeout 100 ansible-playbook "${local_host[@]}" playbooks/site.yml --check --tags mlbox_checks_only \
    -e mlbox_profile="$profile"
  echo "rc=$?"
done >"$out/plan.log" 2>&1

timeout 200 ansible-playbook "${local_host[@]}" playbooks/verify.yml -e mlbox_artifacts_dir="$out/artifacts" \
  >"$out/verify.log" 2>&1
echo "rc=$?" >>"$out/verify.log"
tail -n 3 "$out"/*.log
