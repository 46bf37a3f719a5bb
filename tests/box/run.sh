#!/usr/bin/env bash
# tests/box/run.sh CONTAINER PORT: the box as a data scientist uses it (tests/box/README.md), run on the host
# against a converged box whose JupyterLab listens on 127.0.0.1:PORT (the box shares the host's network).
# Installs the host tools it needs (Chromium and its driver), then runs pytest on tests/box. Output: pytest's
# report on stdout, a JUnit report and the launcher's screenshot in $MLBOX_BOX_TEST_OUT (build/box-test).
# MLBOX_BOX_USER: the JupyterLab user (default jupyter); MLBOX_BOX_TEST_TIMEOUT: the whole run's limit (s).
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
. "$(dirname "$0")/../harness/lib.sh"
cd "$REPO_ROOT"

[ $# -eq 2 ] || die "usage: $0 CONTAINER PORT (e.g. $0 mlbox-box 8888)"
case $2 in '' | *[!0-9]*) die "PORT must be a number, not '$2'" ;; esac
[ -x .venv/bin/python ] || die ".venv is missing: run make setup"
ensure_tools docker chromium chromedriver
[ "$(docker container inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ] || die "container $1 is not running"

export MLBOX_BOX_CONTAINER=$1 MLBOX_BOX_PORT=$2 MLBOX_BOX_USER=${MLBOX_BOX_USER:-jupyter}
export MLBOX_BOX_TEST_OUT=${MLBOX_BOX_TEST_OUT:-$BUILD_DIR/box-test}
# Selenium uses the driver it is given; should its manager run after all, it must not download.
export SE_OFFLINE=true
mkdir -p "$MLBOX_BOX_TEST_OUT"
rm -f "$MLBOX_BOX_TEST_OUT"/*.png "$MLBOX_BOX_TEST_OUT/junit.xml"
exec timeout -k 30 "${MLBOX_BOX_TEST_TIMEOUT:-1800}" .venv/bin/python -m pytest tests/box -v -p no:cacheprovider \
  --junitxml="$MLBOX_BOX_TEST_OUT/junit.xml" -o junit_family=xunit2
