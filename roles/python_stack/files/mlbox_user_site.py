# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Packages of a user's own in a shared ML in a Box environment (python_stack_user_packages).

The python_stack role puts this module, and a .pth file that imports it, in the site-packages of each
environment it builds. The environments are root's and stay as the role built them; each user gets a
directory of their own per environment:

    ~/.local/share/mlbox/envs/<environment>/lib/pythonX.Y/site-packages   (scripts in .../bin)

At interpreter start this module puts that directory on sys.path, before the environment's own
site-packages (as Python's user site comes before the system's), and points pip at it (PIP_PREFIX). So
`pip install <pkg>` in a shell and `%pip install <pkg>` in a notebook install for that user only, and the
package imports at once and after a restart. Root's pip goes to root's own directory too: the environments change
only through the role. A PIP_PREFIX the user set to somewhere else is left alone.

pip sees the environment's own packages as installed and does not install them again. Two things pip cannot
do across the two directories: upgrade a package the environment has (it would have to remove root's copy;
`pip install --ignore-installed <pkg>==<version>` puts the other version in the user's directory, where it
comes first) and uninstall a user's package (remove its files from the directory above, or the directory).
"""

import os
import pwd
import sys


def _setup():
    # The home directory of the user the interpreter runs as, from the password database, never $HOME: root
    # running this Python with another user's HOME (su without -, sudo -E) must not import that user's files.
    try:
        home = pwd.getpwuid(os.geteuid()).pw_dir
    except KeyError:
        return
    if not os.path.isabs(home):
        return
    root = os.path.join(home, ".local", "share", "mlbox", "envs")
    prefix = os.path.join(root, os.path.basename(sys.prefix))
    site_dir = os.path.join(prefix, "lib", "python{}.{}".format(*sys.version_info[:2]), "site-packages")
    # Made for users other than root, so that a package installed in a running kernel imports at once (Python
    # remembers a directory that did not exist when it started as one to skip). Root's Python runs also come
    # from Ansible's probes, which should leave nothing in /root.
    if os.geteuid() != 0:
        try:
            os.makedirs(site_dir, exist_ok=True)
        except OSError:
            return
    if os.path.isdir(site_dir) and site_dir not in sys.path:
        position = next((i for i, entry in enumerate(sys.path) if entry.startswith(sys.prefix + os.sep)), len(sys.path))
        sys.path.insert(position, site_dir)
    current = os.environ.get("PIP_PREFIX", "")
    if not current or current.startswith(root + os.sep):
        os.environ["PIP_PREFIX"] = prefix


try:
    _setup()
except Exception:  # never stop the interpreter from starting
    pass
