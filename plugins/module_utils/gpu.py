# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""NVIDIA GPUs from sysfs: PCI device ID -> architecture and compute capability.

Works before any driver is installed: it only reads <sysfs_root>/bus/pci/devices/*/{vendor,device,
class,uevent}. The architecture properties (driver branches, CUDA range, open kernel modules) come
from compat_matrix.ARCHITECTURES. Standard library only: runs on the target (Python 3.8+).
"""

from __future__ import annotations

import os

from ansible_collections.mlinabox.stack.plugins.module_utils.compat import architecture_for_cc
from ansible_collections.mlinabox.stack.plugins.module_utils.compat_matrix import ARCHITECTURES
from ansible_collections.mlinabox.stack.plugins.module_utils.versions import (
    try_parse_version,
    version_at_least,
    version_string,
)

NVIDIA_VENDOR_ID = 0x10DE

# PCI base class + subclass (the class file without its programming interface byte) of a GPU:
# 0x0300 VGA compatible controller (consumer cards), 0x0302 3D controller (data-centre cards).
# NVIDIA's other functions (HD audio 0x0403, USB 0x0c03, UCSI 0x0c80, NVSwitch bridges 0x0680)
# are skipped.
GPU_CLASSES = (0x0300, 0x0302)

# PCI device ID ranges (vendor 0x10de), inclusive: (first, last, architecture, compute capability
# of the whole range, or None where the range mixes several).
#
# Transcribed from the ranges in FACTS.md ("GPU architectures"). Read literally they do not
# overlap: Maxwell is 0x13xx, 0x14xx and 0x16xx (not 0x15xx, where Pascal's GP100 sits at
# 0x15F0-0x15F9), and the Ampere blocks 0x20xx, 0x22xx and 0x24xx-0x25xx interleave with Turing's
# 0x21xx and Hopper's 0x23xx. They are kept sorted and disjoint (a unit test enforces it), so the
# order of the rows never matters; to carve a sub-range out of a row, split the row.
# IDs in no range (0x15xx below 0x15F0, 0x1D57-0x1D80, 0x2Axx, 0x30xx, anything below 0x0F00 or
# above 0x31FF) are reported as "unknown".
#
# Per-range compute capabilities are not in FACTS.md, which gives them per architecture only;
# they are set where one chip family fills the range (NVIDIA's CUDA GPU list): GA100 0x20xx 8.0,
# GA10x 0x22xx/0x24xx/0x25xx 8.6, GP100 6.0, GP10x 0x1Bxx-0x1D56 6.1, GB100 0x29xx 10.0,
# GB20x 0x2Bxx-0x2Fxx 12.0. Kepler (3.0/3.5/3.7), Maxwell (5.0/5.2) and the rest mix values: None,
# unless KNOWN_DEVICES or nvidia-smi knows better.
DEVICE_ID_RANGES = (
    (0x0F00, 0x12FF, "kepler", None),
    (0x1300, 0x14FF, "maxwell", None),
    (0x15F0, 0x15F9, "pascal", "6.0"),
    (0x1600, 0x16FF, "maxwell", None),
    (0x1725, 0x172F, "pascal", None),
    (0x174D, 0x17FD, "maxwell", None),
    (0x1B00, 0x1D56, "pascal", "6.1"),
    (0x1D81, 0x1DF6, "volta", "7.0"),
    (0x1E00, 0x1FFF, "turing", "7.5"),
    (0x2000, 0x20FF, "ampere", "8.0"),
    (0x2100, 0x21FF, "turing", "7.5"),
    (0x2200, 0x22FF, "ampere", "8.6"),
    (0x2300, 0x23FF, "hopper", "9.0"),
    (0x2400, 0x25FF, "ampere", "8.6"),
    (0x2600, 0x28FF, "ada", "8.9"),
    (0x2900, 0x29FF, "blackwell", "10.0"),
    (0x2B00, 0x2FFF, "blackwell", "12.0"),
    (0x3100, 0x31FF, "blackwell", None),
)

# Cards with a known name and exact compute capability (FACTS.md "Example IDs"); they win over
# the ranges. The architecture still comes from DEVICE_ID_RANGES.
KNOWN_DEVICES = {
    0x102D: ("Tesla K80", "3.7"),
    0x13F2: ("Tesla M60", "5.2"),
    0x15F8: ("Tesla P100 PCIe", "6.0"),
    0x1DB1: ("Tesla V100 SXM2", "7.0"),
    0x1EB8: ("Tesla T4", "7.5"),
    0x20B0: ("A100 SXM4 40GB", "8.0"),
    0x20B5: ("A100 PCIe 80GB", "8.0"),
    0x2230: ("RTX A6000", "8.6"),
    0x2236: ("A10", "8.6"),
    0x24B0: ("RTX A4000", "8.6"),
    0x26B9: ("L40S", "8.9"),
    0x2684: ("GeForce RTX 4090", "8.9"),
    0x27B8: ("L4", "8.9"),
    0x2330: ("H100 SXM5", "9.0"),
    0x2331: ("H100 PCIe", "9.0"),
    0x2335: ("H200", "9.0"),
    0x2901: ("B200", "10.0"),
}

# The first Turing ID. Every architecture from Turing on has IDs above it, so an unknown ID above
# it is taken to be a newer GPU with open kernel module support.
FIRST_TURING_ID = 0x1E00


def identify_device(device_id):
    """{'architecture', 'compute_capability', 'name'} for a PCI device ID (int or '0x20b0');
    architecture 'unknown' when the ID is in no range."""
    device = int(device_id, 16) if isinstance(device_id, str) else int(device_id)
    architecture = "unknown"
    compute_capability = None
    for first, last, arch, cc in DEVICE_ID_RANGES:
        if first <= device <= last:
            architecture, compute_capability = arch, cc
            break
    name = None
    if device in KNOWN_DEVICES:
        name, compute_capability = KNOWN_DEVICES[device]
    return {"architecture": architecture, "compute_capability": compute_capability, "name": name}


def gpu_record(pci_address, device_id, kernel_driver=None):
    """The mlbox_gpus entry of one GPU found in sysfs (nvidia-smi fields still null)."""
    device = int(device_id, 16) if isinstance(device_id, str) else device_id
    known = identify_device(device) if device is not None else {
        "architecture": "unknown", "compute_capability": None, "name": None,
    }
    record = {
        "pci_address": pci_address,
        "device_id": f"0x{device:04x}" if device is not None else None,
        "architecture": known["architecture"],
        "compute_capability": known["compute_capability"],
        "name": known["name"],
        "memory_mib": None,
        "uuid": None,
        "index": None,
        "kernel_driver": kernel_driver,
    }
    apply_architecture(record)
    return record


def apply_architecture(record):
    """(Re)compute the keys that follow from architecture and compute capability:
    compute_capability_min, open_kernel_supported, proprietary_supported, max_driver_branch,
    max_cuda_major, min_cuda_version."""
    arch = ARCHITECTURES.get(record["architecture"])
    if arch is not None:
        last_cuda = arch["cuda"][1]
        record.update({
            "compute_capability_min": arch["cc"][0],
            "open_kernel_supported": arch["open_kernel"],
            "proprietary_supported": arch["proprietary"],
            "max_driver_branch": arch["max_driver_branch"],
            "max_cuda_major": int(last_cuda) if last_cuda is not None else None,
            "min_cuda_version": arch["cuda"][0],
        })
        return record
    # Unknown architecture: decide open-module support from the compute capability when
    # nvidia-smi gave one, else from the ID (see FIRST_TURING_ID).
    cc = try_parse_version(record.get("compute_capability"))
    if cc is not None:
        newer = version_at_least(cc, "7.5")
    else:
        device = record.get("device_id")
        newer = device is not None and int(device, 16) >= FIRST_TURING_ID
    record.update({
        "compute_capability_min": version_string(cc) if cc else None,
        "open_kernel_supported": newer,
        "proprietary_supported": True,
        "max_driver_branch": None,
        "max_cuda_major": None,
        "min_cuda_version": None,
    })
    return record


def driver_flavour(gpus):
    """'open' when every GPU supports the open kernel modules, 'proprietary' when any does not,
    None without GPUs."""
    if not gpus:
        return None
    return "open" if all(gpu["open_kernel_supported"] for gpu in gpus) else "proprietary"


def _read(path):
    try:
        with open(path) as handle:
            return handle.read().strip()
    except (OSError, UnicodeDecodeError):
        return None


def _hex(text):
    try:
        return int(text, 16)
    except (TypeError, ValueError):
        return None


def parse_uevent(text):
    """KEY=value lines -> dict."""
    values = {}
    for line in (text or "").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip()
    return values


def scan_pci_devices(sysfs_root):
    """Every PCI function under <sysfs_root>/bus/pci/devices as dicts
    {'pci_address', 'vendor', 'device', 'class', 'kernel_driver'} (ints where numeric), sorted by
    address; None when the directory does not exist.

    The address is the kernel's PCI_SLOT_NAME from the function's uevent, else the directory name
    (they are the same on a real system; recorded fixture trees rename the directories because
    ':' is not allowed in file names everywhere).
    """
    base = os.path.join(sysfs_root, "bus", "pci", "devices")
    if not os.path.isdir(base):
        return None
    devices = []
    for entry in sorted(os.listdir(base)):
        path = os.path.join(base, entry)
        uevent = parse_uevent(_read(os.path.join(path, "uevent")))
        devices.append({
            "pci_address": (uevent.get("PCI_SLOT_NAME") or entry).lower(),
            "vendor": _hex(_read(os.path.join(path, "vendor"))),
            "device": _hex(_read(os.path.join(path, "device"))),
            "class": _hex(_read(os.path.join(path, "class"))),
            "kernel_driver": uevent.get("DRIVER") or _driver_link(path),
        })
    devices.sort(key=lambda device: device["pci_address"])
    return devices


def _driver_link(path):
    link = os.path.join(path, "driver")
    if os.path.islink(link):
        return os.path.basename(os.readlink(link))
    return None


def is_nvidia_gpu(device):
    if device["vendor"] != NVIDIA_VENDOR_ID or device["device"] is None or device["class"] is None:
        return False
    return (device["class"] >> 8) in GPU_CLASSES


def find_gpus(sysfs_root):
    """(mlbox_gpus records of the NVIDIA GPUs in sysfs sorted by address, whether sysfs had a PCI
    device directory at all)."""
    devices = scan_pci_devices(sysfs_root)
    if devices is None:
        return [], False
    gpus = [
        gpu_record(device["pci_address"], device["device"], device["kernel_driver"])
        for device in devices
        if is_nvidia_gpu(device)
    ]
    return gpus, True


def merge_nvidia_smi(gpus, rows):
    """Merge parsed nvidia-smi rows (nvidia_smi.parse_query_output) into sysfs GPU records by PCI
    address. nvidia-smi's compute capability wins over the table. A GPU that nvidia-smi reports
    but sysfs does not is added (its architecture from its compute capability).

    Returns (records sorted by address, addresses seen only by nvidia-smi).
    """
    by_address = {gpu["pci_address"]: gpu for gpu in gpus}
    only_smi = []
    for row in rows:
        record = by_address.get(row["pci_address"])
        if record is None:
            record = gpu_record(row["pci_address"], None)
            record["architecture"] = architecture_for_cc(row.get("compute_capability")) or "unknown"
            by_address[row["pci_address"]] = record
            only_smi.append(row["pci_address"])
        for key in ("name", "uuid", "memory_mib", "index"):
            if row.get(key) is not None:
                record[key] = row[key]
        if row.get("compute_capability"):
            record["compute_capability"] = row["compute_capability"]
        apply_architecture(record)
    return sorted(by_address.values(), key=lambda gpu: gpu["pci_address"]), only_smi
