# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""mlbox-firstboot (roles/template_prep/files/mlbox-firstboot.py): settings, the checks and the report,
against temporary trees; systemctl is faked, ssh-keygen is the real one where installed (always with a
root prefix, never /etc/ssh)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "roles" / "template_prep" / "files" / "mlbox-firstboot.py"
SPEC = importlib.util.spec_from_file_location("mlbox_firstboot", SCRIPT)
firstboot = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(firstboot)

needs_ssh_keygen = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")


@pytest.fixture
def tree(tmp_path):
    """A root with etc/ssh and a machine-id, and settings that keep everything inside tmp_path."""
    root = tmp_path / "root"
    (root / "etc" / "ssh").mkdir(parents=True)
    (root / "etc" / "machine-id").write_text("3ab6a3dc0c29405fbd32e30293541785\n")
    config = dict(firstboot.DEFAULTS)
    config.update({
        "root": str(root),
        "envs_dir": str(tmp_path / "envs"),
        "services": [],
        "nvidia_smi": False,
        "report": str(tmp_path / "log" / "firstboot.json"),
        "done": str(tmp_path / "lib" / "firstboot.done"),
        "image": str(tmp_path / "image.json"),
        "hostkeys_state": str(tmp_path / "run" / "hostkeys.json"),
        "jupyter_config": str(tmp_path / "jupyter" / "jupyter_server_config.json"),
        "jupyter_token_file": str(tmp_path / "jupyter-token"),
    })
    return tmp_path, config


def make_env(envs_dir: Path, name: str, dists: list[str], python: str | None = None) -> Path:
    """An environment whose bin/python is this interpreter (or a script), with dist-info directories."""
    env = envs_dir / name
    site = env / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    for dist in dists:
        (site / f"{dist}.dist-info").mkdir()
    (env / "bin").mkdir()
    if python is None:
        (env / "bin" / "python").symlink_to(sys.executable)
    else:
        (env / "bin" / "python").write_text(python)
        (env / "bin" / "python").chmod(0o755)
    return env


def test_load_config_merges_known_keys_only(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"services": ["ssh"], "unknown": 1}))
    config = firstboot.load_config(str(path))
    assert config["services"] == ["ssh"] and "unknown" not in config
    assert config["envs_dir"] == "/opt/mlbox/envs"
    assert firstboot.load_config(str(tmp_path / "missing.json")) == firstboot.DEFAULTS
    path.write_text("not json")
    assert firstboot.load_config(str(path)) == firstboot.DEFAULTS


def test_env_distributions(tmp_path):
    env = make_env(tmp_path, "rapids", ["scikit_learn-1.9.1", "cudf_cu12-26.10.0", "six-1.17.0"])
    (env / "conda-meta").mkdir()
    (env / "conda-meta" / "numpy-1.21.2-py39h20f2e39_0.json").write_text("{}")
    assert firstboot.env_distributions(str(env)) == {"scikit-learn", "cudf-cu12", "six", "numpy"}


def test_env_checks_import_the_key_packages(tree):
    tmp, config = tree
    envs = tmp / "envs"
    # the interpreter is this one: 'json' imports, 'no_such_module_mlbox' does not
    make_env(envs, "base", ["json_stand_in-1.0", "unrelated-2.0"])
    make_env(envs, "broken", ["missing_dist-1.0"])
    make_env(envs, "empty", [])
    make_env(envs, "dead", ["json_stand_in-1.0"], python="#!/bin/sh\necho 'cannot start' >&2\nexit 3\n")
    (envs / "not-an-env").mkdir()
    config["imports"] = {"json-stand-in": "json", "Missing_Dist": "no_such_module_mlbox"}
    checks = {check["name"]: check for check in firstboot.env_checks(config)}
    assert sorted(checks) == ["python-env:base", "python-env:broken", "python-env:dead", "python-env:empty"]
    assert checks["python-env:base"]["status"] == "passed"
    assert checks["python-env:base"]["detail"].startswith("imported json")
    assert checks["python-env:broken"] == {
        "name": "python-env:broken", "status": "failed",
        "detail": "import no_such_module_mlbox failed: ModuleNotFoundError: No module named 'no_such_module_mlbox'"}
    assert checks["python-env:empty"]["status"] == "passed"
    dead = checks["python-env:dead"]
    assert dead["status"] == "failed" and "rc=3: cannot start" in dead["detail"]


