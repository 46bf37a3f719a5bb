"""The write_files module: several files in one task, each written atomically and only where it differs."""

from __future__ import annotations

import os
import pwd

import pytest
from ansible_collections.mlinabox.stack.plugins.modules import write_files

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="sets owners: runs as root (as CI does)")


def stat(path):
    info = os.lstat(path)
    return info.st_mode & 0o7777, info.st_uid, info.st_gid


def test_writes_missing_files_and_their_directory(tmp_path, run_module):
    target = tmp_path / "etc" / "mlbox"
    files = [{"path": str(target / "manifest.json"), "content": "{}\n"},
             {"path": str(target / "token"), "content": "secret\n", "mode": "0600"}]
    result = run_module(write_files.main, {"files": files, "directory_mode": "0750"})
    assert result["changed"] and result["changed_paths"] == [f["path"] for f in files]
    assert (target / "manifest.json").read_text() == "{}\n" and (target / "token").read_text() == "secret\n"
    assert stat(target / "manifest.json") == (0o644, 0, 0) and stat(target / "token") == (0o600, 0, 0)
    assert stat(target)[0] == 0o750
    assert "secret" not in str({k: v for k, v in result.items() if k != "invocation"})  # contents are not returned
    again = run_module(write_files.main, {"files": files})
    assert not again["changed"] and again["changed_paths"] == []


def test_only_what_differs_is_written(tmp_path, run_module):
    same, other, loose = tmp_path / "same", tmp_path / "other", tmp_path / "loose"
    for path in (same, other, loose):
        path.write_text("a\n")
        path.chmod(0o644)
    loose.chmod(0o666)
    before = same.stat().st_ino
    files = [{"path": str(same), "content": "a\n"}, {"path": str(other), "content": "b\n"},
             {"path": str(loose), "content": "a\n"}]
    result = run_module(write_files.main, {"files": files})
    assert result["changed_paths"] == [str(other), str(loose)]
    assert same.stat().st_ino == before  # untouched, not rewritten
    assert other.read_text() == "b\n" and stat(loose)[0] == 0o644


def test_owner_and_group_are_set(tmp_path, run_module):
    nobody = pwd.getpwnam("nobody")
    path = tmp_path / "notebook"
    files = [{"path": str(path), "content": "x", "owner": "nobody", "group": "root", "mode": "0640"}]
    assert run_module(write_files.main, {"files": files})["changed"]
    assert stat(path) == (0o640, nobody.pw_uid, 0)
    assert not run_module(write_files.main, {"files": files})["changed"]


def test_numeric_ids_and_check_mode_before_the_user_exists(tmp_path, run_module):
    path = tmp_path / "config"
    files = [{"path": str(path), "content": "x", "owner": "0", "group": "65534"}]
    assert run_module(write_files.main, {"files": files})["changed"] and stat(path)[1:] == (0, 65534)
    later = [{"path": str(path), "content": "x", "owner": "root", "group": "no-such-group-mlbox"}]
    result = run_module(write_files.main, {"files": later}, check_mode=True)
    assert result["changed"] and result["changed_paths"] == [str(path)]


def test_a_link_is_replaced_never_followed(tmp_path, run_module):
    victim, link = tmp_path / "victim", tmp_path / "link"
    victim.write_text("keep\n")
    link.symlink_to(victim)
    result = run_module(write_files.main, {"files": [{"path": str(link), "content": "keep\n"}]})
    assert result["changed"] and not link.is_symlink() and link.read_text() == "keep\n"
    assert victim.read_text() == "keep\n"


def test_check_mode_reports_and_writes_nothing(tmp_path, run_module):
    existing, new_dir = tmp_path / "existing", tmp_path / "new" / "file"
    existing.write_text("old\n")
    existing.chmod(0o644)
    files = [{"path": str(existing), "content": "new\n"}, {"path": str(new_dir), "content": "x"}]
    result = run_module(write_files.main, {"files": files}, check_mode=True)
    assert result["changed"] and result["changed_paths"] == [str(existing), str(new_dir)]
    assert existing.read_text() == "old\n" and not new_dir.parent.exists()


