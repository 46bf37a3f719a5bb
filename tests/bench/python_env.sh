#!/usr/bin/env bash
# Benchmark (not a test): time to build the base environment's pins (python_stack_base_packages)
#   (a) with the python_stack role (uv), and
#   (b) with plain `python3 -m venv` + `pip install`,
# each in a fresh mlbox-test/debian:12 container with cold caches, one after the other. Both include
# installing python3-venv. Prints both times and the ratio pip/uv, for the whole job and for the install
# step alone (uv's resolve + sync tasks against pip install).
# Usage: tests/bench/python_env.sh     (needs make setup and the test images: make images)
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
IMAGE=${MLBOX_TEST_IMAGE:-mlbox-test/debian:12}
cd "$REPO"
export PATH="$REPO/.venv/bin:$PATH"
WORK=$(mktemp -d)
UV_BOX="mlbox-bench-uv-$$"
PIP_BOX="mlbox-bench-pip-$$"
cleanup() { docker rm -f "$UV_BOX" "$PIP_BOX" >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

# The pins, as the role's defaults resolve them.
mapfile -t PINS < <(python - <<'PY'
import yaml
d = yaml.safe_load(open("roles/python_stack/defaults/main.yml"))
for p in d["python_stack_base_packages"]:
    print(p.replace("{{ python_stack_ipykernel_version }}", d["python_stack_ipykernel_version"]))
PY
)
echo "pins: ${PINS[*]}"
now() { date +%s.%N; }
secs() { python -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$2"; }

# (a) the role, through Ansible's docker connection, with per-task times.
docker run -d --name "$UV_BOX" --network host "$IMAGE" sleep 3600 >/dev/null
start=$(now)
ANSIBLE_CONFIG="$REPO/ansible.cfg" ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_tasks \
  ANSIBLE_STDOUT_CALLBACK=default ANSIBLE_FORCE_COLOR=0 PROFILE_TASKS_SORT_ORDER=none PROFILE_TASKS_TASK_OUTPUT_LIMIT=all \
  ansible-playbook -i "$UV_BOX," -c community.docker.docker tests/bench/python_env.yml >"$WORK/uv.log" 2>&1 \
  || { tail -40 "$WORK/uv.log"; exit 1; }
end=$(now)
uv_total=$(secs "$start" "$end")
# profile_tasks lines: "<role> : <task name> ---- 12.34s"; uv's own work is the Resolve and Sync tasks.
uv_install=$(grep -E 'python_stack : (Resolve|Sync) the' "$WORK/uv.log" | grep -oE '[0-9]+\.[0-9]+s$' \
  | tr -d s | python -c "import sys; print(f'{sum(float(x) for x in sys.stdin):.1f}')")
docker exec "$UV_BOX" /opt/mlbox/envs/base/bin/python -c "import numpy, pandas, sklearn, matplotlib, jupyterlab"

# (b) plain venv + pip.
docker run -d --name "$PIP_BOX" --network host "$IMAGE" sleep 3600 >/dev/null
start=$(now)
docker exec "$PIP_BOX" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null' \
  && docker exec "$PIP_BOX" python3 -m venv /opt/bench-pip
mid=$(now)
docker exec "$PIP_BOX" /opt/bench-pip/bin/pip install --quiet --disable-pip-version-check "${PINS[@]}"
end=$(now)
pip_total=$(secs "$start" "$end")
pip_install=$(secs "$mid" "$end")
docker exec "$PIP_BOX" /opt/bench-pip/bin/python -c "import numpy, pandas, sklearn, matplotlib, jupyterlab"

ratio() { python -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.1f}')" "$1" "$2"; }
echo
printf '%-44s %8s %8s %8s\n' "base environment ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))" "uv" "pip" "pip/uv"
printf '%-44s %7ss %7ss %7sx\n' "whole job (role run vs apt+venv+pip)" "$uv_total" "$pip_total" "$(ratio "$pip_total" "$uv_total")"
printf '%-44s %7ss %7ss %7sx\n' "install step (uv compile+sync vs pip install)" "$uv_install" "$pip_install" "$(ratio "$pip_install" "$uv_install")"
