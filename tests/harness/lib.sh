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
