"""plugins/module_utils/listeners.py (the port_holders module, verify.yml's listener check) on a fake /proc."""

from __future__ import annotations

import ipaddress
import os

import pytest
from ansible_collections.mlinabox.stack.plugins.module_utils import listeners as L

HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"


def entry(slot, local, state, inode, uid=0):
    return (f"   {slot}: {local} 00000000:0000 {state} 00000000:00000000 00:00000000 00000000 {uid:>5}        0 "
            f"{inode} 1\n")


def make_proc(tmp_path, tcp, tcp6=(), processes=None):
    """processes: {pid: (comm, [inodes], unit, uid)}."""
    proc = tmp_path / "proc"
    (proc / "net").mkdir(parents=True)
    (proc / "net" / "tcp").write_text(HEADER + "".join(tcp))
    (proc / "net" / "tcp6").write_text(HEADER + "".join(tcp6))
    for pid, (comm, inodes, unit, uid) in (processes or {}).items():
        (proc / str(pid) / "fd").mkdir(parents=True)
        (proc / str(pid) / "comm").write_text(comm + "\n")
        (proc / str(pid) / "cgroup").write_text(f"0::/system.slice/{unit}\n" if unit else "0::/\n")
        (proc / str(pid) / "status").write_text(f"Name:\t{comm}\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\n")
        for fd, inode in enumerate(inodes):
            os.symlink(f"socket:[{inode}]", proc / str(pid) / "fd" / str(fd))
    return str(proc)


@pytest.mark.parametrize(("hex_address", "expected"), [
    ("0100007F:1F90", ("127.0.0.1", 8080)),
    ("00000000:0016", ("0.0.0.0", 22)),
    ("0101A8C0:D431", ("192.168.1.1", 54321)),
    ("00000000000000000000000001000000:22B8", ("::1", 8888)),
    ("00000000000000000000000000000000:0016", ("::", 22)),
    ("0000000000000000FFFF00000100007F:0050", ("::ffff:127.0.0.1", 80)),
])
def test_parse_address(hex_address, expected):
    assert L.parse_address(hex_address) == (ipaddress.ip_address(expected[0]), expected[1])


def test_listeners_with_their_processes_units_and_loopback(tmp_path):
    proc = make_proc(
        tmp_path,
        tcp=[entry(0, "0100007F:22B8", "0A", 101), entry(1, "00000000:0016", "0A", 102),
             entry(2, "0100007F:D431", "01", 103)],  # 01: an established connection, not a listener
        tcp6=[entry(0, "0000000000000000FFFF00000100007F:0050", "0A", 105)],
        processes={10: ("jupyter-lab", [101, 105], "jupyterlab.service", 999), 20: ("sshd", [102], "ssh.service", 0)},
    )
    found = L.listeners(proc)
    assert [(x["where"], x["loopback"], x["holders"]) for x in found] == [
        ("0.0.0.0:22", False, ["sshd (pid 20, unit ssh.service)"]),
        ("[::ffff:7f00:1]:80", True, ["jupyter-lab (pid 10, unit jupyterlab.service)"]),
        ("127.0.0.1:8888", True, ["jupyter-lab (pid 10, unit jupyterlab.service)"]),
    ]
    ours, others = L.split_by_unit(L.listeners(proc, 8888), "jupyterlab.service")
    assert len(ours) == 1 and others == []


def test_another_program_on_the_port_is_named(tmp_path):
    proc = make_proc(tmp_path, tcp=[entry(0, "0100007F:22B8", "0A", 201, uid=65534)],
                     processes={30: ("python3", [201], "session-1.scope", 65534)})
    ours, others = L.split_by_unit(L.listeners(proc, 8888), "jupyterlab.service")
    assert ours == [] and others == ["python3 (pid 30, unit session-1.scope) on 127.0.0.1:8888"]


def test_a_socket_of_another_pid_namespace_is_another_programs(tmp_path):
    proc = make_proc(tmp_path, tcp=[entry(0, "00000000:07E8", "0A", 301, uid=0)], processes={})
    found = L.listeners(proc)
    assert found[0]["pids"] == [] and "another PID namespace" in found[0]["holders"][0]
    ours, others = L.split_by_unit(found, "h2o.service")
    assert ours == [] and others == ["a process this host cannot see (uid 0; another PID namespace) on 0.0.0.0:2024"]


def test_unreadable_fds_fall_back_to_the_sockets_owner(tmp_path, monkeypatch):
    """Root without CAP_SYS_PTRACE cannot read another user's fds: the socket goes to that user's processes."""
    proc = make_proc(tmp_path, tcp=[entry(0, "0100007F:D431", "0A", 401, uid=998)],
                     processes={40: ("java", [401], "h2o.service", 998), 41: ("bash", [], "", 1000)})
    listdir = os.listdir

    def denied(path):
        if str(path).endswith(("/40/fd", "/41/fd")):
            raise PermissionError(13, "Permission denied", path)
        return listdir(path)

    monkeypatch.setattr(L.os, "listdir", denied)
    found = L.listeners(proc, 54321)
    assert found[0]["pids"] == [40] and found[0]["units"] == ["h2o.service"]
    assert L.split_by_unit(found, "h2o.service")[1] == []


def test_a_listener_held_by_our_unit_and_another_is_not_ours(tmp_path):
    proc = make_proc(tmp_path, tcp=[entry(0, "00000000:D431", "0A", 501)],
                     processes={50: ("java", [501], "h2o.service", 0), 51: ("nc", [501], "", 0)})
    ours, others = L.split_by_unit(L.listeners(proc, 54321), "h2o.service")
    assert ours == [] and "nc (pid 51, unit none)" in others[0]
