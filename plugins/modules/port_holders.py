#!/usr/bin/python
# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: port_holders
short_description: Which processes, of which systemd unit, listen on a TCP port
version_added: "0.3.0"
description:
  - Reads the kernel's table of listening TCP sockets and finds the processes that hold each one and their
    systemd unit. Changes nothing.
  - A role checks before a change that its port is free or held by its own service, and after a (re)start that
    its service, and only it, holds the port (something answering is not enough).
  - Root without CAP_SYS_PTRACE (in a container) cannot see which of another user's processes holds a socket;
    the socket is then given to the processes of its owner that could not be read. A socket of another PID
    namespace has no process here and counts as another program's.
author:
  - ML in a Box developers (@mlinabox)
options:
  port:
    description: The TCP port. Omitted, every listening socket is returned.
    type: int
  unit:
    description: The systemd unit whose processes may hold the port (such as C(jupyterlab.service)).
    type: str
  proc:
    description: Where procfs is mounted (tests point it elsewhere).
    type: path
    default: /proc
"""

EXAMPLES = r"""
- name: Find what listens on JupyterLab's port
  mlinabox.stack.port_holders:
    port: 8888
    unit: jupyterlab.service
  register: __jupyter_port

- name: Check that no other program holds it
  ansible.builtin.assert:
    that: __jupyter_port.others | length == 0
    fail_msg: "Port 8888 is held by {{ __jupyter_port.others | join('; ') }}"
"""

RETURN = r"""
listeners:
  description: The listening sockets, each with C(address), C(port), C(where) (address:port), C(uid) (the socket's
    owner), C(loopback), C(pids), C(units) and C(holders) (one description per process).
  type: list
  elements: dict
  returned: always
ours:
  description: The listeners that only processes of O(unit) hold (empty without O(unit)).
  type: list
  elements: dict
  returned: always
others:
  description: One description per listener held by anything else (with O(unit)), or per listener (without).
  type: list
  elements: str
  returned: always
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mlinabox.stack.plugins.module_utils.listeners import port_holders


def main():
    module = AnsibleModule(
        argument_spec=dict(
            port=dict(type="int"),
            unit=dict(type="str"),
            proc=dict(type="path", default="/proc"),
        ),
        supports_check_mode=True,
    )
    port = module.params["port"]
    if port is not None and not 1 <= port <= 65535:
        module.fail_json(msg=f"port {port} is not a TCP port (1-65535).")
    module.exit_json(changed=False, **port_holders(module.params["proc"], port, module.params["unit"]))


if __name__ == "__main__":
    main()
