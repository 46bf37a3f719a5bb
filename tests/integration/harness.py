"""What the integration tests share: the repository, the fixture repositories' variables, the test container."""

from __future__ import annotations

import contextlib
import os
import subprocess
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
IMAGE = os.environ.get("MLBOX_TEST_IMAGE", "mlbox-test/debian:12")
FIXTURE_VARS = REPO / "build" / "fixture-repos" / "vars.yml"


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check, timeout=120)


@contextlib.contextmanager
def throwaway_container():
    """A container of the Debian 12 test image (systemd not started), removed afterwards."""
    if docker("image", "inspect", IMAGE, check=False).returncode != 0:
        pytest.fail(f"test image {IMAGE} is missing: run tests/harness/build-images.sh")
    name = f"mlbox-badinput-{uuid.uuid4().hex[:8]}"
    docker("run", "-d", "--name", name, "--network", "host", IMAGE, "sleep", "3600")
    try:
        yield name
    finally:
        docker("rm", "-f", name, check=False)
