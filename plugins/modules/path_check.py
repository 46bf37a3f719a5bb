#!/usr/bin/python
# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: path_check
short_description: Check that root may own, write or run the paths a role is given, before any change
version_added: "0.3.0"
description:
  - Each role passes the paths it creates, writes or runs as root, with the variable that set each, from its
    preflight. The module changes nothing and fails with one sentence per problem, naming the variable and the
    fix.
  - A path must be absolute and normalised, with no whitespace or control character.
  - A directory or file the role owns or writes must not be a system directory (such as C(/tmp), C(/var/lib),
    C(/usr/local)), a system file (such as C(/etc/shadow)) or a path an installed Debian package lists.
  - The path, where it exists, and every directory above it must be owned by root and not writable by group
    (other than root's group) or others, symbolic links and their targets included. Otherwise another user
    could replace what root writes or runs.
author:
  - ML in a Box developers (@mlinabox)
options:
  paths:
    description: The paths to check.
    type: list
    elements: dict
    required: true
    suboptions:
      var:
        description: The variable that set the path, named in messages.
        type: str
        required: true
      path:
        description: The path on the target.
        type: raw
        required: true
      type:
        description:
          - C(directory) for a directory the role creates and owns, C(file) for a file it writes, C(program)
            for a file root runs.
        type: str
        choices: [directory, file, program]
        default: directory
  dpkg_info_dir:
    description: Where dpkg keeps the lists of each package's files (tests point it elsewhere).
    type: path
    default: /var/lib/dpkg/info
"""

EXAMPLES = r"""
- name: Check the directories this role owns and the programs root runs from them
  mlinabox.stack.path_check:
    paths:
      - {var: python_stack_tools_dir, path: "{{ python_stack_tools_dir }}", type: directory}
      - {var: python_stack_tools_dir, path: "{{ python_stack_tools_dir }}/bin/uv", type: program}
      - {var: python_stack_jupyter_token_file, path: "{{ python_stack_jupyter_token_file }}", type: file}
"""

RETURN = r"""
problems:
  description: One sentence per problem found (empty when every path may be used).
  type: list
  elements: str
  returned: always
checked:
  description: The number of paths checked.
  type: int
  returned: always
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mlinabox.stack.plugins.module_utils.path_trust import check_path, packaged_paths


def main():
    module = AnsibleModule(
        argument_spec=dict(
            paths=dict(type="list", elements="dict", required=True, options=dict(
                var=dict(type="str", required=True),
                path=dict(type="raw", required=True),
                type=dict(type="str", choices=["directory", "file", "program"], default="directory"),
            )),
            dpkg_info_dir=dict(type="path", default="/var/lib/dpkg/info"),
        ),
        supports_check_mode=True,
    )
    packaged = packaged_paths(module.params["dpkg_info_dir"])
    problems = []
    for item in module.params["paths"]:
        problems += check_path(item["var"], item["path"], item["type"], packaged)
    if problems:
        module.fail_json(msg=" ".join(problems), problems=problems, checked=len(module.params["paths"]))
    module.exit_json(changed=False, problems=[], checked=len(module.params["paths"]))


if __name__ == "__main__":
    main()
