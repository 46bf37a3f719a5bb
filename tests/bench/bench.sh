#!/usr/bin/env bash
# make bench: what provisioning and re-provisioning the local box cost (a benchmark, not a test).
# Every box here is a fresh container made like the local box (tests/harness/box.sh: same image, same
# docker run flags, the wheelhouse at /srv/wheelhouse) with inventories/local's settings, named
# mlbox-bench-*; the developer's own box (mlbox-box) is left alone. One after the other:
#   1. one host: the first converge of site.yml (cpu profile), then the second on the same host;
#      profile_tasks and profile_roles time every task and role; footprint.py reads the disk and the
#      packages; countproxy.py counts what apt and uv download;
#   2. three hosts converged in parallel by one ansible-playbook run (same settings); then three more behind a
#      cache host (roles/package_cache), counting what the cache fetched from the network;
#   3. tests/bench/python_env.sh: the box's environments built by the role vs plain pip;
#   4. make box itself (box.sh), first, second, and a new box with the host-side uv cache warm;
# then report.py writes docs/performance.md. Raw logs: build/bench/<date>/.
# MLBOX_BENCH_SKIP="three cache python_env box": leave out parts while working on the benchmark itself.
set -euo pipefail
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$REPO"
SKIP=" ${MLBOX_BENCH_SKIP:-} "
RUN=${MLBOX_BENCH_RUN:-$REPO/build/bench/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$RUN"
# Absolute: box_times.sh hands its uv cache under it to `docker run -v`, which takes a relative path for a volume name.
RUN=$(cd "$RUN" && pwd)
ONE=mlbox-bench-1
FLEET=(mlbox-bench-2 mlbox-bench-3 mlbox-bench-4)
CACHE_HOST=mlbox-bench-cache
CLIENTS=(mlbox-bench-5 mlbox-bench-6 mlbox-bench-7)
PROXY_PIDS=()
cleanup() {
  docker rm -f "$ONE" "${FLEET[@]}" "$CACHE_HOST" "${CLIENTS[@]}" >/dev/null 2>&1 || true
  local pid
  for pid in "${PROXY_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

bash tests/harness/docker-engine.sh
bash tests/harness/build-images.sh 12
bench_wheelhouse
blog "run directory: $RUN (wheelhouse: ${BENCH_WHEELHOUSE:-none}, torch ${MLBOX_BOX_TORCH_VERSION:-from the index})"

# proxy PORT LOG: a counting proxy for one box, stopped at the end (by its pid).
proxy() {
  python "$BENCH_DIR/countproxy.py" --port "$1" --log "$2" &
  PROXY_PIDS+=($!)
}

# cpu_ns BOX...: CPU time (ns) the containers' cgroups have used so far (cgroup v1 or v2; 0 if unknown).
cpu_ns() {
  local box id total=0 v
  for box in "$@"; do
    id=$(docker container inspect -f '{{.Id}}' "$box")
    v=$(cat "/sys/fs/cgroup/cpuacct/docker/$id/cpuacct.usage" 2>/dev/null \
        || awk '/^usage_usec/ {print $2 * 1000}' "/sys/fs/cgroup/system.slice/docker-$id.scope/cpu.stat" 2>/dev/null \
        || echo 0)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

# converge NAME INVENTORY BOX... [-- ENV=VALUE...]: site.yml as box.sh runs it, with profile_tasks and
# profile_roles, once the machine has settled (lib.sh: settle). Writes NAME.log, NAME.time (wall seconds), NAME.cpu
# (controller user+sys seconds, the boxes' CPU seconds), NAME.load (load average before, after), NAME.settle (seconds
# waited for the load to fall, and the load then) and the command line to commands.tsv.
CALLBACKS="ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_tasks,ansible.posix.profile_roles"
converge() {
  local name=$1 inv=$2 start end before cpu0 cpu1 u s boxes=() extra=()
  shift 2
  while [ $# -gt 0 ] && [ "$1" != -- ]; do boxes+=("$1"); shift; done
  [ $# -gt 0 ] && { shift; extra=("$@"); }
  local envs=("$CALLBACKS" PROFILE_TASKS_TASK_OUTPUT_LIMIT=all ANSIBLE_FORCE_COLOR=0
              "MLBOX_WHEELHOUSE=$MLBOX_WHEELHOUSE" "MLBOX_BOX_TORCH_VERSION=${MLBOX_BOX_TORCH_VERSION:-}"
              "MLBOX_ARTIFACTS_DIR=$RUN/artifacts" MLBOX_JUPYTER_PORT=19100 "${extra[@]}")
  local cmd=(ansible-playbook -i "${inv#"$REPO"/}" playbooks/site.yml -e mlbox_profile=cpu)
  printf '%s\t%s %s\n' "$name" "${envs[*]}" "${cmd[*]}" >>"$RUN/commands.tsv"
  settle >"$RUN/$name.settle"
  before=$(load1)
  blog "$name: ${cmd[*]} ${extra[*]} (load $before)"
  cpu0=$(cpu_ns "${boxes[@]}")
  start=$(now)
  local TIMEFORMAT='%U %S'
  { time env "${envs[@]}" "${cmd[@]}" >"$RUN/$name.log" 2>&1 || { tail -40 "$RUN/$name.log"; return 1; }; } \
    2>"$RUN/$name.rusage"
  end=$(now)
  cpu1=$(cpu_ns "${boxes[@]}")
  secs "$start" "$end" >"$RUN/$name.time"
  read -r u s <"$RUN/$name.rusage"
  python -c "import sys; print(f'{float(sys.argv[1]) + float(sys.argv[2]):.1f} {(int(sys.argv[4]) - int(sys.argv[3])) / 1e9:.1f}')" \
    "$u" "$s" "$cpu0" "$cpu1" >"$RUN/$name.cpu"
  echo "$before $(load1)" >"$RUN/$name.load"
  blog "$name: $(cat "$RUN/$name.time") s (CPU: controller, boxes: $(cat "$RUN/$name.cpu"))"
}

# noop NAME INVENTORY [ENV=VALUE...]: twenty tasks that do nothing (tests/bench/noop.yml), timed.
noop() {
  local name=$1 inv=$2 start end
  shift 2
  printf '%s\t%s\n' "$name" "$* ansible-playbook -i ${inv#"$REPO"/} tests/bench/noop.yml" >>"$RUN/commands.tsv"
  load1 >"$RUN/$name.load"
  start=$(now)
  env "$@" ansible-playbook -i "$inv" tests/bench/noop.yml >"$RUN/$name.log" 2>&1
  end=$(now)
  secs "$start" "$end" >"$RUN/$name.time"
  load1 >>"$RUN/$name.load"
  blog "$name: $(cat "$RUN/$name.time") s for 20 tasks"
}

# footprint BOX FILE: footprint.py's JSON, plus the bytes the container's writable layer holds.
footprint() {
  docker exec -i "$1" python3 - <"$BENCH_DIR/footprint.py" >"$RUN/$2.tmp"
  python - "$RUN/$2.tmp" "$(docker container inspect --size -f '{{.SizeRw}}' "$1")" >"$RUN/$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["container_rw_bytes"] = int(sys.argv[2])
print(json.dumps(d, indent=1))
PY
  rm -f "$RUN/$2.tmp"
}

{
  echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
  echo "commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- roles playbooks inventories || echo '+local changes')"
  echo "cores=$(nproc)"
  echo "mem_gib=$(awk '/MemTotal/ {printf "%.0f", $2 / 1048576}' /proc/meminfo)"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "image=$IMAGE"
  echo "wheelhouse=${BENCH_WHEELHOUSE:-}"
  echo "torch=${MLBOX_BOX_TORCH_VERSION:-}"
  echo "ansible=$(ansible --version 2>/dev/null | sed -n 1p)"
} >"$RUN/meta.env"

# 1. One host: first and second converge, footprint, downloads.
bench_inventory "$RUN/inv-one" "$ONE:19101:19191"
proxy 19191 "$RUN/one.proxy.jsonl"
bench_box "$ONE" systemd
bench_apt_proxy "$ONE" 19191
footprint "$ONE" footprint-before.json
converge first "$RUN/inv-one/hosts.yml" "$ONE"
mv "$RUN/one.proxy.jsonl" "$RUN/first.proxy.jsonl" 2>/dev/null || : >"$RUN/first.proxy.jsonl"
footprint "$ONE" footprint-first.json

# 2. Three fresh hosts in one run, right after the one-host first converge (the machine's load drifts).
if [[ $SKIP != *" three "* ]]; then
  specs=()
  for i in 0 1 2; do
    specs+=("${FLEET[$i]}:$((19102 + i)):$((19192 + i))")
    proxy $((19192 + i)) "$RUN/three-$((i + 1)).proxy.jsonl"
    bench_box "${FLEET[$i]}" systemd
    bench_apt_proxy "${FLEET[$i]}" $((19192 + i))
  done
  bench_inventory "$RUN/inv-three" "${specs[@]}"
  converge three "$RUN/inv-three/hosts.yml" "${FLEET[@]}"
  docker rm -f "${FLEET[@]}" >/dev/null
fi

# 2b. Three fresh hosts behind a cache host (roles/package_cache), in one run: the cache fetches from the network
# through a counting proxy (package_cache_upstream_proxy), so its log is all the fleet downloaded, against what the
# one host of section 1 downloaded.
if [[ $SKIP != *" cache "* ]]; then
  specs=()
  proxy 19196 "$RUN/cache.proxy.jsonl"
  bench_box "$CACHE_HOST" systemd
  for i in 0 1 2; do
    specs+=("${CLIENTS[$i]}:$((19105 + i))")
    bench_box "${CLIENTS[$i]}" systemd
  done
  bench_inventory "$RUN/inv-cache" "${specs[@]}"
  bench_cache_inventory "$RUN/inv-cache/hosts.yml" "$CACHE_HOST" 19196
  converge cache "$RUN/inv-cache/hosts.yml" "$CACHE_HOST" "${CLIENTS[@]}"
  docker rm -f "$CACHE_HOST" "${CLIENTS[@]}" >/dev/null
fi

# 1b. The second converge of the first host.
converge second "$RUN/inv-one/hosts.yml" "$ONE"
mv "$RUN/one.proxy.jsonl" "$RUN/second.proxy.jsonl" 2>/dev/null || : >"$RUN/second.proxy.jsonl"
# Where the second converge's time goes: the cost of a task that does nothing, without pipelining and with it
# (ansible.cfg turns it on for every connection, [connection]), and the second converge once more.
noop noop "$RUN/inv-one/hosts.yml" ANSIBLE_PIPELINING=False
noop noop-pipelining "$RUN/inv-one/hosts.yml" ANSIBLE_PIPELINING=True
converge second-pipelining "$RUN/inv-one/hosts.yml" "$ONE" -- ANSIBLE_PIPELINING=True
docker rm -f "$ONE" >/dev/null

# 4. make box as a person runs it (tests/bench/box_times.sh).
if [[ $SKIP != *" box "* ]]; then
  echo "box	MLBOX_BENCH_OUT=$RUN bash tests/bench/box_times.sh" >>"$RUN/commands.tsv"
  MLBOX_BENCH_OUT=$RUN bash tests/bench/box_times.sh || blog "box_times.sh failed: see $RUN/box-*.log"
fi

# 3. The environments: the role vs plain pip.
if [[ $SKIP != *" python_env "* ]]; then
  echo "python_env	MLBOX_BENCH_OUT=$RUN bash tests/bench/python_env.sh" >>"$RUN/commands.tsv"
  if ! MLBOX_BENCH_OUT=$RUN bash tests/bench/python_env.sh | tee "$RUN/python_env.txt"; then
    blog "python_env.sh failed: its part is left out of the report"
    rm -f "$RUN/python_env.json"
  fi
fi

python tests/bench/report.py "$RUN" docs/performance.md
blog "wrote docs/performance.md (raw logs in ${RUN#"$REPO"/})"