def test_env_checks_without_environments(tree):
    _tmp, config = tree
    assert firstboot.env_checks(config) == [
        {"name": "python-envs", "status": "skipped", "detail": f"{config['envs_dir']} does not exist"}]


@needs_ssh_keygen
def test_host_keys_generated_under_the_root_only(tree):
    _tmp, config = tree
    ssh_dir = Path(config["root"]) / "etc" / "ssh"
    before = sorted(os.listdir("/etc/ssh")) if os.path.isdir("/etc/ssh") else []
    # `check` reports and does not generate
    check = firstboot.hostkeys_check(config, [], generate=False)
    assert check == {"name": "ssh-host-keys", "status": "failed", "detail": "missing: rsa, ecdsa, ed25519"}
    generated, error = firstboot.generate_host_keys(config)
    assert (generated, error) == (["rsa", "ecdsa", "ed25519"], None)
    assert sorted(path.name for path in ssh_dir.iterdir()) == sorted(
        f"ssh_host_{kind}_key{suffix}" for kind in ("rsa", "ecdsa", "ed25519") for suffix in ("", ".pub"))
    assert (sorted(os.listdir("/etc/ssh")) if os.path.isdir("/etc/ssh") else []) == before
    assert firstboot.generate_host_keys(config) == ([], None)
    check = firstboot.hostkeys_check(config, ["ed25519"], generate=True)
    assert check["status"] == "passed"
    assert check["detail"].startswith("generated at first boot: ed25519; rsa SHA256:")


def test_host_keys_without_openssh(tree, monkeypatch):
    _tmp, config = tree
    monkeypatch.setattr(firstboot.shutil, "which", lambda name: None)
    assert firstboot.hostkeys_check(config, [], generate=True)["status"] == "skipped"


def test_machine_id(tree):
    _tmp, config = tree
    assert firstboot.machine_id_check(config)["status"] == "passed"
    (Path(config["root"]) / "etc" / "machine-id").write_text("")
    assert firstboot.machine_id_check(config)["status"] == "failed"


@pytest.fixture
def fake_run(monkeypatch):
    """Replaces run(): answers from a list of (argv prefix, (rc, out, err)), first match wins."""
    answers = []
    calls = []

    def run(argv, timeout=60):
        calls.append(list(argv))
        for prefix, answer in answers:
            if list(argv[: len(prefix)]) == prefix:
                return answer.pop(0) if isinstance(answer, list) else answer
        raise AssertionError(f"unexpected command {argv}")

    monkeypatch.setattr(firstboot, "run", run)
    monkeypatch.setattr(firstboot.time, "sleep", lambda seconds: None)
    return answers, calls


def test_service_states(fake_run):
    answers, _calls = fake_run
    answers += [
        (["systemctl", "is-enabled", "docker"], (4, "not-found\n", "")),
        (["systemctl", "is-enabled", "h2o"], (1, "", "Failed to get unit file state for h2o.service: No such file")),
        (["systemctl", "is-enabled", "cups"], (1, "disabled\n", "")),
        (["systemctl", "is-enabled"], (0, "enabled\n", "")),
        (["systemctl", "show", "--property=ActiveState,SubState,Result", "ssh"],
         (0, "ActiveState=active\nSubState=running\nResult=success\n", "")),
        (["systemctl", "show", "--property=ActiveState,SubState,Result", "jupyterlab"],
         [(0, "ActiveState=activating\nSubState=start\nResult=success\n", ""),
          (0, "ActiveState=active\nSubState=running\nResult=success\n", "")]),
        (["systemctl", "show", "--property=ActiveState,SubState,Result", "broken"],
         (0, "ActiveState=failed\nSubState=failed\nResult=exit-code\n", "")),
    ]
    assert firstboot.service_check("docker", 10)["detail"] == "not installed"
    assert firstboot.service_check("h2o", 10)["detail"] == "not installed"
    assert firstboot.service_check("cups", 10) == {
        "name": "service:cups", "status": "skipped", "detail": "not enabled (disabled)"}
    assert firstboot.service_check("ssh", 10)["status"] == "passed"
    assert firstboot.service_check("jupyterlab", 10) == {
        "name": "service:jupyterlab", "status": "passed", "detail": "active (running)"}
    assert firstboot.service_check("broken", 10) == {
        "name": "service:broken", "status": "failed", "detail": "failed (failed, result exit-code)"}


