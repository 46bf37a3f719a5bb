# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PCI device ID -> architecture table and the sysfs scan."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from ansible_collections.mlinabox.stack.plugins.module_utils.compat_matrix import ARCHITECTURES
from ansible_collections.mlinabox.stack.plugins.module_utils.gpu import (
    DEVICE_ID_RANGES,
    KNOWN_DEVICES,
    driver_flavour,
    find_gpus,
    gpu_record,
    identify_device,
    merge_nvidia_smi,
    parse_uevent,
    scan_pci_devices,
)
from ansible_collections.mlinabox.stack.plugins.module_utils.versions import version_in_range

SYSFS = Path(__file__).parent / "fixtures" / "sysfs"


# Every example ID of FACTS.md ("GPU architectures" -> "Example IDs").
@pytest.mark.parametrize(
    ("device_id", "architecture", "cc"),
    [
        (0x20B0, "ampere", "8.0"),  # A100 SXM4 40GB
        (0x20B5, "ampere", "8.0"),  # A100 PCIe 80GB
        (0x2236, "ampere", "8.6"),  # A10
        (0x24B0, "ampere", "8.6"),  # A4000
        (0x2230, "ampere", "8.6"),  # A6000
        (0x1EB8, "turing", "7.5"),  # T4
        (0x1DB1, "volta", "7.0"),  # V100 SXM2
        (0x15F8, "pascal", "6.0"),  # P100 PCIe
        (0x2330, "hopper", "9.0"),  # H100 SXM5
        (0x2331, "hopper", "9.0"),  # H100 PCIe
        (0x2335, "hopper", "9.0"),  # H200
        (0x27B8, "ada", "8.9"),  # L4
        (0x26B9, "ada", "8.9"),  # L40S
        (0x2684, "ada", "8.9"),  # RTX 4090
        (0x2901, "blackwell", "10.0"),  # B200
        (0x102D, "kepler", "3.7"),  # K80
        (0x13F2, "maxwell", "5.2"),  # M60
    ],
)
def test_facts_example_ids(device_id, architecture, cc):
    found = identify_device(device_id)
    assert found["architecture"] == architecture
    assert found["compute_capability"] == cc
    assert found["name"]
    assert identify_device(f"0x{device_id:04x}") == found


@pytest.mark.parametrize(
    ("device_id", "architecture", "cc"),
    [
        # the edges of FACTS.md's ranges
        (0x0F00, "kepler", None),
        (0x12FF, "kepler", None),
        (0x1300, "maxwell", None),
        (0x14FF, "maxwell", None),
        (0x1500, "unknown", None),  # 0x15xx is not Maxwell's
        (0x15EF, "unknown", None),
        (0x15F0, "pascal", "6.0"),
        (0x15F9, "pascal", "6.0"),
        (0x15FA, "unknown", None),
        (0x16FF, "maxwell", None),
        (0x1724, "unknown", None),
        (0x1725, "pascal", None),
        (0x172F, "pascal", None),
        (0x174C, "unknown", None),
        (0x174D, "maxwell", None),
        (0x17FD, "maxwell", None),
        (0x1B00, "pascal", "6.1"),
        (0x1D56, "pascal", "6.1"),
        (0x1D57, "unknown", None),
        (0x1D81, "volta", "7.0"),
        (0x1DF6, "volta", "7.0"),
        (0x1DF7, "unknown", None),
        (0x1E00, "turing", "7.5"),
        (0x1FFF, "turing", "7.5"),
        (0x2000, "ampere", "8.0"),
        (0x2182, "turing", "7.5"),  # GTX 1660 Ti: Turing sits between Ampere blocks
        (0x2204, "ampere", "8.6"),  # RTX 3090
        (0x2321, "hopper", "9.0"),
        (0x2484, "ampere", "8.6"),
        (0x25FF, "ampere", "8.6"),
        (0x2600, "ada", "8.9"),
        (0x28FF, "ada", "8.9"),
        (0x29FF, "blackwell", "10.0"),
        (0x2A00, "unknown", None),
        (0x2B85, "blackwell", "12.0"),  # RTX 5090
        (0x2FFF, "blackwell", "12.0"),
        (0x3000, "unknown", None),
        (0x3100, "blackwell", None),
        (0x3200, "unknown", None),
        (0x0EFF, "unknown", None),
    ],
)
def test_range_edges(device_id, architecture, cc):
    found = identify_device(device_id)
    assert (found["architecture"], found["compute_capability"]) == (architecture, cc)


def test_ranges_are_sorted_disjoint_and_named():
    previous_last = -1
    for first, last, architecture, cc in DEVICE_ID_RANGES:
        assert first <= last
        assert first > previous_last, f"0x{first:04x} overlaps the range before it"
        previous_last = last
        assert architecture in ARCHITECTURES
        if cc is not None:
            assert version_in_range(cc, *ARCHITECTURES[architecture]["cc"]), (hex(first), cc)


