# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""compat_check's action plugin: the check runs on the controller, never touching the host, with the module's
result, warnings and failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PLAY = """
- hosts: all
  gather_facts: false
  tasks:
    - name: A plan with a torch the tables do not know
      mlinabox.stack.compat_check: {python_version: "3.12", torch_version: "9.9.9", h2o_version: "3.46.0.12",
                                    java_version: "17"}
      register: known
    - name: Show it
      ansible.builtin.debug: {var: known}
    - name: A CUDA that the driver branch cannot run
      mlinabox.stack.compat_check: {cuda_version: "13.0", driver_branch: "535"}
    - name: A wrong flavour
      mlinabox.stack.compat_check: {driver_flavour: closed}
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """ansible-playbook against a host that does not exist (nowhere.invalid): any task that connected fails."""
    playbook = tmp_path_factory.mktemp("compat") / "play.yml"

    def play(extra=(), **edits):
        text = PLAY
        for old, new in edits.items():
            text = text.replace(old, new)
        playbook.write_text(text)
        return subprocess.run(
            [sys.executable, "-m", "ansible", "playbook", "-i", "nowhere.invalid,", *extra, str(playbook)],
            capture_output=True, text=True, check=False, timeout=120,
            env={**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(REPO / ".collections"),
                 "ANSIBLE_STDOUT_CALLBACK": "json"})
    return play


@pytest.mark.parametrize("check", [False, True])
def test_passes_and_warns_without_the_host(run, check):
    fixed = {'driver_branch: "535"': 'driver_branch: "580"', "driver_flavour: closed": "driver_flavour: open"}
    result = run(["--check"] if check else [], **fixed)
    stats = json.loads(result.stdout)["stats"]["nowhere.invalid"]
    assert result.returncode == 0 and stats["unreachable"] == 0 and stats["ok"] == 4, result.stdout[-2000:]
    tasks = json.loads(result.stdout)["plays"][0]["tasks"]
    known = tasks[1]["hosts"]["nowhere.invalid"]["known"]
    assert known["ok"] and known["errors"] == [] and known["checks"] == ["h2o_java"] and not known["changed"]
    assert any("torch 9.9.9 is not in the PyTorch table" in w for w in known["warnings"])


def test_an_incompatible_plan_fails_with_the_modules_message(run):
    result = run()
    tasks = json.loads(result.stdout)["plays"][0]["tasks"]
    failed = tasks[2]["hosts"]["nowhere.invalid"]
    assert result.returncode == 2 and failed["failed"] and not failed.get("unreachable")
    assert failed["msg"].startswith("1 incompatibility in the planned stack: CUDA 13.0 needs driver branch")
    assert failed["errors"] and failed["ok"] is False


def test_options_are_validated_as_the_module_does(run):
    result = run(**{'driver_branch: "535"': 'driver_branch: "580"'})
    tasks = json.loads(result.stdout)["plays"][0]["tasks"]
    failed = tasks[3]["hosts"]["nowhere.invalid"]
    assert failed["failed"] and "driver_flavour must be one of: open, proprietary, got: closed" in failed["msg"]
