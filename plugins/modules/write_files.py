#!/usr/bin/python
# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: write_files
short_description: Several files of a role, each written atomically and only where it differs, in one task
version_added: "0.2.0"
description:
  - Gives each file in O(files) its content, mode, owner and group. A file whose content, mode and owner are already
    right is left alone; any other is written through a scratch file in the same directory that then replaces it,
    so that a reader sees the old content or the new, never a part of it.
  - One task for what would otherwise be one M(ansible.builtin.copy) task per file. On a host that is already right,
    that is one round trip instead of several, which is most of the time a rerun takes.
  - A missing parent directory is created (owner root, O(directory_mode)); an existing one is left as it is.
author:
  - ML in a Box developers (@mlinabox)
options:
  files:
    description: The files.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: Absolute path of the file.
        type: path
        required: true
      content:
        description:
          - The whole content, as text (written as UTF-8). A task that writes a secret sets C(no_log).
        type: str
        required: true
      mode:
        description: Octal permission bits, as a string (V(0644)).
        type: str
        default: "0644"
      owner:
        description:
          - The file's owner, a user name or a uid. One the host does not know fails, but in check mode, where an
            earlier step would create it (the file is then reported as changed).
        type: str
        default: root
      group:
        description: The file's group, a group name or a gid (as O(files[].owner)).
        type: str
        default: root
  directory_mode:
    description: Mode of the parent directories the module creates.
    type: str
    default: "0755"
attributes:
  check_mode:
    description: Compares as in a real run, writes nothing, and reports what would change.
    support: full
  diff_mode:
    description: No diff (the contents are never shown).
    support: none
notes:
  - The contents are not returned; the module's arguments, contents included, are shown with C(-vvv) unless the task
    sets C(no_log).
seealso:
  - module: ansible.builtin.copy
"""

EXAMPLES = r"""
- name: Write the manifest and the SBOM
  mlinabox.stack.write_files:
    files:
      - path: /etc/mlbox/manifest.json
        content: "{{ manifest | to_nice_json }}\n"
      - path: /etc/mlbox/sbom.cdx.json
        content: "{{ sbom | to_nice_json }}\n"
  register: written
"""

RETURN = r"""
changed_paths:
  description: The files that were written, or whose mode or owner were set (in check mode, that would be).
  returned: always
  type: list
  elements: str
  sample: [/etc/mlbox/manifest.json]
"""

import grp
import os
import pwd

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mlinabox.stack.plugins.module_utils.files import ensure_file


def octal(module, value, name):
    try:
        mode = int(value, 8)
    except (TypeError, ValueError):
        mode = -1
    if not 0 <= mode <= 0o7777:
        module.fail_json(msg=f"{name} {value!r} is not an octal file mode such as '0644'. Nothing was changed.")
    return mode


def lookup_id(name, database):
    """The id of a user or group name (a number is taken as an id); None where the host does not know it."""
    if name.isdigit():
        return int(name)
    try:
        return database.getpwnam(name).pw_uid if database is pwd else database.getgrnam(name).gr_gid
    except KeyError:
        return None


def ids(module, item):
    """The (uid, gid) of an item's owner and group. A name the host does not know fails before anything changes,
    but in check mode, where an earlier step of the run would create that user or group: then None."""
    uid, gid = lookup_id(item["owner"], pwd), lookup_id(item["group"], grp)
    for value, kind, name in ((uid, "user", item["owner"]), (gid, "group", item["group"])):
        if value is None and not module.check_mode:
            module.fail_json(msg=f"{item['path']}: there is no {kind} {name!r} on this host. Nothing was changed.")
    return None if None in (uid, gid) else (uid, gid)


def main():
    module = AnsibleModule(
        argument_spec={
            "files": {
                "type": "list",
                "elements": "dict",
                "required": True,
                "options": {
                    "path": {"type": "path", "required": True},
                    "content": {"type": "str", "required": True},
                    "mode": {"type": "str", "default": "0644"},
                    "owner": {"type": "str", "default": "root"},
                    "group": {"type": "str", "default": "root"},
                },
            },
            "directory_mode": {"type": "str", "default": "0755"},
        },
        supports_check_mode=True,
    )
    directory_mode = octal(module, module.params["directory_mode"], "directory_mode")
    plan = []
    for item in module.params["files"]:
        if not os.path.isabs(item["path"]):
            module.fail_json(msg=f"{item['path']!r} is not an absolute path. Nothing was changed.")
        mode = octal(module, item["mode"], item["path"] + ": mode")
        plan.append((item["path"], item["content"].encode("utf-8"), mode, ids(module, item)))
    changed = []
    for path, data, mode, owner in plan:
        parent = os.path.dirname(path)
        if not os.path.isdir(parent):
            if module.check_mode:
                changed.append(path)
                continue
            os.makedirs(parent, directory_mode)
            os.chmod(parent, directory_mode)
        if owner is None or ensure_file(path, data, mode, module.check_mode, owner=owner):
            changed.append(path)
    module.exit_json(changed=bool(changed), changed_paths=changed)


if __name__ == "__main__":
    main()
