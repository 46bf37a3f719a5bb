# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The gpu_facts module: in-process against the fixture trees with nvidia-smi patched, and through
the ansible CLI (the issue's "Done when")."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from ansible_collections.mlinabox.stack.plugins.modules import gpu_facts

FIXTURES = Path(__file__).parent / "fixtures"
SYSFS = FIXTURES / "sysfs"
SMI = FIXTURES / "nvidia-smi"
REPO_ROOT = Path(__file__).resolve().parents[2]
NVIDIA_SMI = "/usr/bin/nvidia-smi"


def answer_with(fake_commands, output_name, rc=0):
    """nvidia-smi answers with a recorded output; a 470-era driver rejects compute_cap."""
    if output_name == "470-k80.csv":
        rejection = (SMI / "470-rejects-compute-cap.txt").read_text()
        fake_commands.add(lambda args: "compute_cap" in args[1], (2, rejection, ""))
    output = (SMI / output_name).read_text()
    fake_commands.add(lambda args: "nvidia-smi" in os.path.basename(args[0]), (rc, output, ""))


def summary(result):
    facts = result["ansible_facts"]
    return facts["mlbox_gpu_count"], facts["mlbox_gpu_driver_flavour"], facts["mlbox_nvidia_driver_version"]


# (sysfs tree, recorded nvidia-smi output or None, count, flavour, driver version,
#  [(pci_address, architecture, compute_capability, name, memory_mib)])
SCENARIOS = [
    ("none", None, 0, None, None, []),
    ("t4", None, 1, "open", None, [("0000:00:04.0", "turing", "7.5", "Tesla T4", None)]),
    ("t4", "535-t4.csv", 1, "open", "535.183.01", [("0000:00:04.0", "turing", "7.5", "Tesla T4", 15360)]),
    (
        "a100x2",
        "535-a100x2.csv",
        2,
        "open",
        "535.54.03",
        [
            ("0000:01:00.0", "ampere", "8.0", "NVIDIA A100-SXM4-40GB", 40960),
            ("0000:41:00.0", "ampere", "8.0", "NVIDIA A100-SXM4-40GB", 40960),
        ],
    ),
    (
        "k80",
        "470-k80.csv",
        2,
        "proprietary",
        "470.63.01",
        [
            ("0000:04:00.0", "kepler", "3.7", "Tesla K80", 11441),
            ("0000:05:00.0", "kepler", "3.7", "Tesla K80", 11441),
        ],
    ),
    (
        "hgx_h100x8",
        "580-hgx-h100x8.csv",
        8,
        "open",
        "580.95.05",
        [
            (f"0000:{bus}:00.0", "hopper", "9.0", "NVIDIA H100 80GB HBM3", 81559)
            for bus in ("18", "2a", "3a", "5d", "9a", "ab", "ba", "db")
        ],
    ),
    # Recorded on real machines (tests/harness/record-gpu-host.sh): one GPU passed through to a Firecracker VM,
    # class 0x0302 (3D controller), beside virtio functions and an Intel host bridge.
    ("h100_vm", None, 1, "open", None, [("0000:00:06.0", "hopper", "9.0", "H100 SXM5", None)]),
    (
        "h100_vm",
        "580-h100-vm.csv",
        1,
        "open",
        "580.159.04",
        [("0000:00:06.0", "hopper", "9.0", "NVIDIA H100 80GB HBM3", 81559)],
    ),
    ("h200_vm", "580-h200-vm.csv", 1, "open", "580.159.04", [("0000:00:06.0", "hopper", "9.0", "NVIDIA H200", 143771)]),
    (
        "mixed",
        "580-mixed.csv",
        4,
        "proprietary",
        "580.95.05",
        [
            ("0000:3b:00.0", "pascal", "6.0", "Tesla P100-PCIE-16GB", 16384),
            ("0000:5e:00.0", "volta", "7.0", "Tesla V100-SXM2-16GB", 16384),
            ("0000:86:00.0", "turing", "7.5", "Tesla T4", 15360),
            ("0000:af:00.0", "ampere", "8.6", "NVIDIA A10", 23028),
        ],
    ),
    (
        "workstation",
        "580-workstation.csv",
        2,
        "open",
        "580.95.05",
        [
            ("0000:01:00.0", "ada", "8.9", "NVIDIA GeForce RTX 4090", 24564),
            ("0000:02:00.0", "turing", "7.5", None, None),  # on nouveau: nvidia-smi does not see it
        ],
    ),
    (
        "blackwell",
        "580-blackwell.csv",
        2,
        "open",
        "580.95.05",
        [
            ("0000:17:00.0", "blackwell", "10.0", "NVIDIA B200", 183359),
            ("0000:65:00.0", "blackwell", "12.0", "NVIDIA RTX PRO 6000 Blackwell Workstation Edition", 97887),
        ],
    ),
    (
        "unknown",
        None,
        2,
        "proprietary",
        None,
        [("0000:01:00.0", "unknown", None, None, None), ("0000:02:00.0", "unknown", None, None, None)],
    ),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[f"{s[0]}-{s[1] or 'no-nvidia-smi'}" for s in SCENARIOS])
@pytest.mark.parametrize("check_mode", [False, True], ids=["run", "check"])
def test_facts(scenario, check_mode, run_module, fake_commands, fake_bin_paths):
    tree, output, count, flavour, driver, gpus = scenario
    if output:
        fake_bin_paths["nvidia-smi"] = NVIDIA_SMI
        answer_with(fake_commands, output)
    result = run_module(gpu_facts.main, {"sysfs_root": str(SYSFS / tree)}, check_mode=check_mode)
    assert result["changed"] is False
    assert summary(result) == (count, flavour, driver)
    found = [
        (gpu["pci_address"], gpu["architecture"], gpu["compute_capability"], gpu["name"], gpu["memory_mib"])
        for gpu in result["ansible_facts"]["mlbox_gpus"]
    ]
    assert found == gpus
    assert result["nvidia_smi_path"] == (NVIDIA_SMI if output else None)
    assert result["nvidia_smi_error"] is None


def test_every_gpu_has_the_documented_keys(run_module, fake_commands, fake_bin_paths):
    fake_bin_paths["nvidia-smi"] = NVIDIA_SMI
    answer_with(fake_commands, "580-mixed.csv")
    result = run_module(gpu_facts.main, {"sysfs_root": str(SYSFS / "mixed")})
    documented = set(gpu_facts.RETURN.split("contains:")[2].split("mlbox_gpu_count:")[0].split())
    for gpu in result["ansible_facts"]["mlbox_gpus"]:
        assert {f"{key}:" for key in gpu} <= documented, sorted(gpu)
    assert set(result["ansible_facts"]) == {
        "mlbox_gpus",
        "mlbox_gpu_count",
        "mlbox_gpu_driver_flavour",
        "mlbox_nvidia_driver_version",
    }
    pascal = result["ansible_facts"]["mlbox_gpus"][0]
    assert pascal == {
        "pci_address": "0000:3b:00.0",
        "device_id": "0x15f8",
        "architecture": "pascal",
        "compute_capability": "6.0",
        "compute_capability_min": "6.0",
        "open_kernel_supported": False,
        "proprietary_supported": True,
        "max_driver_branch": 580,
        "max_cuda_major": 12,
        "min_cuda_version": None,
        "name": "Tesla P100-PCIE-16GB",
        "memory_mib": 16384,
        "uuid": "GPU-8e3c2a19-4d6f-1b70-c5a8-27e9f0b4d613",
        "index": 0,
        "kernel_driver": "nvidia",
    }


def test_nvidia_smi_runs_in_the_c_locale_and_retries_for_470(run_module, fake_commands, fake_bin_paths):
    fake_bin_paths["nvidia-smi"] = NVIDIA_SMI
    answer_with(fake_commands, "470-k80.csv")
    run_module(gpu_facts.main, {"sysfs_root": str(SYSFS / "k80")})
    assert [call["args"][1] for call in fake_commands.calls] == [
        "--query-gpu=index,name,uuid,pci.bus_id,driver_version,compute_cap,memory.total",
        "--query-gpu=index,name,uuid,pci.bus_id,driver_version,memory.total",
    ]
    for call in fake_commands.calls:
        assert call["kwargs"]["environ_update"] == {"LANG": "C", "LC_ALL": "C"}


def test_without_nvidia_smi_nothing_runs(run_module, fake_commands, fake_bin_paths):
    result = run_module(gpu_facts.main, {"sysfs_root": str(SYSFS / "a100x2")})
    assert fake_commands.calls == []
    assert summary(result) == (2, "open", None)
    assert result.get("warnings", []) == []


def test_failing_nvidia_smi_warns_and_keeps_the_sysfs_facts(run_module, fake_commands, fake_bin_paths, warnings_of):
    fake_bin_paths["nvidia-smi"] = NVIDIA_SMI
    answer_with(fake_commands, "failed-no-driver.txt", rc=9)
    result = run_module(gpu_facts.main, {"sysfs_root": str(SYSFS / "a100x2")})
    assert summary(result) == (2, "open", None)
    assert result["nvidia_smi_error"].startswith("nvidia-smi failed (rc=9): NVIDIA-SMI has failed")
    assert any("NVIDIA-SMI has failed" in warning for warning in warnings_of(result))
    assert [gpu["uuid"] for gpu in result["ansible_facts"]["mlbox_gpus"]] == [None, None]


def test_no_devices_found(run_module, fake_commands, fake_bin_paths):
    fake_bin_paths["nvidia-smi"] = NVIDIA_SMI
    answer_with(fake_commands, "no-devices.txt", rc=6)
    result = run_module(gpu_facts.main, {"sysfs_root": str(SYSFS / "none")})
    assert summary(result) == (0, None, None)
    assert result["nvidia_smi_error"] == "nvidia-smi failed (rc=6): No devices were found"


def test_explicit_nvidia_smi_path_is_used(run_module, fake_commands, fake_bin_paths):
    fake_bin_paths["nvidia-smi"] = "/somewhere/else/nvidia-smi"
    binary = str(FIXTURES / "bin" / "nvidia-smi-535-t4")
    answer_with(fake_commands, "535-t4.csv")
    result = run_module(gpu_facts.main, {"sysfs_root": str(SYSFS / "t4"), "nvidia_smi": binary})
    assert fake_commands.calls[0]["args"][0] == binary
    assert result["nvidia_smi_path"] == binary


def test_explicit_nvidia_smi_path_must_exist(run_module, fake_commands, fake_bin_paths, tmp_path):
    missing = str(tmp_path / "nvidia-smi")
    result = run_module(gpu_facts.main, {"sysfs_root": str(SYSFS / "t4"), "nvidia_smi": missing})
    assert result["failed"] is True
    assert result["msg"] == f"nvidia_smi={missing} is not an executable file"
    assert fake_commands.calls == []


def test_unknown_device_ids_are_reported_with_a_warning(run_module, fake_bin_paths, warnings_of):
    result = run_module(gpu_facts.main, {"sysfs_root": str(SYSFS / "unknown")})
    warnings = warnings_of(result)
    assert len(warnings) == 2
    assert "GPU 0000:01:00.0 has device ID 0x3f00, which is not in the architecture table" in warnings[0]
    assert "0x06d1" in warnings[1]
    assert [gpu["open_kernel_supported"] for gpu in result["ansible_facts"]["mlbox_gpus"]] == [True, False]


def test_gpu_seen_only_by_nvidia_smi_is_added_with_a_warning(run_module, fake_commands, fake_bin_paths, warnings_of):
    fake_bin_paths["nvidia-smi"] = NVIDIA_SMI
    answer_with(fake_commands, "580-extra-gpu.csv")
    result = run_module(gpu_facts.main, {"sysfs_root": str(SYSFS / "t4")})
    assert [(gpu["pci_address"], gpu["architecture"]) for gpu in result["ansible_facts"]["mlbox_gpus"]] == [
        ("0000:00:04.0", "turing"),
        ("0000:00:05.0", "ada"),
    ]
    assert any("nvidia-smi reports GPU 0000:00:05.0" in warning for warning in warnings_of(result))


def test_missing_sysfs_warns(run_module, fake_bin_paths, tmp_path, warnings_of):
    result = run_module(gpu_facts.main, {"sysfs_root": str(tmp_path)})
    assert summary(result) == (0, None, None)
    assert warnings_of(result) == [f"{tmp_path}/bus/pci/devices does not exist: GPUs can only come from nvidia-smi"]


def test_fake_nvidia_smi_scripts_match_the_recorded_outputs():
    """The stand-in scripts the CLI tests use print the recorded outputs (and the 470 rejection)."""
    if shutil.which("sh") is None:
        pytest.skip("no /bin/sh")
    query = "--query-gpu=index,name,uuid,pci.bus_id,driver_version,compute_cap,memory.total"
    bin_dir = FIXTURES / "bin"
    old = subprocess.run([str(bin_dir / "nvidia-smi-470-k80"), query], capture_output=True, text=True, check=False)
    assert (old.returncode, old.stdout) == (2, (SMI / "470-rejects-compute-cap.txt").read_text())
    new = subprocess.run([str(bin_dir / "nvidia-smi-580-mixed"), query], capture_output=True, text=True, check=True)
    assert new.stdout == (SMI / "580-mixed.csv").read_text()


# ---------------------------------------------------------------------------------------------
# Through the ansible CLI, as a user runs it (the "Done when").
# ---------------------------------------------------------------------------------------------

ANSIBLE = REPO_ROOT / ".venv" / "bin" / "ansible"


def ansible_gpu_facts(module_args, *extra):
    if not ANSIBLE.exists():
        pytest.skip(f"{ANSIBLE} is missing (make setup)")
    env = dict(os.environ, ANSIBLE_CALLBACK_RESULT_FORMAT="json", ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0")
    command = [str(ANSIBLE), "localhost", "-m", "mlinabox.stack.gpu_facts", "-a", module_args, *extra]
    done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    header, _arrow, body = done.stdout.partition("=>")
    assert "localhost | SUCCESS" in header, done.stdout
    return json.loads(body)


CLI_CASES = [
    # (module arguments, count, flavour, driver version, architectures)
    (
        "sysfs_root=tests/unit/fixtures/sysfs/h200_vm nvidia_smi=tests/unit/fixtures/bin/nvidia-smi-580-h200-vm",
        1,
        "open",
        "580.159.04",
        ["hopper"],
    ),
    ("sysfs_root=tests/unit/fixtures/sysfs/a100x2", 2, "open", None, ["ampere", "ampere"]),
    ("sysfs_root=tests/unit/fixtures/sysfs/mixed", 4, "proprietary", None, ["pascal", "volta", "turing", "ampere"]),
    ("sysfs_root=tests/unit/fixtures/sysfs/none", 0, None, None, []),
    (
        "sysfs_root=tests/unit/fixtures/sysfs/k80 nvidia_smi=tests/unit/fixtures/bin/nvidia-smi-470-k80",
        2,
        "proprietary",
        "470.63.01",
        ["kepler", "kepler"],
    ),
    (
        "sysfs_root=tests/unit/fixtures/sysfs/hgx_h100x8 nvidia_smi=tests/unit/fixtures/bin/nvidia-smi-580-hgx-h100x8",
        8,
        "open",
        "580.95.05",
        ["hopper"] * 8,
    ),
]


@pytest.mark.parametrize("case", CLI_CASES, ids=[case[0].split()[0].rsplit("/", 1)[1] for case in CLI_CASES])
def test_ansible_cli(case):
    module_args, count, flavour, driver, architectures = case
    if "nvidia_smi=" not in module_args and shutil.which("nvidia-smi"):
        pytest.skip("a real nvidia-smi on PATH would add this host's GPUs to the fixture's")
    result = ansible_gpu_facts(module_args)
    assert result["changed"] is False
    assert summary(result) == (count, flavour, driver)
    assert [gpu["architecture"] for gpu in result["ansible_facts"]["mlbox_gpus"]] == architectures


def _other_pythons():
    """Interpreters to run the module under besides the controller's: Python 3.8 is the oldest target
    (Ubuntu 20.04). From MLBOX_TEST_PYTHONS (os.pathsep-separated) or pyenv, when present."""
    listed = [path for path in os.environ.get("MLBOX_TEST_PYTHONS", "").split(os.pathsep) if path]
    found = (
        listed
        or sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.8*/bin/python3")))[:1]
        + sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.13*/bin/python3")))[:1]
    )
    return [path for path in found if os.access(path, os.X_OK)]


@pytest.mark.parametrize("python", _other_pythons() or [None])
def test_ansible_cli_on_other_target_pythons(python):
    if python is None:
        pytest.skip("no Python 3.8/3.13 found (set MLBOX_TEST_PYTHONS)")
    result = ansible_gpu_facts(
        "sysfs_root=tests/unit/fixtures/sysfs/k80 nvidia_smi=tests/unit/fixtures/bin/nvidia-smi-470-k80",
        "-e",
        f"ansible_python_interpreter={python}",
    )
    assert summary(result) == (2, "proprietary", "470.63.01")
    assert [gpu["compute_capability"] for gpu in result["ansible_facts"]["mlbox_gpus"]] == ["3.7", "3.7"]
