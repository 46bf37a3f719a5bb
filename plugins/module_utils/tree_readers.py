# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the manifest and the SBOM read from a filesystem tree under a root prefix ("/" on a host, a
fixture tree in tests): the licences of the apt packages, the distributions of every Python environment
(with their licences) and its freeze file, os-release.

Nothing here runs a program or imports an installed package. Standard library only: runs on the
target (Python 3.8+).
"""

from __future__ import annotations

import copy
import email.parser
import glob
import json
import os

from ansible_collections.mlinabox.stack.plugins.module_utils.licences import (
    licences_from_debian,
    licences_from_python,
    licences_from_text,
    parse_copyright,
    rule_licences,
)
from ansible_collections.mlinabox.stack.plugins.module_utils.stack import in_root, normalise_name

# --------------------------------------------------------------------------------------------
# Parsers.
# --------------------------------------------------------------------------------------------


def parse_python_metadata(text):
    """A *.dist-info/METADATA or PKG-INFO -> {name, version, license_expression, license, classifiers}."""
    message = email.parser.HeaderParser().parsestr(text or "")

    def field(key):
        value = message.get(key)
        return str(value).strip() if value is not None else None

    return {
        "name": field("Name"),
        "version": field("Version"),
        "license_expression": field("License-Expression"),
        "license": field("License"),
        "classifiers": [str(value).strip() for value in (message.get_all("Classifier") or [])],
    }


def parse_freeze(text):
    """`uv pip freeze` / `pip freeze` output -> {normalised name: version} of its name==version lines."""
    pinned = {}
    for raw in (text or "").splitlines():
        name, sep, version = raw.split("#", 1)[0].strip().partition("==")
        if sep and name.strip():
            pinned[normalise_name(name)] = version.strip()
    return pinned


def parse_os_release(text):
    values = {}
    for line in (text or "").splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() and not key.startswith("#"):
            values[key.strip()] = value.strip().strip("\"'")
    return values


# --------------------------------------------------------------------------------------------
# Readers: target paths read under `root`.
# --------------------------------------------------------------------------------------------


def read_text(root, path, limit=None):
    try:
        with open(in_root(root, path), encoding="utf-8", errors="replace") as handle:
            return handle.read(limit) if limit else handle.read()
    except OSError:
        return None


def read_json(path):
    """A JSON file on the host (not under a root) -> its value, or None when missing or invalid."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def apt_licences(root, packages, compiled_rules):
    """Add 'licences' and 'licence_source' (dep5, rule or None) to each apt package: its DEP-5
    copyright file first, else the first matching rule."""
    cache = {}
    for package in packages:
        name = package["name"]
        if name not in cache:
            names = parse_copyright(read_text(root, f"/usr/share/doc/{name}/copyright"))
            choice = licences_from_debian(names) if names else []
            source = "dep5" if choice else None
            if not choice:
                choice = rule_licences(name, compiled_rules)
                source = "rule" if choice else None
            cache[name] = (choice, source)
        choice, source = cache[name]
        package["licences"] = copy.deepcopy(choice)
        package["licence_source"] = source
    return packages


def _site_packages(env_path):
    found = []
    for pattern in ("lib/python*/site-packages", "lib64/python*/site-packages"):
        for path in sorted(glob.glob(os.path.join(env_path, pattern))):
            if os.path.realpath(path) not in [os.path.realpath(seen) for seen in found]:
                found.append(path)
    return found


def read_env_packages(env_path):
    """Every distribution of a venv (dist-info / egg-info metadata) or conda environment
    (conda-meta/*.json, plus pip-installed dist-infos), by normalised name:
    {name: {name, display_name, version, licences, kind: pypi | conda}}."""
    packages = {}
    for path in sorted(glob.glob(os.path.join(env_path, "conda-meta", "*.json"))):
        data = read_json(path)
        if isinstance(data, dict) and data.get("name") and data.get("version"):
            name = normalise_name(str(data["name"]))
            packages[name] = {
                "name": name,
                "display_name": str(data["name"]),
                "version": str(data["version"]),
                "licences": licences_from_text(str(data.get("license") or "")),
                "kind": "conda",
            }
    for site in _site_packages(env_path):
        metas = sorted([
            *glob.glob(os.path.join(site, "*.dist-info", "METADATA")),
            *glob.glob(os.path.join(site, "*.egg-info", "PKG-INFO")),
            *[path for path in glob.glob(os.path.join(site, "*.egg-info")) if os.path.isfile(path)],
        ])
        for meta_path in metas:
            try:
                with open(meta_path, encoding="utf-8", errors="replace") as handle:
                    meta = parse_python_metadata(handle.read(262144))
            except OSError:
                continue
            if not meta["name"] or not meta["version"]:
                continue
            name = normalise_name(meta["name"])
            if name in packages and packages[name]["kind"] == "conda":
                continue
            packages[name] = {
                "name": name,
                "display_name": meta["name"],
                "version": meta["version"],
                "licences": licences_from_python(meta),
                "kind": "pypi",
            }
    return dict(sorted(packages.items()))


def read_envs(root, stack_envs):
    """The packages of every environment that stack_facts found, and its freeze file.
    -> {env: {path, kind, python_version, packages, freeze}} (freeze: {name: version} or None)."""
    envs = {}
    for env_name, env in sorted((stack_envs or {}).items()):
        path = in_root(root, env["path"])
        freeze_text = read_text(root, env["path"] + "/.mlbox-freeze.txt")
        envs[env_name] = {
            "path": env["path"],
            "kind": env.get("kind"),
            "python_version": env.get("python_version"),
            "packages": read_env_packages(path),
            "freeze": parse_freeze(freeze_text) if freeze_text is not None else None,
            "user_packages": user_packages_dir(path, env_name),
        }
    return envs


# python_stack's hook (roles/python_stack/files/mlbox_user_site.py) in an environment's site-packages.
USER_SITE_HOOK = "_mlbox_user_site.pth"


def user_packages_dir(path, env_name):
    """Where users' own packages of the environment go, when python_stack lets them add any; else None.
    They are each user's, not the environment's: the manifest names the place, never their contents."""
    for site_packages in glob.glob(os.path.join(path, "lib", "python*", "site-packages")):
        if os.path.isfile(os.path.join(site_packages, USER_SITE_HOOK)):
            return f"~/.local/share/mlbox/envs/{env_name}"
    return None


def freeze_mismatches(envs):
    """Lines of the freeze files that disagree with the installed metadata."""
    problems = []
    for env_name, env in envs.items():
        if env["freeze"] is None:
            continue
        for name, version in sorted(env["freeze"].items()):
            installed = env["packages"].get(name)
            if installed is None:
                problems.append(f"{env_name}: {name}=={version} is in .mlbox-freeze.txt but not installed")
            elif installed["version"] != version:
                problems.append("{}: .mlbox-freeze.txt has {}=={}, the installed metadata {}".format(
                    env_name, name, version, installed["version"]))
    return problems
