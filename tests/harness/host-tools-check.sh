#!/usr/bin/env bash
# Fails when a harness script or a Makefile recipe calls a host tool that tests/harness/host-tools.txt does
# not list (nor its allowlist of base-system commands): prints file:line and the command. A static scan
# (tests/harness/host_tools_check.py); arguments: files to scan instead of the harness's own.
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
. "$(dirname "$0")/lib.sh"
exec python3 "$HARNESS_DIR/host_tools_check.py" "$@"
