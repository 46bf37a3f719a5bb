# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The manifest role's checks of the inputs that its argument spec cannot express: one message per problem,
naming the variable and the fix."""

from __future__ import annotations

from collections.abc import Mapping

from ansible_collections.mlinabox.stack.plugins.module_utils import input_checks

LICENCES = ("id", "name", "expression")


def _licence_rule_valid(rule):
    """A rule names its packages (a regular expression) and exactly one licence: an SPDX identifier, an SPDX
    expression, or a name (with an optional url, which an expression cannot have)."""
    if not isinstance(rule, Mapping):
        return False
    packages = rule.get("packages", "")
    return (packages is not None and len(str(packages)) > 0
            and len([key for key in LICENCES if rule.get(key)]) == 1
            and not ("url" in rule and "expression" in rule))


def manifest_problems(inputs):
    """One message for each problem of the manifest role's inputs (manifest_package_licences, manifest_box_name,
    manifest_profile); an empty list when there is none."""
    problems = []
    rules = inputs.get("manifest_package_licences")
    if not input_checks.is_list(rules):
        problems.append("manifest_package_licences is not a list: give a YAML list of licence rules.")
        rules = []
    for index, rule in enumerate(rules):
        if not _licence_rule_valid(rule):
            packages = rule.get("packages", "no packages") if isinstance(rule, Mapping) else "no packages"
            problems.append(
                f"manifest_package_licences[{index}] ({packages}) is invalid: each item needs 'packages' (a regular "
                "expression for the package names) and exactly one of 'id' (an SPDX identifier), 'expression' (an "
                "SPDX expression) or 'name' (with an optional 'url'; not with 'expression').")
    name, profile = inputs.get("manifest_box_name"), inputs.get("manifest_profile")
    if not str(name) or not input_checks.SIMPLE_NAME.match(str(profile)):
        problems.append(f"manifest_box_name ('{name}') must not be empty and manifest_profile ('{profile}') must be a "
                        "profile name made of letters, digits, '.', '_' or '-' (for example current, cpu, seed-2021).")
    return problems


class FilterModule:
    def filters(self):
        return {"manifest_problems": manifest_problems}
