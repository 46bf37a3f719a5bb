"""The box as a data scientist uses it (tests/box/README.md): run on the host against a converged box.

The box is a container that shares the host's network, so its JupyterLab on 127.0.0.1:PORT is the host's.
Configuration: --box-container / MLBOX_BOX_CONTAINER, --box-port / MLBOX_BOX_PORT, --box-user / MLBOX_BOX_USER
(default jupyter); tests/box/run.sh sets them. The token is read from the box (/etc/mlbox/jupyter-token).
Every wait is bounded, and what a test starts (kernels, sessions, Chromium, an HTTP server) it stops.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest
import requests
from boxlib import REPO, TOKEN_FILE, Box, Kernel, docker_exec


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("box", "the converged box under test")
    group.addoption("--box-container", default=os.environ.get("MLBOX_BOX_CONTAINER", ""),
                    help="the box's container name (MLBOX_BOX_CONTAINER)")
    group.addoption("--box-port", default=os.environ.get("MLBOX_BOX_PORT", ""),
                    help="JupyterLab's port on 127.0.0.1 (MLBOX_BOX_PORT)")
    group.addoption("--box-user", default=os.environ.get("MLBOX_BOX_USER", "jupyter"),
                    help="the user JupyterLab runs as (MLBOX_BOX_USER, default jupyter)")


_BOX: Box | None = None


def get_box(config: pytest.Config) -> Box:
    """The box, read once per run (kernel specs included: the kernel tests are parametrised by them)."""
    global _BOX  # noqa: PLW0603
    if _BOX is not None:
        return _BOX
    container = config.getoption("box_container")
    port = config.getoption("box_port")
    user = config.getoption("box_user")
    if not container or not port:
        raise pytest.UsageError("set MLBOX_BOX_CONTAINER and MLBOX_BOX_PORT (or --box-container, --box-port); "
                                "tests/box/run.sh CONTAINER PORT does")

    def run(*argv: str) -> str:
        proc = docker_exec(container, *argv, timeout=60, check=False)
        if proc.returncode != 0:
            raise pytest.UsageError(f"docker exec {container} {' '.join(argv)}: {proc.stderr.strip()}")
        return proc.stdout

    token = run("cat", TOKEN_FILE).strip()
    home = run("getent", "passwd", user).split(":")[5]
    box = Box(container, int(port), user, token, home)
    try:
        response = box.api("GET", "/api/kernelspecs")
        response.raise_for_status()
    except requests.RequestException as exc:
        raise pytest.UsageError(f"JupyterLab at {box.base_url}: GET /api/kernelspecs: {exc}") from exc
    box.kernelspecs = response.json()["kernelspecs"]
    _BOX = box
    return box


@pytest.fixture(scope="session")
def box(pytestconfig: pytest.Config) -> Box:
    return get_box(pytestconfig)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "kernel_name" in metafunc.fixturenames:
        names = sorted(get_box(metafunc.config).kernelspecs)
        metafunc.parametrize("kernel_name", names, ids=names)


@pytest.fixture(scope="session")
def out_dir() -> Path:
    path = Path(os.environ.get("MLBOX_BOX_TEST_OUT", REPO / "build" / "box-test"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def kernel(box: Box, kernel_name: str) -> Iterator[Kernel]:
    """A fresh kernel of the spec under test, shut down (session and kernel deleted) when the test ends."""
    k = Kernel(box, kernel_name)
    try:
        k.start()
        yield k
    finally:
        k.shutdown()
