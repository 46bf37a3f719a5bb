# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Whether root may write a path a role owns, or run a program from it (the path_check module's logic).

Three rules, each with a message that names the variable and the fix:

- the path is absolute and normalised: no relative part, no '.', '..', '//', trailing '/', whitespace or
  control character (a newline in a path is a hidden second line in every config file that holds it);
- a directory or file a role creates, re-owns or writes is not a system directory (/, /tmp, /var/lib, /usr,
  ...) and not a path a Debian package installed: a role sets owner and mode on what it owns, and doing so on
  /tmp or /var/lib breaks the host for everyone;
- the path, where it exists, and every directory above it are owned by root and not writable by group or
  others (group root aside), the targets of symbolic links included: otherwise another user can replace what
  root writes or runs (a planted tools/bin/uv in a user-owned /opt/mlbox runs as root).

Standard library only; runs on the target with the oldest Python of the supported distributions.
"""

from __future__ import annotations

import os
import stat

TYPES = ("directory", "file", "program")

# Directories of the system layout (FHS and the Debian policy): no role may own, re-own or replace them.
SYSTEM_DIRECTORIES = frozenset("""
/ /bin /boot /dev /etc /home /lib /lib32 /lib64 /libx32 /media /mnt /opt /proc /root /run /sbin /srv /sys /tmp
/usr /usr/bin /usr/games /usr/include /usr/lib /usr/lib32 /usr/lib64 /usr/libexec /usr/libx32 /usr/local
/usr/local/bin /usr/local/etc /usr/local/games /usr/local/include /usr/local/lib /usr/local/man /usr/local/sbin
/usr/local/share /usr/local/src /usr/sbin /usr/share /usr/src
/var /var/backups /var/cache /var/lib /var/local /var/lock /var/log /var/mail /var/opt /var/run /var/spool
/var/tmp /var/lib/dpkg /var/lib/apt /var/cache/apt /var/lib/systemd
/etc/apt /etc/default /etc/systemd /etc/systemd/system /etc/ssl /etc/ssh /etc/sudoers.d /etc/profile.d
/etc/cron.d /etc/security /etc/pam.d /etc/docker
""".split())

# Files of the system that no role may write in place of its own (a token file set to /etc/shadow).
SYSTEM_FILES = frozenset("""
/etc/passwd /etc/shadow /etc/group /etc/gshadow /etc/sudoers /etc/hosts /etc/hostname /etc/fstab
/etc/resolv.conf /etc/environment /etc/profile /etc/bash.bashrc /etc/crontab /etc/machine-id /etc/os-release
/etc/ld.so.preload /etc/ld.so.conf /etc/pip.conf /etc/apt/sources.list /etc/ssh/sshd_config
""".split())


def form_problem(path):
    """Why a path setting is malformed, or '' when it is absolute and normalised."""
    if not isinstance(path, str) or not path:
        return "is empty: give an absolute path"
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in path):
        return "holds whitespace or a control character (a newline, a tab): give a plain absolute path"
    if not path.startswith("/"):
        return "is a relative path: give an absolute path (it is read on the target, as root)"
    if path != "/" and (path.endswith("/") or os.path.normpath(path) != path or path.startswith("//")):
        return f"is not normalised (a trailing '/', '//', '.' or '..'): write it as {os.path.normpath(path)}"
    return ""


def packaged_paths(info_dir="/var/lib/dpkg/info"):
    """The paths that installed Debian packages list (dpkg's *.list files), as a set; empty where no dpkg."""
    found = set()
    try:
        names = os.listdir(info_dir)
    except OSError:
        return found
    for name in names:
        if name.endswith(".list"):
            try:
                with open(os.path.join(info_dir, name), "rb") as listing:
                    found.update(line.rstrip(b"\n").decode("utf-8", "replace") for line in listing)
            except OSError:
                continue
    return found


def ancestors(path):
    """'/a/b/c' -> ['/', '/a', '/a/b'] (the directories above a path)."""
    parts = path.strip("/").split("/")
    return ["/"] + ["/" + "/".join(parts[:i]) for i in range(1, len(parts))]


def trust_problem(path, lstat=os.lstat, readlink=os.readlink, _depth=0):
    """Why root must not trust `path` (an existing file or directory): '' when it and its target are owned by
    root and not writable by group (other than root's) or others. Follows a symbolic link to its target."""
    try:
        info = lstat(path)
    except FileNotFoundError:
        return ""
    except OSError as error:
        return f"{path} cannot be read ({error.strerror})"
    if stat.S_ISLNK(info.st_mode):
        if info.st_uid != 0:
            return f"{path} is a symbolic link owned by uid {info.st_uid}, not root"
        if _depth > 20:
            return f"{path}: too many levels of symbolic links"
        target = os.path.normpath(os.path.join(os.path.dirname(path), readlink(path)))
        for directory in [*ancestors(target), target]:
            problem = trust_problem(directory, lstat, readlink, _depth + 1)
            if problem:
                return f"{problem} (the target of {path})" if directory == target else problem
        return ""
    if info.st_uid != 0:
        return f"{path} is owned by uid {info.st_uid}, not root"
    if info.st_mode & stat.S_IWOTH:
        return f"{path} is writable by others (mode {stat.S_IMODE(info.st_mode):o})"
    if info.st_mode & stat.S_IWGRP and info.st_gid != 0:
        return f"{path} is writable by group {info.st_gid} (mode {stat.S_IMODE(info.st_mode):o})"
    return ""


def check_path(var, path, kind, packaged=frozenset(), *, lstat=os.lstat, readlink=os.readlink):
    """The problems of one path setting, each a sentence that names `var` and the fix ([] when fine).

    kind: directory (a role creates and owns it), file (a role writes it), program (root runs it)."""
    problem = form_problem(path)
    if problem:
        return [f"{var} is {path!r}, which {problem}."]
    problems = []
    if kind in ("directory", "file") and (path in SYSTEM_DIRECTORIES or path in SYSTEM_FILES or path in packaged):
        what = ("a system directory" if path in SYSTEM_DIRECTORIES else
                "a system file" if path in SYSTEM_FILES else "a path that an installed Debian package owns")
        problems.append(
            f"{var} is {path}, {what}: the role sets the owner and mode of what it owns, which would change it "
            "for every user of the host. Give it a path of its own, such as /opt/mlbox/<name> or /etc/mlbox/<name>.")
        return problems
    for directory in [*ancestors(path), path]:
        problem = trust_problem(directory, lstat, readlink)
        if problem:
            if directory == path and kind == "program":
                role = "root would run it"
            elif directory == path:
                role = "root would write into it" if kind == "directory" else "root would overwrite it"
            else:
                role = f"it is above {path}, which root {'runs' if kind == 'program' else 'writes'}"
            verb = "runs" if kind == "program" else "writes"
            problems.append(
                f"{var} ({path}): {problem}, and {role}; another user could replace what root {verb}. Make it "
                "root's and not writable by others (chown root:root, chmod go-w), or choose another path.")
            break
    return problems
