# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read-only probe of one environment, run on the target by the python_stack role (env_build.yml).

Usage: env_probe.py ENV_DIR KERNEL_JSON
Prints one JSON object:
  prefix, version  sys.prefix and X.Y.Z of ENV_DIR/bin/python, or null where it does not run
  purelib          its site-packages directory, or null
  ipykernel        whether that interpreter finds ipykernel (a kernel needs it)
  spec             the parsed ENV_DIR/.mlbox-spec.json, or null
  freeze           whether ENV_DIR/.mlbox-freeze.txt exists
  kernel_env       "mlbox_env" of KERNEL_JSON's metadata (the environment that registered it), or null
Runs with the system python3 and the standard library only, so that it works for a broken environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys


def read_json(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def interpreter(env_dir):
    python = os.path.join(env_dir, "bin", "python")
    code = (
        "import importlib.util, sys; print(sys.prefix); print('%d.%d.%d' % sys.version_info[:3]);"
        " print(importlib.util.find_spec('ipykernel') is not None);"
        " import sysconfig; print(sysconfig.get_paths()['purelib'])"
    )
    try:
        out = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None, None, False, None
    lines = out.splitlines()
    return (lines[0], lines[1], lines[2] == "True", lines[3]) if len(lines) == 4 else (None, None, False, None)


def main(env_dir, kernel_json):
    prefix, version, ipykernel, purelib = interpreter(env_dir)
    kernel = read_json(kernel_json)
    metadata = kernel.get("metadata") if isinstance(kernel, dict) else None
    result = {
        "prefix": prefix,
        "version": version,
        "ipykernel": ipykernel,
        "purelib": purelib,
        "spec": read_json(os.path.join(env_dir, ".mlbox-spec.json")),
        "freeze": os.path.isfile(os.path.join(env_dir, ".mlbox-freeze.txt")),
        "kernel_env": metadata.get("mlbox_env") if isinstance(metadata, dict) else None,
    }
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
