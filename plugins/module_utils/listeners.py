# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which processes listen on a TCP port, and which systemd unit each belongs to (the port_holders module).

Reads <proc>/net/tcp and tcp6 (LISTEN sockets), finds the processes that hold each socket through
<proc>/<pid>/fd and their unit in <proc>/<pid>/cgroup. Root without CAP_SYS_PTRACE (in a container) cannot read
another user's /proc/<pid>/fd: a socket found in no readable fd is then given to the processes of its owner
(the uid in /proc/net/tcp) whose fds could not be read. A socket of another PID namespace (the host of a
container that shares its network) has no process here at all.

Standard library only; runs on the target with the oldest Python of the supported distributions.
"""

from __future__ import annotations

import ipaddress
import os

LISTEN = "0A"


def parse_address(hex_address):
    """'0100007F:1F90' or a 32-digit IPv6 form -> (ip_address, port). The kernel prints each 32-bit word of the
    address in host (little-endian) order."""
    host, port = hex_address.split(":")
    raw = bytes.fromhex(host)
    swapped = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
    return ipaddress.ip_address(swapped), int(port, 16)


def is_loopback(address):
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def listening_sockets(proc, port=None):
    """[{inode, address, port, uid}] of the TCP sockets in LISTEN state (on `port` when given)."""
    found = []
    for name in ("tcp", "tcp6"):
        try:
            with open(os.path.join(proc, "net", name), encoding="ascii") as table:
                lines = table.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 10 or fields[3] != LISTEN:
                continue
            address, number = parse_address(fields[1])
            if port is None or number == port:
                found.append({"inode": fields[9], "address": address, "port": number, "uid": int(fields[7])})
    return found


def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return ""


def unit_of(proc, pid):
    """The systemd unit (a .service or .scope) of a process, from its cgroup; '' when none."""
    for line in _read(os.path.join(proc, str(pid), "cgroup")).splitlines():
        for part in reversed(line.split(":", 2)[-1].split("/")):
            if part.endswith((".service", ".scope")):
                return part
    return ""


def uid_of(proc, pid):
    for line in _read(os.path.join(proc, str(pid), "status")).splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    return None


def socket_holders(proc, inodes):
    """({inode: [pids that hold it]}, [pids whose fds could not be read])."""
    holders = {inode: [] for inode in inodes}
    unreadable = []
    for pid in sorted(filter(str.isdigit, os.listdir(proc)), key=int):
        fd_dir = os.path.join(proc, pid, "fd")
        try:
            fds = os.listdir(fd_dir)
        except PermissionError:
            unreadable.append(int(pid))
            continue
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(os.path.join(fd_dir, fd))
            except PermissionError:
                unreadable.append(int(pid))
                break
            except OSError:
                continue
            inode = target[8:-1] if target.startswith("socket:[") else None
            if inode in holders and int(pid) not in holders[inode]:
                holders[inode].append(int(pid))
    return holders, unreadable


def listeners(proc="/proc", port=None):
    """Every listening TCP socket (on `port` when given), with its processes and their units:
    [{address, port, uid, loopback, pids, units, holders}], sorted by port and address."""
    sockets = listening_sockets(proc, port)
    holders, unreadable = socket_holders(proc, [s["inode"] for s in sockets])
    found = []
    for s in sorted(sockets, key=lambda item: (item["port"], str(item["address"]))):
        pids = holders[s["inode"]] or [pid for pid in unreadable if uid_of(proc, pid) == s["uid"]]
        units = [unit_of(proc, pid) for pid in pids]
        names = [_read(os.path.join(proc, str(pid), "comm")).strip() or "?" for pid in pids]
        where = f"[{s['address']}]:{s['port']}" if s["address"].version == 6 else f"{s['address']}:{s['port']}"
        found.append({
            "address": str(s["address"]),
            "port": s["port"],
            "where": where,
            "uid": s["uid"],
            "loopback": is_loopback(s["address"]),
            "pids": pids,
            "units": units,
            "holders": [f"{name} (pid {pid}, unit {unit or 'none'})" for name, pid, unit in zip(names, pids, units)]
            or [f"a process this host cannot see (uid {s['uid']}; another PID namespace)"],
        })
    return found


def split_by_unit(found, unit):
    """(listeners held only by `unit`'s processes, descriptions of the others: another unit's or an unseen
    process's)."""
    ours, others = [], []
    for listener in found:
        if listener["pids"] and all(u == unit for u in listener["units"]):
            ours.append(listener)
        else:
            others.append(f"{', '.join(listener['holders'])} on {listener['where']}")
    return ours, others


def port_holders(proc, port, unit):
    """What the port_holders module (and host_probe's ports) answer for one TCP port (every port with None):
    {listeners, ours, others}, `unit` the systemd unit whose processes may hold it (None: no unit's)."""
    found = listeners(proc, port)
    ours, others = split_by_unit(found, unit or "\0")
    return {"listeners": found, "ours": ours, "others": others}
