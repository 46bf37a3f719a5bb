#!/usr/bin/env bash
# Benchmark (not a test): time to build the local box's Python environments (base and pytorch, as
# inventories/local/group_vars defines them, with the wheelhouse where box.sh would use one)
#   (a) with the python_stack role (uv), and
#   (b) with plain `python3 -m venv` + `pip install` of the same pins (the role's .mlbox-requirements.in
#       of each environment, with the same find-links and extra index),
# each in a fresh container from the test image with cold caches, one after the other. Both include
# installing python3-venv. Prints the times and the ratios uv/pip, for the whole job and for each
# environment's build alone (uv's venv + resolve + sync tasks against venv + pip install), and checks that
# both sides installed the same packages at the same versions.
# Usage: tests/bench/python_env.sh     (needs make setup and the test images: make images)
# MLBOX_BENCH_OUT=<dir>: also write python_env.json and the logs there (make bench does).
set -euo pipefail
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$REPO"
WORK=$(mktemp -d)
OUT=${MLBOX_BENCH_OUT:-$WORK}
mkdir -p "$OUT"
UV_BOX="mlbox-bench-uv-$$"
PIP_BOX="mlbox-bench-pip-$$"
# What each side downloads from PyPI, counted by tests/bench/countproxy.py (uv through the role's
# python_stack_uv_environment, pip with --proxy). Ports of their own: bench.sh's proxies (19191-19196) run until
# it ends, and a proxy that cannot bind its port would leave uv talking to another one's log.
UV_PROXY=19188
PIP_PROXY=19189
PROXY_PIDS=()
cleanup() {
  docker rm -f "$UV_BOX" "$PIP_BOX" >/dev/null 2>&1 || true
  local pid
  for pid in "${PROXY_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
for port in $UV_PROXY $PIP_PROXY; do
  if ss -ltnH "sport = :$port" | grep -q .; then
    echo "python_env.sh: port $port is taken; its counting proxy cannot start" >&2
    exit 1
  fi
  python "$BENCH_DIR/countproxy.py" --port "$port" --log "$WORK/proxy-$port.jsonl" &
  PROXY_PIDS+=($!)
done
bench_wheelhouse
bench_inventory "$WORK/inv" "$UV_BOX:19120:$UV_PROXY"
ENVS=(base pytorch)
declare -A IMPORTS=([base]="numpy, pandas, sklearn, matplotlib, jupyterlab" [pytorch]="torch, numpy")

# (a) the role, through Ansible's docker connection, with per-task times (profile_tasks).
bench_box "$UV_BOX" plain
uv_load=$(load1)
blog "python_env: the role builds ${ENVS[*]} in $UV_BOX (load $uv_load)"
start=$(now)
ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_tasks ANSIBLE_FORCE_COLOR=0 \
  PROFILE_TASKS_SORT_ORDER=none PROFILE_TASKS_TASK_OUTPUT_LIMIT=all \
  ansible-playbook -i "$WORK/inv/hosts.yml" tests/bench/python_env.yml >"$OUT/python_env-uv.log" 2>&1 \
  || { tail -40 "$OUT/python_env-uv.log"; exit 1; }
end=$(now)
uv_total=$(secs "$start" "$end")
# profile_tasks' recap lines: "<role> : <task name> ---- 12.34s". The role builds every environment in one task
# (one python_env run): "Build the environments base, pytorch, ...". A task that is not there fails the script.
task_secs() {
  sed -n '/TASKS RECAP/,$p' "$OUT/python_env-uv.log" | grep -E "python_stack : ($1)" | grep -oE '[0-9]+\.[0-9]+s$' \
    | tr -d s | python -c "import sys; print(f'{sum(float(x) for x in sys.stdin):.1f}')"
}
declare -A PIP_ENV
uv_build=$(task_secs "Build the environments ")
for env in "${ENVS[@]}"; do
  docker exec "$UV_BOX" "/opt/mlbox/envs/$env/bin/python" -c "import ${IMPORTS[$env]}"
  docker exec "$UV_BOX" cat "/opt/mlbox/envs/$env/.mlbox-spec.json" >"$WORK/spec-$env.json"
  docker exec "$UV_BOX" cat "/opt/mlbox/envs/$env/.mlbox-freeze.txt" >"$WORK/uv-freeze-$env.txt"
done
uv_install_uv=$(task_secs "Install uv into the tools environment")
uv_cache_kib=$(docker exec "$UV_BOX" du -sk /var/cache/mlbox/uv | cut -f1)

# (b) plain venv + pip, the same pins and sources, one environment after the other (pip's cache is shared
# between them, as uv's is).
bench_box "$PIP_BOX" plain
pip_load=$(load1)
blog "python_env: plain pip builds ${ENVS[*]} in $PIP_BOX (load $pip_load)"
pip_args() {  # the pip install arguments of an environment, from the spec the role recorded
  python - "$1" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1]))
args = []
if spec["index_url"]:
    args += ["--index-url", spec["index_url"]]
