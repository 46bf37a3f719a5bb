#!/usr/bin/python
# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: manifest_info
short_description: Build the box's manifest and CycloneDX SBOM from what is installed
version_added: "0.1.0"
description:
  - Reads every installed Debian package (C(dpkg-query), with architecture and source package) and every
    distribution of every Python environment that O(stack) lists (C(*.dist-info/METADATA),
    C(conda-meta/*.json), C(.mlbox-freeze.txt)), with their licences.
  - "Licences: a Debian package's machine-readable (DEP-5) C(/usr/share/doc/<package>/copyright) file first,
    else the first of O(package_licences) that matches (vendor packages such as NVIDIA's, which ship none);
    a Python distribution's C(License-Expression), else its C(License) field when it is an SPDX identifier,
    else its licence classifiers, else the C(License) text as a licence name."
  - Returns the manifest (a plain JSON document, with the "software included" rows) and a CycloneDX 1.5 or
    1.6 SBOM with a package URL for every component.
  - With O(write=true), also writes them to O(manifest_path) and O(sbom_path), and the manifest as a Markdown table
    to O(markdown_path), each atomically and only where it differs (the directory, root's, where missing).
  - The documents carry a timestamp (and the SBOM a serial number). When the documents at O(manifest_path)
    and O(sbom_path) hold the same content apart from those, their timestamp and serial number are kept,
    so that writing the result again changes nothing.
author:
  - ML in a Box developers (@mlinabox)
options:
  stack:
    description:
      - The facts of M(mlinabox.stack.stack_facts) (C(ansible_facts.mlbox_stack)); their C(python_envs) say
        which environments to read, the other entries give the rows of the manifest's table.
      - Omitted, the module reads them itself as M(mlinabox.stack.stack_facts) does (O(env_root)), and returns
        them as that module does (C(ansible_facts.mlbox_stack)), in one round trip instead of two.
    type: dict
  env_root:
    description: Without O(stack), where the Python environments are (as M(mlinabox.stack.stack_facts)'s option).
    type: path
    default: /opt/mlbox/envs
  host:
    description: The box's name in the documents (the SBOM's C(metadata.component.name)).
    type: str
    required: true
  profile:
    description: The profile the box was built with (the SBOM's C(metadata.component.version)).
    type: str
    required: true
  tool_version:
    description: The version of the collection, named as the SBOM's tool.
    type: str
    default: unknown
  key_packages:
    description: Python distributions that get a row of their own in the manifest's table, per environment.
    type: list
    elements: str
    default: []
  package_licences:
    description:
      - Licences of Debian packages that have no machine-readable copyright file. The first item whose
        O(package_licences[].packages) matches the whole package name applies.
    type: list
    elements: dict
    default: []
    suboptions:
      packages:
        description: Regular expression (Python syntax) that must match the whole package name.
        type: str
        required: true
      id:
        description: An SPDX licence identifier.
        type: str
      name:
        description: A licence name, for licences without an SPDX identifier.
        type: str
      expression:
        description: An SPDX licence expression.
        type: str
      url:
        description: Where the licence text is (with O(package_licences[].id) or O(package_licences[].name)).
        type: str
  spec_version:
    description: CycloneDX specification version of the SBOM.
    type: str
    choices: ["1.5", "1.6"]
    default: "1.6"
  manifest_path:
    description: Where the manifest was written before; read (when it exists) to keep its timestamp.
    type: path
  sbom_path:
    description: Where the SBOM was written before; read (when it exists) to keep its timestamp and serial number.
    type: path
  markdown_path:
    description: Where O(write=true) writes the manifest as a Markdown table.
    type: path
  write:
    description:
      - Write the documents (root's, mode 0644). Needs O(manifest_path), O(sbom_path) and O(markdown_path).
      - V(false), the module only reads.
    type: bool
    default: false
  root:
    description:
      - The directory that stands for C(/) (a chroot or a mounted image); C(dpkg-query) reads C(<root>/var/lib/dpkg).
        O(manifest_path) and O(sbom_path) are not read under it.
    type: path
    default: /
  dpkg_query:
    description: Path of C(dpkg-query); by default looked up on C(PATH). Without it no Debian package is listed.
    type: path
attributes:
  check_mode:
    description: Runs in check mode, returns the same documents and reports, without writing, what would change.
    support: full
  diff_mode:
    description: Changes nothing, so there is no diff.
    support: none
notes:
  - Run M(mlinabox.stack.stack_facts) first and pass its facts as O(stack).
  - Only installed packages count (dpkg status C(ii) or C(hi)).
seealso:
  - module: mlinabox.stack.stack_facts
  - name: CycloneDX specification
    description: The SBOM format.
    link: https://cyclonedx.org/specification/overview/
"""

EXAMPLES = r"""
- name: Read the installed stack
  mlinabox.stack.stack_facts:

- name: Build the manifest and the SBOM
  mlinabox.stack.manifest_info:
    stack: "{{ ansible_facts['mlbox_stack'] }}"
    host: "{{ inventory_hostname }}"
    profile: current
    key_packages: [numpy, pandas, torch]
    package_licences:
      - packages: "cuda-.*"
        name: NVIDIA CUDA Toolkit EULA
        url: https://docs.nvidia.com/cuda/eula/index.html
    manifest_path: /etc/mlbox/manifest.json
    sbom_path: /etc/mlbox/sbom.cdx.json
  register: manifest

- name: Build and write the manifest (JSON and Markdown) and the SBOM
  mlinabox.stack.manifest_info:
    stack: "{{ ansible_facts['mlbox_stack'] }}"
    host: "{{ inventory_hostname }}"
    profile: current
    manifest_path: /etc/mlbox/manifest.json
    markdown_path: /etc/mlbox/manifest.md
    sbom_path: /etc/mlbox/sbom.cdx.json
    write: true
"""

RETURN = r"""
ansible_facts:
  description: Without O(stack), C(mlbox_stack), what is installed, as M(mlinabox.stack.stack_facts) returns it.
  type: dict
  returned: always (empty with O(stack))
manifest:
  description:
    - The manifest. C(components) are the rows of the "software included" table (C(name), C(version),
      C(licence), C(notes), C(key), C(source)); C(not_installed) names the components that are absent;
      C(python_envs) and C(apt_packages) list every package with its version and licence; C(sbom) points
      to the SBOM (path, format, serial number, number of components and of those with a licence).
  returned: always
  type: dict
  sample:
    format: mlbox-manifest
    format_version: 1
    host: gpu01
    profile: current
    generated: "2026-11-26T05:07:32Z"
    collection_version: 0.1.0
    os: {id: debian, version_id: "12", version: "12.12", codename: bookworm,
         pretty_name: Debian GNU/Linux 12 (bookworm), architecture: amd64}
    components:
      - {key: cuda, name: CUDA toolkit, version: 12.8.1, licence: NVIDIA CUDA Toolkit EULA,
         notes: default /usr/local/cuda-12.8, source: apt}
    not_installed: [RAPIDS]
    python_envs: {base: {path: /opt/mlbox/envs/base, kind: venv, python_version: 3.11.2, freeze_file: true,
                         packages: {numpy: {version: 2.4.6, licence: BSD-3-Clause}}}}
    apt_packages: {bash: {version: 5.2.15-2+b7, arch: amd64, source: bash, licence: GPL-3.0-or-later}}
    sbom: {path: /etc/mlbox/sbom.cdx.json, format: CycloneDX 1.6, serial_number: "urn:uuid:0b0c...", components: 412,
           with_licence: 380}
sbom:
  description: The CycloneDX SBOM (JSON object).
  returned: always
  type: dict
  sample:
    bomFormat: CycloneDX
    specVersion: "1.6"
    serialNumber: "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"
    version: 1
    metadata: {timestamp: "2026-11-26T05:07:32Z", component: {type: operating-system, name: gpu01, version: current}}
    components:
      - type: library
        bom-ref: pkg:deb/debian/bash@5.2.15-2%2Bb7?arch=amd64&distro=debian-12
        name: bash
        version: 5.2.15-2+b7
        purl: pkg:deb/debian/bash@5.2.15-2%2Bb7?arch=amd64&distro=debian-12
        licenses: [{license: {id: GPL-3.0-or-later}}]
content_changed:
  description:
    - Whether the manifest or the SBOM differs from the documents at O(manifest_path) / O(sbom_path) in more
      than their timestamps (always true when they do not exist yet).
  returned: always
  type: bool
freeze_mismatches:
  description: Lines of an environment's C(.mlbox-freeze.txt) that disagree with its installed metadata (also warnings).
  returned: always
  type: list
  elements: str
dpkg_query_path:
  description: The dpkg-query binary that was run; null when none was found.
  returned: always
  type: str
changed_paths:
  description: The documents that O(write=true) wrote (in check mode, would write).
  returned: always
  type: list
  elements: str
"""

import datetime
import json
import os
import uuid

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mlinabox.stack.plugins.module_utils import (
    dpkg,
    licences,
    manifest_documents,
    stack,
    tree_readers,
)
from ansible_collections.mlinabox.stack.plugins.module_utils.binaries import C_LOCALE, find_binary
from ansible_collections.mlinabox.stack.plugins.module_utils.files import ensure_file, make_parent


def read_packages(module, root):
    binary = find_binary(module, "dpkg_query", "dpkg-query")
    if binary is None:
        return [], None, {}
    rc, out, err = module.run_command(dpkg.query_command(binary, stack.in_root(root, "/var/lib/dpkg")),
                                      environ_update=C_LOCALE)
    if rc != 0:
        module.fail_json(msg=f"dpkg-query failed (rc={rc}): {(err or out).strip()}")
    return dpkg.installed_list(out), binary, dpkg.installed(out)


def dpkg_architecture(packages):
    """The native architecture: that of the most packages that are not 'all'."""
    counts = {}
    for package in packages:
        if package["arch"] != "all":
            counts[package["arch"]] = counts.get(package["arch"], 0) + 1
    return max(sorted(counts), key=lambda arch: counts[arch]) if counts else ""


def write(module, manifest, sbom):
    """Write the three documents where they differ; the paths written (in check mode: that would be)."""
    params = module.params
    documents = [(params["manifest_path"], json.dumps(manifest, indent=2, separators=(",", ": ")) + "\n"),
                 (params["markdown_path"], manifest_documents.markdown(manifest)),
                 (params["sbom_path"], json.dumps(sbom, indent=2, separators=(",", ": ")) + "\n")]
    written = []
    for path, text in documents:
        if module.check_mode and not os.path.isdir(os.path.dirname(path)):
            written.append(path)
            continue
        make_parent(path, 0o755)
        if ensure_file(path, text.encode("utf-8"), 0o644, module.check_mode):
            written.append(path)
    return written


def main():
    module = AnsibleModule(
        argument_spec={
            "stack": {"type": "dict"},
            "env_root": {"type": "path", "default": "/opt/mlbox/envs"},
            "host": {"type": "str", "required": True},
            "profile": {"type": "str", "required": True},
            "tool_version": {"type": "str", "default": "unknown"},
            "key_packages": {"type": "list", "elements": "str", "default": [], "no_log": False},
            "package_licences": {
                "type": "list",
                "elements": "dict",
                "default": [],
                "options": {
                    "packages": {"type": "str", "required": True},
                    "id": {"type": "str"},
                    "name": {"type": "str"},
                    "expression": {"type": "str"},
                    "url": {"type": "str"},
                },
                "mutually_exclusive": [["id", "name", "expression"]],
                "required_one_of": [["id", "name", "expression"]],
            },
            "spec_version": {"type": "str", "choices": ["1.5", "1.6"], "default": "1.6"},
            "manifest_path": {"type": "path"},
            "sbom_path": {"type": "path"},
            "markdown_path": {"type": "path"},
            "write": {"type": "bool", "default": False},
            "root": {"type": "path", "default": "/"},
            "dpkg_query": {"type": "path"},
        },
        required_if=[("write", True, ("manifest_path", "sbom_path", "markdown_path"))],
        supports_check_mode=True,
    )
    params = module.params
    root = params["root"]
    try:
        rules = licences.compile_rules(params["package_licences"])
    except licences.RuleError as error:
        module.fail_json(msg=f"package_licences: {error}")

    apt, binary, installed = read_packages(module, root)
    stack_facts, facts = params["stack"], {}
    if stack_facts is None:
        warnings = []
        stack_facts = facts["mlbox_stack"] = stack.collect(root, params["env_root"], installed, warnings)
        for warning in warnings:
            module.warn(warning)
    tree_readers.apt_licences(root, apt, rules)
    envs = tree_readers.read_envs(root, stack_facts.get("python_envs"))
    mismatches = tree_readers.freeze_mismatches(envs)
    for problem in mismatches[:10]:
        module.warn(f"freeze file out of date: {problem}")

    release = tree_readers.parse_os_release(
        tree_readers.read_text(root, "/etc/os-release") or tree_readers.read_text(root, "/usr/lib/os-release"))
    os_info = manifest_documents.os_info_from_release(
        release, tree_readers.read_text(root, "/etc/debian_version"), dpkg_architecture(apt))

    timestamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    common = {"host": params["host"], "profile": params["profile"], "tool_version": params["tool_version"],
              "os_info": os_info, "apt": apt, "envs": envs}
    document = manifest_documents.build_sbom(spec_version=params["spec_version"], **common)
    previous_sbom = tree_readers.read_json(params["sbom_path"]) if params["sbom_path"] else None
    document, sbom_changed = manifest_documents.finalise_sbom(
        document, previous_sbom, timestamp, f"urn:uuid:{uuid.uuid4()}")

    manifest = manifest_documents.build_manifest(stack=stack_facts, key_packages=params["key_packages"],
                                                 sbom_path=params["sbom_path"], sbom=document, **common)
    previous_manifest = tree_readers.read_json(params["manifest_path"]) if params["manifest_path"] else None
    manifest, manifest_changed = manifest_documents.finalise_manifest(manifest, document, previous_manifest, timestamp)

    written = write(module, manifest, document) if params["write"] else []
    module.exit_json(
        changed=bool(written),
        changed_paths=written,
        manifest=manifest,
        sbom=document,
        content_changed=sbom_changed or manifest_changed,
        freeze_mismatches=mismatches,
        dpkg_query_path=binary,
        ansible_facts=facts,
    )


if __name__ == "__main__":
    main()
