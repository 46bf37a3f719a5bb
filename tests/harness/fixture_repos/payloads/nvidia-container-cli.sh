#!/bin/sh
# nvidia-container-cli: FIXTURE STUB (mlinabox tests/harness/fixture_repos) of libnvidia-container
# @@NCT@@. Fails as the real tool does when no NVIDIA driver library is present.
case "${1:-}" in
    --version|-V)
        echo "cli-version: @@NCT@@"
        echo "lib-version: @@NCT@@"
        echo "build date: 2025-11-01T00:00+00:00"
        echo "build revision: @@COMMIT@@"
        echo "build compiler: x86_64-linux-gnu-gcc-7 7.5.0"
        echo "build platform: x86_64"
        exit 0 ;;
esac
echo "nvidia-container-cli: initialization error: load library failed: libnvidia-ml.so.1: cannot open shared object file: no such file or directory" >&2
exit 1
