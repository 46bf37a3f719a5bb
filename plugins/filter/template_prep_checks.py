# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The template_prep role's checks of its inputs that its argument spec cannot express (before anything is removed):
the confirmation, the profile name, the directories to clean and the entries removed from home directories. One
message per problem, naming the variable and the fix."""

from __future__ import annotations

import re

from ansible_collections.mlinabox.stack.plugins.module_utils import input_checks

# An absolute directory without wildcards, not ending in '/'; and nothing that makes it another directory than it
# reads: no '.' or '..' component, no '//', no control character.
CLEAN_PATH = re.compile(r"^/[^*?\[]*[^/*?\[]\Z")
NOT_NORMALISED = re.compile(r"(^|/)\.\.?(/|\Z)|//|[\x00-\x1f]")
# Directories that may never be emptied with the pattern '*'.
SYSTEM_DIRECTORIES = ("/", "/etc", "/usr", "/var", "/home", "/root", "/boot", "/opt", "/srv", "/var/lib")
# Entries of a home directory that are never removed as a whole (authorized keys have their own setting).
KEPT_HOME_ENTRIES = (".ssh", ".config", ".local")


def _confirmation(confirm, users):
    if input_checks.to_bool(confirm):
        return []
    keys = (f" and the authorized_keys of {', '.join(str(user) for user in users)}"
            if input_checks.is_list(users) and users else "")
    return [f"template_prep makes this machine a template: it deletes its SSH host keys, machine-id, shell histories, "
            f"caches and logs{keys}, so run it only on a VM that is about to be shut down and kept as an image. "
            "template_prep_confirm is false: set it to true (-e template_prep_confirm=true), or build the image with "
            "mlbox_image_build=true (as the Packer template does)."]


def _clean_paths(items):
    problems = []
    for where, item in input_checks.mapping_items("template_prep_clean_paths", items, problems):
        path, patterns = item.get("path"), item.get("patterns")
        if not input_checks.is_list(patterns):
            problems.append(input_checks.wrong_type(f"{where}.patterns", patterns, "list"))
            continue
        valid = (isinstance(path, str) and CLEAN_PATH.match(path) and not NOT_NORMALISED.search(path)
                 and (path not in SYSTEM_DIRECTORIES or "*" not in patterns) and len(patterns) > 0)
        if not valid:
            problems.append(f"{where} ({item.get('path', 'no path')}) is refused: 'path' must be an absolute, "
                            "normalised directory (no '.', '..', '//' or control character) without wildcards, and a "
                            "system directory such as / or /etc cannot be emptied with the pattern '*'; name the "
                            "entries to remove in 'patterns'.")
    return problems


def _home_files(entries):
    problem = input_checks.wrong_type("template_prep_home_files", entries, "list")
    if problem:
        return [problem]
    return [f"template_prep_home_files has '{entry}': each entry is a name relative to a home directory, without "
            "wildcards, and not .ssh, .config or .local as a whole (authorized keys have their own setting, "
            "template_prep_remove_authorized_keys_for)."
            for entry in entries
            if not (isinstance(entry, str) and re.match(r"^[^/*?]", entry) and not re.match(r"^\.\.?(/|$)", entry)
                    and entry not in KEPT_HOME_ENTRIES)]


def template_prep_problems(inputs):
    """One message for each problem of the template_prep role's inputs (the role's variables, by name), in the
    order the role once asserted them; [] when all is well."""
    problems = _confirmation(inputs["template_prep_confirm"], inputs["template_prep_remove_authorized_keys_for"])
    profile = inputs["template_prep_profile"]
    if not input_checks.SIMPLE_NAME.match(str(profile)):
        problems.append(f"template_prep_profile is '{profile}', which is not a profile name (letters, digits, '.', '_' "
                        "or '-', for example current, cpu or seed-2021).")
    problems += _clean_paths(inputs["template_prep_clean_paths"])
    return problems + _home_files(inputs["template_prep_home_files"])


class FilterModule:
    def filters(self):
        return {"template_prep_problems": template_prep_problems}
