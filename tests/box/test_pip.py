"""`%pip install` of a user's own package in every kernel: it goes to the JupyterLab user's home, works at once
and after a restart of the kernel, and leaves the shared environment under /opt/mlbox/envs as it was.

The package is a pure-Python wheel the test writes itself, served from 127.0.0.1 by a thread of the test (the
box shares the host's network), so that pip needs no index: --no-index --find-links.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import shlex
import threading
import zipfile
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest
from boxlib import ENVS_DIR, Box, Kernel, docker_exec

PACKAGE = "mlbox_probe"
VERSION = "1.0"


def build_wheel(directory: Path) -> Path:
    """A minimal wheel of PACKAGE (PEP 427): the module, METADATA, WHEEL and RECORD with each file's hash."""
    dist_info = f"{PACKAGE}-{VERSION}.dist-info"
    files = {
        f"{PACKAGE}/__init__.py": f'"""A probe of the mlbox box tests."""\n__version__ = "{VERSION}"\n',
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {PACKAGE}\nVersion: {VERSION}\n",
        f"{dist_info}/WHEEL": ("Wheel-Version: 1.0\nGenerator: mlbox-box-test\nRoot-Is-Purelib: true\n"
                               "Tag: py3-none-any\n"),
    }
    record = []
    for name, text in files.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = "\n".join(record) + "\n"
    wheel = directory / f"{PACKAGE}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return wheel


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # the base class's signature
        pass


@pytest.fixture(scope="module")
def wheel_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The wheel's directory served on 127.0.0.1 (a free port) while this module's tests run."""
    directory = tmp_path_factory.mktemp("wheelhouse")
    build_wheel(directory)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def remove_user_copy(box: Box) -> None:
    """The user's copy of the probe (in the user's home), gone: before the test, so that it cannot pass on an
    earlier run's install, and after it, so that a rerun starts clean."""
    docker_exec(box.container, "find", box.home, "-xdev", "-name", f"{PACKAGE}*", "-prune", "-exec",
                "rm", "-rf", "{}", "+", timeout=120)


def shared_copies(box: Box, env: str) -> str:
    return docker_exec(box.container, "find", f"{ENVS_DIR}/{env}", "-name", f"{PACKAGE}*", timeout=120).stdout.strip()


@pytest.fixture
def clean_user_copy(box: Box) -> Iterator[None]:
    remove_user_copy(box)
    try:
        yield
    finally:
        remove_user_copy(box)


IMPORT = f"import {PACKAGE}; print({PACKAGE}.__file__)"


def test_pip_install_goes_to_the_users_home(box: Box, kernel_name: str, wheel_url: str, clean_user_copy: None,
                                            kernel: Kernel) -> None:
    env, cell = kernel.environment()
    assert env, f"kernel {kernel_name} does not run a Python of {ENVS_DIR}: {cell.output}"
    assert not shared_copies(box, env), f"{PACKAGE} is in {ENVS_DIR}/{env} before the test: remove it"

    before = kernel.execute(IMPORT)
    assert "ModuleNotFoundError" in before.error, \
        f"kernel {kernel_name}: {PACKAGE} importable before %pip: {before.output}"

    install = kernel.execute(f"%pip install --no-index --find-links {shlex.quote(wheel_url)} {PACKAGE}=={VERSION}")
    assert install.ok, f"kernel {kernel_name}: %pip install failed: {install.output}"
    assert f"Successfully installed {PACKAGE}-{VERSION}" in install.stdout + install.stderr, \
        f"kernel {kernel_name}: %pip did not say it installed {PACKAGE}: {install.output}"

    home = box.home.rstrip("/") + "/"
    at_once = kernel.execute(IMPORT)
    assert at_once.ok, \
        f"kernel {kernel_name}: import right after %pip install: {at_once.output}; install: {install.output}"
    assert at_once.stdout.strip().startswith(home), f"kernel {kernel_name}: not in {home}: {at_once.output}"

    kernel.restart()
    after_restart = kernel.execute(IMPORT)
    assert after_restart.ok, f"kernel {kernel_name}: import after a restart of the kernel: {after_restart.output}"
    assert after_restart.stdout.strip().startswith(home), f"kernel {kernel_name}: not in {home}: {after_restart.output}"

    left = shared_copies(box, env)
    assert not left, f"%pip in kernel {kernel_name} wrote into {ENVS_DIR}/{env}: {left}"
