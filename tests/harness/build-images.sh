#!/usr/bin/env bash
# Build the systemd test images mlbox-test/debian:<release> with debootstrap + docker import.
# An image is rebuilt only when its recipe (this file plus the release) changes: the recipe hash is
# stored as the image label mlbox.recipe. Usage: build-images.sh [12] [13]   (default: both)
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
. "$(dirname "$0")/lib.sh"

MIRROR=${MLBOX_DEBIAN_MIRROR:-http://deb.debian.org/debian}
HOST_CA_BUNDLE=${MLBOX_HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
# What every test image holds: enough for Ansible (python3), systemd as PID 1, and apt over TLS.
PACKAGES=python3,python3-apt,systemd,systemd-sysv,dbus,sudo,ca-certificates,gnupg,iproute2,procps

declare -A CODENAME=([12]=bookworm [13]=trixie)

# The recipe: how an image is made (build_one), what goes in, from where, and the CA bundle.
recipe_hash() {
  { declare -f build_one; echo "$PACKAGES $MIRROR $1 ${CODENAME[$1]}"; sha256sum "$HOST_CA_BUNDLE" 2>/dev/null; } \
    | sha256sum | cut -c1-16
}

build_one() {
  local release=$1 codename=${CODENAME[$1]:-} image hash current root
  [ -n "$codename" ] || die "unknown Debian release '$release' (known: ${!CODENAME[*]})"
  image="mlbox-test/debian:$release"
  hash=$(recipe_hash "$release")
  current=$(docker image inspect -f '{{ index .Config.Labels "mlbox.recipe" }}' "$image" 2>/dev/null || true)
  if [ "$current" = "$hash" ]; then
    log "$image is up to date ($hash)"
    return 0
  fi
  root=$(mktemp -d "$BUILD_DIR/rootfs-$release.XXXXXX")
  ROOTFS_DIRS+=("$root")
  log "debootstrap $codename into $root (a few minutes)"
  as_root debootstrap --variant=minbase --include="$PACKAGES" "$codename" "$root" "$MIRROR" \
    >"$BUILD_DIR/debootstrap-$release.log" 2>&1 \
    || { tail -n 30 "$BUILD_DIR/debootstrap-$release.log" >&2; die "debootstrap $codename failed"; }

  # The host's CA bundle, so that TLS from inside the container trusts what the host trusts. Kept as a
  # local CA file too, so that update-ca-certificates in a test does not drop it.
  as_root install -D -m 0644 "$HOST_CA_BUNDLE" "$root/usr/local/share/ca-certificates/mlbox-host-bundle.crt"
  as_root install -m 0644 "$HOST_CA_BUNDLE" "$root/etc/ssl/certs/ca-certificates.crt"
  # systemd in a container: no gettys, no kernel-only units; a machine-id made at first boot.
  as_root chroot "$root" systemctl mask getty.target console-getty.service systemd-firstboot.service \
    systemd-remount-fs.service sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount \
    >/dev/null 2>&1
  : | as_root tee "$root/etc/machine-id" >/dev/null
  echo "mlbox-test" | as_root tee "$root/etc/hostname" >/dev/null
  as_root rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*_Packages

  log "importing $image"
  as_root tar -C "$root" -c . | docker import \
    --change 'ENV container=docker' \
    --change 'CMD ["/lib/systemd/systemd"]' \
    --change "LABEL mlbox.recipe=$hash" \
    - "$image" >/dev/null
  log "$image built ($hash)"
  as_root rm -rf "$root"
}

# Root file systems under construction, removed on any exit (a failed step exits through set -e).
ROOTFS_DIRS=()
cleanup() { local d; for d in "${ROOTFS_DIRS[@]}"; do as_root rm -rf "$d"; done; }
trap cleanup EXIT

mkdir -p "$BUILD_DIR"
"$HARNESS_DIR/docker-engine.sh"
ensure_tools debootstrap
releases=("$@")
[ ${#releases[@]} -gt 0 ] || releases=(12 13)
for r in "${releases[@]}"; do build_one "$r"; done