def test_known_devices_agree_with_the_architecture_table():
    for device_id, (name, cc) in KNOWN_DEVICES.items():
        architecture = identify_device(device_id)["architecture"]
        assert architecture in ARCHITECTURES, (hex(device_id), name)
        assert version_in_range(cc, *ARCHITECTURES[architecture]["cc"]), (hex(device_id), name, cc)


@pytest.mark.parametrize(
    ("device_id", "limits"),
    [
        # open_kernel_supported, proprietary_supported, max_driver_branch, max_cuda_major, min_cuda_version
        ("0x102d", (False, True, 470, 11, None)),
        ("0x13f2", (False, True, 580, 12, None)),
        ("0x15f8", (False, True, 580, 12, None)),
        ("0x1db1", (False, True, 580, 12, None)),
        ("0x1eb8", (True, True, None, None, None)),
        ("0x2330", (True, True, None, None, None)),
        ("0x2901", (True, False, None, None, "12.8")),
    ],
)
def test_gpu_record_carries_the_architecture_limits(device_id, limits):
    record = gpu_record("0000:01:00.0", device_id)
    assert record["device_id"] == device_id
    keys = ("open_kernel_supported", "proprietary_supported", "max_driver_branch", "max_cuda_major", "min_cuda_version")
    assert tuple(record[key] for key in keys) == limits


@pytest.mark.parametrize(
    ("device_id", "open_kernel"),
    [(0x3F00, True), (0x2A10, True), (0x06D1, False), (0x1D60, False)],
)
def test_unknown_ids_guess_open_support_from_the_id(device_id, open_kernel):
    record = gpu_record("0000:01:00.0", device_id)
    assert record["architecture"] == "unknown"
    assert record["compute_capability"] is None
    assert record["open_kernel_supported"] is open_kernel


def test_unknown_id_uses_nvidia_smi_compute_capability():
    [record], _only = merge_nvidia_smi(
        [gpu_record("0000:01:00.0", 0x06D1)],
        [{"pci_address": "0000:01:00.0", "compute_capability": "8.0", "name": "x", "uuid": None, "memory_mib": None}],
    )
    assert record["architecture"] == "unknown"  # the ID decides the architecture, never dropped
    assert record["compute_capability"] == "8.0"
    assert record["open_kernel_supported"] is True


def test_driver_flavour():
    turing = gpu_record("0000:01:00.0", 0x1EB8)
    volta = gpu_record("0000:02:00.0", 0x1DB1)
    assert driver_flavour([]) is None
    assert driver_flavour([turing]) == "open"
    assert driver_flavour([turing, volta]) == "proprietary"


def test_parse_uevent():
    assert parse_uevent("DRIVER=nvidia\nPCI_SLOT_NAME=0000:01:00.0\n\nnoise\n") == {
        "DRIVER": "nvidia",
        "PCI_SLOT_NAME": "0000:01:00.0",
    }


# fixture tree -> [(pci_address, device_id, architecture, compute_capability, kernel_driver)], flavour
SYSFS_EXPECTED = {
    "none": ([], None),
    "t4": ([("0000:00:04.0", "0x1eb8", "turing", "7.5", None)], "open"),
    "a100x2": (
        [
            ("0000:01:00.0", "0x20b0", "ampere", "8.0", "nvidia"),
            ("0000:41:00.0", "0x20b0", "ampere", "8.0", "nvidia"),
        ],
        "open",
    ),
    "k80": (
        [
            ("0000:04:00.0", "0x102d", "kepler", "3.7", "nvidia"),
            ("0000:05:00.0", "0x102d", "kepler", "3.7", "nvidia"),
        ],
        "proprietary",
    ),
    "hgx_h100x8": (
        [
            (f"0000:{bus}:00.0", "0x2330", "hopper", "9.0", "nvidia")
            for bus in ("18", "2a", "3a", "5d", "9a", "ab", "ba", "db")
        ],
        "open",
    ),
    # Recorded: a GPU passed through to a Firecracker VM (class 0x0302, beside virtio functions).
    "h100_vm": ([("0000:00:06.0", "0x2330", "hopper", "9.0", "nvidia")], "open"),
    "h200_vm": ([("0000:00:06.0", "0x2335", "hopper", "9.0", "nvidia")], "open"),
    "mixed": (
        [
            ("0000:3b:00.0", "0x15f8", "pascal", "6.0", "nvidia"),
            ("0000:5e:00.0", "0x1db1", "volta", "7.0", "nvidia"),
            ("0000:86:00.0", "0x1eb8", "turing", "7.5", "nvidia"),
            ("0000:af:00.0", "0x2236", "ampere", "8.6", "nvidia"),
        ],
        "proprietary",
    ),
    "workstation": (
        [
            ("0000:01:00.0", "0x2684", "ada", "8.9", "nvidia"),
            ("0000:02:00.0", "0x1e87", "turing", "7.5", "nouveau"),
        ],
        "open",
    ),
    "blackwell": (
        [
            ("0000:17:00.0", "0x2901", "blackwell", "10.0", "nvidia"),
            ("0000:65:00.0", "0x2bb1", "blackwell", "12.0", "nvidia"),
        ],
        "open",
    ),
    "unknown": (
        [
            ("0000:01:00.0", "0x3f00", "unknown", None, None),
            ("0000:02:00.0", "0x06d1", "unknown", None, None),
        ],
        "proprietary",
    ),
}


