#!/usr/bin/python
# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: gpu_facts
short_description: Find NVIDIA GPUs, their architecture and the driver flavour that suits them
version_added: "0.1.0"
description:
  - Finds NVIDIA GPUs in sysfs (C(<sysfs_root>/bus/pci/devices/*/{vendor,device,class})), which works before
    any NVIDIA driver is installed. Vendor C(0x10de) functions of class C(0x0300xx) (VGA) or C(0x0302xx)
    (3D controller) count; the HD audio, USB and bridge functions of NVIDIA cards are skipped.
  - Maps each PCI device ID to its architecture, compute capability and open kernel module support
    through the table in C(plugins/module_utils/gpu.py). A device ID missing from the table is reported
    with architecture C(unknown) and a warning, never dropped.
  - Where C(nvidia-smi) runs, adds each GPU's name, UUID, memory and the driver version, and takes its
    compute capability. Drivers of the R470 era reject the C(compute_cap) field; the query is then
    repeated without it. A missing C(nvidia-smi) is normal (no driver yet); a failing one is a warning.
  - Changes nothing on the host.
author:
  - ML in a Box developers (@mlinabox)
options:
  sysfs_root:
    description:
      - The sysfs mount point to read. Point it at a recorded tree to test.
    type: path
    default: /sys
  nvidia_smi:
    description:
      - Path of the C(nvidia-smi) binary.
      - By default it is looked up on C(PATH); when it is not found, the GPUs come from sysfs only.
      - A path given here must exist.
    type: path
extends_documentation_fragment:
  - mlinabox.stack.attributes.facts
notes:
  - Runs C(nvidia-smi) with C(LANG=C). The facts are the same in check mode.
seealso:
  - module: mlinabox.stack.stack_facts
  - module: mlinabox.stack.compat_check
"""

EXAMPLES = r"""
- name: Find the NVIDIA GPUs
  mlinabox.stack.gpu_facts:

- name: Show what was found
  ansible.builtin.debug:
    msg: >-
      {{ ansible_facts['mlbox_gpu_count'] }} GPU(s), driver flavour
      {{ ansible_facts['mlbox_gpu_driver_flavour'] }}:
      {{ ansible_facts['mlbox_gpus'] | map(attribute='architecture') | list }}

- name: Fail early on a host without GPUs
  ansible.builtin.assert:
    that: ansible_facts['mlbox_gpu_count'] > 0
    fail_msg: No NVIDIA GPU found; use the cpu profile on this host

- name: Read a recorded sysfs tree instead of /sys (as the unit tests do)
  mlinabox.stack.gpu_facts:
    sysfs_root: /srv/fixtures/sysfs/a100x2
"""

RETURN = r"""
ansible_facts:
  description: The GPU facts.
  returned: always
  type: dict
  contains:
    mlbox_gpus:
      description: One entry per NVIDIA GPU, sorted by PCI address.
      returned: always
      type: list
      elements: dict
      contains:
        pci_address:
          description: PCI address in sysfs form.
          returned: always
          type: str
          sample: "0000:01:00.0"
        device_id:
          description: PCI device ID; null for a GPU that only nvidia-smi reported.
          returned: always
          type: str
          sample: "0x20b0"
        architecture:
          description: kepler, maxwell, pascal, volta, turing, ampere, ada, hopper, blackwell or unknown.
          returned: always
          type: str
          sample: ampere
        compute_capability:
          description:
            - Compute capability from nvidia-smi, else from the device table; null where the table's
              range mixes several values and nvidia-smi did not answer.
          returned: always
          type: str
          sample: "8.0"
        compute_capability_min:
          description: The lowest compute capability of the architecture (a safe lower bound); null when unknown.
          returned: always
          type: str
          sample: "8.0"
        open_kernel_supported:
          description: Whether the open NVIDIA kernel modules drive this GPU (Turing and newer).
          returned: always
          type: bool
        proprietary_supported:
          description: Whether the proprietary kernel modules drive this GPU (not Blackwell).
          returned: always
          type: bool
        max_driver_branch:
          description:
            - The last driver branch for this architecture (470 for Kepler, 580 for Maxwell to Volta); null for
              current ones.
          returned: always
          type: int
          sample: 580
        max_cuda_major:
          description:
            - The last CUDA major for this architecture (11 for Kepler, 12 for Maxwell to Volta); null for current
              ones.
          returned: always
          type: int
          sample: 12
        min_cuda_version:
          description:
            - The oldest CUDA that supports this architecture where the table records one ("12.8" for Blackwell).
          returned: always
          type: str
        name:
          description: Product name from nvidia-smi, else from the table of known cards; null where unknown.
          returned: always
          type: str
          sample: NVIDIA A100-SXM4-40GB
        memory_mib:
          description: Total memory in MiB from nvidia-smi; null without it.
          returned: always
          type: int
          sample: 40960
        uuid:
          description: GPU UUID from nvidia-smi; null without it.
          returned: always
          type: str
          sample: GPU-5d5ba0d6-1b1f-2ba5-8a5e-0d7e1f7a3c11
        index:
          description: nvidia-smi's index of the GPU; null without it.
          returned: always
          type: int
        kernel_driver:
          description: The kernel driver bound to the PCI function (nvidia, nouveau, vfio-pci); null when none.
          returned: always
          type: str
          sample: nvidia
    mlbox_gpu_count:
      description: Number of NVIDIA GPUs.
      returned: always
      type: int
      sample: 2
    mlbox_gpu_driver_flavour:
      description:
        - C(open) when every GPU supports the open kernel modules, C(proprietary) when any does not, null without
          GPUs.
      returned: always
      type: str
      sample: open
    mlbox_nvidia_driver_version:
      description: The driver version reported by nvidia-smi, else null.
      returned: always
      type: str
      sample: "580.95.05"
nvidia_smi_path:
  description: The nvidia-smi binary that was run; null when none was found.
  returned: always
  type: str
  sample: /usr/bin/nvidia-smi
nvidia_smi_error:
  description:
    - Why nvidia-smi gave no data (it failed, for example without a loaded driver); null when it worked or was not
      run.
  returned: always
  type: str
  sample: "nvidia-smi failed (rc=9): NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."
"""


from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mlinabox.stack.plugins.module_utils.binaries import C_LOCALE, find_binary
from ansible_collections.mlinabox.stack.plugins.module_utils.gpu import (
    driver_flavour,
    find_gpus,
    merge_nvidia_smi,
)
from ansible_collections.mlinabox.stack.plugins.module_utils.nvidia_smi import run_query


def main():
    module = AnsibleModule(
        argument_spec={
            "sysfs_root": {"type": "path", "default": "/sys"},
            "nvidia_smi": {"type": "path"},
        },
        supports_check_mode=True,
    )
    sysfs_root = module.params["sysfs_root"]
    gpus, have_sysfs = find_gpus(sysfs_root)
    if not have_sysfs:
        module.warn(f"{sysfs_root}/bus/pci/devices does not exist: GPUs can only come from nvidia-smi")
    for gpu in gpus:
        if gpu["architecture"] == "unknown":
            module.warn(
                f"GPU {gpu['pci_address']} has device ID {gpu['device_id']}, which is not in the architecture table "
                "(plugins/module_utils/gpu.py): reported as architecture 'unknown'"
            )

    binary = find_binary(module, "nvidia_smi", "nvidia-smi")

    driver_version = None
    error = None
    if binary is not None:

        def run(args):
            return module.run_command(args, environ_update=C_LOCALE)

        rows, driver_version, error = run_query(run, binary)
        if error:
            module.warn(error)
        gpus, only_smi = merge_nvidia_smi(gpus, rows)
        for address in only_smi:
            module.warn(f"nvidia-smi reports GPU {address}, which {sysfs_root}/bus/pci/devices does not list")

    module.exit_json(
        changed=False,
        ansible_facts={
            "mlbox_gpus": gpus,
            "mlbox_gpu_count": len(gpus),
            "mlbox_gpu_driver_flavour": driver_flavour(gpus),
            "mlbox_nvidia_driver_version": driver_version,
        },
        nvidia_smi_path=binary,
        nvidia_smi_error=error,
    )


if __name__ == "__main__":
    main()
