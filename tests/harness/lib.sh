# Shared helpers for the test harness scripts (sourced, not executed).
# shellcheck shell=bash

HARNESS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$HARNESS_DIR/../.." && pwd)
export BUILD_DIR=${MLBOX_BUILD_DIR:-$REPO_ROOT/build}

log() { printf '[harness] %s\n' "$*" >&2; }
die() { printf '[harness] ERROR: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Install Debian packages that are missing (by package name; scripts use ensure_tools); runs apt-get update once, waiting for apt's locks.
ensure_debs() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null | grep -q '^ii' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  # Another apt or dpkg (unattended-upgrades, a second test run) may hold the locks: wait for them (10 min).
  as_root apt-get -o DPkg::Lock::Timeout=600 update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
}

# ensure_tools COMMAND...: make host tools available, by command name (or an absolute path of a file).
# The Debian package of each comes from tests/harness/host-tools.txt, the harness's one list of host tools;
# a command missing from that list is an error (so is one whose package is "-" and that is missing).
HOST_TOOLS_LIST="$HARNESS_DIR/host-tools.txt"
host_tool_package() {
  awk -v cmd="$1" '$1 == cmd { print $2; found = 1; exit } END { exit !found }' "$HOST_TOOLS_LIST"
}
have_tool() {
  case $1 in
    /*) [ -e "$1" ] ;;
    *) PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" command -v "$1" >/dev/null 2>&1 ;;
  esac
}
ensure_tools() {
  local tool pkg pkgs=() missing=()
  for tool in "$@"; do
    pkg=$(host_tool_package "$tool") || die "ensure_tools: '$tool' is not in $HOST_TOOLS_LIST"
    have_tool "$tool" && continue
    [ "$pkg" != - ] || die "'$tool' is missing; the harness does not install it (see $HOST_TOOLS_LIST)"
    missing+=("$tool")
    case " ${pkgs[*]} " in *" $pkg "*) ;; *) pkgs+=("$pkg") ;; esac
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  ensure_debs "${pkgs[@]}"
  for tool in "${missing[@]}"; do
    have_tool "$tool" || die "'$tool' is still missing after installing its package $(host_tool_package "$tool")"
  done
}

# tool_venv VENV REQUIREMENTS: the venv of one test tool (antsibull-docs, galaxy-importer, ansible-builder) at
# VENV, from its fully pinned REQUIREMENTS file, apart from .venv (each pins its own ansible-core or lint). Made
# again only when that file or the Python that makes it changed.
tool_venv() {
  local venv=$1 requirements=$2 stamp
  stamp="$(sha256sum "$requirements" | cut -d' ' -f1) $(python3 -c 'import sys; print(sys.version.split()[0])')"
  [ "$(cat "$venv/.requirements" 2>/dev/null)" = "$stamp" ] && return 0
  log "creating ${venv#"$REPO_ROOT"/} from ${requirements#"$REPO_ROOT"/}"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -qq --disable-pip-version-check -r "$requirements"
  printf '%s\n' "$stamp" >"$venv/.requirements"
}

# galaxy_dependencies: each collection galaxy.yml depends on, with its copy in the `ansible` package of .venv
# (requirements-dev.txt: the versions the tests use), as "NAME DIRECTORY" lines. Fails naming one that is not
# there. Use as `deps=$(galaxy_dependencies) || exit 1`.
galaxy_dependencies() {
  local python="$REPO_ROOT/.venv/bin/python" site dep
  site="$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/ansible_collections"
  for dep in $("$python" -c 'import sys, yaml; print(*(yaml.safe_load(open(sys.argv[1])).get("dependencies") or {}))' \
      "$REPO_ROOT/galaxy.yml"); do
    [ -f "$site/${dep/.//}/MANIFEST.json" ] || die "$dep (galaxy.yml) is not in .venv's ansible package ($site): run make setup"
    printf '%s %s\n' "$dep" "$site/${dep/.//}"
  done
}

# export_host_listen_ports: MLBOX_HOST_LISTEN_PORTS, the TCP ports on which this host itself listens beyond
# loopback (before the harness starts anything). Test containers share the host's network, so verify.yml sees
# these sockets too; inventories/local opts them in by port, and only them.
export_host_listen_ports() {
  ensure_tools ss
  MLBOX_HOST_LISTEN_PORTS=$(ss -ltnH | awk '{print $4}' | grep -vE '^(127\.|\[::1\]|\[::ffff:127\.)' \
    | sed -E 's/.*:([0-9]+)$/\1/' | sort -un | paste -sd, -)
  export MLBOX_HOST_LISTEN_PORTS
}
