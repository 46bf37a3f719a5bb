#!/usr/bin/python
# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: stack_facts
short_description: Report which parts of the GPU data-science stack are installed, and their versions
version_added: "0.1.0"
description:
  - Reads what is installed from dpkg (C(dpkg-query)), version files and the metadata of each Python
    environment; it imports no package and starts no service.
  - Covers the NVIDIA driver (userspace packages and loaded kernel module), CUDA toolkits and the default
    one, cuDNN, Docker, the NVIDIA Container Toolkit, every Python environment under O(env_root) with its
    packages, H2O-3, RAPIDS, Google Chrome, the editor (VS Code) and Java.
  - Returns C(ansible_facts.mlbox_stack). An entry is null when that component is not installed; a host
    with nothing installed gives every entry null, without error.
  - Changes nothing on the host.
author:
  - ML in a Box developers (@mlinabox)
options:
  root:
    description:
      - The directory that stands for C(/). Every fixed path (C(/proc/driver/nvidia/version),
        C(/usr/local/cuda), C(/etc/docker/daemon.json), O(env_root), ...) is read under it, and
        C(dpkg-query) reads C(<root>/var/lib/dpkg).
      - Point it at a fixture tree or a chroot; the default reads the host itself.
    type: path
    default: /
  env_root:
    description:
      - Directory holding the Python environments, one per subdirectory (venvs with C(pyvenv.cfg) or conda
        environments). A path on the target, read under O(root).
    type: path
    default: /opt/mlbox/envs
  dpkg_query:
    description:
      - Path of the C(dpkg-query) binary. By default it is looked up on C(PATH); without it no package is
        known and the package-based entries are null.
    type: path
extends_documentation_fragment:
  - mlinabox.stack.attributes.facts
notes:
  - Only installed packages count (dpkg status C(ii)); held packages (C(hi)) count and are marked C(held).
seealso:
  - module: mlinabox.stack.gpu_facts
  - module: mlinabox.stack.compat_check
  - module: mlinabox.stack.manifest_info
"""

EXAMPLES = r"""
- name: Read the installed stack
  mlinabox.stack.stack_facts:

- name: Show the driver and the default CUDA
  ansible.builtin.debug:
    msg: >-
      driver {{ ansible_facts['mlbox_stack']['nvidia_driver']['version'] | default('none') }},
      CUDA {{ (ansible_facts['mlbox_stack']['cuda'] or {}).get('default') }}

- name: Require held driver packages
  ansible.builtin.assert:
    that: >-
      ansible_facts['mlbox_stack']['nvidia_driver']['packages'] | dict2items
      | rejectattr('value.held') | list | length == 0
    fail_msg: Some NVIDIA driver packages are not held
  when: ansible_facts['mlbox_stack']['nvidia_driver'] is not none

- name: Read an image mounted at /mnt/image, with environments in /srv/envs
  mlinabox.stack.stack_facts:
    root: /mnt/image
    env_root: /srv/envs
