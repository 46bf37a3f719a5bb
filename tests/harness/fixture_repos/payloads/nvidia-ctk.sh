#!/bin/sh
# nvidia-ctk: FIXTURE STUB (mlinabox tests/harness/fixture_repos), not NVIDIA's binary.
# Implements the part of NVIDIA Container Toolkit CLI @@NCT@@ that provisioning uses:
#   nvidia-ctk --version
#   nvidia-ctk runtime configure --runtime=docker [--config=PATH] [--set-as-default]
#                                [--cdi.enabled] [--dry-run]
#   nvidia-ctk cdi generate [--output=PATH]   fails as on a host without an NVIDIA driver
#   nvidia-ctk cdi list
#   nvidia-ctk config [--config-file=PATH] [--in-place]   writes the default config if absent
# Log lines go to stderr in logrus' format (INFO[0000] on a terminal, time=... level=... otherwise).
# JSON is edited with python3 (present on every Ansible target); keys are written sorted with
# four-space indentation, as the Go implementation writes them.
VERSION='@@NCT@@'
COMMIT='@@COMMIT@@'
QUIET=0

log() {
    [ "$QUIET" = 1 ] && [ "$1" = info ] && return 0
    if [ -t 2 ]; then
        printf '%s[0000] %s\n' "$(printf '%s' "$1" | tr '[:lower:]' '[:upper:]' | cut -c1-4)" "$2" >&2
    else
        printf 'time="%s" level=%s msg="%s"\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" "$2" >&2
    fi
}

usage_error() {
    echo "Incorrect Usage: $1" >&2
    exit 1
}

need_python() {
    command -v python3 >/dev/null 2>&1 && return 0
    log error "python3 is required by this fixture stub of nvidia-ctk"
    exit 1
}

runtime_configure() {
    runtime="" config="" set_default=0 cdi=0 dry_run=0
    while [ $# -gt 0 ]; do
        case "$1" in
            --runtime=*) runtime=${1#*=} ;;
            --runtime) shift; runtime=${1:-} ;;
            --config=*) config=${1#*=} ;;
            --config) shift; config=${1:-} ;;
            --set-as-default|--set-as-default=true|--nvidia-set-as-default) set_default=1 ;;
            --set-as-default=false) set_default=0 ;;
            --cdi.enabled|--cdi.enabled=true|--enable-cdi) cdi=1 ;;
            --dry-run) dry_run=1 ;;
            *) usage_error "flag provided but not defined: $1" ;;
        esac
        shift
    done
    case "$runtime" in
        docker) ;;
        "") runtime=docker ;;
        containerd|crio)
            log error "unable to load config for runtime $runtime: the fixture stub implements only --runtime=docker"
            exit 1 ;;
        *)
            log error "unrecognized runtime '$runtime'"
            exit 1 ;;
    esac
    [ -n "$config" ] || config=/etc/docker/daemon.json
    need_python
    python3 - "$config" "$set_default" "$cdi" "$dry_run" <<'PY'
import json
import os
import sys
from datetime import datetime, timezone

path, set_default, cdi, dry_run = sys.argv[1], sys.argv[2] == "1", sys.argv[3] == "1", sys.argv[4] == "1"


def log(level, msg):
    if os.isatty(2):
        sys.stderr.write("%s[0000] %s\n" % (level.upper()[:4], msg))
    else:
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        sys.stderr.write('time="%s" level=%s msg="%s"\n' % (stamp, level, msg.replace('"', '\\"')))


config = {}
if os.path.exists(path):
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        if text.strip():
            config = json.loads(text)
    except (OSError, ValueError) as err:
        log("error", "unable to load config for runtime docker: failed to unmarshal config: %s" % err)
        sys.exit(1)
    if not isinstance(config, dict):
        log("error", "unable to load config for runtime docker: config is not a JSON object")
        sys.exit(1)
else:
    log("info", "Config file does not exist; using empty config")

runtimes = config.get("runtimes")
if not isinstance(runtimes, dict):
    runtimes = {}
runtimes["nvidia"] = {"args": [], "path": "nvidia-container-runtime"}
config["runtimes"] = runtimes
if set_default:
    config["default-runtime"] = "nvidia"
if cdi:
    features = config.get("features")
    if not isinstance(features, dict):
        features = {}
    features["cdi"] = True
    config["features"] = features

output = json.dumps(config, indent=4, sort_keys=True)
if dry_run:
    sys.stdout.write(output + "\n")
    sys.exit(0)