def test_nvidia_smi(tree, tmp_path, monkeypatch):
    _tmp, config = tree
    config["nvidia_smi"] = True
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert firstboot.nvidia_smi_check(config)["status"] == "skipped"
    (tmp_path / "bin").mkdir()
    smi = tmp_path / "bin" / "nvidia-smi"
    smi.write_text("#!/bin/sh\necho '0, NVIDIA A100-SXM4-40GB, 580.95.05'\n")
    smi.chmod(0o755)
    assert firstboot.nvidia_smi_check(config) == {"name": "nvidia-smi", "status": "passed",
                                                  "detail": "0, NVIDIA A100-SXM4-40GB, 580.95.05"}
    smi.write_text("#!/bin/sh\necho 'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.'\n"
                   "exit 9\n")
    failed = firstboot.nvidia_smi_check(config)
    assert failed["status"] == "failed" and failed["detail"].startswith("rc=9: NVIDIA-SMI has failed")
    config["nvidia_smi"] = False
    assert firstboot.nvidia_smi_check(config)["detail"] == "turned off in the settings"


def run_main(tmp, config, command, monkeypatch):
    settings = tmp / "settings.json"
    settings.write_text(json.dumps(config))
    monkeypatch.setenv("MLBOX_FIRSTBOOT_CONFIG", str(settings))
    return firstboot.main([command])


def test_run_writes_the_report_and_the_marker(tree, monkeypatch, capsys):
    tmp, config = tree
    make_env(tmp / "envs", "base", ["json_stand_in-1.0"])
    config["imports"] = {"json-stand-in": "json"}
    (tmp / "image.json").write_text(json.dumps({"profile": "cpu", "built": "2026-11-26T05:46:42Z"}))
    monkeypatch.setattr(firstboot, "hostkeys_check",
                        lambda config, before, generate: firstboot.check("ssh-host-keys", "passed", "already present"))
    assert run_main(tmp, config, "run", monkeypatch) == 0
    report = json.loads((tmp / "log" / "firstboot.json").read_text())
    assert report["image"] == {"profile": "cpu", "built": "2026-11-26T05:46:42Z"}
    assert report["summary"] == {"passed": 3, "failed": 0, "skipped": 2}
    assert [check["name"] for check in report["checks"]] == ["ssh-host-keys", "jupyterlab-token", "machine-id",
                                                             "nvidia-smi", "python-env:base"]
    assert (tmp / "lib" / "firstboot.done").read_text().strip() == report["started"]
    assert "passed  python-env:base: imported json" in capsys.readouterr().out


def test_run_fails_when_a_check_fails_and_check_writes_nothing(tree, monkeypatch, capsys):
    tmp, config = tree
    (Path(config["root"]) / "etc" / "machine-id").write_text("")
    monkeypatch.setattr(firstboot, "hostkeys_check",
                        lambda config, before, generate: firstboot.check("ssh-host-keys", "passed", ""))
    assert run_main(tmp, config, "check", monkeypatch) == 1
    printed = json.loads(capsys.readouterr().out)
    assert printed["summary"]["failed"] == 1
    assert not (tmp / "log").exists() and not (tmp / "lib").exists()
    assert run_main(tmp, config, "run", monkeypatch) == 1
    assert (tmp / "lib" / "firstboot.done").exists()


