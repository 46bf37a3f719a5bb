#!/usr/bin/env bash
# What the security cases (tests/reliability/security_classes.yml) did on the code before the fix: runs this
# checkout's bad-input tables and security tests against a worktree of COMMIT (default: the last commit before
# issue 17's work), and writes docs/evidence/security-before.json, which docs/reliability.md shows beside
# each case. Needs what `make reliability` needs (it runs after it, or alone: `bash tests/reliability/before.sh`).
set -uo pipefail
# shellcheck source=tests/harness/lib.sh
. "$(dirname "$0")/../harness/lib.sh"
cd "$REPO_ROOT" || exit 1
COMMIT=${1:-22ce020}
export PATH="$REPO_ROOT/.venv/bin:$PATH"
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 NO_COLOR=1
OUT="$BUILD_DIR/before"
TREE="$OUT/tree"
export MLBOX_RELIABILITY_LOGS="$OUT/logs"
# A bad-input case that the old code accepts goes on to install: 45 s is far past any check (a refused case
# ends within 15 s on a busy machine).
export MLBOX_BAD_INPUT_TIMEOUT=45
export_host_listen_ports
rm -rf "$OUT" && mkdir -p "$OUT/logs"
git worktree prune
git worktree add --detach "$TREE" "$COMMIT" >/dev/null 2>&1 || die "cannot make a worktree of $COMMIT"
trap 'git worktree remove --force "$TREE"; git worktree prune' EXIT
# The old roles with this checkout's tests: the venv and the collection link as make setup makes them.
ln -s "$REPO_ROOT/.venv" "$TREE/.venv"
mkdir -p "$TREE/.collections/ansible_collections/mlinabox" "$TREE/build"
ln -sfn ../../.. "$TREE/.collections/ansible_collections/mlinabox/stack"
ln -s "$REPO_ROOT/build/fixture-repos" "$TREE/build/fixture-repos"
rm -rf "$TREE/tests/integration" "$TREE/tests/reliability"
cp -r tests/integration tests/reliability "$TREE/tests/"
mapfile -t nodes < <(python tests/reliability/report.py case-nodes)
log "running ${#nodes[@]} security cases against $COMMIT (logs: $OUT)"
# SIGINT first: pytest then still writes the report of the cases that ran.
(cd "$TREE" && timeout -s INT --kill-after=120 "${MLBOX_BEFORE_TIMEOUT:-3600}" pytest -p no:cacheprovider -o junit_family=xunit1 -q "${nodes[@]}" \
  --junitxml="$OUT/before.xml" >"$OUT/pytest.log" 2>&1)
log "$(tail -n 1 "$OUT/pytest.log")"
python tests/reliability/report.py before "$COMMIT" docs/evidence/security-before.json "$OUT/before.xml"
