#!/usr/bin/env bash
# make reliability: the bad-input suite, the faults, check mode on a fresh host and the security checks
# (tests/reliability/), then docs/reliability.md (results) and docs/bad-input.md (the suite's cases) written
# from what ran. Not part of `make test`: it takes about half an hour. Output: build/reliability/ (JUnit
# reports, pytest output, every Ansible run's log under logs/). Exit status 1 when a case failed.
# MLBOX_RELIABILITY_ONLY=<pytest -k expression> runs only matching cases (docs/reliability.md is then
# written to build/reliability/reliability.md instead).
set -uo pipefail
# shellcheck source=tests/harness/lib.sh
. "$(dirname "$0")/../harness/lib.sh"
cd "$REPO_ROOT" || exit 1
export PATH="$REPO_ROOT/.venv/bin:$PATH"
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 NO_COLOR=1
OUT="$BUILD_DIR/reliability"
export MLBOX_RELIABILITY_LOGS="$OUT/logs"
export_host_listen_ports
rm -rf "$OUT" && mkdir -p "$OUT/logs"
start=$SECONDS
# Containers of this run (rel-*, labelled) that a killed pytest could not remove.
MLBOX_RELIABILITY_RUN="run-$$-$(date +%s)"
export MLBOX_RELIABILITY_RUN
# The fixture server is stopped at the end only if this run started it (another run may be using it).
server_was_up=false
python tests/harness/fixture_repos/serve.py status >/dev/null 2>&1 && server_was_up=true
cleanup() {
  docker ps -aq --filter "label=mlbox.reliability.run=$MLBOX_RELIABILITY_RUN" | xargs -r docker rm -f >/dev/null 2>&1
  "$server_was_up" || python tests/harness/fixture_repos/serve.py stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

tests/harness/docker-engine.sh >"$OUT/setup.log" 2>&1 || die "Docker engine: see $OUT/setup.log"
tests/harness/build-images.sh 12 >>"$OUT/setup.log" 2>&1 || die "test image: see $OUT/setup.log"
python tests/harness/fixture_repos/build.py >>"$OUT/setup.log" 2>&1 || die "fixture repositories: see $OUT/setup.log"
python tests/harness/fixture_repos/serve.py start >>"$OUT/setup.log" 2>&1 || die "fixture server: see $OUT/setup.log"

only=()
doc=docs/reliability.md
if [ -n "${MLBOX_RELIABILITY_ONLY:-}" ]; then
  only=(-k "$MLBOX_RELIABILITY_ONLY")
  doc=$OUT/reliability.md
fi

# Three streams at once (the bad-input cases are short runs; the others wait much on downloads and apt's
# retries). Each is bounded: a case that hangs cannot hold `make reliability` beyond 70 minutes.
suite() {
  local name=$1
  shift
  timeout --kill-after=60 4200 pytest -p no:cacheprovider -o junit_family=xunit1 -rfE "${only[@]}" \
    --junitxml="$OUT/$name.xml" "$@" >"$OUT/$name.log" 2>&1
  log "$name: $(tail -n 1 "$OUT/$name.log")"
}
F=tests/reliability/test_faults.py
log "running the bad-input suite, the faults, check mode and the security checks (logs: $OUT)"
suite bad-input tests/reliability/test_bad_input_suite.py "$F::test_key_with_another_fingerprint" &
suite faults "$F::test_vendor_repository_unreachable" "$F::test_wrong_signing_key" \
  "$F::test_damaged_package_download" tests/reliability/test_package_cache.py &
suite kills-check-security "$F::test_killed_during_apt_install" "$F::test_killed_during_environment_build" \
  tests/reliability/test_check_mode.py tests/reliability/test_security.py
wait

python tests/reliability/report.py bad-input docs/bad-input.md
summary=$(python tests/reliability/report.py results "$doc" "$OUT"/{bad-input,faults,kills-check-security}.xml)
rc=$?
log "$summary in $((SECONDS - start)) s; written to $doc"
[ "$rc" -eq 0 ] && grep -q ' 0 failed$' <<<"$summary"