@needs_ssh_keygen
def test_hostkeys_command_records_what_it_generated(tree, monkeypatch, capsys):
    tmp, config = tree
    assert run_main(tmp, config, "hostkeys", monkeypatch) == 0
    state = json.loads((tmp / "run" / "hostkeys.json").read_text())
    assert state["generated"] == ["rsa", "ecdsa", "ed25519"]
    assert "generated SSH host keys: rsa, ecdsa, ed25519" in capsys.readouterr().out
    assert run_main(tmp, config, "hostkeys", monkeypatch) == 0
    assert json.loads((tmp / "run" / "hostkeys.json").read_text())["generated"] == []


def jupyter_settings(tmp: Path, token: str | None) -> Path:
    """JupyterLab's settings as python_stack writes them (without the token, as template_prep leaves them)."""
    settings = {"ServerApp": {"ip": "127.0.0.1", "port": 8888}, "IdentityProvider": {}}
    if token is not None:
        settings["IdentityProvider"]["token"] = token
    path = tmp / "jupyter" / "jupyter_server_config.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(settings))
    path.chmod(0o640)
    return path


def test_jupyter_token_generated_once_for_the_clone(tree):
    tmp, config = tree
    settings = jupyter_settings(tmp, None)
    assert firstboot.generate_jupyter_token(config) == "generated"
    token = (tmp / "jupyter-token").read_text().strip()
    assert re.fullmatch(r"[A-Za-z0-9]{48}", token)
    assert (tmp / "jupyter-token").stat().st_mode & 0o777 == 0o600
    assert json.loads(settings.read_text())["IdentityProvider"]["token"] == token
    assert json.loads(settings.read_text())["ServerApp"] == {"ip": "127.0.0.1", "port": 8888}
    assert settings.stat().st_mode & 0o777 == 0o640
    # Once there, it stays: a later boot keeps it.
    assert firstboot.generate_jupyter_token(config) == "present"
    assert (tmp / "jupyter-token").read_text().strip() == token
    check = firstboot.jupyter_token_check(config, "generated", generate=False)
    assert check["status"] == "passed" and "generated at first boot" in check["detail"]


def test_jupyter_token_each_clone_its_own(tree):
    tmp, config = tree
    tokens = set()
    for _clone in range(3):
        (tmp / "jupyter-token").unlink(missing_ok=True)
        jupyter_settings(tmp, None)
        assert firstboot.generate_jupyter_token(config) == "generated"
        tokens.add((tmp / "jupyter-token").read_text())
    assert len(tokens) == 3


def test_jupyter_token_check_failures(tree):
    tmp, config = tree
    assert firstboot.jupyter_token_check(config, None, generate=False)["status"] == "skipped"
    jupyter_settings(tmp, "a" * 48)
    (tmp / "jupyter-token").write_text("b" * 48 + "\n")
    (tmp / "jupyter-token").chmod(0o600)
    assert "disagree" in firstboot.jupyter_token_check(config, None, generate=False)["detail"]
    (tmp / "jupyter-token").write_text("a" * 48 + "\n")
    (tmp / "jupyter-token").chmod(0o644)
    assert "0644" in firstboot.jupyter_token_check(config, None, generate=False)["detail"]
    (tmp / "jupyter-token").chmod(0o600)
    assert firstboot.jupyter_token_check(config, None, generate=False)["status"] == "passed"
    (tmp / "jupyter" / "jupyter_server_config.json").write_text("{not json")
    (tmp / "jupyter-token").unlink()
    assert firstboot.generate_jupyter_token(config).startswith("error: ")
    assert firstboot.jupyter_token_check(config, None, generate=True)["status"] == "failed"


@needs_ssh_keygen
def test_hostkeys_command_makes_the_jupyter_token(tree, monkeypatch, capsys):
    tmp, config = tree
    jupyter_settings(tmp, None)
    assert run_main(tmp, config, "hostkeys", monkeypatch) == 0
    assert json.loads((tmp / "run" / "hostkeys.json").read_text())["jupyter_token"] == "generated"
    assert "JupyterLab token: generated" in capsys.readouterr().out
    assert (tmp / "jupyter-token").is_file()


def test_unknown_command(tree, monkeypatch):
    tmp, config = tree
    assert run_main(tmp, config, "reboot", monkeypatch) == 2
