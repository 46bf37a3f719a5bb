#!/usr/bin/python
# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: host_probe
short_description: Several read-only probes of a host in one round trip
version_added: "0.3.0"
description:
  - Answers the questions a role asks before it changes anything (does this path exist and who owns it, what does
    this small file say, which files match, does this user or group exist, what does this program print, what
    listens on this port) in one task instead of one task each. Changes nothing; runs in check mode too.
  - Paths are never followed through a link; O(read) refuses a link or anything but a regular file, so that a
    link planted where a role keeps its file cannot make root read (and log) another file.
  - Its result holds what it read. A task that reads a secret (a token) sets C(no_log), so keep such reads in a
    task of their own.
author:
  - ML in a Box developers (@mlinabox)
options:
  stat:
    description: Paths to describe with C(lstat) (a link is described, not followed).
    type: list
    elements: path
    default: []
  read:
    description: Regular files to read as text (UTF-8, undecodable bytes replaced); a missing file reads as null.
    type: list
    elements: path
    default: []
  max_bytes:
    description: The largest file O(read) accepts; a larger one fails the task.
    type: int
    default: 1048576
  glob:
    description: Shell patterns to expand (Python's C(glob); matches sorted).
    type: list
    elements: str
    default: []
  users:
    description: Local users to look up (the passwd database, as C(getent passwd)).
    type: list
    elements: str
    default: []
  groups:
    description: Local groups to look up (the group database, as C(getent group)).
    type: list
    elements: str
    default: []
  commands:
    description:
      - Programs to run, as a dict of a name for the answer to an argv list, run without a shell, with a C locale.
        A program that is not found answers C(rc) 127. Only read-only commands belong here.
    type: dict
    default: {}
  trusted:
    description:
      - Paths a role will own, write or run, checked as M(mlinabox.stack.path_check) checks them; the task does not
        fail, it returns the problems (RV(trust_problems)) for the role's own assert.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: The path, as the setting gave it (checked for its form too).
        required: true
        type: raw
      var:
        required: true
        type: str
        description: The setting that gave it, which a problem names.
      type:
        choices: [directory, file, program]
        default: directory
        type: str
        description: C(directory) (the role owns it), C(file) (the role writes it) or C(program) (root runs it).
  packages:
    description:
      - dpkg patterns of packages to look up (C(dpkg-query --show)), read as M(mlinabox.stack.dpkg_state) reads them;
        C(["*"]) for every installed package.
    type: list
    elements: str
    default: []
  files_of:
    description: With O(packages), a package whose installed files to list (C(files) in RV(packages)).
    type: str
  ports:
    description: TCP ports to look up, as M(mlinabox.stack.port_holders) does.
    type: list
    elements: dict
    default: []
    suboptions:
      port:
        description: A TCP port (1-65535).
        type: int
        required: true
      unit:
        description: Its owner, a systemd unit such as C(h2o.service); without it every listener is another's.
        type: str
  dpkg_info_dir:
    description: Where dpkg keeps the lists of each package's files, for O(trusted) (tests give another).
    type: path
    default: /var/lib/dpkg/info
  proc:
    description: The procfs mount point O(ports) reads (tests give a fake one).
    type: path
    default: /proc
  http:
    description:
      - A dict of a name for the answer to an C(http://) URL of a service on the host, asked with one GET, never
        through a proxy (the service's own answer, whatever the host's proxy settings). A refused or timed-out
        connection is an answer too (RV(http)), not a failure; a task retries with C(until).
      - A lighter M(ansible.builtin.uri) for a health check that runs on every converge.
    type: dict
    default: {}
  http_timeout:
    description: Seconds O(http) waits for each answer.
    type: int
    default: 10
"""

EXAMPLES = r"""
- name: Read H2O's user, its jar, its Java and what listens on its port
  mlinabox.stack.host_probe:
    stat: [/opt/h2o]
    glob: ["/usr/share/h2o/*.jar"]
    users: [h2o]
    commands:
      java: [java, -version]
    ports:
      - {port: 54321, unit: h2o.service}
  register: __h2o_probe

- name: Say what was found
  ansible.builtin.debug:
    msg: >-
      /opt/h2o is {{ __h2o_probe.stat['/opt/h2o'].type if __h2o_probe.stat['/opt/h2o'].exists else 'missing' }};
      the user h2o {{ 'exists' if __h2o_probe.users.h2o else 'does not exist' }};
      Java says {{ __h2o_probe.commands.java.stderr }};
      port 54321: {{ __h2o_probe.ports['54321'].others | join('; ') or 'free or held by h2o.service' }}
"""

RETURN = r"""
stat:
  description:
    - Per path, C(exists); when it exists also C(type) (C(file), C(directory), C(link) or C(other)), C(mode)
      (such as C(0644)), C(uid), C(gid), C(owner), C(group), C(size), and C(target) for a link.
  type: dict
  returned: when O(stat) is given
read:
  description: Per path, the file's text, or null when it does not exist.
  type: dict
  returned: when O(read) is given
glob:
  description: Per pattern, the sorted list of matching paths.
  type: dict
  returned: when O(glob) is given
users:
  description: Per name, C(uid), C(gid), C(group), C(home) and C(shell), or null when there is no such user.
  type: dict
  returned: when O(users) is given
groups:
  description: Per name, C(gid) and C(members), or null when there is no such group.
  type: dict
  returned: when O(groups) is given
commands:
  description: Per name, C(rc), C(stdout) and C(stderr) of the program.
  type: dict
  returned: when O(commands) is given
trust_problems:
  description: One sentence per problem of the O(trusted) paths, as M(mlinabox.stack.path_check) words them.
  type: list
  elements: str
  returned: when O(trusted) is given
packages:
  description:
    - What M(mlinabox.stack.dpkg_state) returns for O(packages) - C(packages) (each installed package by name,
      with C(version), C(arch) and C(held)), C(config_files), C(unfinished), C(half_installed), C(held),
      C(journal), C(apt_lists), C(apt_unjudged), and with O(files_of) C(files).
  type: dict
  returned: when O(packages) is given
ports:
  description:
    - Per port (as a string), C(listeners), C(ours) and C(others), as M(mlinabox.stack.port_holders) returns them.
  type: dict
  returned: when O(ports) is given
http:
  description:
    - Per name, C(status) (the HTTP status; C(-1) where no answer came), C(json) (the body parsed, where it is JSON;
      else null) and C(error) (why there was no answer or no JSON; empty otherwise).
  type: dict
  returned: when O(http) is given
msg:
  description: With O(http), each URL's status or why it gave none, in one line.
  type: str
  returned: when O(http) is given
"""

import glob
import grp
import http.client
import json
import os
import pwd
import stat as stat_module
import urllib.error
import urllib.request

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mlinabox.stack.plugins.module_utils import dpkg
from ansible_collections.mlinabox.stack.plugins.module_utils.binaries import C_LOCALE
from ansible_collections.mlinabox.stack.plugins.module_utils.listeners import port_holders
from ansible_collections.mlinabox.stack.plugins.module_utils.path_trust import check_path, packaged_paths

TYPES = ((stat_module.S_ISLNK, "link"), (stat_module.S_ISDIR, "directory"), (stat_module.S_ISREG, "file"))


def _name(lookup, number):
    try:
        return lookup(number)[0]
    except KeyError:
        return str(number)


def describe(path):
    """What lstat says of path: {exists: False}, or its type, mode, owner and size."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return {"exists": False}
    kind = next((name for test, name in TYPES if test(info.st_mode)), "other")
    found = {"exists": True, "type": kind, "mode": f"{stat_module.S_IMODE(info.st_mode):04o}",
             "uid": info.st_uid, "gid": info.st_gid, "owner": _name(pwd.getpwuid, info.st_uid),
             "group": _name(grp.getgrgid, info.st_gid), "size": info.st_size}
    if kind == "link":
        found["target"] = os.readlink(path)
    return found


def read_text(path, max_bytes):
    """The text of a regular file, None when it is missing; ValueError for a link, a non-file or a large file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as err:
        if os.path.islink(path):
            raise ValueError(f"{path} is a link: host_probe reads only regular files, never through a link") from err
        raise
    try:
        info = os.fstat(fd)
        if not stat_module.S_ISREG(info.st_mode):
            raise ValueError(f"{path} is not a regular file: host_probe reads only regular files")
        if info.st_size > max_bytes:
            raise ValueError(f"{path} holds {info.st_size} bytes, more than max_bytes ({max_bytes})")
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as handle:
        return handle.read(max_bytes + 1).decode("utf-8", errors="replace")


def user(name):
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return None
    return {"uid": entry.pw_uid, "gid": entry.pw_gid, "group": _name(grp.getgrgid, entry.pw_gid),
            "home": entry.pw_dir, "shell": entry.pw_shell}


def group(name):
    try:
        entry = grp.getgrnam(name)
    except KeyError:
        return None
    return {"gid": entry.gr_gid, "members": list(entry.gr_mem)}


def run(module, argv):
    if not isinstance(argv, list) or not argv or not all(isinstance(arg, (str, int, float)) for arg in argv):
        module.fail_json(msg=f"commands: {argv!r} is not a non-empty argv list of strings.")
    argv = [str(arg) for arg in argv]
    program = argv[0] if os.path.isabs(argv[0]) else module.get_bin_path(argv[0])
    if not program or not os.access(program, os.X_OK):
        return {"rc": 127, "stdout": "", "stderr": f"{argv[0]}: not found"}
    rc, out, err = module.run_command([program, *argv[1:]], environ_update=C_LOCALE, expand_user_and_vars=False)
    return {"rc": rc, "stdout": out, "stderr": err}


def http_get(module, url, timeout):
    """One GET of url, without a proxy: {status, json, error}; no answer is status -1."""
    if not isinstance(url, str) or not url.startswith("http://"):
        module.fail_json(msg=f"http: {url!r} is not an http:// URL.")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as answer:
            status, body = answer.status, answer.read(1048576)
    except urllib.error.HTTPError as err:
        return {"status": err.code, "json": None, "error": str(err)}
    except (OSError, ValueError, http.client.HTTPException) as err:
        return {"status": -1, "json": None, "error": str(err)}
    try:
        return {"status": status, "json": json.loads(body), "error": ""}
    except ValueError as err:
        return {"status": status, "json": None, "error": f"the answer is not JSON: {err}"}


def packages(module, patterns, files_of):
    return dpkg.read_state(module, module.get_bin_path("dpkg-query"), [] if patterns == ["*"] else patterns,
                           files_of=files_of)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            stat=dict(type="list", elements="path", default=[]),
            read=dict(type="list", elements="path", default=[]),
            max_bytes=dict(type="int", default=1048576),
            glob=dict(type="list", elements="str", default=[]),
            users=dict(type="list", elements="str", default=[]),
            groups=dict(type="list", elements="str", default=[]),
            commands=dict(type="dict", default={}),
            trusted=dict(type="list", elements="dict", default=[], options=dict(
                var=dict(type="str", required=True),
                path=dict(type="raw", required=True),
                type=dict(type="str", choices=["directory", "file", "program"], default="directory"),
            )),
            dpkg_info_dir=dict(type="path", default="/var/lib/dpkg/info"),
            packages=dict(type="list", elements="str", default=[]),
            files_of=dict(type="str"),
            ports=dict(type="list", elements="dict", default=[],
                       options=dict(port=dict(type="int", required=True), unit=dict(type="str"))),
            proc=dict(type="path", default="/proc"),
            http=dict(type="dict", default={}),
            http_timeout=dict(type="int", default=10),
        ),
        supports_check_mode=True,
    )
    params = module.params
    result = {"changed": False}
    if params["stat"]:
        result["stat"] = {path: describe(path) for path in params["stat"]}
    if params["read"]:
        try:
            result["read"] = {path: read_text(path, params["max_bytes"]) for path in params["read"]}
        except (ValueError, OSError) as err:
            module.fail_json(msg=str(err))
    if params["glob"]:
        result["glob"] = {pattern: sorted(glob.glob(pattern)) for pattern in params["glob"]}
    if params["users"]:
        result["users"] = {name: user(name) for name in params["users"]}
    if params["groups"]:
        result["groups"] = {name: group(name) for name in params["groups"]}
    if params["commands"]:
        result["commands"] = {name: run(module, argv) for name, argv in params["commands"].items()}
    if params["trusted"]:
        packaged = packaged_paths(params["dpkg_info_dir"])
        result["trust_problems"] = [problem for item in params["trusted"]
                                    for problem in check_path(item["var"], item["path"], item["type"], packaged)]
    if params["packages"]:
        result["packages"] = packages(module, params["packages"], params["files_of"])
    if params["ports"]:
        result["ports"] = {}
        for item in params["ports"]:
            if not 1 <= item["port"] <= 65535:
                module.fail_json(msg=f"port {item['port']} is not a TCP port (1-65535).")
            result["ports"][str(item["port"])] = port_holders(params["proc"], item["port"], item["unit"])
    if params["http"]:
        result["http"] = {name: http_get(module, url, params["http_timeout"]) for name, url in params["http"].items()}
        # What a task that retries until an answer is right shows when it gives up.
        result["msg"] = "; ".join(
            f"GET {url}: " + (f"status {answer['status']}" if answer["status"] != -1 else "no answer")
            + (f" ({answer['error']})" if answer["error"] else "")
            for url, answer in zip(params["http"].values(), result["http"].values()))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
