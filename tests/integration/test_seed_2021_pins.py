"""The seed-2021 profile's pins exist, in the version formats of their time, in the fixture repositories of 2021.

Runs playbooks/seed_2021_pins.yml in the Debian 12 test container: the roles' plan.yml entry points with the seed
profile and Ubuntu 20.04 facts, and one vendor_apt resolution in an empty apt root against the fixture repositories
(Docker's focal index, NVIDIA's ubuntu2004 CUDA repository, the container toolkit). The playbook asserts each
resolved version; this test asserts that it ran to the end.
"""

from __future__ import annotations

import os
import subprocess

import pytest
from harness import FIXTURE_VARS, REPO, throwaway_container

pytestmark = pytest.mark.skipif(not FIXTURE_VARS.exists(), reason="needs the fixture repositories (make fixture-repos)")


@pytest.fixture(scope="module")
def container():
    with throwaway_container() as name:
        yield name


def test_seed_2021_pins_resolve_in_the_formats_of_their_time(container):
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_FORCE_COLOR="0")
    result = subprocess.run(
        [str(REPO / ".venv/bin/ansible-playbook"), "-i", f"{container},", "-c", "community.docker.docker",
         "-e", f"@{FIXTURE_VARS}", str(REPO / "tests/integration/playbooks/seed_2021_pins.yml")],
        capture_output=True, text=True, env=env, timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "ok=" in result.stdout and "failed=0" in result.stdout
