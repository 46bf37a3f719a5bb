# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One Python environment built by uv (the python_env module): what is on disk, whether to build, the files.

An environment directory holds what the role wrote besides the venv:
  .mlbox-spec.json          the spec it was last built from (written last: an interrupted build builds again)
  .mlbox-requirements.in    its top-level requirements (none with a lock file)
  .mlbox-requirements.txt   the resolved (or locked) set that `uv pip sync` installed
  .mlbox-freeze.txt         `uv pip freeze` after the build (the manifest reads it)
"""

from __future__ import annotations

import json
import os
import re

from ansible_collections.mlinabox.stack.plugins.module_utils import files
from ansible_collections.mlinabox.stack.plugins.module_utils.tree_readers import read_json

SPEC = ".mlbox-spec.json"
REQUIREMENTS_IN = ".mlbox-requirements.in"
REQUIREMENTS = ".mlbox-requirements.txt"
FREEZE = ".mlbox-freeze.txt"
USER_SITE_FILES = ("_mlbox_user_site.pth", "_mlbox_user_site.py")

# The user:password@ part of a URL, replaced by ***@ wherever uv's output is shown.
USERINFO = re.compile(r"(?i)([a-z][a-z0-9+.-]*://)[^/@\s]*@")
# A resolved pin in `uv pip compile` output or a lock file: name==version, extras allowed; hashes and
# comments after whitespace are dropped.
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==(\S+)")

# Run by the environment's own interpreter: one marked JSON line (a .pth file may print before it), or nothing
# where the interpreter does not run.
PROBE_MARK = "mlbox-probe:"
PROBE_CODE = (
    "import importlib.util, json, sys, sysconfig; print(" + repr(PROBE_MARK) + " + json.dumps({'prefix': sys.prefix,"
    " 'version': '.'.join(map(str, sys.version_info[:3])),"
    " 'ipykernel': importlib.util.find_spec('ipykernel') is not None,"
    " 'purelib': sysconfig.get_paths()['purelib']}))"
)
NO_PROBE = {"prefix": None, "version": None, "ipykernel": False, "purelib": None}


def mask(text):
    return USERINFO.sub(r"\1***@", text or "")


def parse_probe(rc, out):
    """The interpreter's answer to PROBE_CODE as {prefix, version, ipykernel, purelib}, all empty where it failed."""
    for line in (out or "").splitlines() if rc == 0 else []:
        if line.startswith(PROBE_MARK):
            try:
                found = json.loads(line[len(PROBE_MARK):])
            except ValueError:
                break
            if isinstance(found, dict):
                return {key: found.get(key, NO_PROBE[key]) for key in NO_PROBE}
            break
    return dict(NO_PROBE)


def kernel_env(kernel_json):
    """The environment that registered a kernel (its metadata's mlbox_env), or None."""
    kernel = read_json(kernel_json)
    metadata = kernel.get("metadata") if isinstance(kernel, dict) else None
    return metadata.get("mlbox_env") if isinstance(metadata, dict) else None


def decide(probe, recorded, spec, env_dir, python_request):
    """(recreate, sync, reason): a new interpreter means a new venv; any other change is synced into the existing one.

    An environment is healthy when its interpreter runs, lives in env_dir and is the Python asked for.
    """
    old = recorded if isinstance(recorded, dict) else {}
    healthy = probe["prefix"] == env_dir and (
        not python_request or (str(probe["version"]) + ".").startswith(python_request + ".")
    )
    new_python = any(old.get(key, "") != spec.get(key) for key in ("python_source", "python"))
    if not healthy:
        reason = "it does not exist" if probe["prefix"] is None and not old else "its interpreter is missing or wrong"
    elif new_python:
        reason = "its Python changed"
    elif old != spec:
        reason = "its spec changed"
    else:
        reason = ""
    return (not healthy or new_python), (not healthy or old != spec), reason


def pins(text):
    """{name (lower case): version} of the pins in a requirements or lock file's text."""
    found = {}
    for line in text.splitlines():
        match = PIN.match(line.strip())
        if match:
            found[match.group(1).lower()] = match.group(3)
    return found


def spec_text(spec):
    """The spec file's text (as Ansible's to_nice_json wrote it, so that older environments compare equal)."""
    return json.dumps(spec, indent=4, sort_keys=True, separators=(",", ": ")) + "\n"


def ensure_file(path, content, mode, check_mode):
    """Write content to path (owner root, mode), atomically; True where anything changed."""
    return files.ensure_file(path, content.encode("utf-8"), mode, check_mode)


def ensure_absent(path, check_mode):
    """Remove a file; True where it existed."""
    if not os.path.lexists(path):
        return False
    if not check_mode:
        os.unlink(path)
    return True
