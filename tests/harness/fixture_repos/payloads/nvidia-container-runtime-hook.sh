#!/bin/sh
# nvidia-container-runtime-hook: FIXTURE STUB (mlinabox tests/harness/fixture_repos) of @@NCT@@.
# Fails as the real hook does when no NVIDIA driver library is present.
if [ "${1:-}" = --version ] || [ "${1:-}" = -version ]; then
    echo "NVIDIA Container Runtime Hook version @@NCT@@"
    echo "commit: @@COMMIT@@"
    exit 0
fi
echo "nvidia-container-cli: initialization error: load library failed: libnvidia-ml.so.1: cannot open shared object file: no such file or directory" >&2
exit 1
