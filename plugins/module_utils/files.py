# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writing a file on the host so that a reader sees the old content or the new, never a part of it."""

from __future__ import annotations

import os
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
