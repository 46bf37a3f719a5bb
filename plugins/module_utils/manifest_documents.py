# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The box's two documents: the manifest (the "software included" table, every apt package and Python
environment with its version and licence) and a CycloneDX SBOM, built from what tree_readers and
stack_facts found; and the rule that keeps their serial number and timestamps when nothing changed.
Standard library only: runs on the target (Python 3.8+).
"""

from __future__ import annotations

import copy
import re
from collections import Counter

from ansible_collections.mlinabox.stack.plugins.module_utils.licences import licence_display
from ansible_collections.mlinabox.stack.plugins.module_utils.package_urls import conda_purl, deb_purl, pypi_purl
from ansible_collections.mlinabox.stack.plugins.module_utils.stack import normalise_name

CYCLONEDX_SCHEMAS = {
    "1.5": "http://cyclonedx.org/schema/bom-1.5.schema.json",
    "1.6": "http://cyclonedx.org/schema/bom-1.6.schema.json",
}

KEY_PACKAGE_LABELS = {
    "numpy": "NumPy",
    "pandas": "pandas",
    "matplotlib": "Matplotlib",
    "scikit-learn": "scikit-learn",
    "jupyterlab": "JupyterLab",
    "torch": "PyTorch",
    "torchvision": "torchvision",
    "tensorflow": "TensorFlow",
    "tensorflow-cpu": "TensorFlow (CPU)",
    "ipykernel": "IPython kernel",
}

COMPONENT_NAMES = (
    ("nvidia_driver", "NVIDIA driver"),
    ("cuda", "CUDA toolkit"),
    ("cudnn", "cuDNN"),
    ("docker", "Docker"),
    ("nvidia_container_toolkit", "NVIDIA Container Toolkit"),
    ("python_envs", "Python environments"),
    ("h2o", "H2O-3"),
    ("rapids", "RAPIDS"),
    ("java", "Java"),
    ("chrome", "Google Chrome"),
    ("editor", "Editor (VS Code)"),
)


def _upstream(version):
    """Debian version -> upstream part: '1:2.36-9+deb12u8' -> '2.36'."""
    version = version.split(":", 1)[-1]
    return version.rsplit("-", 1)[0] if "-" in version else version


def _package_licence(apt_by_name, names):
    choices = []
    for name in names:
        package = apt_by_name.get(name)
        if package:
            text = licence_display(package["licences"])
            if text and text not in choices:
                choices.append(text)
    return "; ".join(choices)


def _row(key, name, version, **fields):
    """A row of the table: key, name, version, licence, notes, source."""
    return {"key": key, "name": name, "version": version or "", "licence": fields.get("licence") or "",
            "notes": fields.get("notes") or "", "source": fields.get("source") or "apt"}


def _driver_notes(driver):
    notes = [f"{driver['flavour']} kernel modules"] if driver.get("flavour") else []
    if driver.get("kernel_module_version"):
        notes.append(f"loaded module {driver['kernel_module_version']}")
    else:
        notes.append("kernel module not loaded")
    if driver.get("kernel_module_mismatch"):
        notes.append("reboot pending")
    packages = driver.get("packages") or {}
    if packages and all(info.get("held") for info in packages.values()):
        notes.append("packages held")
    return "; ".join(notes)


def _cuda_row(cuda, apt_by_name):
    toolkits = cuda.get("toolkits") or []
    version = cuda.get("default_version") or (toolkits[-1]["version"] if toolkits else "")
    notes = []
    if len(cuda.get("versions") or []) > 1:
        notes.append("installed: " + ", ".join(cuda["versions"]))
    if cuda.get("default_path"):
        notes.append("default " + cuda["default_path"])
    return _row("cuda", "CUDA toolkit", version, notes="; ".join(notes),
                licence=_package_licence(apt_by_name, sorted(cuda.get("packages") or {})))


def _count(number, noun):
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _env_rows(envs, key_packages):
    rows = []
    for env_name, env in envs.items():
        source = "env:" + env_name
        rows.append(_row("python_env", f"Python environment {env_name}", env.get("python_version"), source=source,
                         notes=f"{_count(len(env['packages']), 'package')} in {env['path']}"))
        for key in key_packages:
            package = env["packages"].get(normalise_name(key))
            if package:
                rows.append(_row("python_package", KEY_PACKAGE_LABELS.get(package["name"], package["display_name"]),
                                 package["version"], licence=licence_display(package["licences"]),
                                 notes=f"environment {env_name}", source=source))
    return rows


def _rapids_row(rapids, envs):
    env_packages = (envs.get(rapids.get("env")) or {}).get("packages", {})
    licence = "; ".join(dict.fromkeys(licence_display(env_packages[name]["licences"])
                                      for name in sorted(rapids.get("packages") or {}) if name in env_packages))
    notes = f"environment {rapids.get('env')}"
    if rapids.get("cuda_variant"):
        notes += "; " + rapids["cuda_variant"]
    return _row("rapids", "RAPIDS", rapids.get("version"), licence=licence, notes=notes,
                source=f"env:{rapids.get('env')}")


_EDITOR_LABELS = {"vscode": "Visual Studio Code", "vscode-insiders": "Visual Studio Code Insiders", "atom": "Atom"}


def build_components(stack, apt, envs, key_packages, os_info):
    """The rows of the "software included" table, for what is installed only, in the seed README's
    order. Returns (rows, names of the components that are not installed)."""
    stack = stack or {}
    envs = envs or {}
    apt_by_name = {package["name"]: package for package in apt}

    def licence_of(*names):
        return _package_licence(apt_by_name, [name for name in names if name])

    rows = [_row("os", "Operating system", os_info.get("version"), licence="various (see the SBOM)",
                 notes=f"{os_info.get('pretty_name', '')} ({os_info.get('architecture', '')})", source="os-release")]
    driver = stack.get("nvidia_driver")
    if driver:
        rows.append(_row("nvidia_driver", "NVIDIA driver", driver.get("version"), notes=_driver_notes(driver),
                         licence=licence_of(*sorted(driver.get("packages") or {}))))
    if stack.get("cuda"):
        rows.append(_cuda_row(stack["cuda"], apt_by_name))
    cudnn = stack.get("cudnn")
    if cudnn:
        rows.append(_row("cudnn", "cuDNN", cudnn.get("version"),
                         licence=licence_of(*sorted(cudnn.get("packages") or {})),
                         notes=f"for CUDA {cudnn['cuda']}" if cudnn.get("cuda") else ""))
    docker = stack.get("docker")
    if docker:
        runtimes = ["runtimes: " + ", ".join(docker["runtimes"])] if docker.get("runtimes") else []
        notes = [docker.get("edition") or "", *runtimes]
        rows.append(_row("docker", "Docker", docker.get("version"), licence=licence_of(docker.get("edition")),
                         notes="; ".join(note for note in notes if note)))
    toolkit = stack.get("nvidia_container_toolkit")
    if toolkit:
        rows.append(_row("nvidia_container_toolkit", "NVIDIA Container Toolkit", toolkit.get("version"),
                         licence=licence_of(toolkit.get("package")),
                         notes=("CDI: " + ", ".join(toolkit["cdi_specs"])) if toolkit.get("cdi_specs") else ""))
    pythons = [package for package in apt if re.fullmatch(r"python3\.\d+", package["name"])]
    if pythons:
        python = max(pythons, key=lambda package: int(package["name"][len("python3."):]))
        rows.append(_row("python", "Python (system)", _upstream(python["version"]),
                         licence=licence_display(python["licences"]), notes=f"/usr/bin/python3 ({python['name']})"))
    rows.extend(_env_rows(envs, key_packages))
    h2o = stack.get("h2o")
    if h2o:
        package = (envs.get(h2o.get("env")) or {}).get("packages", {}).get("h2o") or {}
        rows.append(_row("h2o", "H2O-3", h2o.get("version"), licence=licence_display(package.get("licences")),
                         notes=f"environment {h2o.get('env')}", source=f"env:{h2o.get('env')}"))
    if stack.get("rapids"):
        rows.append(_rapids_row(stack["rapids"], envs))
    java = stack.get("java")
    if java:
        rows.append(_row("java", "Java", java.get("version"), notes=java.get("home"),
                         licence=licence_of(*sorted(java.get("packages") or {}))))
    chrome = stack.get("chrome")
    if chrome:
        rows.append(_row("chrome", "Google Chrome", chrome.get("version"), licence=licence_of(chrome.get("package")),
                         notes="held" if chrome.get("held") else ""))
    editor = stack.get("editor")
    if editor:
        rows.append(_row("editor", _EDITOR_LABELS.get(editor.get("name"), editor.get("name")), editor.get("version"),
                         licence=licence_of(editor.get("package"))))
    missing = [name for key, name in COMPONENT_NAMES if not stack.get(key)]
    return rows, missing


def os_info_from_release(release, debian_version=None, architecture=None):
    version = release.get("VERSION_ID", "")
    if release.get("ID") == "debian" and debian_version and re.match(r"^\d+(\.\d+)*$", debian_version.strip()):
        version = debian_version.strip()
    return {
        "id": release.get("ID", ""),
        "version_id": release.get("VERSION_ID", ""),
        "version": version,
        "codename": release.get("VERSION_CODENAME", ""),
        "pretty_name": release.get("PRETTY_NAME", ""),
        "architecture": architecture or "",
    }


def build_sbom(*, host, profile, tool_version, os_info, apt, envs, spec_version="1.6"):
    """The CycloneDX document, with serialNumber and metadata.timestamp left None (see finalise)."""
    namespace = os_info.get("id") or "debian"
    distro = "{}-{}".format(namespace, os_info.get("version_id")) if os_info.get("version_id") else ""
    components = []
    for package in apt:
        purl = deb_purl(package["name"], package["version"], package["arch"], namespace, distro)
        component = {"type": "library", "bom-ref": purl, "name": package["name"], "version": package["version"],
                     "purl": purl}
        if package.get("licences"):
            component["licenses"] = package["licences"]
        properties = [{"name": "mlbox:package:manager", "value": "apt"}]
        if package["source"] != package["name"] or package["source_version"] != package["version"]:
            properties.append({"name": "mlbox:deb:source",
                               "value": "{} {}".format(package["source"], package["source_version"])})
        if package.get("held"):
            properties.append({"name": "mlbox:deb:held", "value": "true"})
        if package.get("licence_source"):
            properties.append({"name": "mlbox:licence:source", "value": package["licence_source"]})
        component["properties"] = properties
        components.append(component)
    for env_name, env in envs.items():
        for package in env["packages"].values():
            if package["kind"] == "conda":
                purl = conda_purl(package["name"], package["version"])
            else:
                purl = pypi_purl(package["name"], package["version"])
            component = {"type": "library", "bom-ref": f"{purl}#env={env_name}",
                         "name": package["name"], "version": package["version"], "purl": purl}
            if package["licences"]:
                component["licenses"] = package["licences"]
            properties = [
                {"name": "mlbox:package:manager", "value": "pip" if package["kind"] == "pypi" else "conda"},
                {"name": "mlbox:python:env", "value": env_name},
                {"name": "mlbox:python:env-path", "value": env["path"]},
            ]
            if package["licences"]:
                properties.append({"name": "mlbox:licence:source", "value": "metadata"})
            component["properties"] = properties
            components.append(component)
    box_properties = [{"name": "mlbox:profile", "value": profile}]
    for key in ("pretty_name", "architecture"):
        if os_info.get(key):
            box_properties.append({"name": "mlbox:os:" + key.replace("_", "-"), "value": os_info[key]})
    return {
        "$schema": CYCLONEDX_SCHEMAS[spec_version],
        "bomFormat": "CycloneDX",
        "specVersion": spec_version,
        "serialNumber": None,
        "version": 1,
        "metadata": {
            "timestamp": None,
            "tools": {"components": [{
                "type": "application",
                "group": "mlinabox",
                "name": "stack",
                "version": tool_version,
                "description": "Ansible collection mlinabox.stack, role manifest",
            }]},
            "component": {
                "type": "operating-system",
                "bom-ref": "box:" + host,
                "name": host,
                "version": profile,
                "description": f"ML in a Box, profile {profile}",
                "properties": box_properties,
            },
        },
        "components": components,
    }


def build_manifest(*, host, profile, tool_version, os_info, stack, apt, envs, key_packages, sbom_path, sbom):
    """The plain-JSON manifest, with 'generated' left None (see finalise)."""
    rows, missing = build_components(stack, apt, envs, key_packages, os_info)
    # A package installed for several architectures is keyed name:arch, any other by its name.
    name_counts = Counter(package["name"] for package in apt)
    apt_packages = {}
    for package in apt:
        key = package["name"] if name_counts[package["name"]] == 1 else f"{package['name']}:{package['arch']}"
        apt_packages[key] = {
            "version": package["version"],
            "arch": package["arch"],
            "source": package["source"],
            "licence": licence_display(package.get("licences")),
        }
    python_envs = {}
    for env_name, env in envs.items():
        python_envs[env_name] = {
            "path": env["path"],
            "kind": env["kind"],
            "python_version": env["python_version"],
            "freeze_file": env["freeze"] is not None,
            "user_packages": env.get("user_packages"),
            "packages": {name: {"version": package["version"], "licence": licence_display(package["licences"])}
                         for name, package in env["packages"].items()},
        }
    return {
        "format": "mlbox-manifest",
        "format_version": 1,
        "host": host,
        "profile": profile,
        "generated": None,
        "collection_version": tool_version,
        "os": os_info,
        "components": rows,
        "not_installed": missing,
        "python_envs": python_envs,
        "apt_packages": apt_packages,
        "sbom": {
            "path": sbom_path,
            "format": "CycloneDX {}".format(sbom["specVersion"]),
            "serial_number": sbom["serialNumber"],
            "components": len(sbom["components"]),
            "with_licence": sum(1 for component in sbom["components"] if component.get("licenses")),
        },
    }


def _without(doc, paths):
    doc = copy.deepcopy(doc)
    for path in paths:
        node = doc
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
            if node is None:
                break
        if isinstance(node, dict):
            node.pop(path[-1], None)
    return doc


SBOM_VOLATILE = (("serialNumber",), ("metadata", "timestamp"))
MANIFEST_VOLATILE = (("generated",), ("sbom", "serial_number"))


def same_content(new, previous, volatile):
    """Whether two documents are equal apart from their volatile fields (timestamps, serial)."""
    return isinstance(previous, dict) and _without(new, volatile) == _without(previous, volatile)


def finalise_sbom(sbom, previous, timestamp, serial):
    """Fill serialNumber and timestamp: the previous document's when nothing else changed (the
    same BOM, so the same serial and date), else the new ones. Returns (sbom, changed)."""
    if same_content(sbom, previous, SBOM_VOLATILE) and previous.get("serialNumber"):
        sbom["serialNumber"] = previous["serialNumber"]
        sbom["metadata"]["timestamp"] = previous.get("metadata", {}).get("timestamp") or timestamp
        return sbom, False
    sbom["serialNumber"] = serial
    sbom["metadata"]["timestamp"] = timestamp
    return sbom, True


def finalise_manifest(manifest, sbom, previous, timestamp):
    manifest["sbom"]["serial_number"] = sbom["serialNumber"]
    if same_content(manifest, previous, MANIFEST_VOLATILE) and previous.get("generated") and (
            previous.get("sbom", {}).get("serial_number") == sbom["serialNumber"]):
        manifest["generated"] = previous["generated"]
        return manifest, False
    manifest["generated"] = timestamp
    return manifest, True


def _cell(value):
    """A Markdown table cell: '|' escaped, line breaks as spaces."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown(manifest):
    """The manifest as manifest.md, a table like the seed README's "Software included". Every value is deterministic,
    so an unchanged box gives the same text."""
    lines = [
        f"# Software included: {manifest['host']}",
        "",
        f"Profile `{manifest['profile']}`, {manifest['os']['pretty_name']} ({manifest['os']['architecture']}).",
        f"Generated {manifest['generated']} by the `manifest` role of mlinabox.stack {manifest['collection_version']}.",
        "",
        "| Component | Version | Licence | Notes |",
        "|---|---|---|---|",
    ]
    lines += [f"| {_cell(row['name'])} | {_cell(row['version'])} | {_cell(row['licence'])} | {_cell(row['notes'])} |"
              for row in manifest["components"]]
    if manifest["not_installed"]:
        lines += ["", f"Not installed: {', '.join(manifest['not_installed'])}."]
    envs = manifest["python_envs"]
    if envs:
        lines += ["", "## Python environments", "", "| Environment | Python | Packages | Path |", "|---|---|---|---|"]
        lines += [f"| {_cell(name)} | {_cell(env['python_version'])} | {len(env['packages'])} | {_cell(env['path'])} |"
                  for name, env in envs.items()]
        with_user = [env for env in envs.values() if env.get("user_packages")]
        if with_user:
            lines += ["", f"Users may add packages of their own ({len(with_user)} of these environments): "
                          "`pip install` and `%pip install`",
                      "put them in `~/.local/share/mlbox/envs/<environment>` of that user. "
                      "They are the user's, not part of the box, and",
                      "not listed here; the environments above stay as built."]
    sbom = manifest["sbom"]
    python_packages = sum(len(env["packages"]) for env in envs.values())
    lines += [
        "",
        "## Every package",
        "",
        f"`manifest.json` next to this file lists all {len(manifest['apt_packages'])} Debian packages and",
        f"{python_packages} Python packages with their exact",
        f"versions and licences; `sbom.cdx.json` is the same as a {sbom['format']} SBOM (serial number",
        f"{sbom['serial_number']}; {sbom['with_licence']} of {sbom['components']} components",
        "with a licence).",
        "",
        "Licences are SPDX identifiers where the package says so unambiguously (a Debian machine-readable",
        "copyright file, a Python package's License-Expression, License field or classifiers), the licence's own",
        "name otherwise (for example NVIDIA's proprietary licences), and empty where the package does not say.",
    ]
    return "\n".join(lines) + "\n"
