# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The external programs the facts modules run (nvidia-smi, dpkg-query): where to find them, and the locale
they run in (standard library only, Python 3.8+)."""

from __future__ import annotations

import os

# Programs run in the C locale, so that their output parses the same everywhere.
C_LOCALE = {"LANG": "C", "LC_ALL": "C"}


def find_binary(module, option, name):
    """The program a module runs: the path given in its option `option` (which must be an executable file,
    else the module fails naming the option), or `name` looked up on PATH; None when it is not there."""
    binary = module.params[option]
    if binary is None:
        return module.get_bin_path(name)
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        module.fail_json(msg=f"{option}={binary} is not an executable file")
    return binary
