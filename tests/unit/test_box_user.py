"""python_stack's files for the box's users: mlbox-info (the login message) and the user-packages hook.

mlbox-info runs against a fake tree (info.json, kernel specs, environments, a verify summary); the hook runs in
a real virtual environment made here, as a user would start its Python (HOME pointed at a temporary directory,
which the hook must ignore).
"""

from __future__ import annotations

import importlib.util
import json
import os
import pwd
import subprocess
import sys
import venv
from pathlib import Path

import pytest

FILES = Path(__file__).resolve().parents[2] / "roles" / "python_stack" / "files"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, FILES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mlbox_info = load("mlbox_info")


@pytest.fixture
def box(tmp_path):
    envs, kernels = tmp_path / "envs", tmp_path / "kernels"
    for name, version in (("base", "3.11.2"), ("pytorch", "3.11.2"), ("h2o", "3.11.2")):
        (envs / name / "bin").mkdir(parents=True)
        (envs / name / "pyvenv.cfg").write_text(f"home = /usr/bin\nversion_info = {version}\n")
    for name, display in (("base", "Python 3 (base)"), ("pytorch", "PyTorch (CPU)")):
        (kernels / name).mkdir(parents=True)
        (kernels / name / "kernel.json").write_text(json.dumps(
            {"argv": [str(envs / name / "bin" / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
             "display_name": display}))
    summary = tmp_path / "verify-summary.json"
    info = {"host": "box1", "envs_dir": str(envs), "kernels_dir": str(kernels), "shell_env": "base",
            "user_packages": True, "verify_summary": str(summary), "manifest": str(tmp_path / "manifest.md"),
            "jupyterlab": {"url": "http://127.0.0.1:8888/lab", "port": 8888, "user": "jupyter"}}
    return info, summary


def test_report_lists_environments_kernels_and_jupyterlab(box):
    info = box[0]
    text = mlbox_info.report(info)
    assert "ML in a Box: box1" in text
    lines = {line.split()[0]: line for line in text.splitlines() if line.startswith("  ") and "Python 3.11.2" in line}
    assert sorted(lines) == ["base", "h2o", "pytorch"]
    assert "Python 3 (base)" in lines["base"] and "python, pip, jupyter in your shell" in lines["base"]
    assert "PyTorch (CPU)" in lines["pytorch"] and "no kernel" in lines["h2o"]
    assert "JupyterLab: http://127.0.0.1:8888/lab (as jupyter" in text
    assert "ssh -N -L 8888:127.0.0.1:8888" in text
    assert "Last verify: not run yet" in text


def test_report_gives_the_last_verify_result(box):
    info, summary = box
    summary.write_text(json.dumps({"time": "2026-12-04T18:00:00Z", "passed": 12, "failed": 1, "skipped": 3,
                                   "failed_checks": ["TensorFlow"]}))
    assert "Last verify: 2026-12-04T18:00:00Z: 12 passed, 1 failed, 3 skipped (failed: TensorFlow)" in (
        mlbox_info.report(info))


def test_report_without_jupyterlab_or_user_packages(box):
    info = box[0]
    info.update(jupyterlab=None, user_packages=False)
    text = mlbox_info.report(info)
    assert "JupyterLab:" not in text and "not enabled on this box" in text


def test_report_skips_files_that_hold_no_json_object(box):
    """A kernel spec, verify summary or info file that is broken or holds a list is read as nothing, not a crash."""
    info, summary = box
    summary.write_text("[1, 2]")
    (Path(info["kernels_dir"]) / "pytorch" / "kernel.json").write_text('"argv"')
    (Path(info["kernels_dir"]) / "base" / "kernel.json").write_text("{broken")
    text = mlbox_info.report(info)
    assert "Last verify: not run yet" in text
    assert "Python 3 (base)" not in text and "PyTorch (CPU)" not in text
    assert mlbox_info.read_object(str(summary)) == {} and mlbox_info.read_object("/nonexistent") == {}


def test_manifest_option_prints_the_manifest(box, capsys, monkeypatch):
    info = box[0]
    Path(info["manifest"]).write_text("# Software included: box1\n")
    monkeypatch.setattr(mlbox_info, "read_object", lambda path: info if path == mlbox_info.INFO else {})
    assert mlbox_info.main(["mlbox-info", "--manifest"]) == 0
    assert capsys.readouterr().out == "# Software included: box1\n"
    assert mlbox_info.main(["mlbox-info", "--bad"]) == 2


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """A venv named 'base' with the hook in its site-packages, as python_stack installs it."""
    path = tmp_path_factory.mktemp("envs") / "base"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(path)
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(subprocess.run([path / "bin" / "python", "-c", code], capture_output=True, text=True,
                               check=True).stdout.strip())
    (site / "_mlbox_user_site.py").write_text((FILES / "mlbox_user_site.py").read_text())
    (site / "_mlbox_user_site.pth").write_text("import _mlbox_user_site\n")
    return path, site


def run_in(env_path: Path, home: Path, code: str, **extra: str) -> str:
    environ = {"PATH": os.environ["PATH"], "HOME": str(home), **extra}
    return subprocess.run([env_path / "bin" / "python", "-c", code], capture_output=True, text=True, check=True,
                          env=environ).stdout.strip()


# The hook's user directory: from the password database of the user Python runs as, whatever HOME says.
OWN = Path(pwd.getpwuid(os.geteuid()).pw_dir) / ".local/share/mlbox/envs"


@pytest.mark.skipif(os.getuid() == 0, reason="the hook makes the user's directory only for users other than root")
def test_hook_puts_the_users_directory_first_and_points_pip_at_it(env, tmp_path):
    env_path, site = env
    code = "import json, os, sys; print(json.dumps([sys.path, os.environ.get('PIP_PREFIX')]))"
    out = json.loads(run_in(env_path, tmp_path, code))
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    user_site = str(OWN / "base/lib" / version / "site-packages")
    assert out[1] == str(OWN / "base")
    assert out[0].index(user_site) < out[0].index(str(site))


def test_hook_as_root_only_points_pip_at_roots_directory(env, tmp_path):
    """Root: pip goes to root's own directory, and starting Python creates nothing."""
    env_path = env[0]
    if os.getuid() != 0:
        pytest.skip("the case of root")
    existed = OWN.exists()
    prefix = run_in(env_path, tmp_path, "import os; print(os.environ.get('PIP_PREFIX'))")
    assert prefix == str(OWN / "base")
    assert OWN.exists() == existed and not (tmp_path / ".local").exists()


def test_hook_ignores_home_a_user_pointed_elsewhere(env, tmp_path):
    """HOME naming another user's directory (su without -, sudo -E) brings none of its files onto sys.path."""
    env_path = env[0]
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    planted = tmp_path / ".local/share/mlbox/envs/base/lib" / version / "site-packages"
    planted.mkdir(parents=True)
    (planted / "mlbox_planted.py").write_text("raise SystemExit('planted module imported')\n")
    code = ("import importlib.util, os; "
            "print(importlib.util.find_spec('mlbox_planted') is None, os.environ['PIP_PREFIX'])")
    assert run_in(env_path, tmp_path, code) == f"True {OWN / 'base'}"


def test_hook_leaves_a_pip_prefix_of_the_users_own_alone(env, tmp_path):
    env_path = env[0]
    prefix = run_in(env_path, tmp_path, "import os; print(os.environ.get('PIP_PREFIX'))", PIP_PREFIX="/srv/mine")
    assert prefix == "/srv/mine"
    # One it set for another environment is replaced by this environment's.
    other = str(OWN / "pytorch")
    assert run_in(env_path, tmp_path, "import os; print(os.environ['PIP_PREFIX'])", PIP_PREFIX=other) == (
        str(OWN / "base"))
