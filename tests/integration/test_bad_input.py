"""Table-driven bad-input tests: every case must fail with its message and change nothing.

Each case in bad_input*.yml runs a role with ansible-playbook against a Debian 12 test container (the
harness image) and extra vars. The test asserts that the run failed, that a failed task's message holds
the expected text, that Ansible reported no change, and that no file under /etc, /usr/local or dpkg's
database differs from before.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from harness import FIXTURE_VARS, REPO, docker, throwaway_container

HERE = Path(__file__).resolve().parent
# bad_input.yml and one bad_input_<role>.yml per role, all in the same format. MLBOX_BAD_INPUT_TABLES (a glob,
# such as bad_input_h2o*.yml) runs only those tables.
TABLES = os.environ.get("MLBOX_BAD_INPUT_TABLES", "bad_input*.yml")
CASES = [case for table in sorted(HERE.glob(TABLES)) for case in yaml.safe_load(table.read_text())]
SNAPSHOT = (
    "find /etc /usr/local /var/lib/dpkg/status -xdev -type f -print0 | sort -z | xargs -0 sha256sum;"
    # Modes and owners of the system's directories and of everything a role could create (a bad path setting
    # must not re-own /tmp or /var/lib).
    " stat -c '%a %u:%g %n' / /* /var/* /var/lib/* /usr/* /usr/local/* /opt /opt/* /etc/mlbox 2>/dev/null; true"
)

pytestmark = pytest.mark.skipif(shutil.which("docker") is None, reason="needs the docker CLI and engine")


@pytest.fixture(scope="module")
def container():
    with throwaway_container() as name:
        yield name


def failed_messages(result: dict) -> list[str]:
    """Messages of the failed tasks in an ansible.posix.json callback result."""
    messages = []
    for play in result.get("plays", []):
        for task in play.get("tasks", []):
            for host_result in task.get("hosts", {}).values():
                if host_result.get("failed"):
                    messages.append(str(host_result.get("msg", "")))
                    # A loop's own msg is only "One or more items failed": read its items.
                    messages += [str(item.get("msg", "")) for item in host_result.get("results", [])
                                 if item.get("failed")]
    return messages


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_input_fails_before_any_change(container, case, tmp_path):
    original_os_release = docker("exec", container, "cat", "/etc/os-release").stdout
    if "os_release" in case:
        docker("exec", container, "sh", "-c", f"printf '%s' '{case['os_release']}' > /etc/os-release")
    if "setup" in case:
        docker("exec", container, "sh", "-c", case["setup"])
    try:
        before = docker("exec", container, "sh", "-c", SNAPSHOT).stdout
        extra_vars = tmp_path / "vars.json"
        extra_vars.write_text(json.dumps(case.get("vars") or {}))
        # The fixture repositories' variables (fixture_docker_base_url, ...), for cases that point a role at them.
        fixture_vars = ["-e", f"@{FIXTURE_VARS}"] if FIXTURE_VARS.exists() else []
        cmd = [
            str(REPO / ".venv/bin/ansible-playbook"),
            "-i", f"{container},",
            "-c", "community.docker.docker",
            *fixture_vars,
            "-e", f"@{extra_vars}",
            str(HERE / "playbooks" / case["playbook"]),
        ]
        if "user" in case:
            cmd += ["-e", f"ansible_user={case['user']}", "-e", "ansible_become=false",
                    "-e", "ansible_remote_tmp=/tmp/.ansible-tmp"]
        env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
                   ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_LOAD_CALLBACK_PLUGINS="1")
        # A case is refused within seconds; MLBOX_BAD_INPUT_TIMEOUT shortens the wait where a run that goes on
        # is itself the finding (tests/reliability/before.sh, against code from before a check existed).
        timeout = int(os.environ.get("MLBOX_BAD_INPUT_TIMEOUT", "300"))
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            # The module goes on in the container (a docker exec outlives its client): stop it there too.
            docker("restart", "-t", "0", container)
            raise
        after = docker("exec", container, "sh", "-c", SNAPSHOT).stdout
    finally:
        docker("exec", container, "sh", "-c", f"printf '%s' '{original_os_release}' > /etc/os-release")
        if "cleanup" in case:
            docker("exec", container, "sh", "-c", case["cleanup"])

    assert run.returncode != 0, f"the run succeeded but should have failed:\n{run.stdout[-3000:]}"
    result = json.loads(run.stdout)
    messages = failed_messages(result)
    # The tables quote the fixture server as make test runs it (127.0.0.1:8765); a second checkout runs another port.
    expect = case["expect"].replace("127.0.0.1:8765", f"127.0.0.1:{os.environ.get('MLBOX_FIXTURE_PORT') or 8765}")
    assert any(expect in m for m in messages), f"expected {expect!r} in {messages}"
    assert all(stats.get("changed", 0) == 0 for stats in result["stats"].values()), result["stats"]
    assert before == after, "files changed on the host although the input was rejected"
    if "secret" in case:
        assert case["secret"] not in run.stdout + run.stderr, "the secret is in Ansible's output"