directory = os.path.dirname(path)
if directory:
    os.makedirs(directory, mode=0o755, exist_ok=True)
with open(path, "w", encoding="utf-8") as handle:
    handle.write(output)
log("info", "Wrote updated config to %s" % path)
log("info", "It is recommended that docker daemon be restarted.")
PY
}

cdi_command() {
    sub=${1:-}
    [ $# -gt 0 ] && shift
    case "$sub" in
        generate)
            for arg in "$@"; do
                case "$arg" in
                    --output=*|--output|--format=*|--format|--device-name-strategy=*|--mode=*|--driver-root=*) ;;
                    --*) usage_error "flag provided but not defined: $arg" ;;
                esac
            done
            # No NVIDIA driver can be present with a fixture: NVML is never found. No file is written.
            log info "Auto-detected mode as 'nvml'"
            log error "failed to generate CDI spec: failed to create device CDI specs: failed to initialize NVML: ERROR_LIBRARY_NOT_FOUND"
            exit 1 ;;
        list)
            log info "Found 0 CDI devices"
            exit 0 ;;
        *)
            usage_error "unknown cdi subcommand '$sub' (fixture stub knows: generate, list)" ;;
    esac
}

config_command() {
    file=/etc/nvidia-container-runtime/config.toml in_place=0
    while [ $# -gt 0 ]; do
        case "$1" in
            --config-file=*|--config=*) file=${1#*=} ;;
            --config-file|--config) shift; file=${1:-} ;;
            --in-place|-i) in_place=1 ;;
            *) usage_error "flag provided but not defined: $1 (fixture stub)" ;;
        esac
        shift
    done
    if [ "$in_place" = 1 ] && [ -e "$file" ]; then
        exit 0
    fi
    if [ "$in_place" = 1 ]; then
        mkdir -p "$(dirname "$file")"
        default_config > "$file"
    else
        default_config
    fi
}

default_config() {
    cat <<'TOML'
#accept-nvidia-visible-devices-as-volume-mounts = false
#accept-nvidia-visible-devices-envvar-when-unprivileged = true
disable-require = false
supported-driver-capabilities = "compat32,compute,display,graphics,ngx,utility,video"
#swarm-resource = "DOCKER_RESOURCE_GPU"

[nvidia-container-cli]
#debug = "/var/log/nvidia-container-toolkit.log"
environment = []
#ldcache = "/etc/ld.so.cache"
ldconfig = "@/sbin/ldconfig"
load-kmods = true
#no-cgroups = false
#path = "/usr/bin/nvidia-container-cli"
#root = "/run/nvidia/driver"
#user = "root:video"

[nvidia-container-runtime]
#debug = "/var/log/nvidia-container-runtime.log"
log-level = "info"
mode = "auto"
runtimes = ["docker-runc", "runc", "crun"]

[nvidia-container-runtime.modes]

[nvidia-container-runtime.modes.cdi]
annotation-prefixes = ["cdi.k8s.io/"]
default-kind = "nvidia.com/gpu"
spec-dirs = ["/etc/cdi", "/var/run/cdi"]

[nvidia-container-runtime.modes.csv]
mount-spec-path = "/etc/nvidia-container-runtime/host-files-for-container.d"

[nvidia-container-runtime-hook]
path = "nvidia-container-runtime-hook"
skip-mode-detection = false

[nvidia-ctk]
path = "nvidia-ctk"
TOML
}

while [ $# -gt 0 ]; do
    case "$1" in
        --version|-v)
            echo "NVIDIA Container Toolkit CLI version $VERSION"
            echo "commit: $COMMIT"
            exit 0 ;;
        --quiet|-q) QUIET=1 ;;
        --debug|-d) ;;
        --*) usage_error "flag provided but not defined: $1" ;;
        *) break ;;
    esac
    shift
done

command=${1:-}
[ $# -gt 0 ] && shift
case "$command" in
    runtime)
        [ "${1:-}" = configure ] || usage_error "unknown runtime subcommand '${1:-}' (fixture stub knows: configure)"
        shift
        runtime_configure "$@" ;;
    cdi) cdi_command "$@" ;;
    config) config_command "$@" ;;
    "")
        echo "NAME:"
        echo "   NVIDIA Container Toolkit CLI - Tools to configure the NVIDIA Container Toolkit (fixture stub)"
        exit 0 ;;
    *)
        echo "No help topic for '$command'" >&2
        exit 3 ;;
esac
