# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""dpkg's database, read through dpkg-query: the one query and the one parser of its output that the
modules use (dpkg_state, stack_facts, manifest_info). Standard library only: runs on the target (Python 3.8+).

A package's ${db:Status-Abbrev} has three letters: what is wanted (u unknown, i install, h hold, r remove,
p purge), its state (n not installed, c configuration files only, H half installed, U unpacked, F half
configured, W and t awaiting or pending triggers, i installed) and an error flag (R: reinstall required).
"""

from __future__ import annotations

import glob
import os
import re

from ansible_collections.mlinabox.stack.plugins.module_utils.binaries import C_LOCALE

QUERY_FORMAT = "${Package}\\t${Version}\\t${db:Status-Abbrev}\\t${Architecture}\\t${Source}\\n"

# States of a package whose installation or removal dpkg has not finished.
UNFINISHED_STATES = "HUFWt"


def query_command(binary, admindir=None, patterns=()):
    """The argument list of dpkg-query that lists the packages matching `patterns` (dpkg's shell-style
    patterns; all of them when there are none). It exits 1 when a pattern matches nothing."""
    command = [binary]
    if admindir:
        command.append("--admindir=" + admindir)
    command.extend(["--showformat=" + QUERY_FORMAT, "--show"])
    command.extend(patterns)
    return command


def parse_source(field, name, version):
    """dpkg's ${Source}: '' (same as the package), 'glibc' or 'glibc (2.36-9)' -> (name, version)."""
    match = re.match(r"^\s*(\S+)(?:\s+\((\S+)\))?\s*$", field or "")
    if not match:
        return name, version
    return match.group(1), match.group(2) or version


def parse(text):
    """dpkg-query's output in QUERY_FORMAT (the last two fields may be missing) -> one dict per line:
    {name, version, arch, source, source_version, want, state, held, installed}. `installed` is an installed
    package that is wanted or held ('ii', 'hi'); `held` is any package marked hold. Lines that are not rows are
    left out."""
    rows = []
    for line in (text or "").splitlines():
        fields = line.split("\t") + [""] * 4
        name, version, status, arch = (field.strip() for field in fields[:4])
        if not name or len(status) < 2:
            continue
        want, state = status[0], status[1]
        source, source_version = parse_source(fields[4], name, version)
        rows.append({
            "name": name,
            "version": version,
            "arch": arch,
            "source": source,
            "source_version": source_version,
            "want": want,
            "state": state,
            "held": want == "h",
            "installed": state == "i" and want in ("i", "h"),
        })
    return rows


def installed_list(text):
    """The installed packages (status ii or hi), sorted by name and architecture:
    [{name, version, arch, source, source_version, held}]."""
    keys = ("name", "version", "arch", "source", "source_version", "held")
    packages = [{key: row[key] for key in keys} for row in parse(text) if row["installed"]]
    packages.sort(key=lambda package: (package["name"], package["arch"]))
    return packages


def installed(text):
    """The installed packages by name: {name: {version, held}}. Of a package installed for several
    architectures, the first listed."""
    packages = {}
    for row in parse(text):
        if row["installed"] and row["name"] not in packages:
            packages[row["name"]] = {"version": row["version"], "held": row["held"]}
    return packages


def state(text):
    """What the dpkg_state module returns of dpkg-query's output:
    packages        {name: {version, arch, held}} of the packages installed on disk (state i, whatever is wanted:
                    also one marked for removal that is still there)
    config_files    names of removed packages whose configuration files are left (rc)
    unfinished      names of packages in a state dpkg has not finished (see UNFINISHED_STATES)
    half_installed  names of those whose unpacking broke off (H): only reinstalling them repairs them
    held            names of the packages marked hold, whatever their state
    Each list is sorted and without repeats."""
    rows = parse(text)
    packages = {}
    for row in rows:
        if row["state"] == "i" and row["name"] not in packages:
            packages[row["name"]] = {"version": row["version"], "arch": row["arch"], "held": row["held"]}

    def names(keep):
        return sorted({row["name"] for row in rows if keep(row)})

    return {
        "packages": packages,
        "config_files": names(lambda row: row["state"] == "c"),
        "unfinished": names(lambda row: row["state"] in UNFINISHED_STATES),
        "half_installed": names(lambda row: row["state"] == "H"),
        "held": names(lambda row: row["held"]),
    }


def parse_listfiles(text):
    """dpkg-query --listfiles output -> the paths, in order ('/.' and diversion notes left out)."""
    return [line for line in (text or "").splitlines() if line.startswith("/") and line != "/."]


def read_state(module, binary, patterns=(), *, admindir=None, lists_dir="/var/lib/apt/lists", files_of=None):
    """What the dpkg_state module (and host_probe's packages) answer: state() of the packages matching `patterns`
    (all installed ones without), plus journal (entries in dpkg's journal: an interrupted run), apt_lists (whether
    apt has package lists), apt_unjudged (check mode without package lists: apt cannot judge an install) and, with
    `files_of` (a package), files (its installed files, [] where it is not installed).
    `module` (an AnsibleModule) runs `binary` (dpkg-query, None where it is missing); a failure fails it."""
    if binary is None:
        module.fail_json(msg="dpkg-query was not found: this host is not Debian or Ubuntu")
    # A name that starts with '-' would be read as one of dpkg-query's options.
    for name in [*patterns, *([files_of] if files_of else [])]:
        if str(name).startswith("-"):
            module.fail_json(msg=f"{name!r} is not a package name or pattern (it starts with '-').")
    # Exit status 1: some pattern matched nothing; more is a real failure.
    rc, out, err = module.run_command(query_command(binary, admindir, patterns), environ_update=C_LOCALE)
    if rc > 1:
        module.fail_json(msg=f"dpkg-query failed (rc={rc}): {(err or out).strip()}")
    result = state(out)
    updates = os.path.join(admindir or "/var/lib/dpkg", "updates")
    result["journal"] = len([name for name in os.listdir(updates) if os.path.isfile(os.path.join(updates, name))]
                            ) if os.path.isdir(updates) else 0
    result["apt_lists"] = bool(glob.glob(os.path.join(glob.escape(lists_dir), "*_Packages*")))
    result["apt_unjudged"] = module.check_mode and not result["apt_lists"]
    if files_of:
        rc, out, err = module.run_command(
            [binary] + (["--admindir=" + admindir] if admindir else []) + ["--listfiles", files_of],
            environ_update=C_LOCALE)
        if rc > 1:
            module.fail_json(msg=f"dpkg-query --listfiles failed (rc={rc}): {(err or out).strip()}")
        result["files"] = parse_listfiles(out) if rc == 0 else []
    return result
