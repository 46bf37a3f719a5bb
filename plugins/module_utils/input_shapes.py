# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shape of a role's inputs against its argument spec, as the role will read them.

ansible.builtin.validate_argument_spec checks a converted copy of each value and leaves the variable as it was:
a mapping given for a string passes (as its text), and so does a string given for a list ("alice" passes as
["alice"]) or for a dict ("k=v"). The role then reads the variable itself: a loop over docker_users: "alice"
walks its letters. shape_problems() refuses what the role could not read as the spec says. Values are never
shown (an input may be a secret): a problem names the input and the two shapes.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible_collections.mlinabox.stack.plugins.module_utils.input_checks import a_type_name, is_list

TEXT_TYPES = ("str", "path")


def _shape(value):
    return a_type_name(value, mapping="mapping")


def _text_problem(where, value, wanted):
    if isinstance(value, Mapping) or is_list(value):
        return [f"{where} is {_shape(value)}, but it must be {wanted}."]
    return []


def shape_problems(spec, values, prefix=""):
    """Problems of values (a dict of the inputs given) against spec (argument_spec options): a str or path input
    given a mapping or a list; a list input given anything but a list, or an element of the wrong shape; a dict
    input given anything but a mapping; the same within suboptions. Missing and null inputs are left to the spec."""
    problems = []
    for name, attrs in sorted((spec or {}).items()):
        if not isinstance(values, Mapping) or name not in values or values[name] is None:
            continue
        value, kind, where = values[name], (attrs or {}).get("type", "str"), prefix + name
        if kind in TEXT_TYPES:
            problems += _text_problem(where, value, "a string")
        elif kind == "list":
            if not is_list(value):
                problems.append(f"{where} is {_shape(value)}, but it must be a list (one item per line as"
                                f" '- item', or [item, item]).")
                continue
            elements, options = attrs.get("elements"), attrs.get("options")
            for index, item in enumerate(value):
                item_where = f"{where}[{index}]"
                if elements in TEXT_TYPES:
                    problems += _text_problem(item_where, item, "a string")
                elif elements == "dict":
                    if not isinstance(item, Mapping):
                        problems.append(f"{item_where} is {_shape(item)}, but it must be a mapping.")
                    elif options:
                        problems += shape_problems(options, item, item_where + ".")
        elif kind == "dict":
            if not isinstance(value, Mapping):
                problems.append(f"{where} is {_shape(value)}, but it must be a mapping (key: value).")
            elif attrs.get("options"):
                problems += shape_problems(attrs["options"], value, where + ".")
    return problems
