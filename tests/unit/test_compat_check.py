# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The compat_check module: pass, fail, fail_on_error, warnings, check mode, gpu_facts' output as input."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from ansible_collections.mlinabox.stack.plugins.modules import compat_check, gpu_facts

REPO_ROOT = Path(__file__).resolve().parents[2]
SYSFS = Path(__file__).parent / "fixtures" / "sysfs"

COMPATIBLE = {
    "distribution": "Ubuntu",
    "distribution_version": "24.04",
    "architecture": "x86_64",
    "driver_branch": "580",
    "driver_flavour": "open",
    "cuda_version": "12.8",
    "cudnn_version": "9.10.2",
    "python_version": "3.12",
    "torch_version": "2.9.1",
    "torch_cuda": "cu128",
    "rapids_version": "26.10",
    "h2o_version": "3.46.0.12",
    "java_version": "17",
}


@pytest.mark.parametrize("check_mode", [False, True], ids=["run", "check"])
def test_compatible_plan_passes(check_mode, run_module):
    result = run_module(compat_check.main, COMPATIBLE, check_mode=check_mode)
    assert result["changed"] is False
    assert result.get("failed", False) is False
    assert result["ok"] is True
    assert result["errors"] == []
    assert "warnings" not in result
    assert {"cuda_driver", "cudnn_cuda", "torch_variant", "rapids_cuda", "h2o_java", "nvidia_repo_distro"} <= set(
        result["checks"]
    )


@pytest.mark.parametrize("check_mode", [False, True], ids=["run", "check"])
def test_incompatible_plan_fails_with_every_error(check_mode, run_module):
    plan = dict(COMPATIBLE, cuda_version="13.0", driver_branch="535")
    result = run_module(compat_check.main, plan, check_mode=check_mode)
    assert result["failed"] is True
    assert result["ok"] is False
    assert result["errors"][0] == (
        "CUDA 13.0 needs driver branch >= 580, driver_branch is 535: raise driver_branch or choose CUDA <= 12.2"
    )
    # and cuDNN 9.10.2 does not support CUDA 13.0, nor RAPIDS' cu13 wheels driver 535
    assert len(result["errors"]) == 3
    assert result["msg"] == "3 incompatibilities in the planned stack: " + "; ".join(result["errors"])


def test_one_error_message(run_module):
    result = run_module(compat_check.main, {"h2o_version": "3.34.0.8", "java_version": "21"})
    assert result["msg"] == (
        "1 incompatibility in the planned stack: H2O 3.34.0.8 supports Java 8-15, java_version is 21: "
        "choose Java 8-15"
    )


def test_fail_on_error_false_returns_the_errors(run_module):
    plan = dict(COMPATIBLE, cuda_version="13.0", driver_branch="535", fail_on_error=False)
    result = run_module(compat_check.main, plan)
    assert result.get("failed", False) is False
    assert result["ok"] is False
    assert len(result["errors"]) == 3


def test_warnings_are_ansible_warnings(run_module, warnings_of):
    result = run_module(compat_check.main, {"torch_version": "2.16.0", "driver_branch": "535"})
    assert result["ok"] is True
    warnings = warnings_of(result)
    assert len(warnings) == 2
    assert warnings[0].startswith("driver branch R535 reached end of life")
    assert warnings[1].startswith("torch 2.16.0 is not in the PyTorch table")


def test_integer_driver_branch_is_accepted(run_module):
    result = run_module(compat_check.main, {"driver_branch": 580, "cuda_version": "13.0"})
    assert result["ok"] is True


def test_invalid_flavour_is_rejected_by_the_argument_spec(run_module):
    result = run_module(compat_check.main, {"driver_flavour": "nouveau"})
    assert result["failed"] is True
    assert "driver_flavour" in result["msg"]
    assert "open, proprietary" in result["msg"]


def test_invalid_version_fails(run_module):
    result = run_module(compat_check.main, {"cuda_version": "latest"})
    assert result["failed"] is True
    assert result["errors"] == ["cuda_version 'latest' is not a version: use a numeric version such as 12.8"]


def test_gpu_facts_output_feeds_compat_check(run_module, fake_bin_paths):
    """mlbox_gpus of the mixed host (Pascal, Volta, Turing, Ampere) against an open-flavour plan."""
    gpus = run_module(gpu_facts.main, {"sysfs_root": str(SYSFS / "mixed")})["ansible_facts"]["mlbox_gpus"]
    plan = dict(COMPATIBLE, gpus=gpus, fail_on_error=False)
    errors = run_module(compat_check.main, plan)["errors"]
    assert errors == [
        "driver_flavour open does not support pascal GPU 0000:3b:00.0 (the open kernel modules need Turing or "
        "newer): set driver_flavour to proprietary",
        "driver_flavour open does not support volta GPU 0000:5e:00.0 (the open kernel modules need Turing or "
        "newer): set driver_flavour to proprietary",
        "torch_cuda cu128 (CUDA 12.8) wheels have no kernels for pascal GPU 0000:3b:00.0 (cu126 is the last "
        "variant for pascal): choose torch_cuda cu126",
        "torch_cuda cu128 (CUDA 12.8) wheels have no kernels for volta GPU 0000:5e:00.0 (cu126 is the last "
        "variant for volta): choose torch_cuda cu126",
        "RAPIDS 26.10 (cu12) needs compute capability >= 7.0, pascal GPU 0000:3b:00.0 has 6.0: use GPUs with "
        "compute capability >= 7.0",
    ]
    without_pascal = [gpu for gpu in gpus if gpu["architecture"] != "pascal"]
    fixed = dict(plan, driver_flavour="proprietary", torch_cuda="cu126", gpus=without_pascal)
    assert run_module(compat_check.main, fixed)["errors"] == []


def test_ansible_cli_rejects_and_accepts():
    ansible = REPO_ROOT / ".venv" / "bin" / "ansible"
    if not ansible.exists():
        pytest.skip(f"{ansible} is missing (make setup)")
    env = dict(os.environ, ANSIBLE_CALLBACK_RESULT_FORMAT="json", ANSIBLE_NOCOLOR="1")

    def run(args):
        command = [str(ansible), "localhost", "-m", "mlinabox.stack.compat_check", "-a", args]
        done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
        return done.returncode, json.loads(done.stdout.partition("=>")[2])

    rc, result = run("cuda_version=13.0 driver_branch=535")
    assert rc != 0
    assert result["errors"] == [
        "CUDA 13.0 needs driver branch >= 580, driver_branch is 535: raise driver_branch or choose CUDA <= 12.2"
    ]
    rc, result = run("cuda_version=12.8 driver_branch=580 distribution=Debian distribution_version=13")
    assert rc == 0
    assert result["ok"] is True
