#!/usr/bin/env bash
# The whole test suite, as `make test` and CI run it. Sets up what it needs (venv, Docker engine, test
# images, fixture repositories), runs every check, prints a table of results and one closing line
# "N passed, N failed". Each check's full output is in build/logs/<check>.log.
# Environment: MLBOX_HEAVY=1 adds the heavy scenarios; MLBOX_ONLY=<regex> runs only matching checks;
# MLBOX_LOG_DIR moves the logs (default build/logs), so that two partial runs can share a checkout.
set -uo pipefail
# shellcheck source=tests/harness/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT" || exit 1
export PATH="$REPO_ROOT/.venv/bin:$PATH"
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 NO_COLOR=1

# Port of the fixture repository server, and a prefix for the test containers' names, so that a second
# checkout (or CI beside a developer) can run the suite at the same time without clashing.
export MLBOX_FIXTURE_PORT=${MLBOX_FIXTURE_PORT:-8765}
export MLBOX_RUN_ID=${MLBOX_RUN_ID:-mlbox}
export_host_listen_ports
LOG_DIR=${MLBOX_LOG_DIR:-$BUILD_DIR/logs}
started=()
rm -rf "$LOG_DIR" && mkdir -p "$LOG_DIR"
suite_start=$SECONDS
# Molecule scenarios run this many at a time (much of their time is spent waiting on downloads).
JOBS=${MLBOX_JOBS:-2}

# check NAME COMMAND...: run one check, record PASS/FAIL and its time in $LOG_DIR/NAME.result, and
# show the log's tail on failure.
check() {
  local name=$1 start rc
  shift
  if [ -n "${MLBOX_ONLY:-}" ] && ! [[ $name =~ $MLBOX_ONLY ]]; then return 0; fi
  start=$SECONDS
  "$@" >"$LOG_DIR/$name.log" 2>&1
  rc=$?
  if [ $rc -eq 0 ]; then
    printf 'PASS  %5ss  %s\n' $((SECONDS - start)) "$name" >"$LOG_DIR/$name.result"
    printf '[test] %-32s passed (%s s)\n' "$name" $((SECONDS - start))
  else
    printf 'FAIL  %5ss  %s\n' $((SECONDS - start)) "$name" >"$LOG_DIR/$name.result"
    { printf '[test] %-32s FAILED (%s s, rc=%s); see %s/%s.log\n' \
        "$name" $((SECONDS - start)) $rc "$LOG_DIR" "$name"
      # The last failures (expected failures of side effects come earlier), then the end of the log.
      echo "    last failures:"
      grep -n -E '^(fatal|failed):|FAILED!|^ERROR!|^E  |^FAILED ' "$LOG_DIR/$name.log" | tail -n 3 | cut -d: -f1 \
        | while read -r line; do sed -n "${line},$((line + 14))p" "$LOG_DIR/$name.log"; echo "    ..."; done \
        | cut -c1-400 | sed 's/^/    /'
      echo "    last lines:"
      tail -n 25 "$LOG_DIR/$name.log" | sed 's/^/    /'; } | cat
  fi
}

# check_bg NAME COMMAND...: as check, in the background, at most $JOBS at a time.
check_bg() {
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
  check "$@" &
}

# setup NAME COMMAND...: a prerequisite; the suite stops when it fails.
setup() {
  local name=$1
  shift
  printf '[setup] %-31s ' "$name"
  if "$@" >"$LOG_DIR/setup-$name.log" 2>&1; then
    echo "ok"
  else
    echo "FAILED; last lines of build/logs/setup-$name.log:"
    tail -n 40 "$LOG_DIR/setup-$name.log" | sed 's/^/    /'
    echo "0 passed, 1 failed"
    exit 1
  fi
}

fixture_server() { .venv/bin/python tests/harness/fixture_repos/serve.py "$1"; }

setup venv make --no-print-directory setup
setup docker-engine tests/harness/docker-engine.sh
setup images tests/harness/build-images.sh
setup fixture-repos tests/harness/fixture-repos.sh --port "$MLBOX_FIXTURE_PORT"
# Stop the fixture server at the end only if this run started it (another run may be using it).
if ! fixture_server status >/dev/null 2>&1; then
  trap 'fixture_server stop >/dev/null 2>&1 || true' EXIT
fi
setup fixture-server fixture_server start

check yamllint yamllint --strict .
check ansible-lint ansible-lint --profile production
check ruff ruff check .
check ansible-test-sanity tests/harness/sanity.sh
check unit pytest -q tests/unit
check collection-build tests/harness/collection-install.sh
check host-tools tests/harness/host-tools-check.sh
check execution-environment tests/harness/execution-environment.sh
check packer tests/harness/packer-check.sh
check collection-docs tests/harness/collection-docs.sh
# The containers' part, $JOBS at a time: the longest first, so that the job slots finish together.
LONGEST_FIRST=(nvidia_stack site python_stack bad-input)
scenarios=()
for scenario_file in molecule/*/molecule.yml; do
  scenario=$(basename "$(dirname "$scenario_file")")
  if grep -q '^# mlbox: heavy' "$scenario_file" && [ -z "${MLBOX_HEAVY:-}" ]; then
    printf 'SKIP      -   molecule-%s (heavy: make test-heavy)\n' "$scenario" >"$LOG_DIR/molecule-$scenario.result"
    continue
  fi
  scenarios+=("$scenario")
done
for item in "${LONGEST_FIRST[@]}" "${scenarios[@]}"; do
  case " ${started[*]:-} " in *" $item "*) continue ;; esac
  started+=("$item")
  if [ "$item" = bad-input ]; then
    check_bg bad-input pytest -q tests/integration
  # Not `printf | grep -q`: grep leaves at the first match, printf then dies of SIGPIPE, and under pipefail the
  # scenario was silently left out (molecule-docker went missing from a green run that way).
  elif [[ " ${scenarios[*]} " == *" $item "* ]]; then
    check_bg "molecule-$item" molecule test -s "$item"
  fi
done
wait
# Every check that should have run has a result: one missing is a failure of the suite, not a silent pass.
for item in "${started[@]}"; do
  name=bad-input
  if [ "$item" != bad-input ]; then
    [[ " ${scenarios[*]} " == *" $item "* ]] || continue
    name=molecule-$item
  fi
  if [ -n "${MLBOX_ONLY:-}" ] && ! [[ $name =~ $MLBOX_ONLY ]]; then continue; fi
  [ -f "$LOG_DIR/$name.result" ] || printf 'FAIL      -   %s (never ran: no result)\n' "$name" >"$LOG_DIR/$name.result"
done

echo
echo "Results (logs in build/logs/):"
sed 's/^/  /' "$LOG_DIR"/*.result
echo "Total time: $((SECONDS - suite_start)) s"
passed=$(cat "$LOG_DIR"/*.result | grep -c '^PASS')
failed=$(cat "$LOG_DIR"/*.result | grep -c '^FAIL')
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
