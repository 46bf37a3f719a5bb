#!/usr/bin/python
# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: write_files
short_description: A role's files and directories, each written atomically and only where it differs, in one task
version_added: "0.2.0"
description:
  - Gives each file in O(files) its content, mode, owner and group. A file whose content, mode and owner are already
    right is left alone; any other is written through a scratch file in the same directory that then replaces it,
    so that a reader sees the old content or the new, never a part of it.
  - One task for what would otherwise be one M(ansible.builtin.copy) task per file. On a host that is already right,
    that is one round trip instead of several, which is most of the time a rerun takes.
  - A missing parent directory is created (owner root, O(directory_mode)); an existing one is left as it is.
  - >-
    An item may also be a directory (O(files[].state=directory)) with its mode and owner, or a path to remove
    (O(files[].state=absent)): a file, a link or a whole directory tree. Items are handled in order, so a directory
    comes before the files in it.
  - A link is never followed. A file's link is replaced by the file; a link where a directory should be fails the
    task, before anything changes (root would otherwise re-own what it points to).
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
      state:
        description: V(file), V(directory) or V(absent).
        type: str
        choices: [file, directory, absent]
        default: file
      content:
        description:
          - The whole content, as text (written as UTF-8). A task that writes a secret sets C(no_log).
          - Required for a file; not used otherwise.
        type: str
      force:
        description:
          - V(false), the file or directory is made only where nothing is at O(files[].path); whatever is there is
            left as it is, content, mode and owner included (a file a user may have edited, a directory that
            another package owns).
        type: bool
        default: true
      mode:
        description: Octal permission bits, as a string. Unset, V(0644) for a file and V(0755) for a directory.
        type: str
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
  description: The paths that were written, made, removed, or whose mode or owner were set (in check mode, that would
    be).
  returned: always
  type: list
  elements: str
  sample: [/etc/mlbox/manifest.json]
"""

import grp
import os
import pwd

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mlinabox.stack.plugins.module_utils.files import (
    ensure_directory,
    ensure_file,
    make_parent,
    remove_path,
)


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
                    "state": {"type": "str", "choices": ["file", "directory", "absent"], "default": "file"},
                    "content": {"type": "str"},
                    "force": {"type": "bool", "default": True},
                    "mode": {"type": "str"},
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
        path = item["path"]
        if not os.path.isabs(path):
            module.fail_json(msg=f"{path!r} is not an absolute path. Nothing was changed.")
        if item["state"] == "file" and item["content"] is None:
            module.fail_json(msg=f"{path}: a file needs its content. Nothing was changed.")
        if item["state"] == "directory" and item["force"] and os.path.islink(path):
            module.fail_json(msg=f"{path} is a symbolic link, where a directory should be: remove it (root would "
                                 "otherwise re-own what it points to). Nothing was changed.")
        if item["state"] == "directory" and item["force"] and os.path.lexists(path) and not os.path.isdir(path):
            module.fail_json(msg=f"{path} is not a directory: move it away. Nothing was changed.")
        if item["state"] != "absent":
            default_mode = "0755" if item["state"] == "directory" else "0644"
            item["mode"] = octal(module, item["mode"] or default_mode, path + ": mode")
            item["ids"] = ids(module, item)
        plan.append(item)
    changed = []
    for item in plan:
        if apply(module, item, directory_mode):
            changed.append(item["path"])
    module.exit_json(changed=bool(changed), changed_paths=changed)


def apply(module, item, directory_mode):
    """Give one item its state; True where it changed (in check mode: would change)."""
    path, check_mode = item["path"], module.check_mode
    if item["state"] == "absent":
        return remove_path(path, check_mode)
    if not item["force"] and os.path.lexists(path):
        return False
    parent = os.path.dirname(path)
    if check_mode and (item["ids"] is None or not os.path.isdir(parent)):
        return True  # the owner, or the parent, comes from an earlier step or an earlier item
    make_parent(path, directory_mode)
    if item["state"] == "directory":
        return ensure_directory(path, item["mode"], check_mode, owner=item["ids"])
    return ensure_file(path, item["content"].encode("utf-8"), item["mode"], check_mode, owner=item["ids"])


if __name__ == "__main__":
    main()
