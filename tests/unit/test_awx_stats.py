# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The set_stats tasks that publish the reports' key results for AWX (docs/awx.md): the manifest role's set_stats
task (tasks/steps.yml, its summary from vars/main.yml) and the publishing tasks of verify.yml and plan.yml, taken
from those files as they are and run by ansible-playbook against two local hosts with recorded-shape inputs.
Checks what the job's artifacts hold (the run's global custom stats, one key per host, added up across hosts), that
nothing secret from the reports' other fields gets there, and that mlbox_set_stats=false turns it off."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"
SECRET = "s3cr3t-token-0123"
AWX_ARTIFACTS = "the run's statistics (AWX keeps them as the job's artifacts)"

MANIFEST_INFO = {
    "manifest": {
        "host": "gpu01",
        "profile": "cpu",
        "generated": "2026-11-26T05:07:32Z",
        "collection_version": "0.2.0",
        "os": {"id": "debian", "version": "12.12", "pretty_name": "Debian GNU/Linux 12 (bookworm)"},
        "components": [
            {"key": "os", "name": "Operating system", "version": "12.12", "licence": "various", "notes": "",
             "source": "os-release"},
            {"key": "docker", "name": "Docker", "version": "28.5.2", "licence": "Apache-2.0", "notes": "",
             "source": "apt"},
            {"key": "python_env", "name": "Python environment base", "version": "3.11.2", "licence": "",
             "notes": "212 packages in /opt/mlbox/envs/base", "source": "env:base"},
            {"key": "python_package", "name": "NumPy", "version": "2.4.6", "licence": "BSD-3-Clause",
             "notes": "environment base", "source": "env:base"},
            {"key": "python_package", "name": "NumPy", "version": "2.3.5", "licence": "BSD-3-Clause",
             "notes": "environment torch", "source": "env:torch"},
        ],
        "not_installed": ["NVIDIA driver", "CUDA toolkit"],
        "python_envs": {"base": {"path": "/opt/mlbox/envs/base", "packages": {}}},
        "apt_packages": {"docker-ce": {"version": "5:28.5.2-1~debian.12~bookworm", "licence": "Apache-2.0"}},
        "sbom": {"path": "/etc/mlbox/sbom.cdx.json", "components": 412, "with_licence": 380},
    },
}

VERIFY_REPORT = {
    "host": "ignored",
    "profile": "cpu",
    "time": "2026-11-26T05:09:00Z",
    "gpus": 0,
    "checks": [
        {"name": "Docker", "status": "passed", "detail": "28.5.2"},
        {"name": "JupyterLab", "status": "failed", "detail": f"GET /api?token={SECRET}: 403"},
        {"name": "nvidia-smi", "status": "skipped", "detail": "no GPU"},
    ],
    "summary": {"passed": 1, "failed": 1, "skipped": 1},
}

APT_PLAN = {
    "plan": [{"action": "install", "package": "docker-ce"}, {"action": "install", "package": "containerd.io"},
             {"action": "remove", "package": "docker.io"}],
    "download_size": 104857600,
    "unresolved": [{"package": "docker-ce", "version": "9.9.9", "variable": "docker_version", "nearest": ["28.5.2"],
                    "msg": f"docker_version: docker-ce=9.9.9 is not in http://user:{SECRET}@mirror.example/debian",
                    "repository": f"http://user:{SECRET}@mirror.example/debian"}],
    "simulation_error": "",
}


def task_named(playbook: str, name: str) -> dict:
    plays = yaml.safe_load((REPO_ROOT / "playbooks" / playbook).read_text())
    found = [task for play in plays for task in play.get("tasks", []) if task.get("name") == name]
    assert len(found) == 1, f"{playbook} has no task named {name!r}"
    return found[0]


def manifest_stats_task() -> dict:
    steps = yaml.safe_load((REPO_ROOT / "roles" / "manifest" / "tasks" / "steps.yml").read_text())
    found = [task for task in steps if "ansible.builtin.set_stats" in task]
    assert len(found) == 1, "roles/manifest/tasks/steps.yml has no set_stats task"
    return found[0]


