#!/usr/bin/python
# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: validate_inputs
short_description: Check a role's inputs against its argument spec, in the shape the role reads them
version_added: "0.2.0"
description:
  - Runs M(ansible.builtin.validate_argument_spec) (the same options, the same checks and messages), then checks
    the inputs as the role will read them. M(ansible.builtin.validate_argument_spec) checks a converted copy of each
    value and leaves the variable as it was, so it passes a mapping given for a string (as its text), a string given
    for a list (C(alice) as C([alice]), C(a,b) as C([a, b])) and a string given for a dict (C(k=v)); the role then
    reads the variable itself, and a loop over a string walks its letters.
  - Refused here, before anything changes, are a mapping or a list for a C(str) or C(path) input (or element),
    anything but a list for a C(list) input, anything but a mapping for a C(dict) input or a C(dict) element, and
    the same inside suboptions. A number for a string stays allowed (the spec converts it, and the roles read it as
    text).
  - A problem names the input and the two shapes, never the value (an input may be a secret).
  - An action plugin; it runs on the controller and needs no connection to the host.
author:
  - ML in a Box developers (@mlinabox)
options:
  argument_spec:
    description: The options of an argument spec (as in a role's C(meta/argument_specs.yml) entry point).
    type: dict
    required: true
  provided_arguments:
    description: Values to check in place of the variables of the same names.
    type: dict
attributes:
  check_mode:
    description: Runs in check mode as in a real run (it only reads).
    support: full
  diff_mode:
    description: No diff.
    support: none
"""

EXAMPLES = r"""
- name: Check the inputs against the role's argument spec
  mlinabox.stack.validate_inputs:
    argument_spec: "{{ (lookup('ansible.builtin.file', role_path ~ '/meta/argument_specs.yml')
                       | from_yaml).argument_specs.main.options }}"
"""

RETURN = r"""
argument_errors:
  description: One sentence per problem.
  returned: failure
  type: list
  elements: str
  sample:
    - "docker_users is a string, but it must be a list (one item per line as '- item', or [item, item])."
"""