def test_directories_in_order_then_their_files(tmp_path, run_module):
    nobody = pwd.getpwnam("nobody")
    home = tmp_path / "h2o"
    items = [{"path": str(home), "state": "directory", "owner": "nobody", "group": "nogroup", "mode": "0750"},
             {"path": str(home / "ice"), "state": "directory", "owner": "nobody", "group": "nogroup", "mode": "0750"},
             {"path": str(home / "ice" / "x"), "content": "x"}]
    result = run_module(write_files.main, {"files": items})
    assert result["changed_paths"] == [item["path"] for item in items]
    assert stat(home) == stat(home / "ice") == (0o750, nobody.pw_uid, nobody.pw_gid)
    assert not run_module(write_files.main, {"files": items})["changed"]
    (home / "ice").chmod(0o777)
    assert run_module(write_files.main, {"files": items})["changed_paths"] == [str(home / "ice")]
    assert stat(home / "ice")[0] == 0o750


def test_a_directory_without_a_mode_is_0755_and_a_file_0644(tmp_path, run_module):
    items = [{"path": str(tmp_path / "tokens"), "state": "directory"},
             {"path": str(tmp_path / "tokens" / "t"), "content": "x"}]
    run_module(write_files.main, {"files": items})
    assert stat(tmp_path / "tokens")[0] == 0o755 and stat(tmp_path / "tokens" / "t")[0] == 0o644


def test_a_link_where_a_directory_should_be_fails_before_any_change(tmp_path, run_module):
    """A user who owns the parent could point the link at /etc: root must not re-own what it points to."""
    victim, link, first = tmp_path / "victim", tmp_path / "ice", tmp_path / "first"
    victim.mkdir(mode=0o755)
    link.symlink_to(victim)
    items = [{"path": str(first), "content": "x"}, {"path": str(link), "state": "directory", "owner": "nobody"}]
    result = run_module(write_files.main, {"files": items})
    assert result["failed"] and "is a symbolic link" in result["msg"] and not first.exists()
    assert stat(victim)[1] == 0
    (tmp_path / "plain").write_text("")
    result = run_module(write_files.main, {"files": [{"path": str(tmp_path / "plain"), "state": "directory"}]})
    assert result["failed"] and "is not a directory" in result["msg"]


def test_force_false_makes_only_what_is_missing(tmp_path, run_module):
    edited, token_dir = tmp_path / "Welcome.ipynb", tmp_path / "tokens"
    edited.write_text("the user's own\n")
    edited.chmod(0o600)
    token_dir.mkdir(mode=0o700)
    items = [{"path": str(edited), "content": "template\n", "force": False},
             {"path": str(token_dir), "state": "directory", "force": False},
             {"path": str(tmp_path / "new"), "content": "template\n", "force": False}]
    result = run_module(write_files.main, {"files": items})
    assert result["changed_paths"] == [str(tmp_path / "new")]
    assert edited.read_text() == "the user's own\n" and stat(edited)[0] == 0o600 and stat(token_dir)[0] == 0o700


def test_absent_removes_files_links_and_trees_not_link_targets(tmp_path, run_module):
    tree, target, link = tmp_path / "kernels" / "python3", tmp_path / "target", tmp_path / "link"
    tree.mkdir(parents=True)
    (tree / "kernel.json").write_text("{}")
    target.mkdir()
    (target / "keep").write_text("")
    link.symlink_to(target)
    items = [{"path": str(tree), "state": "absent"}, {"path": str(link), "state": "absent"},
             {"path": str(tmp_path / "never"), "state": "absent"}]
    result = run_module(write_files.main, {"files": items}, check_mode=True)
    assert result["changed_paths"] == [str(tree), str(link)] and tree.exists()
    result = run_module(write_files.main, {"files": items})
    assert result["changed_paths"] == [str(tree), str(link)]
    assert not tree.exists() and not os.path.lexists(link) and (target / "keep").exists()
    assert not run_module(write_files.main, {"files": items})["changed"]


@pytest.mark.parametrize("item, message", [
    ({"path": "/tmp/x"}, "a file needs its content"),
    ({"path": "relative/file", "content": ""}, "is not an absolute path"),
    ({"path": "/tmp/x", "content": "", "mode": "rw-r--r--"}, "is not an octal file mode"),
    ({"path": "/tmp/x", "content": "", "owner": "no-such-user-mlbox"}, "there is no user 'no-such-user-mlbox'"),
    ({"path": "/tmp/x", "content": "", "group": "no-such-group-mlbox"}, "there is no group 'no-such-group-mlbox'"),
])
def test_bad_input_fails_before_anything_is_written(tmp_path, run_module, item, message):
    first = tmp_path / "first"
    result = run_module(write_files.main, {"files": [{"path": str(first), "content": "x"}, item]})
    assert result["failed"] and message in result["msg"] and "Nothing was changed" in result["msg"]
    assert not first.exists()
