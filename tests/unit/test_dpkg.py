# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""module_utils/dpkg.py (the one reader of dpkg-query's output) and the dpkg_state module, against a real
dpkg-query pointed at a database written here."""

from __future__ import annotations

import shutil

import pytest
from ansible_collections.mlinabox.stack.plugins.module_utils import dpkg
from ansible_collections.mlinabox.stack.plugins.modules import dpkg_state

# name, version, Status field, architecture: one package in each state the roles tell apart.
DATABASE = [
    ("nvidia-open", "580.95.05-1", "hold ok installed", "amd64"),
    ("libcuda1", "580.95.05-1", "install ok installed", "amd64"),
    ("libcuda1", "580.95.05-1", "install ok installed", "i386"),
    ("nvidia-driver-535", "535.183.01-1", "deinstall ok config-files", "amd64"),
    ("nvidia-kernel-dkms", "580.95.05-1", "install ok half-configured", "amd64"),
    ("nvidia-smi", "580.95.05-1", "install reinstreq half-installed", "amd64"),
    ("libnvidia-ml1", "580.95.05-1", "install ok unpacked", "amd64"),
    ("nvidia-settings", "580.95.05-1", "install ok triggers-pending", "amd64"),
    ("cuda-drivers", "", "hold ok not-installed", "amd64"),
    ("nvidia-persistenced", "580.95.05-1", "deinstall ok installed", "amd64"),
]


def write_database(admin):
    (admin / "info").mkdir(parents=True)
    (admin / "updates").mkdir()
    stanzas = []
    for name, version, status, arch in DATABASE:
        stanza = f"Package: {name}\nStatus: {status}\nPriority: optional\nSection: misc\nArchitecture: {arch}\n"
        if name == "libcuda1":
            stanza += "Multi-Arch: same\n"
        if status.endswith("triggers-pending"):
            stanza += "Triggers-Pending: ldconfig\n"
        if version:
            stanza += f"Maintainer: Fixture <fixture@example.invalid>\nVersion: {version}\nDescription: {name}\n"
        stanzas.append(stanza)
    (admin / "status").write_text("\n".join(stanzas))
    (admin / "info" / "nvidia-open.list").write_text("/.\n/usr\n/usr/share\n/usr/share/doc/nvidia-open\n")


@pytest.fixture
def dpkg_query(tmp_path):
    """A dpkg-query that reads the database written here."""
    real = shutil.which("dpkg-query")
    if real is None:
        pytest.skip("dpkg-query is not installed")
    admin = tmp_path / "dpkg"
    write_database(admin)
    wrapper = tmp_path / "dpkg-query"
    wrapper.write_text(f'#!/bin/sh\nexec {real} --admindir={admin} "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def test_query_command():
    assert dpkg.query_command("/usr/bin/dpkg-query", "/srv/root/var/lib/dpkg", ["nvidia-*"]) == [
        "/usr/bin/dpkg-query",
        "--admindir=/srv/root/var/lib/dpkg",
        r"--showformat=${Package}\t${Version}\t${db:Status-Abbrev}\t${Architecture}\t${Source}\n",
        "--show",
        "nvidia-*",
    ]


def test_parse_reads_every_state_and_tolerates_noise():
    text = "a\t1.0\tii \tamd64\t\nb\t2\trc \tamd64\tsrc (1)\ngarbage\n\tno-name\tii \nshort\t1\ti\nc\t3\thi \n"
    rows = {row["name"]: row for row in dpkg.parse(text)}
    assert sorted(rows) == ["a", "b", "c"]
    assert rows["a"]["installed"] and not rows["a"]["held"] and rows["a"]["source"] == "a"
    assert (rows["b"]["state"], rows["b"]["installed"], rows["b"]["source"], rows["b"]["source_version"]) == (
        "c", False, "src", "1")
    assert rows["c"]["installed"] and rows["c"]["held"] and rows["c"]["arch"] == ""


def test_module_reads_installed_held_config_files_and_unfinished(dpkg_query, run_module):
    result = run_module(dpkg_state.main, {"patterns": ["nvidia-*", "libcuda1", "cuda-drivers", "libnvidia-ml1"],
                                          "dpkg_query": dpkg_query})
    assert not result.get("failed"), result["msg"]
    assert result["changed"] is False
    assert result["packages"] == {
        "nvidia-open": {"version": "580.95.05-1", "arch": "amd64", "held": True},
        "libcuda1": {"version": "580.95.05-1", "arch": "amd64", "held": False},
        # Marked for removal, still installed: it counts (a removal must include it).
        "nvidia-persistenced": {"version": "580.95.05-1", "arch": "amd64", "held": False},
    }
    assert result["config_files"] == ["nvidia-driver-535"]
    assert result["unfinished"] == ["libnvidia-ml1", "nvidia-kernel-dkms", "nvidia-settings", "nvidia-smi"]
    assert result["half_installed"] == ["nvidia-smi"]
    assert result["held"] == ["cuda-drivers", "nvidia-open"]
    assert "files" not in result


def test_module_patterns_select_and_a_pattern_without_match_is_no_error(dpkg_query, run_module):
    result = run_module(dpkg_state.main, {"patterns": ["libcuda1", "no-such-package", "zz-*"],
                                          "dpkg_query": dpkg_query}, check_mode=True)
    assert list(result["packages"]) == ["libcuda1"]
    assert result["unfinished"] == result["config_files"] == result["held"] == []


def test_module_without_patterns_reads_every_package(dpkg_query, run_module):
    result = run_module(dpkg_state.main, {"dpkg_query": dpkg_query})
    assert sorted(result["packages"]) == ["libcuda1", "nvidia-open", "nvidia-persistenced"]
    assert len(result["unfinished"]) == 4


def test_module_lists_files_of_a_package(dpkg_query, run_module):
    result = run_module(dpkg_state.main, {"patterns": ["nvidia-open"], "files_of": "nvidia-open",
                                          "dpkg_query": dpkg_query})
    assert result["files"] == ["/usr", "/usr/share", "/usr/share/doc/nvidia-open"]
    result = run_module(dpkg_state.main, {"files_of": "nvidia-driver-535", "dpkg_query": dpkg_query})
    assert result["files"] == []


def test_module_fails_when_dpkg_query_fails(tmp_path, run_module):
    broken = tmp_path / "dpkg-query"
    broken.write_text("#!/bin/sh\necho 'dpkg-query: error: database is locked' >&2\nexit 2\n")
    broken.chmod(0o755)
    result = run_module(dpkg_state.main, {"dpkg_query": str(broken)})
    assert result["failed"] and "database is locked" in result["msg"]


def test_module_reports_dpkgs_journal_and_apts_lists(dpkg_query, run_module, tmp_path):
    admin, lists = tmp_path / "dpkg", tmp_path / "apt-lists"  # the database the dpkg_query fixture reads
    (admin / "updates").mkdir(exist_ok=True)
    lists.mkdir()
    (lists / "deb.debian.org_debian_dists_bookworm_InRelease").write_text("")
    args = {"dpkg_query": dpkg_query, "admin_dir": str(admin), "lists_dir": str(lists)}
    result = run_module(dpkg_state.main, args, check_mode=True)
    # A Release file alone is no package list; check mode updates none, so apt cannot judge an install.
    assert (result["journal"], result["apt_lists"], result["apt_unjudged"]) == (0, False, True)
    result = run_module(dpkg_state.main, args)
    assert (result["apt_lists"], result["apt_unjudged"]) == (False, False)  # the real run updates the lists
    (admin / "updates" / "0001").write_text("")
    (lists / "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4").write_text("")
    result = run_module(dpkg_state.main, args, check_mode=True)
    assert (result["journal"], result["apt_lists"], result["apt_unjudged"]) == (1, True, False)
    (admin / "updates" / "0001").unlink()
    (admin / "updates").rmdir()
    result = run_module(dpkg_state.main, {**args, "lists_dir": str(tmp_path / "none")})
    assert (result["journal"], result["apt_lists"]) == (0, False)


def test_admin_dir_is_the_database_dpkg_query_reads(dpkg_query, run_module, tmp_path):
    """The journal and the packages come from the same database: admin_dir reaches dpkg-query too."""
    real = shutil.which("dpkg-query")
    args = {"dpkg_query": real, "admin_dir": str(tmp_path / "dpkg"), "patterns": ["libcuda1", "nvidia-open"],
            "files_of": "nvidia-open"}
    result = run_module(dpkg_state.main, args)
    assert sorted(result["packages"]) == ["libcuda1", "nvidia-open"] and result["journal"] == 0
    assert result["files"] == ["/usr", "/usr/share", "/usr/share/doc/nvidia-open"]
