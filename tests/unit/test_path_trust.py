"""plugins/module_utils/path_trust.py (the path_check module's rules) on real directories under tmp_path.

The tests run as root (make test and CI do); ownership is set with os.chown to an unprivileged uid."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from ansible_collections.mlinabox.stack.plugins.module_utils.path_trust import (
    ancestors,
    check_path,
    form_problem,
    packaged_paths,
)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="sets file owners: needs root")


BUILD = Path(__file__).resolve().parents[2] / "build"


@pytest.fixture
def root_tree():
    """A fresh directory under the checkout's build/, root's and 0755 all the way up (pytest's tmp_path lies
    under /tmp, which others may write)."""
    def trusted(directory: Path) -> bool:
        return all(os.stat(d).st_uid == 0 and not os.stat(d).st_mode & 0o022
                   for d in [*ancestors(str(directory)), str(directory)])

    # Where the checkout lies in directories others may write (a clone under /tmp): /var/cache instead.
    parent = BUILD if trusted(BUILD.parent) else Path("/var/cache")
    base = parent / f"path-trust-{uuid.uuid4().hex[:8]}"
    base.mkdir(parents=True)
    os.chmod(base, 0o755)
    try:
        assert trusted(base), f"{base} is not root's and 0755 all the way up"
        yield base
    finally:
        shutil.rmtree(base)


@pytest.mark.parametrize("path, expected", [
    ("opt/mlbox", "relative path"),
    ("./opt", "relative path"),
    ("/opt/mlbox/", "not normalised"),
    ("/opt//mlbox", "not normalised"),
    ("/opt/mlbox/../../etc", "not normalised"),
    ("/opt/./mlbox", "not normalised"),
    ("/opt/mlbox\n", "control character"),
    ("/opt/ml box", "whitespace"),
    ("/opt/mlbox\t", "whitespace"),
    ("", "empty"),
    (None, "empty"),
    (["/opt"], "empty"),
])
def test_malformed_paths(path, expected):
    assert expected in form_problem(path)
    assert check_path("x_dir", path, "directory")[0].startswith("x_dir is ")


@pytest.mark.parametrize("path", ["/opt/mlbox", "/etc/mlbox/jupyter-token", "/", "/var/cache/mlbox/uv"])
def test_wellformed_paths(path):
    assert form_problem(path) == ""


@pytest.mark.parametrize("path", ["/tmp", "/var/lib", "/usr/local", "/etc", "/", "/var/tmp", "/home", "/opt",
                                  "/etc/apt", "/usr/local/bin"])
def test_system_directories_are_refused(path):
    problems = check_path("manifest_dir", path, "directory")
    assert problems and f"manifest_dir is {path}, a system directory" in problems[0]


@pytest.mark.parametrize("path", ["/etc/shadow", "/etc/passwd", "/etc/sudoers", "/etc/pip.conf"])
def test_system_files_are_refused(path):
    problems = check_path("python_stack_jupyter_token_file", path, "file")
    assert problems and "a system file" in problems[0]


def test_packaged_paths_are_refused(tmp_path):
    info = tmp_path / "info"
    info.mkdir()
    (info / "base-files.list").write_text("/.\n/usr/share/base-files\n/var/lib/misc\n")
    (info / "other.md5sums").write_text("/var/lib/other\n")
    packaged = packaged_paths(str(info))
    assert "/var/lib/misc" in packaged and "/var/lib/other" not in packaged
    problems = check_path("h2o_dir", "/var/lib/misc", "directory", packaged)
    assert problems and "an installed Debian package owns" in problems[0]
    # A program may be a packaged file (root runs /usr/bin/python3): only ownership counts there.
    assert check_path("x", "/usr/share/base-files", "program", packaged) == []


def test_missing_dpkg_info_means_no_packaged_paths(tmp_path):
    assert packaged_paths(str(tmp_path / "absent")) == set()


def test_root_owned_tree_is_trusted(root_tree):
    tools = root_tree / "mlbox" / "tools" / "bin"
    tools.mkdir(parents=True)
    (tools / "uv").write_text("#!/bin/sh\n")
    os.chmod(tools / "uv", 0o755)
    assert check_path("python_stack_tools_dir", str(tools / "uv"), "program") == []
    # A path that does not exist yet: its existing parents count.
    assert check_path("python_stack_envs_dir", str(root_tree / "mlbox" / "envs" / "new"), "directory") == []


@pytest.mark.parametrize("who, mode, expected", [
    ("dir_user", 0o755, "is owned by uid 1000, not root"),
    ("dir_other_writable", 0o777, "is writable by others (mode 777)"),
    ("dir_group_writable", 0o775, "is writable by group 1000 (mode 775)"),
    ("program_user", 0o755, "is owned by uid 1000, not root"),
    ("program_other_writable", 0o757, "is writable by others (mode 757)"),
])
def test_untrusted_owner_or_mode_is_refused(root_tree, who, mode, expected):
    mlbox = root_tree / "mlbox"
    uv = mlbox / "tools" / "bin" / "uv"
    uv.parent.mkdir(parents=True)
    uv.write_text("#!/bin/sh\necho uv 0.9.0\n")
    os.chmod(uv, 0o755)
    target = mlbox if who.startswith("dir") else uv
    if who == "dir_group_writable":
        os.chown(target, 0, 1000)
    elif who.endswith("user"):
        os.chown(target, 1000, 1000)
    os.chmod(target, mode)
    problems = check_path("python_stack_tools_dir", str(uv), "program")
    assert len(problems) == 1 and expected in problems[0], problems
    assert "python_stack_tools_dir (" in problems[0] and "chown root:root" in problems[0]


def test_group_root_may_write(root_tree):
    shared = root_tree / "shared"
    shared.mkdir()
    os.chown(shared, 0, 0)
    os.chmod(shared, 0o775)
    assert check_path("x", str(shared / "f"), "file") == []


def test_sticky_world_writable_parent_is_refused(root_tree):
    scratch = root_tree / "scratch"
    scratch.mkdir()
    os.chmod(scratch, 0o1777)
    problems = check_path("python_stack_jupyter_token_file", str(scratch / "token"), "file")
    assert problems and "writable by others (mode 1777)" in problems[0] and "above" in problems[0]


def test_symlink_to_a_user_directory_is_refused(root_tree):
    user_dir = root_tree / "home-user"
    user_dir.mkdir()
    os.chown(user_dir, 1000, 1000)
    link = root_tree / "link"
    link.symlink_to(user_dir)
    problems = check_path("manifest_dir", str(link / "mlbox"), "directory")
    assert problems and "is owned by uid 1000" in problems[0]


def test_symlink_owned_by_a_user_is_refused(root_tree):
    real = root_tree / "real"
    real.mkdir()
    link = root_tree / "link"
    link.symlink_to(real)
    os.lchown(link, 1000, 1000)
    problems = check_path("manifest_dir", str(link), "directory")
    assert problems and "symbolic link owned by uid 1000" in problems[0]


def test_symlink_loop_is_refused(root_tree):
    a = root_tree / "a"
    b = root_tree / "b"
    a.symlink_to(b)
    b.symlink_to(a)
    problems = check_path("x", str(a), "file")
    assert problems and "too many levels of symbolic links" in problems[0]