def test_every_sysfs_fixture_has_expectations():
    assert sorted(path.name for path in SYSFS.iterdir() if path.is_dir()) == sorted(SYSFS_EXPECTED)


@pytest.mark.parametrize("tree", sorted(SYSFS_EXPECTED))
def test_find_gpus_in_fixture(tree):
    expected, flavour = SYSFS_EXPECTED[tree]
    gpus, have_sysfs = find_gpus(str(SYSFS / tree))
    assert have_sysfs is True
    found = [
        (gpu["pci_address"], gpu["device_id"], gpu["architecture"], gpu["compute_capability"], gpu["kernel_driver"])
        for gpu in gpus
    ]
    assert found == expected
    assert driver_flavour(gpus) == flavour


def test_scan_lists_every_function_and_find_gpus_skips_the_rest():
    devices = scan_pci_devices(str(SYSFS / "workstation"))
    assert [device["pci_address"] for device in devices] == [
        "0000:00:02.0",  # Intel VGA: not NVIDIA
        "0000:01:00.0",
        "0000:01:00.1",  # HD audio 0x0403
        "0000:02:00.0",
        "0000:02:00.1",
        "0000:02:00.2",  # USB 0x0c03
        "0000:02:00.3",  # UCSI 0x0c80
    ]
    assert devices[2] == {
        "pci_address": "0000:01:00.1",
        "vendor": 0x10DE,
        "device": 0x22BA,
        "class": 0x040300,
        "kernel_driver": "snd_hda_intel",
    }


def test_missing_sysfs_directory(tmp_path):
    assert scan_pci_devices(str(tmp_path)) is None
    assert find_gpus(str(tmp_path)) == ([], False)


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n")


def test_real_sysfs_layout(tmp_path):
    """As on a host: bus/pci/devices/<address> links into devices/pci0000:00/..., no uevent
    PCI_SLOT_NAME needed, the bound driver as a `driver` link, unreadable noise tolerated."""
    devices = tmp_path / "devices" / "pci0000:00"
    gpu = devices / "0000:00:01.0" / "0000:01:00.0"
    for name, value in (("vendor", "0x10de"), ("device", "0x2331"), ("class", "0x030200")):
        _write(gpu / name, value)
    drivers = tmp_path / "bus" / "pci" / "drivers" / "nvidia"
    drivers.mkdir(parents=True)
    os.symlink(os.path.relpath(drivers, gpu), gpu / "driver")
    bridge = devices / "0000:00:01.0"
    for name, value in (("vendor", "0x8086"), ("device", "0x1901"), ("class", "0x060400")):
        _write(bridge / name, value)
    broken = devices / "0000:00:1f.3"
    _write(broken / "vendor", "0x10de")  # no device/class files
    links = tmp_path / "bus" / "pci" / "devices"
    links.mkdir(parents=True)
    for target in (gpu, bridge, broken):
        os.symlink(os.path.relpath(target, links), links / target.name)
    gpus, have_sysfs = find_gpus(str(tmp_path))
    assert have_sysfs
    assert [(g["pci_address"], g["architecture"], g["name"], g["kernel_driver"]) for g in gpus] == [
        ("0000:01:00.0", "hopper", "H100 PCIe", "nvidia"),
    ]


def test_merge_adds_gpus_only_nvidia_smi_sees():
    sysfs, _have_sysfs = find_gpus(str(SYSFS / "t4"))
    rows = [
        {"pci_address": "0000:00:05.0", "compute_capability": "8.9", "name": "NVIDIA L4", "index": 1},
        {"pci_address": "0000:00:04.0", "compute_capability": "7.5", "name": "Tesla T4", "index": 0},
    ]
    merged, only_smi = merge_nvidia_smi(sysfs, rows)
    assert only_smi == ["0000:00:05.0"]
    assert [(g["pci_address"], g["device_id"], g["architecture"], g["index"]) for g in merged] == [
        ("0000:00:04.0", "0x1eb8", "turing", 0),
        ("0000:00:05.0", None, "ada", 1),
    ]
    assert merged[1]["open_kernel_supported"] is True
