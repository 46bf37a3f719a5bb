# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The shape site.yml relies on for a cheap rerun: a component switched off costs the one task that includes its
steps, and the roles whose checks site.yml's checks already ran are imported at their apply entry point."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SITE = yaml.safe_load((REPO / "playbooks" / "site.yml").read_text())
CHECKS = yaml.safe_load((REPO / "playbooks" / "tasks" / "checks.yml").read_text())


def component_imports():
    """{role: tasks_from} of the ML play's component imports (the ones with a switch)."""
    play = next(play for play in SITE if play["name"] == "ML in a Box")
    imports = {}
    for task in play["tasks"]:
        spec = task.get("ansible.builtin.import_role")
        if spec and str(task.get("when", "")).startswith("mlbox_install_"):
            imports[spec["name"].split(".")[-1]] = spec.get("tasks_from", "main.yml")
    return imports


def checked_in_checks():
    task = next(task for task in CHECKS if task["name"].startswith("Check the inputs of the other components"))
    return task["loop"]


def test_every_switched_component_is_imported():
    assert sorted(component_imports()) == sorted(
        ["nvidia_driver", "cuda", "cudnn", "docker", "nvidia_docker", "python_stack", "rapids", "h2o", "desktop_apps",
         "manifest"])


def test_every_component_is_imported_at_apply():
    """Not at main: Ansible adds an argument check task to main, a second task to skip when the role is off."""
    assert set(component_imports().values()) == {"apply.yml"}


@pytest.mark.parametrize("role", sorted(set(component_imports()) - set(checked_in_checks())))
def test_roles_not_checked_in_checks_check_their_inputs_first(role):
    """Their checks run nowhere else in site.yml: steps.yml checks the inputs against the argument spec first."""
    steps = yaml.safe_load((REPO / "roles" / role / "tasks" / "steps.yml").read_text())
    first = steps[0]
    if "ansible.builtin.import_tasks" in first:  # rapids: its preflight.yml, whose inputs.yml checks them first
        first = yaml.safe_load((REPO / "roles" / role / "tasks" / first["ansible.builtin.import_tasks"]).read_text())[0]
        first = yaml.safe_load((REPO / "roles" / role / "tasks" / first["ansible.builtin.import_tasks"]).read_text())[0]
    assert "mlinabox.stack.validate_inputs" in first, f"{role}: steps.yml does not check its inputs first"


def test_site_lists_one_task_per_component():
    """What ansible-playbook itself lists: a switched-off component is one skipped task, not two."""
    listing = subprocess.run(
        [sys.executable, "-m", "ansible", "playbook", "--list-tasks", "-i", "localhost,",
         str(REPO / "playbooks" / "site.yml")],
        capture_output=True, text=True, check=True,
        env={**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(REPO / ".collections")}).stdout
    play = listing.split("Package cache for the fleet")[1].split("play #2")[1]
    for role in component_imports():
        tasks = re.findall(rf"^\s+mlinabox\.stack\.{role} : (.*?)\tTAGS", play, re.MULTILINE)
        assert len(tasks) == 1, f"{role}: site.yml lists {tasks}"


@pytest.mark.parametrize("role", sorted(component_imports()))
def test_a_switched_off_component_costs_one_task(role):
    entry = component_imports()[role]
    tasks = yaml.safe_load((REPO / "roles" / role / "tasks" / entry).read_text())
    assert len(tasks) == 1, f"{role}/tasks/{entry} has {len(tasks)} tasks: each is skipped one by one when off"
    include = tasks[0]["ansible.builtin.include_tasks"]
    assert include == "steps.yml" and "always" in tasks[0]["tags"] and role in tasks[0]["tags"]


def test_preflight_checks_once():
    play = next(play for play in SITE if play["name"] == "ML in a Box")
    task = next(task for task in play["tasks"] if task.get("ansible.builtin.import_role", {}).get("name", "").endswith(
        ".preflight"))
    assert task["ansible.builtin.import_role"]["tasks_from"] == "apply.yml"
    check = next(task for task in CHECKS if task.get("ansible.builtin.import_role", {}).get("name", "").endswith(
        ".preflight"))
    assert check["ansible.builtin.import_role"]["tasks_from"] == "preflight.yml"


@pytest.mark.parametrize("role", ["preflight", "docker", "nvidia_docker", "python_stack", "h2o", "desktop_apps",
                                  "manifest"])
def test_main_is_preflight_then_apply_with_one_argument_spec(role):
    main = yaml.safe_load((REPO / "roles" / role / "tasks" / "main.yml").read_text())
    assert [task["ansible.builtin.import_tasks"] for task in main] == ["preflight.yml", "apply.yml"]
    specs = yaml.safe_load((REPO / "roles" / role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    assert specs["preflight"]["options"] == specs["apply"]["options"] == specs["main"]["options"]


ROLES = sorted(path.name for path in (REPO / "roles").iterdir() if (path / "tasks").is_dir())


@pytest.mark.parametrize("role", ROLES)
def test_no_role_reads_another_roles_internal_variables(role):
    """A role reaches another only through its declared entry points and public variables (<role>_*), never
    through the other's internal __<role>_* ones."""
    others = "|".join(re.escape(other) for other in ROLES if other != role)
    pattern = re.compile(rf"\b__({others})_[a-z0-9_]+")
    found = []
    for path in sorted((REPO / "roles" / role).rglob("*")):
        if path.suffix in (".yml", ".j2") and path.is_file():
            found += [f"{path.relative_to(REPO)}: {match.group(0)}" for match in pattern.finditer(path.read_text())]
    assert not found, found
