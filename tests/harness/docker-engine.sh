#!/usr/bin/env bash
# Make a Docker engine available: install docker.io when missing, start dockerd when not running,
# wait (bounded) until it answers. Idempotent; prints nothing but a line when it had to act.
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
. "$(dirname "$0")/lib.sh"

if docker info >/dev/null 2>&1; then
  exit 0
fi
# docker.io recommends iptables and ca-certificates; the harness needs them for image builds and containers.
ensure_tools docker dockerd iptables /etc/ssl/certs/ca-certificates.crt pgrep

if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  log "starting docker.service"
  as_root systemctl start docker.service || true
fi
if ! docker info >/dev/null 2>&1 && ! pgrep -x dockerd >/dev/null; then
  mkdir -p "$BUILD_DIR"
  log "starting dockerd (log: $BUILD_DIR/dockerd.log)"
  as_root bash -c "nohup dockerd >'$BUILD_DIR/dockerd.log' 2>&1 </dev/null &"
fi
for _ in $(seq 1 60); do
  docker info >/dev/null 2>&1 && { log "docker engine ready"; exit 0; }
  sleep 1
done
tail -n 20 "$BUILD_DIR/dockerd.log" >&2 2>/dev/null || true
die "dockerd did not answer within 60 s"
