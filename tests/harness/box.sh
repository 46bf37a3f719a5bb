#!/usr/bin/env bash
# make box: a local ML box in a Debian 12 container (inventories/local), converged with site.yml and
# the cpu profile, then checked with verify.yml. A second run reuses the container and changes nothing.
# make box-destroy (box.sh destroy) removes it.
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
BIN="$REPO_ROOT/.venv/bin"
# MLBOX_BOX_NAME and MLBOX_UV_CACHE let make bench time a box of its own, beside the developer's.
NAME=${MLBOX_BOX_NAME:-mlbox-box}
UV_CACHE=${MLBOX_UV_CACHE:-$BUILD_DIR/uv-cache}
IMAGE=mlbox-test/debian:12
PROFILE=${MLBOX_PROFILE:-cpu}

if [ "${1:-}" = destroy ]; then
  if docker rm -f "$NAME" >/dev/null 2>&1; then log "removed the box ($NAME)"; else log "no box to remove"; fi
  exit 0
fi

"$HARNESS_DIR/docker-engine.sh"
"$HARNESS_DIR/build-images.sh" 12

if ! docker container inspect "$NAME" >/dev/null 2>&1; then
  # A wheelhouse for PyTorch's CPU wheel: MLBOX_WHEELHOUSE, or /opt/wheels where this kind of machine
  # keeps one. The choice is stored on the container, so that later runs make the same environments.
  wheelhouse=${MLBOX_WHEELHOUSE:-}
  if [ -z "$wheelhouse" ] && compgen -G "/opt/wheels/torch-*+cpu-cp311-*.whl" >/dev/null; then
    wheelhouse=/opt/wheels
  fi
  # uv's cache stays on the host (build/uv-cache, shared with the Molecule site scenario): a new box, after
  # make box-destroy, downloads no wheel again.
  mkdir -p "$UV_CACHE"
  mount=(-v "$UV_CACHE:/var/cache/mlbox/uv")
  [ -n "$wheelhouse" ] && mount+=(-v "$wheelhouse:/srv/wheelhouse:ro")
  log "creating the box ($NAME from $IMAGE${wheelhouse:+, wheelhouse $wheelhouse})"
  # systemd as PID 1 (SYS_ADMIN, tmpfs, the host's cgroups); NET_ADMIN for Docker inside the box; the
  # host's network, so that JupyterLab on the box's loopback is the host's loopback.
  docker run -d --name "$NAME" --hostname "$NAME" \
    --cap-add SYS_ADMIN --cap-add NET_ADMIN \
    --tmpfs /run --tmpfs /run/lock --tmpfs /tmp \
    -v /sys/fs/cgroup:/sys/fs/cgroup:rw --cgroupns host --network host \
    --label "mlbox.wheelhouse=$wheelhouse" "${mount[@]}" \
    "$IMAGE" /lib/systemd/systemd >/dev/null
elif [ "$(docker container inspect -f '{{.State.Running}}' "$NAME")" != true ]; then
  log "starting the box ($NAME)"
  docker start "$NAME" >/dev/null
fi
# Until systemd has booted (running, or degraded: fine in a container): right after `docker run` systemctl
# cannot answer yet, and a play that starts meanwhile loses its files in /tmp to systemd's boot-time cleanup.
for _ in $(seq 60); do
  state=$(docker exec "$NAME" timeout 60 systemctl is-system-running --wait 2>/dev/null || true)
  case $state in running | degraded) break ;; esac
  sleep 1
done

wheelhouse=$(docker container inspect -f '{{ index .Config.Labels "mlbox.wheelhouse" }}' "$NAME")
export MLBOX_WHEELHOUSE=$wheelhouse
if [ -n "$wheelhouse" ]; then
  wheel=$(compgen -G "$wheelhouse/torch-*+cpu-cp311-*.whl" | sort -V | tail -n 1 || true)
  if [ -n "$wheel" ]; then
    MLBOX_BOX_TORCH_VERSION=$(basename "$wheel" | sed -E 's/^torch-([0-9.]+)\+cpu-.*/\1/')
    export MLBOX_BOX_TORCH_VERSION
  fi
fi

export ANSIBLE_CONFIG="$REPO_ROOT/ansible.cfg"
export_host_listen_ports
start=$SECONDS
# The inventory's host is mlbox-box; another container (MLBOX_BOX_NAME) is reached as that host.
target=()
[ "$NAME" != mlbox-box ] && target=(-e "ansible_host=$NAME")
"$BIN/ansible-playbook" -i inventories/local/hosts.yml playbooks/site.yml -e "mlbox_profile=$PROFILE" "${target[@]}"
converge=$((SECONDS - start))
"$BIN/ansible-playbook" -i inventories/local/hosts.yml playbooks/verify.yml -e "mlbox_profile=$PROFILE" "${target[@]}"
# The documents fetched to the controller: all there, the SBOM schema-valid and true to the box.
"$BIN/python" "$HARNESS_DIR/check_box_artifacts.py" "${MLBOX_ARTIFACTS_DIR:-$REPO_ROOT/artifacts}/mlbox-box" "$NAME"

token=$(docker exec "$NAME" cat /etc/mlbox/jupyter-token 2>/dev/null || true)
cat <<MSG

The box is ready (site.yml took ${converge} s).
  Environments:   base, pytorch, tensorflow (CPU), h2o, each with its kernel; H2O on 127.0.0.1:${MLBOX_H2O_PORT:-54321}
  Verify report:  artifacts/mlbox-box/verify.md (and verify.json)
  What is on it:  artifacts/mlbox-box/manifest.md (and manifest.json, sbom.cdx.json)
  JupyterLab:     http://127.0.0.1:${MLBOX_JUPYTER_PORT:-8888}/lab?token=${token:-<see /etc/mlbox/jupyter-token in the box>}
  A user's shell: docker exec -it -u jupyter $NAME bash -l   (python, pip, jupyter of base; mlbox-info)
  Remove it:      make box-destroy
MSG
