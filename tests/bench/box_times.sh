#!/usr/bin/env bash
# make box as a person runs it, timed (part of make bench; runs alone too):
#   MLBOX_BENCH_OUT=build/bench/x bash tests/bench/box_times.sh
# tests/harness/box.sh from start to end (the container, site.yml, verify.yml, the artifacts check), three times
# on a box of its own (mlbox-bench-box, its own ports, its own empty uv cache under MLBOX_BENCH_OUT): the first,
# the second on the same box, then a new box after `box.sh destroy`, with the uv cache the first left on the host
# (what box.sh's host-side cache saves). Writes box-first|box-second|box-cached.{log,time} (wall seconds) and
# .failed for a run that failed; report.py turns them into the "make box" section.
set -uo pipefail
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$REPO" || exit 1
OUT=${MLBOX_BENCH_OUT:?set MLBOX_BENCH_OUT to the benchmark run directory}
mkdir -p "$OUT"
rm -rf "$OUT/uv-cache"
box_env=(MLBOX_BOX_NAME=mlbox-bench-box "MLBOX_UV_CACHE=$OUT/uv-cache" MLBOX_JUPYTER_PORT=19120
         MLBOX_H2O_PORT=19220 "MLBOX_ARTIFACTS_DIR=$OUT/box-artifacts")
rc=0
for step in box-first box-second box-cached; do
  [ "$step" = box-cached ] && env "${box_env[@]}" bash tests/harness/box.sh destroy >/dev/null
  rm -f "$OUT/$step.failed"
  start=$(now)
  if ! env "${box_env[@]}" bash tests/harness/box.sh >"$OUT/$step.log" 2>&1; then
    blog "$step failed (see $OUT/$step.log)"
    echo failed >"$OUT/$step.failed"
    rc=1
  fi
  secs "$start" "$(now)" >"$OUT/$step.time"
  blog "$step: $(cat "$OUT/$step.time") s"
done
env "${box_env[@]}" bash tests/harness/box.sh destroy >/dev/null
rm -rf "$OUT/uv-cache"
exit $rc
