# Shared helpers of the benchmarks in tests/bench (sourced, not executed).
# shellcheck shell=bash

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/../.." && pwd)
IMAGE=${MLBOX_TEST_IMAGE:-mlbox-test/debian:12}
export PATH="$REPO/.venv/bin:$PATH"
export ANSIBLE_CONFIG="$REPO/ansible.cfg"

blog() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
now() { date +%s.%N; }
secs() { python -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$2"; }
load1() { cut -d' ' -f1 /proc/loadavg; }
# settle: wait until the 1-minute load average is at most MLBOX_BENCH_SETTLE_LOAD (default 1.0), three minutes
# at most, so that a converge does not pay for the work of the one before it (containers being removed, a
# three-host run's tail). Prints the seconds waited and the load it ends at.
settle() {
  local limit=${MLBOX_BENCH_SETTLE_LOAD:-1.0} waited=0
  while [ "$waited" -lt 180 ] && python -c "import sys; sys.exit(0 if float(sys.argv[1]) > float(sys.argv[2]) else 1)" \
      "$(load1)" "$limit"; do
    sleep 5
    waited=$((waited + 5))
  done
  echo "$waited $(load1)"
}

# The wheelhouse of PyTorch's CPU wheel, chosen as tests/harness/box.sh chooses it (MLBOX_WHEELHOUSE, or
# /opt/wheels where this kind of machine keeps one). Sets BENCH_WHEELHOUSE (host path, may be empty) and
# exports MLBOX_WHEELHOUSE and MLBOX_BOX_TORCH_VERSION as box.sh does.
bench_wheelhouse() {
  BENCH_WHEELHOUSE=${MLBOX_WHEELHOUSE:-}
  if [ -z "$BENCH_WHEELHOUSE" ] && compgen -G "/opt/wheels/torch-*+cpu-cp311-*.whl" >/dev/null; then
    BENCH_WHEELHOUSE=/opt/wheels
  fi
  export MLBOX_WHEELHOUSE=$BENCH_WHEELHOUSE
  if [ -n "$BENCH_WHEELHOUSE" ]; then
    local wheel
    wheel=$(compgen -G "$BENCH_WHEELHOUSE/torch-*+cpu-cp311-*.whl" | sort -V | tail -n 1 || true)
    if [ -n "$wheel" ]; then
      MLBOX_BOX_TORCH_VERSION=$(basename "$wheel" | sed -E 's/^torch-([0-9.]+)\+cpu-.*/\1/')
      export MLBOX_BOX_TORCH_VERSION
    fi
  fi
}

# bench_box NAME systemd|plain: a fresh container from IMAGE. "systemd" is made exactly as box.sh makes
# the local box (systemd as PID 1, the host's network, the wheelhouse at /srv/wheelhouse); "plain" runs
# `sleep` instead of systemd (enough for building Python environments).
bench_box() {
  local name=$1 kind=$2 mount=()
  docker rm -f "$name" >/dev/null 2>&1 || true
  [ -n "${BENCH_WHEELHOUSE:-}" ] && mount=(-v "$BENCH_WHEELHOUSE:/srv/wheelhouse:ro")
  if [ "$kind" = systemd ]; then
    docker run -d --name "$name" --hostname "$name" \
      --cap-add SYS_ADMIN --cap-add NET_ADMIN \
      --tmpfs /run --tmpfs /run/lock --tmpfs /tmp \
      -v /sys/fs/cgroup:/sys/fs/cgroup:rw --cgroupns host --network host \
      --label mlbox.bench=1 "${mount[@]}" "$IMAGE" /lib/systemd/systemd >/dev/null
    # Bounded: systemd in a container may report "degraded" for ever, which is fine here.
    timeout 120 docker exec "$name" systemctl is-system-running --wait >/dev/null 2>&1 || true
  else
    docker run -d --name "$name" --hostname "$name" --network host --label mlbox.bench=1 "${mount[@]}" \
      "$IMAGE" sleep 14400 >/dev/null
  fi
}

# bench_inventory DIR HOST:PORT[:PROXY_PORT]...: an inventory of the given containers in group mlbox_local,
# with the local box's settings (inventories/local/group_vars, linked) and JupyterLab and H2O ports of their own
# per host. With PROXY_PORT, uv and pip on that host go through tests/bench/countproxy.py on that port
# (python_stack_uv_environment, which is not part of an environment's spec).
bench_inventory() {
  local dir=$1 spec host port proxy
  shift
  mkdir -p "$dir"
  ln -sfn "$REPO/inventories/local/group_vars" "$dir/group_vars"
  {
    echo "---"
    echo "# make bench: containers made like the local box, with inventories/local's settings."
    echo "all:"
    echo "  children:"
    echo "    mlbox_local:"
    echo "      hosts:"
    for spec in "$@"; do
      IFS=: read -r host port proxy <<<"$spec"
      echo "        $host:"
      echo "          ansible_connection: community.docker.docker"
      echo "          ansible_python_interpreter: /usr/bin/python3"
      echo "          python_stack_jupyter_port: $port"
      # H2O takes its port and the next one: two of its own per host, as JupyterLab has one.
      echo "          h2o_port: $((2 * port - 19000))"
      if [ -n "$proxy" ]; then
        echo "          python_stack_uv_environment: {HTTPS_PROXY: 'http://127.0.0.1:$proxy'}"
      fi
    done
  } >"$dir/hosts.yml"
}

# bench_apt_proxy BOX PORT: apt in BOX fetches through tests/bench/countproxy.py on PORT (a file of the
# benchmark's own in apt.conf.d, not one any role writes; no pipelining: the proxy closes each connection).
bench_apt_proxy() {
  printf 'Acquire::http::Proxy "http://127.0.0.1:%s";\nAcquire::http::Pipeline-Depth "0";\n' "$2" \
    | docker exec -i "$1" sh -c 'cat >/etc/apt/apt.conf.d/01mlbox-bench-proxy'
}

# bench_cache_inventory HOSTS_YML CACHE_BOX PROXY_PORT: adds CACHE_BOX to a bench_inventory as the fleet's cache host
# (group mlbox_cache), and points the inventory's other hosts at it (package_cache_host). The cache fetches from
# the network through tests/bench/countproxy.py on PROXY_PORT (package_cache_upstream_proxy). Ports of its own.
bench_cache_inventory() {
  cat >>"$1" <<EOF
    mlbox_cache:
      hosts:
        $2:
          ansible_connection: community.docker.docker
          ansible_python_interpreter: /usr/bin/python3
          package_cache_upstream_proxy: http://127.0.0.1:$3
  vars:
    package_cache_host: 127.0.0.1
    package_cache_apt_port: 19142
    package_cache_pypi_indexes:
      - {name: pypi, url: "https://pypi.org/simple", port: 19141}
      - {name: pytorch-cpu, url: "https://download.pytorch.org/whl/cpu", port: 19143}
EOF
}
