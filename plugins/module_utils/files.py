# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writing a file on the host so that a reader sees the old content or the new, never a part of it, and only
when its content, mode or owner differ; a directory with its mode and owner; removing a path."""

from __future__ import annotations

import os
import shutil
import tempfile


def replace_file(path, data, mode, owner=None):
    """Write the bytes `data` to `path` with `mode` (and `owner`, a (uid, gid) pair, where given) through a scratch
    file in the same directory that then replaces it; the scratch file is removed when anything fails."""
    handle, scratch = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".mlbox-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(scratch, mode)
        if owner is not None:
            os.chown(scratch, *owner)
        os.replace(scratch, path)
    except BaseException:
        if os.path.exists(scratch):
            os.unlink(scratch)
        raise


def ensure_file(path, data, mode, check_mode, owner=(0, 0)):
    """Give `path` the bytes `data`, `mode` and `owner` (uid, gid), atomically, where any of them differ; True where
    something changed (or, in check mode, would change)."""
    try:
        info = os.lstat(path)  # a link is replaced, never followed
        with open(path, "rb") as handle:
            same = handle.read() == data
        same = (same and not os.path.islink(path) and (info.st_mode & 0o7777) == mode
                and (info.st_uid, info.st_gid) == tuple(owner))
    except OSError:
        same = False
    if same:
        return False
    if not check_mode:
        replace_file(path, data, mode, owner=owner)
    return True


def ensure_directory(path, mode, check_mode, owner=(0, 0)):
    """Make `path` a directory with `mode` and `owner` (uid, gid) where it is missing or any of them differ; True
    where something changed (or, in check mode, would change). A link at `path` is never followed: ValueError (a
    user who owns the parent could otherwise point it at /etc and have root re-own that)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        if not check_mode:
            os.mkdir(path, mode)
            os.chmod(path, mode)  # mkdir's mode passes through the umask
            os.chown(path, *owner, follow_symlinks=False)
        return True
    if os.path.islink(path) or not os.path.isdir(path):
        raise ValueError(f"{path} is {'a symbolic link' if os.path.islink(path) else 'not a directory'}")
    if (info.st_mode & 0o7777, info.st_uid, info.st_gid) == (mode, *owner):
        return False
    if not check_mode:
        os.chown(path, *owner, follow_symlinks=False)
        os.chmod(path, mode)
    return True


def remove_path(path, check_mode):
    """Remove a file, a link (not what it points to) or a directory tree at `path`; True where there was one."""
    if not os.path.lexists(path):
        return False
    if not check_mode:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    return True


def make_parent(path, mode):
    """Create the missing parent directory of `path` (and those above it) with `mode`, umask aside; an existing one
    is left as it is."""
    parent = os.path.dirname(path)
    if not os.path.isdir(parent):
        os.makedirs(parent, mode)
        os.chmod(parent, mode)
