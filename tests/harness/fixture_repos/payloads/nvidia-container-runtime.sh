#!/bin/sh
# nvidia-container-runtime: FIXTURE STUB (mlinabox tests/harness/fixture_repos) of @@NCT@@.
# As the real runtime does on a host without an NVIDIA driver: containers that ask for no GPU run
# through runc unchanged; a container whose OCI spec sets NVIDIA_VISIBLE_DEVICES (other than
# void/none) fails with the error libnvidia-container gives when the driver library is missing.
LIBERR='nvidia-container-cli: initialization error: load library failed: libnvidia-ml.so.1: cannot open shared object file: no such file or directory: unknown'

find_runc() {
    for candidate in runc docker-runc crun; do
        command -v "$candidate" 2>/dev/null && return 0
    done
    for candidate in /usr/sbin/runc /usr/bin/runc /usr/local/sbin/runc /usr/local/bin/runc; do
        [ -x "$candidate" ] && { echo "$candidate"; return 0; }
    done
    return 1
}

if [ "${1:-}" = --version ] || [ "${1:-}" = -v ]; then
    echo "NVIDIA Container Runtime version @@NCT@@"
    echo "commit: @@COMMIT@@"
    echo "spec: 1.2.1"
    echo
    if runc=$(find_runc); then "$runc" --version; fi
    exit 0
fi

# Find the bundle of a "create" call and look for NVIDIA_VISIBLE_DEVICES in its config.json.
bundle="" is_create=0 prev=""
for arg in "$@"; do
    case "$prev" in --bundle|-b) bundle=$arg ;; esac
    case "$arg" in
        create) is_create=1 ;;
        --bundle=*) bundle=${arg#*=} ;;
    esac
    prev=$arg
done
if [ "$is_create" = 1 ]; then
    [ -n "$bundle" ] || bundle=.
    if [ -r "$bundle/config.json" ] && command -v python3 >/dev/null 2>&1 &&
       python3 - "$bundle/config.json" <<'PY'
import json
import sys

with open(sys.argv[1], encoding="utf-8") as handle:
    env = (json.load(handle).get("process") or {}).get("env") or []
wanted = [e.split("=", 1)[1] for e in env if e.startswith("NVIDIA_VISIBLE_DEVICES=")]
sys.exit(0 if wanted and wanted[-1] not in ("", "void", "none") else 1)
PY
    then
        echo "$LIBERR" >&2
        exit 1
    fi
fi

if runc=$(find_runc); then
    exec "$runc" "$@"
fi
echo "nvidia-container-runtime: error locating runtime: no runtime binary found from candidate list: [docker-runc runc crun]" >&2
exit 1
