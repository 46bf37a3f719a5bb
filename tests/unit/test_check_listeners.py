"""playbooks/files/check_listeners.py (verify.yml's "Listening sockets" check) against a fake /proc."""

from __future__ import annotations

import importlib.util
import ipaddress
import os
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "playbooks" / "files" / "check_listeners.py"
spec = importlib.util.spec_from_file_location("check_listeners", SCRIPT)
check_listeners = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_listeners)

HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"


def entry(slot, local, state, inode):
    return f"   {slot}: {local} 00000000:0000 {state} 00000000:00000000 00:00000000 00000000     0        0 {inode} 1\n"


def make_proc(tmp_path, tcp, tcp6=(), processes=None):
    """processes: {pid: (comm, [inodes])}."""
    proc = tmp_path / "proc"
    (proc / "net").mkdir(parents=True)
    (proc / "net" / "tcp").write_text(HEADER + "".join(tcp))
    (proc / "net" / "tcp6").write_text(HEADER + "".join(tcp6))
    for pid, (comm, inodes) in (processes or {}).items():
        (proc / str(pid) / "fd").mkdir(parents=True)
        (proc / str(pid) / "comm").write_text(comm + "\n")
        for fd, inode in enumerate(inodes):
            os.symlink(f"socket:[{inode}]", proc / str(pid) / "fd" / str(fd))
    return str(proc)


@pytest.mark.parametrize(
    ("hex_address", "expected"),
    [
        ("0100007F:1F90", ("127.0.0.1", 8080)),
        ("00000000:0016", ("0.0.0.0", 22)),
        ("0101A8C0:D431", ("192.168.1.1", 54321)),
        ("00000000000000000000000001000000:22B8", ("::1", 8888)),
        ("00000000000000000000000000000000:0016", ("::", 22)),
        ("0000000000000000FFFF00000100007F:0050", ("::ffff:127.0.0.1", 80)),
    ],
)
def test_parse_address(hex_address, expected):
    address, port = check_listeners.parse_address(hex_address)
    assert (address, port) == (ipaddress.ip_address(expected[0]), expected[1])


def test_loopback_and_allowed_ports_pass(tmp_path):
    proc = make_proc(
        tmp_path,
        tcp=[entry(0, "0100007F:22B8", "0A", 101), entry(1, "00000000:0016", "0A", 102),
             entry(2, "0100007F:D431", "01", 103)],  # 01: an established connection, not a listener
        tcp6=[entry(0, "00000000000000000000000001000000:22B8", "0A", 104),
              entry(1, "0000000000000000FFFF00000100007F:0050", "0A", 105)],
        processes={10: ("jupyter-lab", [101, 104, 105]), 20: ("sshd", [102])},
    )
    lines, bad = check_listeners.check(proc, {22})
    assert bad == 0
    assert lines == ["0.0.0.0:22 sshd (port 22 allowed)"]


def test_a_service_on_all_addresses_fails(tmp_path):
    proc = make_proc(
        tmp_path,
        tcp=[entry(0, "00000000:22B8", "0A", 201), entry(1, "00000000:0016", "0A", 202)],
        tcp6=[entry(0, "00000000000000000000000000000000:D431", "0A", 203)],
        processes={10: ("jupyter-lab", [201]), 20: ("sshd", [202]), 30: ("java", [203])},
    )
    lines, bad = check_listeners.check(proc, {22})
    assert bad == 2
    assert "0.0.0.0:8888 jupyter-lab NOT ALLOWED" in lines
    assert "[::]:54321 java NOT ALLOWED" in lines
    assert check_listeners.main(["--proc", proc]) == 1
    assert check_listeners.main(["--proc", proc, "--allow-ports", "22,8888,54321"]) == 0


def test_a_listener_whose_owner_is_not_visible_counts(tmp_path):
    """A socket of another PID namespace (the host of a container sharing its network) is not let through."""
    proc = make_proc(tmp_path, tcp=[entry(0, "00000000:07E8", "0A", 301)], processes={})
    lines, bad = check_listeners.check(proc, {22})
    assert bad == 1
    assert lines == ["0.0.0.0:2024 owner not visible (another PID namespace) NOT ALLOWED"]
    assert check_listeners.main(["--proc", proc, "--allow-ports", "22,2024"]) == 0


def test_a_program_named_sshd_on_another_port_fails(tmp_path):
    """The name is the process's own choice (prctl): only the port decides."""
    proc = make_proc(tmp_path, tcp=[entry(0, "00000000:1F90", "0A", 401)], processes={40: ("sshd", [401])})
    lines, bad = check_listeners.check(proc, {22})
    assert bad == 1 and lines == ["0.0.0.0:8080 sshd NOT ALLOWED"]
