#!/usr/bin/env bash
# Build the fixture apt repositories (tests/harness/fixture_repos/build.py), after installing the tools it
# calls (dpkg-deb, apt-ftparchive, gpg, gpgconf; their packages are in tests/harness/host-tools.txt).
# Arguments go to build.py (--port N, --force, ...).
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
. "$(dirname "$0")/lib.sh"
ensure_tools dpkg-deb apt-ftparchive gpg gpgconf
exec "$REPO_ROOT/.venv/bin/python" "$HARNESS_DIR/fixture_repos/build.py" "$@"