"""

RETURN = r"""
ansible_facts:
  description: The stack facts.
  returned: always
  type: dict
  contains:
    mlbox_stack:
      description: One entry per component; each is null when the component is not installed.
      returned: always
      type: dict
      contains:
        nvidia_driver:
          description:
            - The NVIDIA driver. C(version) is the userspace version (from its packages, else the kernel
              module's), C(branch) its major, C(kernel_module_version) the loaded module's version
              (C(/proc/driver/nvidia/version) or C(/sys/module/nvidia/version)), C(kernel_module_loaded),
              C(kernel_module_mismatch) (the loaded module differs from the installed packages, so a reboot is due),
              C(flavour) C(open) or C(proprietary) (from the module's taint flags, its banner or the package
              names), C(packages) (name to C(version) and C(held)).
          returned: always
          type: dict
          sample:
            version: "580.95.05"
            branch: 580
            kernel_module_version: "580.95.05"
            kernel_module_loaded: true
            kernel_module_mismatch: false
            flavour: open
            packages: {"nvidia-open-580": {"version": "580.95.05-1", "held": true}}
        cuda:
          description:
            - CUDA toolkits. C(versions) (major.minor, ascending), C(default) (major.minor of the
              C(/usr/local/cuda) link's target), C(default_version), C(default_path), C(toolkits) (C(version),
              C(path), C(package)) and C(packages).
            - C(packages) are the toolkit packages (C(cuda-toolkit-X-Y), C(nvidia-cuda-toolkit)); for a toolkit
              installed from NVIDIA's component packages without C(cuda-toolkit-X-Y) (its C(package) is null),
              its C(cuda-*-X-Y) components (C(cuda-nvcc-13-0), C(cuda-cudart-13-0), ...).
          returned: always
          type: dict
          sample:
            versions: ["12.8", "13.0"]
            default: "12.8"
            default_version: "12.8.1"
            default_path: /usr/local/cuda-12.8
            toolkits: [{"version": "12.8.1", "path": "/usr/local/cuda-12.8", "package": "cuda-toolkit-12-8"}]
            packages: {"cuda-toolkit-12-8": {"version": "12.8.1-1", "held": true}}
        cudnn:
          description: cuDNN C(version), the CUDA major or version it is built for (C(cuda)), C(header) and C(packages).
          returned: always
          type: dict
          sample: {"version": "9.10.2.21", "cuda": "12", "header": null, "packages": {}}
        docker:
          description:
            - Docker C(version), C(edition) (C(docker-ce) or C(docker.io)), C(runtimes) and C(default_runtime) from
              C(daemon.json), C(packages).
          returned: always
          type: dict
          sample:
            version: 28.5.1
            edition: docker-ce
            runtimes:
            - nvidia
            default_runtime: null
            packages: {}
        nvidia_container_toolkit:
          description:
            - NVIDIA Container Toolkit (or nvidia-docker2) C(version), C(package), C(cdi_specs) found and C(packages).
          returned: always
          type: dict
          sample:
            version: 1.19.0
            package: nvidia-container-toolkit
            cdi_specs:
            - /etc/cdi/nvidia.yaml
            packages: {}
        python_envs:
          description:
            - Python environments under O(env_root) by name, each with C(path), C(kind) (C(venv) or C(conda)),
              C(python_version) and C(packages) (normalised distribution name to version).
          returned: always
          type: dict
          sample: {"datascience": {"path": "/opt/mlbox/envs/datascience", "kind": "venv", "python_version": "3.12.7",
                   "packages": {"numpy": "2.3.4", "torch": "2.9.1+cu128"}}}
        h2o:
          description: H2O-3 C(version), the C(env) that has it and the C(jar) it bundles.
          returned: always
          type: dict
          sample:
            version: 3.46.0.12
            env: h2o
            jar: /opt/mlbox/envs/h2o/lib/python3.12/site-packages/h2o/backend/bin/h2o.jar
        rapids:
          description:
            - RAPIDS C(version) (cuDF's), C(cudf), C(cuml), C(cuda_variant) (C(cu12), C(cu13)), C(env) and
              C(packages).
          returned: always
          type: dict
          sample:
            version: 26.10.0
            cudf: 26.10.0
            cuml: 26.10.0
            cuda_variant: cu12
            env: rapids
            packages: {}
        chrome:
          description: Google Chrome C(version), C(package) and C(held).
          returned: always
          type: dict
          sample: {"version": "142.0.7444.59", "package": "google-chrome-stable", "held": false}
        editor:
          description: The editor C(name) (C(vscode), or C(atom) on an old host), C(package) and C(version).
          returned: always
          type: dict
          sample: {"name": "vscode", "package": "code", "version": "1.105.1"}
        java:
          description:
            - The default Java C(version), C(major) and C(home), every runtime under C(/usr/lib/jvm) (C(runtimes)) and
              C(packages).
          returned: always
          type: dict
          sample:
            version: 17.0.16
            major: 17
            home: /usr/lib/jvm/java-17-openjdk-amd64
            runtimes: []
            packages: {}
dpkg_query_path:
  description: The dpkg-query binary that was run; null when none was found.
  returned: always
  type: str
  sample: /usr/bin/dpkg-query
"""


from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mlinabox.stack.plugins.module_utils import dpkg, stack
from ansible_collections.mlinabox.stack.plugins.module_utils.binaries import C_LOCALE, find_binary


def read_packages(module, root):
    """(installed packages, dpkg-query path) through dpkg-query; none without the binary."""
    binary = find_binary(module, "dpkg_query", "dpkg-query")
    if binary is None:
        return {}, None
    admindir = stack.in_root(root, "/var/lib/dpkg")
    rc, out, err = module.run_command(dpkg.query_command(binary, admindir), environ_update=C_LOCALE)
    if rc != 0:
        module.warn(f"dpkg-query failed (rc={rc}): {(err or out).strip()}; package-based entries are empty")
        return {}, binary
    return dpkg.installed(out), binary


def main():
    module = AnsibleModule(
        argument_spec={
            "root": {"type": "path", "default": "/"},
            "env_root": {"type": "path", "default": "/opt/mlbox/envs"},
            "dpkg_query": {"type": "path"},
        },
        supports_check_mode=True,
    )
    root = module.params["root"]
    packages, binary = read_packages(module, root)
    warnings = []
    facts = stack.collect(root, module.params["env_root"], packages, warnings)
    for warning in warnings:
        module.warn(warning)
    module.exit_json(changed=False, ansible_facts={"mlbox_stack": facts}, dpkg_query_path=binary)


if __name__ == "__main__":
    main()
