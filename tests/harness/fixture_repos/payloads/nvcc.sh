#!/bin/sh
# nvcc: FIXTURE STUB (mlinabox tests/harness/fixture_repos), not NVIDIA's compiler.
# Answers --version like nvcc @@NVCC@@ of CUDA @@FULL@@; compiles nothing.
case "${1:-}" in
    --version|-V)
        cat <<'VERSION'
nvcc: NVIDIA (R) Cuda compiler driver
Copyright (c) 2005-2025 NVIDIA Corporation
Built on @@NVCC_DATE@@
Cuda compilation tools, release @@MM@@, V@@NVCC@@
Build cuda_@@MM@@.r@@MM@@/compiler.@@NVCC_BUILD@@_0
VERSION
        exit 0 ;;
    "")
        echo "nvcc fatal   : No input files specified; use option --help for more information" >&2
        exit 1 ;;
    *)
        echo "nvcc fatal   : this is a test fixture stub of nvcc @@NVCC@@; it cannot compile" >&2
        exit 1 ;;
esac
