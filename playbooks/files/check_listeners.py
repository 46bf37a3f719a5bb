"""List the TCP sockets that listen on a non-loopback address, and fail on any whose port was not opted in.

    python3 check_listeners.py [--allow-ports 22,...] [--proc /proc]

Reads <proc>/net/tcp and tcp6 (state 0A, LISTEN) and names each socket's owner where <proc>/<pid>/fd shows it.
Every listener beyond loopback counts, whatever its owner: one whose owner is not visible (another PID
namespace) fails like any other unless its port is allowed, and a program's name decides nothing (any
process can call itself sshd). Exit 0: every listener beyond loopback is on an allowed port.
Standard library only; runs on the target with the system python3.
"""

import argparse
import ipaddress
import os
import sys

LISTEN = "0A"


def parse_address(hex_address):
    """'0100007F:1F90' or a 32-digit IPv6 form -> (ip_address, port). The kernel prints each 32-bit word
    of the address in host (little-endian) order."""
    host, port = hex_address.split(":")
    raw = bytes.fromhex(host)
    swapped = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
    return ipaddress.ip_address(swapped), int(port, 16)


def is_loopback(address):
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def listening_sockets(proc):
    """{inode: (address, port)} of the TCP sockets in LISTEN state."""
    found = {}
    for name in ("tcp", "tcp6"):
        try:
            with open(os.path.join(proc, "net", name)) as table:
                lines = table.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == LISTEN:
                found[fields[9]] = parse_address(fields[1])
    return found


def socket_owners(proc):
    """{inode: program name} for the sockets of the processes visible in proc."""
    owners = {}
    for pid in os.listdir(proc):
        if not pid.isdigit():
            continue
        try:
            with open(os.path.join(proc, pid, "comm")) as comm:
                program = comm.read().strip()
            fds = os.listdir(os.path.join(proc, pid, "fd"))
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(os.path.join(proc, pid, "fd", fd))
            except OSError:
                continue
            if target.startswith("socket:["):
                owners.setdefault(target[8:-1], program)
    return owners


def check(proc, allowed_ports):
    """(report lines, number of listeners beyond loopback on a port that is not allowed)."""
    owners = socket_owners(proc)
    lines, bad = [], 0
    for inode, (address, port) in sorted(listening_sockets(proc).items(), key=lambda item: item[1][1]):
        if is_loopback(address):
            continue
        where = f"[{address}]:{port}" if address.version == 6 else f"{address}:{port}"
        owner = owners.get(inode) or "owner not visible (another PID namespace)"
        if port in allowed_ports:
            lines.append(f"{where} {owner} (port {port} allowed)")
        else:
            lines.append(f"{where} {owner} NOT ALLOWED")
            bad += 1
    return lines, bad


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--allow-ports", default="22", help="comma-separated TCP ports allowed beyond loopback")
    parser.add_argument("--proc", default="/proc")
    args = parser.parse_args(argv)
    allowed = {int(port) for port in args.allow_ports.split(",") if port.strip()}
    lines, bad = check(args.proc, allowed)
    print("; ".join(lines) if lines else "nothing listens beyond loopback")
    if bad:
        ports = ", ".join(str(port) for port in sorted(allowed)) or "none"
        print(f"{bad} listener(s) beyond loopback on a port not opted in (allowed: {ports}; mlbox_allowed_listen_ports "
              "adds one)", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
