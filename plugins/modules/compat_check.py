#!/usr/bin/python
# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: compat_check
short_description: Check that a planned GPU stack fits together, before anything is installed
version_added: "0.1.0"
description:
  - Validates the versions of a planned stack against the compatibility matrix in
    C(plugins/module_utils/compat_matrix.py) (NVIDIA, PyTorch, TensorFlow, RAPIDS and H2O release notes).
  - Every option is optional; each rule runs when the values it needs are given. The rules are
    CUDA against the driver minimum; the driver branch against each GPU's architecture (Kepler needs
    470 or older; Maxwell, Pascal and Volta 580 or older and the proprietary flavour; Blackwell CUDA 12.8
    and so branch 570 or newer); the open flavour against pre-Turing GPUs and the proprietary one against
    Blackwell; CUDA 13 against pre-Turing GPUs; cuDNN against CUDA and compute capability; the torch CUDA
    variant against the torch version, the driver and the GPUs; torch against Python; TensorFlow against
    CUDA, cuDNN, the driver and Python; RAPIDS against Python, CUDA, the driver and compute capability; H2O
    against Java; the distribution and architecture against what NVIDIA's CUDA repository publishes; the
    driver branch against its end of life.
  - Each message names the values in conflict and a fix. A value missing from the tables (a torch version
    too new for them, for example) and a table entry marked unverified give warnings, not errors. A
    toolkit that runs only under CUDA minor-version compatibility is a warning.
  - Fails when there are errors, unless O(fail_on_error=false). Changes nothing.
author:
  - ML in a Box developers (@mlinabox)
options:
  distribution:
    description: The distribution, as in C(ansible_facts['distribution']) (C(Ubuntu), C(Debian)).
    type: str
  distribution_version:
    description: Its version, as in C(ansible_facts['distribution_version']) (C(24.04), C(12)).
    type: str
  architecture:
    description: The machine architecture, as in C(ansible_facts['architecture']) (C(x86_64), C(aarch64)).
    type: str
  gpus:
    description:
      - The GPUs, as found by M(mlinabox.stack.gpu_facts) (C(ansible_facts['mlbox_gpus'])). Each element needs
        C(architecture) or C(compute_capability); C(pci_address) names it in messages.
    type: list
    elements: dict
  driver_branch:
    description: The NVIDIA driver branch (C(580)) or a full driver version (C(580.95.05)).
    type: str
  driver_flavour:
    description: The kernel module flavour.
    type: str
    choices: [open, proprietary]
  cuda_version:
    description: The CUDA toolkit, C(12.8) or C(12.8.1).
    type: str
  cudnn_version:
    description: cuDNN, C(9.10.2) or C(8.2.4.15).
    type: str
  python_version:
    description: The Python of the environments, C(3.12).
    type: str
  torch_version:
    description: PyTorch, C(2.9.1); a local version C(2.9.1+cu128) also sets O(torch_cuda) when that is not given.
    type: str
  torch_cuda:
    description: The PyTorch wheel variant, C(cu126), C(cu128), C(cu130), C(cu132) or C(cpu).
    type: str
  tensorflow_version:
    description: TensorFlow, C(2.20).
    type: str
  rapids_version:
    description: RAPIDS, C(26.10).
    type: str
  h2o_version:
    description: H2O-3, C(3.46.0.12).
    type: str
  java_version:
    description: The Java for H2O, C(17) or C(1.8).
    type: str
  fail_on_error:
    description: Fail the task when a check finds an error. With V(false) the errors are only returned.
    type: bool
    default: true
attributes:
  check_mode:
    description: Runs the same in check mode.
    support: full
  diff_mode:
    description: Makes no changes, so there is no diff.
    support: none
notes:
  - Versions are compared numerically. Quote them in YAML (C("12.10") is not C(12.1)).
seealso:
  - module: mlinabox.stack.gpu_facts
"""

EXAMPLES = r"""
- name: Find the GPUs
  mlinabox.stack.gpu_facts:

- name: Check the planned stack before changing anything
  mlinabox.stack.compat_check:
    distribution: "{{ ansible_facts['distribution'] }}"
    distribution_version: "{{ ansible_facts['distribution_version'] }}"
    architecture: "{{ ansible_facts['architecture'] }}"
    gpus: "{{ ansible_facts['mlbox_gpus'] }}"
    driver_branch: "580"
    driver_flavour: "{{ ansible_facts['mlbox_gpu_driver_flavour'] | default('open', true) }}"
    cuda_version: "12.8"
    cudnn_version: "9.10.2"
    python_version: "3.12"
    torch_version: "2.9.1"
    torch_cuda: cu128
    rapids_version: "26.10"
    h2o_version: "3.46.0.12"
    java_version: "17"

- name: Collect the findings without failing
  mlinabox.stack.compat_check:
    cuda_version: "13.0"
    driver_branch: "535"
    fail_on_error: false
  register: compat

- name: Show them
  ansible.builtin.debug:
    var: compat.errors
"""

RETURN = r"""
ok:
  description: Whether no check found an error.
  returned: always
  type: bool
  sample: false
errors:
  description: The incompatibilities, each naming the values in conflict and a fix.
  returned: always
  type: list
  elements: str
  sample:
    - "CUDA 13.0 needs driver branch >= 580, driver_branch is 535: raise driver_branch or choose CUDA <= 12.2"
warnings:
  description:
    - Findings that do not fail the task (values missing from the tables, unverified entries, end-of-life
      branches, minor-version compatibility). They are Ansible warnings, shown with the task; a registered
      result holds them in C(warnings), absent when there are none (use C(| default([]))).
  returned: when a check warns
  type: list
  elements: str
  sample:
    - >-
      torch 2.16.0 is not in the PyTorch table (2.7, 2.8, 2.9-2.11, 2.12-2.14, 2.15): its CUDA variants and Python
      were not checked
checks:
  description: The names of the rules that ran (the others lacked their inputs).
  returned: always
  type: list
  elements: str
  sample: [cuda_driver, driver_branch, gpu_driver_branch]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mlinabox.stack.plugins.module_utils.compat import ARGUMENT_SPEC, verdict


def main():
    # site.yml and the roles run this check on the controller (plugins/action/compat_check.py: no round trip to the
    # host); the module is what runs where the action plugin is not used (ansible -m, a module test).
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    result = verdict(module.params)
    for warning in result.pop("warnings"):
        module.warn(warning)
    if result.get("failed"):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
