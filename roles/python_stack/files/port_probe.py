# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read-only: which processes listen on a TCP port, and which systemd unit each belongs to.

Usage: port_probe.py PORT
Prints one JSON object: {"listeners": [{"address": "127.0.0.1", "pids": [123], "holders": ["python3 (pid 123,
unit jupyterlab.service)"], "units": ["jupyterlab.service"]}, ...]}. Reads /proc/net/tcp and tcp6 (LISTEN
sockets), finds the processes that hold each socket in /proc/<pid>/fd and their unit in /proc/<pid>/cgroup.
A socket whose process this host cannot see (another PID namespace) has no pids. Root without CAP_SYS_PTRACE
(a container) cannot read another user's /proc/<pid>/fd: a socket found in no readable fd is then given to the
processes of its owner (the uid in /proc/net/tcp) whose fds could not be read. Runs with the system python3,
standard library only, as root.
"""

import json
import os
import socket
import sys


def listening(port):
    """{inode: (address, uid)} of the TCP sockets in LISTEN state on port."""
    found = {}
    for name, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        try:
            with open(f"/proc/net/{name}", encoding="ascii") as handle:
                lines = handle.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, uid, inode = fields[1], fields[3], fields[7], fields[9]
            address, hex_port = local.split(":")
            if state != "0A" or int(hex_port, 16) != port:
                continue
            raw = bytes.fromhex(address)
            # /proc/net prints each 32-bit word in host (little-endian) order.
            raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
            found[inode] = (socket.inet_ntop(family, raw), int(uid))
    return found


def unit_of(pid):
    try:
        with open(f"/proc/{pid}/cgroup", encoding="utf-8") as handle:
            for line in handle:
                path = line.rstrip("\n").split(":", 2)[-1]
                for part in reversed(path.split("/")):
                    if part.endswith((".service", ".scope")):
                        return part
    except OSError:
        pass
    return ""


def command_of(pid):
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError:
        return "?"


def uid_of(pid):
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("Uid:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def main(port):
    sockets = listening(port)
    holders = {inode: [] for inode in sockets}
    unreadable = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except PermissionError:
            unreadable.append(int(pid))
            continue
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except PermissionError:
                unreadable.append(int(pid))
                break
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in holders and int(pid) not in holders[target[8:-1]]:
                holders[target[8:-1]].append(int(pid))
    listeners = []
    for inode, (address, uid) in sorted(sockets.items()):
        pids = sorted(holders[inode]) or sorted(pid for pid in unreadable if uid_of(pid) == uid)
        units = [unit_of(pid) for pid in pids]
        listeners.append({
            "address": address,
            "pids": pids,
            "units": units,
            "holders": [f"{command_of(pid)} (pid {pid}, unit {unit or 'none'})" for pid, unit in zip(pids, units)]
            or ["a process outside this host's view (another PID namespace)"],
        })
    print(json.dumps({"listeners": listeners}, sort_keys=True))


if __name__ == "__main__":
    main(int(sys.argv[1]))
