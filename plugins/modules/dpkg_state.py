#!/usr/bin/python
# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: dpkg_state
short_description: What dpkg knows of some packages (installed versions, holds, unfinished work), and apt's lists
version_added: "0.2.0"
description:
  - Reads dpkg's database through C(dpkg-query) and returns the packages that match O(patterns), the installed
    ones with their versions and holds, those removed with their configuration files left, and those whose
    installation or removal dpkg has not finished. Changes nothing, and runs the same in check mode.
  - >-
    It also says whether dpkg's journal holds unfinished work (RV(journal)) and whether apt has any package lists
    (RV(apt_lists)). Without lists, as a fresh image from debootstrap or a cloud comes, check mode cannot judge an
    install (C(No package matching)): RV(apt_unjudged) is then true, and the roles leave the install to the real
    run, which updates the lists first.
  - The roles read dpkg's state only through this module (one query and one parser, in
    C(plugins/module_utils/dpkg.py)).
author:
  - ML in a Box developers (@mlinabox)
options:
  patterns:
    description:
      - dpkg's shell-style package patterns (C(nvidia-*), C(libcuda1)). Empty, every package dpkg knows.
      - A pattern that matches nothing is not an error.
    type: list
    elements: str
    default: []
  files_of:
    description: A package whose installed files to list in RV(files) (as C(dpkg-query --listfiles)).
    type: str
  dpkg_query:
    description: The dpkg-query program (tests point it elsewhere). Default, C(dpkg-query) on PATH.
    type: path
  admin_dir:
    description:
      - dpkg's database directory, which C(dpkg-query) reads (C(--admindir)) and whose C(updates/) is dpkg's journal
        (tests point it elsewhere). Default, dpkg's own (C(/var/lib/dpkg)).
    type: path
  lists_dir:
    description: apt's package lists directory (tests point it elsewhere).
    type: path
    default: /var/lib/apt/lists
"""

EXAMPLES = r"""
- name: Read the installed cuDNN packages
  mlinabox.stack.dpkg_state:
    patterns: [cudnn9-*, libcudnn9-*]
  register: __cudnn_dpkg

- name: Note the installed cuDNN version
  ansible.builtin.debug:
    msg: "{{ __cudnn_dpkg.packages['libcudnn9-cuda-12'].version | default('not installed') }}"
"""

RETURN = r"""
packages:
  description: The packages installed on disk (dpkg state C(i), whatever is wanted of them; C(hi) when held), by
    name, each with C(version), C(arch) and C(held).
  type: dict
  returned: always
  sample: {"libcudnn9-cuda-12": {"version": "9.10.2.21-1", "arch": "amd64", "held": true}}
config_files:
  description: Removed packages whose configuration files are left (C(rc)).
  type: list
  elements: str
  returned: always
unfinished:
  description: Packages in a state dpkg has not finished (half installed, unpacked, half configured, awaiting or
    pending triggers), as after an interrupted run.
  type: list
  elements: str
  returned: always
half_installed:
  description: The unfinished packages whose unpacking broke off; only reinstalling them repairs them.
  type: list
  elements: str
  returned: always
held:
  description: The packages marked hold, installed or not.
  type: list
  elements: str
  returned: always
files:
  description: The installed files of O(files_of), in dpkg's order; empty when it is not installed.
  type: list
  elements: str
  returned: when O(files_of) is set
journal:
  description: The number of entries in dpkg's journal (C(updates/) under O(admin_dir)); more than 0 after a run
    that dpkg did not finish, which C(dpkg --configure -a) completes.
  type: int
  returned: always
apt_lists:
  description: Whether O(lists_dir) holds any package list (C(*_Packages*)), that is, whether apt can judge an
    install without an update first.
  type: bool
  returned: always
apt_unjudged:
  description: True in check mode when apt has no package lists (RV(apt_lists) false). Check mode updates none, so
    apt cannot judge an install in this run (C(No package matching)); the real run updates the lists first.
  type: bool
  returned: always
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mlinabox.stack.plugins.module_utils import dpkg
from ansible_collections.mlinabox.stack.plugins.module_utils.binaries import find_binary


def main():
    module = AnsibleModule(
        argument_spec={
            "patterns": {"type": "list", "elements": "str", "default": []},
            "files_of": {"type": "str"},
            "dpkg_query": {"type": "path"},
            "admin_dir": {"type": "path"},
            "lists_dir": {"type": "path", "default": "/var/lib/apt/lists"},
        },
        supports_check_mode=True,
    )
    binary = find_binary(module, "dpkg_query", "dpkg-query")
    admindir = module.params["admin_dir"]  # None: dpkg-query's own
    result = dpkg.read_state(module, binary, module.params["patterns"], admindir=admindir,
                             lists_dir=module.params["lists_dir"], files_of=module.params["files_of"])
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