def run_stats(tmp_path: Path, extra_vars: dict) -> dict:
    inventory = {"all": {"hosts": {host: {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
                                   for host in ("box1", "box2")}}}
    playbook = [{
        "name": "The reports' set_stats tasks",
        "hosts": "all",
        "gather_facts": False,
        "vars": {
            "__manifest_info": MANIFEST_INFO,
            "manifest_dir": "/etc/mlbox",
            # As site.yml passes it to the manifest role.
            "manifest_set_stats": "{{ mlbox_set_stats | default(true) }}",
            "__verify_report": VERIFY_REPORT,
            "verify_report_dir": "/srv/reports/{{ inventory_hostname }}",
            "mlbox_apt_plan": APT_PLAN,
            "mlbox_profile": "cpu",
            "plan_report_dir": "/srv/reports/{{ inventory_hostname }}",
        },
        # The manifest role's summary is a lazy var of its vars/main.yml.
        "vars_files": [str(REPO_ROOT / "roles/manifest/vars/main.yml")],
        "tasks": [
            manifest_stats_task(),
            task_named("verify.yml", f"Publish the result as {AWX_ARTIFACTS}"),
            task_named("plan.yml", f"Publish the plan's counts as {AWX_ARTIFACTS}"),
        ],
    }]
    (tmp_path / "hosts.yml").write_text(json.dumps(inventory))
    (tmp_path / "play.yml").write_text(json.dumps(playbook))
    (tmp_path / "extra.json").write_text(json.dumps(extra_vars))
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env.update(ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_SHOW_CUSTOM_STATS="true",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"), ANSIBLE_NOCOLOR="1")
    result = subprocess.run([str(ANSIBLE_PLAYBOOK), "-i", "hosts.yml", "play.yml", "-e", "@extra.json"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> tuple[dict, str]:
    output = run_stats(tmp_path_factory.mktemp("stats"), {})
    return output["global_custom_stats"], json.dumps(output["global_custom_stats"])


def test_one_key_per_host_added_up(published):
    stats, _text = published
    assert sorted(stats) == ["mlbox_manifest", "mlbox_plan", "mlbox_verify"]
    for key in stats:
        assert sorted(stats[key]) == ["box1", "box2"], key


def test_manifest_summary(published):
    stats, _text = published
    summary = stats["mlbox_manifest"]["box1"]
    assert summary["box"] == "gpu01"
    assert summary["profile"] == "cpu"
    assert summary["os"] == "Debian GNU/Linux 12 (bookworm)"
    assert summary["collection_version"] == "0.2.0"
    assert summary["components"] == {
        "Operating system": "12.12",
        "Docker": "28.5.2",
        "Python environment base [env:base]": "3.11.2",
        "NumPy [env:base]": "2.4.6",
        "NumPy [env:torch]": "2.3.5",
    }
    assert summary["not_installed"] == ["NVIDIA driver", "CUDA toolkit"]
    assert summary["sbom_components"] == 412
    assert summary["manifest"] == "/etc/mlbox/manifest.md"


def test_verify_summary(published):
    stats, _text = published
    assert stats["mlbox_verify"]["box2"] == {
        "profile": "cpu", "time": "2026-11-26T05:09:00Z", "gpus": 0, "passed": 1, "failed": 1, "skipped": 1,
        "failed_checks": ["JupyterLab"], "report": "/srv/reports/box2/verify.md",
    }


def test_plan_summary(published):
    stats, _text = published
    assert stats["mlbox_plan"]["box1"] == {
        "profile": "cpu", "install_or_change": 2, "remove": 1, "download_mib": 100.0,
        "unresolved": [{"package": "docker-ce", "version": "9.9.9", "variable": "docker_version"}],
        "simulation_failed": False, "report": "/srv/reports/box1/plan.md",
    }


def test_nothing_secret(published):
    _stats, text = published
    assert SECRET not in text
    assert "mirror.example" not in text


def test_switched_off(tmp_path):
    output = run_stats(tmp_path, {"mlbox_set_stats": False})
    assert output["global_custom_stats"] == {}