for url in spec["extra_index_urls"]:
    args += ["--extra-index-url", url]
for link in spec["find_links"]:
    args += ["--find-links", link]
print("\n".join(args + spec["packages"]))
PY
}
: >"$OUT/python_env-pip.log"
start=$(now)
docker exec "$PIP_BOX" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null'
for env in "${ENVS[@]}"; do
  mapfile -t args < <(pip_args "$WORK/spec-$env.json")
  echo "pip install ${args[*]}" >>"$OUT/python_env-pip.log"
  t0=$(now)
  docker exec "$PIP_BOX" python3 -m venv "/opt/bench-pip/$env"
  docker exec "$PIP_BOX" "/opt/bench-pip/$env/bin/pip" install --quiet --disable-pip-version-check \
    --proxy "http://127.0.0.1:$PIP_PROXY" "${args[@]}" \
    >>"$OUT/python_env-pip.log" 2>&1 || { tail -20 "$OUT/python_env-pip.log"; exit 1; }
  t1=$(now)
  PIP_ENV[$env]=$(secs "$t0" "$t1")
  docker exec "$PIP_BOX" "/opt/bench-pip/$env/bin/python" -c "import ${IMPORTS[$env]}"
  docker exec "$PIP_BOX" "/opt/bench-pip/$env/bin/pip" freeze --disable-pip-version-check >"$WORK/pip-freeze-$env.txt"
done
end=$(now)
pip_total=$(secs "$start" "$end")
pip_build=$(python -c "import sys; print(f'{sum(map(float, sys.argv[1:])):.1f}')" "${PIP_ENV[@]}")
pypi_bytes() {  # bytes received through a proxy's HTTPS tunnels, per host, as JSON
  python - "$WORK/proxy-$1.jsonl" <<'PY'
import collections, json, sys
try:
    lines = open(sys.argv[1]).read().splitlines()
except OSError:
    lines = []
hosts = collections.Counter()
for line in lines:
    if line.strip():
        e = json.loads(line)
        if e.get("kind") == "connect":
            hosts[e["host"]] += e.get("bytes", 0)
print(json.dumps(dict(hosts)))
PY
}
uv_pypi_bytes=$(pypi_bytes $UV_PROXY)
pip_pypi_bytes=$(pypi_bytes $PIP_PROXY)

# Same packages, same versions on both sides? (pip lists itself in no freeze; uv's freeze has no pip.)
declare -A SAME
for env in "${ENVS[@]}"; do
  if diff <(grep -viE '^(pip|setuptools|wheel)==' "$WORK/uv-freeze-$env.txt" | tr 'A-Z_' 'a-z-' | sort) \
          <(grep -viE '^(pip|setuptools|wheel)==' "$WORK/pip-freeze-$env.txt" | tr 'A-Z_' 'a-z-' | sort) \
          >"$OUT/python_env-freeze-$env.diff"; then
    SAME[$env]=true
  else
    SAME[$env]=false
  fi
done

ratio() { python -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.2f}')" "$1" "$2"; }
echo
printf '%-52s %8s %8s %8s\n' "Python environments ($(nproc) cores, load $uv_load / $pip_load)" "role" "pip" "role/pip"
printf '%-52s %7ss %7ss %8s\n' "whole job (role run vs apt+venv+pip)" "$uv_total" "$pip_total" "$(ratio "$uv_total" "$pip_total")"
printf '%-52s %7ss %7ss %8s\n' "${ENVS[*]}: builds (one python_env run vs venv+pip each)" "$uv_build" "$pip_build" \
  "$(ratio "$uv_build" "$pip_build")"
for env in "${ENVS[@]}"; do
  echo "$env: pip ${PIP_ENV[$env]} s; same packages and versions on both sides: ${SAME[$env]}"
done
echo "downloaded from PyPI (bytes per host): uv $uv_pypi_bytes, pip $pip_pypi_bytes"

python - "$OUT/python_env.json" <<PY
import json, sys
envs = {}
for env in "${ENVS[*]}".split():
    envs[env] = {"pip_s": float({$(for e in "${ENVS[@]}"; do printf '"%s": %s, ' "$e" "${PIP_ENV[$e]}"; done)}[env]),
                 "same_packages": {$(for e in "${ENVS[@]}"; do printf '"%s": %s, ' "$e" "${SAME[$e]^}"; done)}[env]}
json.dump({
    "role_total_s": $uv_total, "pip_total_s": $pip_total, "role_load": "$uv_load", "pip_load": "$pip_load",
    "role_build_s": $uv_build, "pip_build_s": $pip_build,
    "role_install_uv_s": $uv_install_uv, "uv_cache_kib": $uv_cache_kib,
    "uv_pypi_bytes": $uv_pypi_bytes, "pip_pypi_bytes": $pip_pypi_bytes,
    "envs": envs, "cores": $(nproc), "image": "$IMAGE", "wheelhouse": "$BENCH_WHEELHOUSE",
}, open(sys.argv[1], "w"), indent=1)
PY
