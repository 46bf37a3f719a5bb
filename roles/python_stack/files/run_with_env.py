# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run one command with environment variables that may hold secrets (index URLs with credentials, proxies).

The python_stack role runs it as `python3 -c <this file>` from ansible.builtin.command (no_log) and writes one
JSON object to its standard input: {"argv": [...], "env": {...}, "stdin": "..."}. Ansible's `environment`
keyword would put the variables on the command line of the shell that starts the module (visible in ps and at
-vvv); here they travel inside the module's arguments and reach the command only through its environment.
The command's output is passed on with the user:password@ part of every URL replaced by ***@, and its exit
status is this one's. Standard library only.
"""

import json
import os
import re
import subprocess
import sys

USERINFO = re.compile(r"(?i)([a-z][a-z0-9+.-]*://)[^/@\s]*@")


def mask(data):
    return USERINFO.sub(r"\1***@", data.decode("utf-8", "replace"))


def main():
    request = json.load(sys.stdin)
    env = dict(os.environ)
    env.update({key: str(value) for key, value in request.get("env", {}).items()})
    done = subprocess.run(request["argv"], input=request.get("stdin", "").encode(), env=env,
                          capture_output=True, check=False)
    sys.stdout.write(mask(done.stdout))
    sys.stderr.write(mask(done.stderr))
    sys.exit(done.returncode)


main()
