#!/usr/bin/env bash
# Build the fixture apt repositories (tests/harness/fixture_repos/build.py), after installing the Debian
# packages of the tools it calls: dpkg-deb (dpkg), apt-ftparchive (apt-utils), gpg and gpgconf (gnupg).
# Arguments go to build.py (--port N, --force, ...).
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
. "$(dirname "$0")/lib.sh"
ensure_debs dpkg apt-utils gnupg gpgconf
exec "$REPO_ROOT/.venv/bin/python" "$HARNESS_DIR/fixture_repos/build.py" "$@"
