# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit-test support: makes this checkout importable as the collection mlinabox.stack and runs
modules in-process.

The checkout is reached as ansible_collections.mlinabox.stack through
<repo>/.collections/ansible_collections/mlinabox/stack -> ../../.. (what `make setup` and
ansible.cfg's collections_path use); the link is created here when a fresh clone lacks it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml
from ansible.module_utils import basic
from ansible.module_utils.common import warnings as common_warnings
from ansible.module_utils.testing import patch_module_args

REPO_ROOT = Path(__file__).resolve().parents[2]
COLLECTIONS = REPO_ROOT / ".collections"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _ensure_collection_link() -> None:
    link = COLLECTIONS / "ansible_collections" / "mlinabox" / "stack"
    if not link.is_symlink() and not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(Path("..") / ".." / "..", target_is_directory=True)
    if link.resolve() != REPO_ROOT:
        pytest.exit(f"{link} does not point to this checkout ({REPO_ROOT})", returncode=4)


_ensure_collection_link()
if str(COLLECTIONS) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS))


def role_yaml(role, path="defaults/main.yml"):
    """roles/<role>/<path> as Python values: the input checks' tests start from the role's own defaults and vars."""
    return yaml.safe_load((REPO_ROOT / "roles" / role / path).read_text())


def assert_one_problem(found, expected):
    """An input check found one problem, and its message holds `expected`."""
    assert len(found) == 1, found
    assert expected in found[0]


def assert_a_problem(found, expected):
    """Some message of an input check holds `expected`; with expected None, it found nothing."""
    if expected is None:
        assert found == []
    else:
        assert any(expected in message for message in found), found


class FakeCommands:
    """Stands in for AnsibleModule.run_command: answers from a table, records the calls.

    `answers` maps a predicate over the argument list to (rc, stdout, stderr) or to a callable
    returning it; the first matching predicate answers.
    """

    def __init__(self, answers=None):
        self.answers = list(answers or [])
        self.calls = []

    def add(self, predicate, answer):
        self.answers.append((predicate, answer))

    def __call__(self, module, args, **kwargs):
        self.calls.append({"args": list(args), "kwargs": kwargs})
        for predicate, answer in self.answers:
            if predicate(list(args)):
                return answer(list(args)) if callable(answer) else answer
        raise AssertionError(f"unexpected command: {args}")


@pytest.fixture
def fake_commands(monkeypatch):
    commands = FakeCommands()

    def run_command(self, args, **kwargs):
        return commands(self, args, **kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "run_command", run_command)
    return commands


@pytest.fixture
def fake_bin_paths(monkeypatch):
    """Maps binary names to paths for AnsibleModule.get_bin_path (absent: None)."""
    paths = {}

    def get_bin_path(self, arg, required=False, opt_dirs=None):
        return paths.get(arg)

    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", get_bin_path)
    return paths


@pytest.fixture
def run_module(capsys, monkeypatch):
    """run_module(main, args, check_mode=False) -> the module's result dict, with 'failed' set
    when it called fail_json (exit code 1)."""

    def run(main, args, check_mode=False):
        # Warnings are module-global in ansible.module_utils: start each run without the last one's.
        monkeypatch.setattr(common_warnings, "_global_warnings", {})
        monkeypatch.setattr(common_warnings, "_global_deprecations", {})
        module_args = dict(args)
        if check_mode:
            module_args["_ansible_check_mode"] = True
        with patch_module_args(module_args), pytest.raises(SystemExit) as exit_info:
            main()
        result = json.loads(capsys.readouterr().out)
        assert exit_info.value.code == (1 if result.get("failed") else 0)
        return result

    return run


@pytest.fixture
def warnings_of():
    """warnings_of(result) -> the module's warnings as plain strings."""

    def texts(result):
        # ansible-core 2.19 returns {"event": {"msg": ...}} summaries; older versions plain strings.
        return [w if isinstance(w, str) else w["event"]["msg"] for w in result.get("warnings", [])]

    return texts
