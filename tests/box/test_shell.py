"""A login shell of the JupyterLab user (docker exec -u USER CONTAINER bash -lc ...): the base environment's
tools come first, the system's still work, and the login message names the environments and JupyterLab's
address without its token."""

from __future__ import annotations

import subprocess

import pytest
from boxlib import ENVS_DIR, Box, docker_exec

MARK = "--- mlbox-box-test ---"


def login_shell(box: Box, script: str, interactive: bool = False) -> subprocess.CompletedProcess:
    return docker_exec(box.container, "bash", "-lic" if interactive else "-lc", script, user=box.user,
                       timeout=120, check=False)


def after_mark(proc: subprocess.CompletedProcess) -> str:
    """What the script printed after MARK (a login message printed before it is not the script's output)."""
    assert MARK in proc.stdout, f"exit {proc.returncode}; stdout: {proc.stdout!r}; stderr: {proc.stderr!r}"
    return proc.stdout.split(MARK, 1)[1].strip()


def test_base_environment_first_on_path(box: Box) -> None:
    proc = login_shell(box, f"echo '{MARK}'; for c in python pip jupyter; do echo \"$c=$(command -v $c)\"; done; "
                            "echo \"PATH=$PATH\"")
    found = dict(line.split("=", 1) for line in after_mark(proc).splitlines())
    wrong = {name: found[name] or "(not found)" for name in ("python", "pip", "jupyter")
             if found[name] != f"{ENVS_DIR}/base/bin/{name}"}
    assert not wrong, f"not the base environment's ({ENVS_DIR}/base/bin): {wrong}; PATH={found['PATH']}"


@pytest.mark.parametrize("command", [
    "python -c 'import numpy; print(numpy.__version__)'",
    "pip --version",
    "/usr/bin/python3 -c 'import sys; print(sys.version)'",
    "apt-get --version",
], ids=["python-numpy", "pip", "system-python3", "apt-get"])
def test_command_works(box: Box, command: str) -> None:
    proc = login_shell(box, f"echo '{MARK}'; {command}")
    assert proc.returncode == 0, f"{command}: exit {proc.returncode}; stdout: {proc.stdout!r}; stderr: {proc.stderr!r}"
    assert after_mark(proc), f"{command} printed nothing"


def test_login_message(box: Box) -> None:
    """The message a user sees at login. Asked of an interactive login shell (bash -lic), which is what a user
    gets; a message printed in every login shell shows there too."""
    envs = docker_exec(box.container, "find", ENVS_DIR, "-mindepth", "3", "-maxdepth", "3", "-path", "*/bin/python")
    names = sorted(path.split("/")[-3] for path in envs.stdout.split())
    assert names, f"no environments under {ENVS_DIR}"
    proc = login_shell(box, "true", interactive=True)
    # bash -i without a terminal says so on stderr; that is not part of the message.
    noise = ("cannot set terminal process group", "no job control in this shell")
    message = proc.stdout + "".join(line for line in proc.stderr.splitlines(keepends=True)
                                    if not any(n in line for n in noise))
    assert proc.returncode == 0, f"bash -lic true: exit {proc.returncode}: {message!r}"
    assert box.token not in message, "the login message shows JupyterLab's token"
    missing = [name for name in names if name not in message]
    assert not missing, f"the login message does not mention the environments {missing}: {message!r}"
    address = f"127.0.0.1:{box.port}"
    assert address in message, f"the login message does not mention JupyterLab at {address}: {message!r}"
