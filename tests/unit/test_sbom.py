# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""manifest_info and the module_utils it builds on: licences.py (parsers, licence normalisation, rules),
package_urls.py, tree_readers.py (a recorded Debian 12 tree's apt licences and Python environments) and
manifest_documents.py (the manifest and the SBOM, validated against the vendored CycloneDX schema, and the
timestamp handling that keeps a second run unchanged)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from ansible_collections.mlinabox.stack.plugins.module_utils import (
    binaries,
    licences,
    manifest_documents,
    package_urls,
    stack,
    tree_readers,
)
from ansible_collections.mlinabox.stack.plugins.module_utils import dpkg as dpkg_db
from ansible_collections.mlinabox.stack.plugins.modules import manifest_info

FIXTURES = Path(__file__).parent / "fixtures" / "sbom"
ROOT = FIXTURES / "root-debian12"
LISTING = (FIXTURES / "dpkg-query-debian12.txt").read_text()
# Vendor packages without a copyright file, as the fixture apt repositories ship them.
VENDOR_LINES = (
    "libcudnn9-cuda-12\t9.10.2.21-1\tii \tamd64\tcudnn\n"
    "cuda-toolkit-12-8\t12.8.1-1\thi \tamd64\t\n"
    "nvidia-container-toolkit\t1.19.0-1\tii \tamd64\tnvidia-container-toolkit\n"
    "google-chrome-stable\t142.0.7444.59-1\tii \tamd64\t\n"
    "removed-package\t1.0-1\trc \tamd64\t\n"
)
RULES = [
    {"packages": "nvidia-container-toolkit(-base)?|libnvidia-container.*", "id": "Apache-2.0"},
    {"packages": "(lib)?cudnn[0-9]*(-.*)?", "name": "NVIDIA cuDNN Software License Agreement",
     "url": "https://docs.nvidia.com/deeplearning/cudnn/backend/latest/reference/eula.html"},
    {"packages": "cuda-(?!drivers|keyring).*", "name": "NVIDIA CUDA Toolkit EULA",
     "url": "https://docs.nvidia.com/cuda/eula/index.html"},
    {"packages": "google-chrome-(stable|beta|unstable)", "name": "Google Chrome Terms of Service"},
    {"packages": "coreutils", "id": "MIT"},  # never applies: coreutils has a DEP-5 file
]

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "schemas"))
import validate_cyclonedx  # noqa: E402

# --------------------------------------------------------------------------------------------
# Parsers
# --------------------------------------------------------------------------------------------


def test_parse_dpkg_packages_reads_the_recorded_listing():
    packages = dpkg_db.installed_list(LISTING + VENDOR_LINES)
    by_name = {package["name"]: package for package in packages}
    assert len(packages) == 161 + 4  # every recorded line is installed; the 'rc' line is not
    assert "removed-package" not in by_name
    assert by_name["bash"]["source"] == "bash" and by_name["bash"]["source_version"] == "5.2.15-2"
    assert by_name["bsdutils"]["version"] == "1:2.38.1-5+deb12u3"
    assert (by_name["bsdutils"]["source"], by_name["bsdutils"]["source_version"]) == ("util-linux", "2.38.1-5+deb12u3")
    assert by_name["adduser"] == {"name": "adduser", "version": "3.134", "arch": "all", "source": "adduser",
                                  "source_version": "3.134", "held": False}
    assert by_name["cuda-toolkit-12-8"]["held"] is True
    assert [p["name"] for p in packages] == sorted(p["name"] for p in packages)


def test_the_listing_also_feeds_stack_facts_parser():
    # One dpkg-query run serves both: dpkg_db.installed reads the first three fields.
    packages = dpkg_db.installed(LISTING + VENDOR_LINES)
    assert packages["cuda-toolkit-12-8"] == {"version": "12.8.1-1", "held": True}
    assert "removed-package" not in packages


@pytest.mark.parametrize(("package", "expected"), [
    # the Files paragraphs only, in order; ISC and BSD-4-clause-UC appear in expressions and as texts
    ("coreutils", ["GPL-3+", "GPL-3+ and BSD-4-clause-UC", "GPL-3+ and ISC", "FSFULLR", "GFDL-NIV-1.3"]),
    ("zlib1g", ["Zlib"]),
    ("systemd", None),  # filled below from the file itself
])
def test_parse_copyright_of_recorded_dep5_files(package, expected):
    text = (ROOT / "usr/share/doc" / package / "copyright").read_text()
    names = licences.parse_copyright(text)
    if expected is None:
        assert "GPL-2 with Linux-syscall-note exception" in names and "LGPL-2.1+" in names
    else:
        assert names == expected
    assert len(names) == len(set(names))


def test_parse_copyright_refuses_a_file_that_is_not_machine_readable():
    assert licences.parse_copyright((ROOT / "usr/share/doc/python3.11/copyright").read_text()) is None
    assert licences.parse_copyright(None) is None
    assert licences.parse_copyright("") is None


def test_parse_copyright_ignores_standalone_licence_paragraphs():
    text = (
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
        "Upstream-Name: demo\n\n"
        "Files: *\nCopyright: 2026 Someone\nLicense: GPL-2+\n\n"
        "Files: lib/*\nCopyright: 2026 Someone\nLicense: Expat\n Permission is hereby granted...\n\n"
        "License: GPL-2+\n This program is free software...\n\n"
        "License: Apache-2.0\n Only the text of a licence no Files paragraph uses.\n"
    )
    assert licences.parse_copyright(text) == ["GPL-2+", "Expat"]


def test_parse_python_metadata_of_recorded_wheels():
    site = ROOT / "opt/mlbox/envs/base/lib/python3.11/site-packages"
    six = tree_readers.parse_python_metadata((site / "six-1.17.0.dist-info/METADATA").read_text())
    assert (six["name"], six["version"], six["license"]) == ("six", "1.17.0", "MIT")
    assert "License :: OSI Approved :: MIT License" in six["classifiers"]
    regex = tree_readers.parse_python_metadata(
        (ROOT / "opt/mlbox/envs/torch/lib/python3.11/site-packages/regex-2026.11.19.dist-info/METADATA").read_text())
    assert regex["license_expression"] == "Apache-2.0 AND CNRI-Python"


def test_parse_freeze():
    text = "six==1.17.0\nScikit_Learn==1.9.1  # comment\ntorch @ https://example.invalid/torch.whl\n\n"
    assert tree_readers.parse_freeze(text) == {"six": "1.17.0", "scikit-learn": "1.9.1"}


# --------------------------------------------------------------------------------------------
# Licences
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("term", "spdx"), [
    ("GPL-2+", "GPL-2.0-or-later"),
    ("GPL-2", "GPL-2.0-only"),
    ("GPL-3.0+", "GPL-3.0-or-later"),
    ("LGPL-2.1+", "LGPL-2.1-or-later"),
    ("LGPL-2+", "LGPL-2.0-or-later"),
    ("AGPL-3", "AGPL-3.0-only"),
    ("GFDL-1.3+", "GFDL-1.3-or-later"),
    ("Expat", "MIT"),
    ("BSD-3-clause", "BSD-3-Clause"),
    ("zlib", "Zlib"),
    ("Apache-2.0", "Apache-2.0"),
    ("GPL-2.0-or-later", "GPL-2.0-or-later"),
    ("Artistic-2", "Artistic-2.0"),
    ("GPL-2 with Linux-syscall-note exception", "GPL-2.0-only WITH Linux-syscall-note"),
    ("GPL-3+ with Bison exception", "GPL-3.0-or-later WITH Bison-exception-2.2"),
    ("GPL-2+ with Autoconf exception", "GPL-2.0-or-later WITH Autoconf-exception-2.0"),
    ("GPL-3+ with autoconf exception", "GPL-3.0-or-later WITH Autoconf-exception-3.0"),
    ("GPL-3+ with GCC-exception-3.1", "GPL-3.0-or-later WITH GCC-exception-3.1"),
    ("LGPL-2.1+ with GCC-exception-3.1", None),
    ("GPL-2+ with OpenSSL exception", None),
    ("GPL-4", None),
    ("GPL", None),
    ("public-domain", None),
    ("BSD-4-clause-UC", None),
])
def test_debian_term_to_spdx(term, spdx):
    assert licences.debian_term_to_spdx(term) == spdx


@pytest.mark.parametrize(("text", "spdx"), [
    ("GPL-3+ and ISC", "GPL-3.0-or-later AND ISC"),
    ("GPL-2+ or Artistic-2.0", "GPL-2.0-or-later OR Artistic-2.0"),
    ("LGPL-3+ or GPL-2+", "LGPL-3.0-or-later OR GPL-2.0-or-later"),
    ("Artistic or GPL-1+", None),
    ("GPL-2+ or MIT, and ISC", None),
    ("", None),
])
def test_debian_licence_to_spdx(text, spdx):
    assert licences.debian_licence_to_spdx(text) == spdx


def test_licences_from_debian():
    assert licences.licences_from_debian(["Zlib"]) == [{"license": {"id": "Zlib"}}]
    assert licences.licences_from_debian(["GPL-3+", "GPL-3+ and ISC", "Expat"]) == [
        {"expression": "GPL-3.0-or-later AND (GPL-3.0-or-later AND ISC) AND MIT"}]
    assert licences.licences_from_debian(["GPL-2+", "public-domain", "GPL-3+ and ISC"]) == [
        {"license": {"id": "GPL-2.0-or-later"}},
        {"license": {"name": "public-domain"}},
        {"license": {"name": "GPL-3+ and ISC"}},
    ]
    assert licences.licences_from_debian(["Expat", "MIT"]) == [{"license": {"id": "MIT"}}]
    assert licences.licences_from_debian([]) == []


@pytest.mark.parametrize(("meta", "choice"), [
    ({"license_expression": "MIT", "license": "BSD"}, [{"license": {"id": "MIT"}}]),
    ({"license_expression": "Apache-2.0 OR BSD-2-Clause"}, [{"expression": "Apache-2.0 OR BSD-2-Clause"}]),
    ({"license": "MIT", "classifiers": ["License :: OSI Approved :: BSD License"]}, [{"license": {"id": "MIT"}}]),
    ({"license": "Apache 2.0"}, [{"license": {"id": "Apache-2.0"}}]),
    ({"license": "BSD-3-Clause OR MIT"}, [{"expression": "BSD-3-Clause OR MIT"}]),
    ({"classifiers": ["License :: OSI Approved :: MIT License"]}, [{"license": {"id": "MIT"}}]),
    ({"classifiers": ["License :: OSI Approved :: Apache Software License", "License :: OSI Approved :: BSD License"]},
     [{"license": {"name": "Apache Software License"}}, {"license": {"name": "BSD License"}}]),
    ({"license": "Copyright (c) 2005, NumPy Developers.\nAll rights reserved.",
      "classifiers": ["License :: OSI Approved"]},
     [{"license": {"name": "Copyright (c) 2005, NumPy Developers."}}]),
    ({"license": "UNKNOWN"}, []),
    ({}, []),
])
def test_licences_from_python(meta, choice):
    assert licences.licences_from_python(meta) == choice


def test_licence_display():
    assert licences.licence_display([{"license": {"id": "MIT"}}, {"license": {"name": "public-domain"}}]) == \
        "MIT, public-domain"
    assert licences.licence_display([{"expression": "MIT OR Apache-2.0"}]) == "MIT OR Apache-2.0"
    assert licences.licence_display([]) == ""


def test_every_spdx_identifier_the_code_can_emit_is_in_the_spdx_list():
    valid = validate_cyclonedx.spdx_ids()
    emitted = set(licences._SPDX_IDS) | set(licences._DEBIAN_SHORT_NAMES.values())
    emitted |= set(licences._CLASSIFIERS.values())
    emitted |= set(licences._LICENSE_TEXT_ALIASES.values()) | set(licences.SPDX_EXCEPTIONS)
    for family, versions in licences._GNU_VERSIONS.items():
        for version in versions:
            emitted |= {licences.debian_term_to_spdx(f"{family}-{version}{plus}") for plus in ("", "+")}
    assert emitted <= valid, sorted(emitted - valid)


def test_rules_first_match_wins_and_errors_name_the_item():
    rules = licences.compile_rules(RULES)
    cudnn = licences.rule_licences("libcudnn9-cuda-12", rules)
    assert cudnn[0]["license"]["name"] == "NVIDIA cuDNN Software License Agreement"
    assert licences.rule_licences("cuda-toolkit-12-8", rules)[0]["license"]["url"].endswith("/cuda/eula/index.html")
    assert licences.rule_licences("cuda-drivers-580", rules) == []
    assert licences.rule_licences("nvidia-container-toolkit-base", rules) == [{"license": {"id": "Apache-2.0"}}]
    with pytest.raises(licences.RuleError, match="item 0 has no 'packages'"):
        licences.compile_rules([{"id": "MIT"}])
    with pytest.raises(licences.RuleError, match=r"item 1 \(x\) needs exactly one of id, name or expression"):
        licences.compile_rules([{"packages": "a", "id": "MIT"}, {"packages": "x", "id": "MIT", "name": "M"}])
    with pytest.raises(licences.RuleError, match="not a valid regular expression"):
        licences.compile_rules([{"packages": "lib(", "id": "MIT"}])


# --------------------------------------------------------------------------------------------
# Package URLs
# --------------------------------------------------------------------------------------------


def test_package_urls():
    assert package_urls.deb_purl("bash", "5.2.15-2+b13", "amd64", "debian", "debian-12") == \
        "pkg:deb/debian/bash@5.2.15-2%2Bb13?arch=amd64&distro=debian-12"
    assert package_urls.deb_purl("bsdutils", "1:2.38.1-5+deb12u3", "amd64", "debian", "debian-12") == \
        "pkg:deb/debian/bsdutils@1%3A2.38.1-5%2Bdeb12u3?arch=amd64&distro=debian-12"
    assert package_urls.deb_purl("g++", "4:12.2.0-3", "amd64", "ubuntu", "ubuntu-24.04") == \
        "pkg:deb/ubuntu/g%2B%2B@4%3A12.2.0-3?arch=amd64&distro=ubuntu-24.04"
    assert package_urls.pypi_purl("Scikit_Learn", "1.9.1") == "pkg:pypi/scikit-learn@1.9.1"
    assert package_urls.pypi_purl("zope.interface", "7.2") == "pkg:pypi/zope.interface@7.2"
    assert package_urls.pypi_purl("torch", "2.13.0+cpu") == "pkg:pypi/torch@2.13.0%2Bcpu"
    assert package_urls.conda_purl("numpy", "1.21.2") == "pkg:conda/numpy@1.21.2"


# --------------------------------------------------------------------------------------------
# Readers and documents on the recorded tree
# --------------------------------------------------------------------------------------------


def stack_of(root: Path) -> dict:
    """What stack_facts would say about the fixture tree (its collectors, the same listing)."""
    packages = dpkg_db.installed(LISTING + VENDOR_LINES)
    envs = stack.collect_python_envs(str(root), "/opt/mlbox/envs")
    return {
        "nvidia_driver": stack.collect_nvidia_driver(str(root), packages),
        "cuda": stack.collect_cuda(str(root), packages),
        "cudnn": stack.collect_cudnn(str(root), packages),
        "docker": stack.collect_docker(str(root), packages, []),
        "nvidia_container_toolkit": stack.collect_nvidia_container_toolkit(str(root), packages),
        "python_envs": envs,
        "h2o": stack.collect_h2o(str(root), envs),
        "rapids": stack.collect_rapids(envs),
        "chrome": stack.collect_chrome(packages),
        "editor": stack.collect_editor(packages),
        "java": stack.collect_java(str(root), packages),
    }


def test_apt_licences_dep5_first_then_rules():
    packages = tree_readers.apt_licences(str(ROOT), dpkg_db.installed_list(LISTING + VENDOR_LINES),
                                         licences.compile_rules(RULES))
    by_name = {package["name"]: package for package in packages}
    assert by_name["zlib1g"]["licences"] == [{"license": {"id": "Zlib"}}]
    assert by_name["zlib1g"]["licence_source"] == "dep5"
    assert by_name["coreutils"]["licence_source"] == "dep5"  # the MIT rule never applies
    assert "GPL-3.0-or-later" in licences.licence_display(by_name["coreutils"]["licences"])
    assert by_name["libcudnn9-cuda-12"]["licence_source"] == "rule"
    assert by_name["python3.11"]["licences"] == [] and by_name["python3.11"]["licence_source"] is None


def test_read_envs_and_freeze_mismatches():
    envs = tree_readers.read_envs(str(ROOT), stack_of(ROOT)["python_envs"])
    assert sorted(envs) == ["base", "legacy", "torch"]
    base = envs["base"]["packages"]
    assert base["six"]["version"] == "1.17.0" and base["six"]["licences"] == [{"license": {"id": "MIT"}}]
    assert base["idna"]["licences"] == [{"license": {"name": "BSD License"}}]
    assert envs["torch"]["packages"]["packaging"]["licences"] == [{"expression": "Apache-2.0 OR BSD-2-Clause"}]
    legacy = envs["legacy"]["packages"]
    assert legacy["numpy"] == {"name": "numpy", "display_name": "numpy", "version": "1.21.2",
                               "licences": [{"license": {"id": "BSD-3-Clause"}}], "kind": "conda"}
    assert envs["torch"]["freeze"] is None
    assert envs["base"]["user_packages"] is None  # the recorded tree has no user-packages hook
    assert tree_readers.freeze_mismatches(envs) == [
        "base: .mlbox-freeze.txt has six==1.16.0, the installed metadata 1.17.0"]


def test_user_packages_dir_only_where_the_hook_is(tmp_path):
    site = tmp_path / "env" / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    assert tree_readers.user_packages_dir(str(tmp_path / "env"), "base") is None
    (site / "_mlbox_user_site.py").write_text("")  # the module alone is not the hook
    assert tree_readers.user_packages_dir(str(tmp_path / "env"), "base") is None
    (site / tree_readers.USER_SITE_HOOK).write_text("import _mlbox_user_site\n")
    assert tree_readers.user_packages_dir(str(tmp_path / "env"), "base") == "~/.local/share/mlbox/envs/base"


@pytest.fixture
def tree(tmp_path):
    """A writable copy of the recorded tree, with the cuda/cudnn stubs' lack of copyright files."""
    root = tmp_path / "root"
    shutil.copytree(ROOT, root)
    return root


def module_args(root: Path, tmp_path: Path, **extra) -> dict:
    args = {
        "stack": stack_of(root),
        "host": "box01",
        "profile": "cpu",
        "tool_version": "0.1.0",
        "key_packages": ["numpy", "six", "packaging"],
        "package_licences": RULES,
        "root": str(root),
        "dpkg_query": "/usr/bin/dpkg-query",
        "manifest_path": str(tmp_path / "manifest.json"),
        "sbom_path": str(tmp_path / "sbom.cdx.json"),
    }
    args.update(extra)
    return args


@pytest.fixture
def dpkg(fake_commands, monkeypatch):
    monkeypatch.setattr(binaries.os.path, "isfile", lambda path: True)
    monkeypatch.setattr(binaries.os, "access", lambda path, mode: True)
    fake_commands.add(lambda args: args[0] == "/usr/bin/dpkg-query", (0, LISTING + VENDOR_LINES, ""))
    return fake_commands


@pytest.mark.parametrize("spec_version", ["1.5", "1.6"])
def test_module_builds_a_schema_valid_sbom(run_module, dpkg, tree, tmp_path, spec_version):
    result = run_module(manifest_info.main, module_args(tree, tmp_path, spec_version=spec_version))
    assert result["changed"] is False
    document = result["sbom"]
    assert validate_cyclonedx.errors(document) == []
    assert document["specVersion"] == spec_version
    assert document["serialNumber"].startswith("urn:uuid:")
    assert document["metadata"]["component"]["name"] == "box01"
    assert document["metadata"]["component"]["version"] == "cpu"
    assert document["metadata"]["tools"]["components"][0]["version"] == "0.1.0"
    components = document["components"]
    assert len(components) == 165 + 3 + 2 + 2  # apt, base, torch, legacy
    assert all(component["purl"] and component["version"] for component in components)
    refs = [component["bom-ref"] for component in components]
    assert len(refs) == len(set(refs))
    by_purl = {component["purl"]: component for component in components}
    cudnn = by_purl["pkg:deb/debian/libcudnn9-cuda-12@9.10.2.21-1?arch=amd64&distro=debian-12"]
    assert cudnn["licenses"][0]["license"]["name"] == "NVIDIA cuDNN Software License Agreement"
    assert by_purl["pkg:pypi/packaging@26.4"]["licenses"] == [{"expression": "Apache-2.0 OR BSD-2-Clause"}]
    assert {"name": "mlbox:python:env", "value": "torch"} in by_purl["pkg:pypi/packaging@26.4"]["properties"]
    assert "pkg:conda/numpy@1.21.2" in by_purl
    # dpkg-query ran against the tree's database, in the C locale
    call = dpkg.calls[0]
    assert f"--admindir={tree}/var/lib/dpkg" in call["args"]
    assert call["kwargs"]["environ_update"]["LC_ALL"] == "C"


def test_module_manifest_rows(run_module, dpkg, tree, tmp_path):
    manifest = run_module(manifest_info.main, module_args(tree, tmp_path))["manifest"]
    rows = {(row["key"], row["name"]): row for row in manifest["components"]}
    assert rows[("os", "Operating system")]["version"] == "12.15"
    assert rows[("cuda", "CUDA toolkit")]["version"] == "12.8.1"
    assert rows[("cuda", "CUDA toolkit")]["licence"] == "NVIDIA CUDA Toolkit EULA"
    assert rows[("cudnn", "cuDNN")]["licence"] == "NVIDIA cuDNN Software License Agreement"
    assert rows[("cudnn", "cuDNN")]["notes"] == "for CUDA 12"
    assert rows[("nvidia_container_toolkit", "NVIDIA Container Toolkit")]["licence"] == "Apache-2.0"
    assert rows[("chrome", "Google Chrome")]["version"] == "142.0.7444.59"
    assert rows[("python", "Python (system)")]["version"] == "3.11.2"
    assert rows[("python_env", "Python environment base")]["notes"] == "3 packages in /opt/mlbox/envs/base"
    six = [row for row in manifest["components"] if row["name"] == "six"]
    assert six == [{"key": "python_package", "name": "six", "version": "1.17.0", "licence": "MIT",
                    "notes": "environment base", "source": "env:base"}]
    numpy = [row for row in manifest["components"] if row["name"] == "NumPy"]
    assert [row["notes"] for row in numpy] == ["environment legacy"]
    assert manifest["not_installed"] == ["NVIDIA driver", "Docker", "H2O-3", "RAPIDS", "Java", "Editor (VS Code)"]
    assert manifest["apt_packages"]["bash"]["version"] == "5.2.15-2+b13"
    assert manifest["python_envs"]["base"]["freeze_file"] is True
    assert manifest["sbom"]["components"] == 172
    assert manifest["sbom"]["serial_number"] is not None


def test_second_run_keeps_the_timestamps(run_module, dpkg, tree, tmp_path):
    args = module_args(tree, tmp_path)
    first = run_module(manifest_info.main, args)
    assert first["content_changed"] is True
    (tmp_path / "sbom.cdx.json").write_text(json.dumps(first["sbom"], indent=2))
    (tmp_path / "manifest.json").write_text(json.dumps(first["manifest"], indent=2))
    second = run_module(manifest_info.main, args)
    assert second["content_changed"] is False
    assert second["sbom"] == first["sbom"]
    assert second["manifest"] == first["manifest"]
    # a package changes: new serial number, new timestamps
    args["key_packages"] = ["six"]
    third = run_module(manifest_info.main, args)
    assert third["content_changed"] is True
    assert third["sbom"]["serialNumber"] == first["sbom"]["serialNumber"]  # the SBOM itself did not change
    (tree / "opt/mlbox/envs/base/lib/python3.11/site-packages/six-1.17.0.dist-info/METADATA").write_text(
        "Metadata-Version: 2.1\nName: six\nVersion: 1.17.1\nLicense: MIT\n\n")
    fourth = run_module(manifest_info.main, args)
    assert fourth["sbom"]["serialNumber"] != first["sbom"]["serialNumber"]
    assert fourth["manifest"]["sbom"]["serial_number"] == fourth["sbom"]["serialNumber"]


def test_finalise_keeps_previous_values_only_for_equal_content():
    document = {"serialNumber": None, "metadata": {"timestamp": None}, "components": [1]}
    previous = {"serialNumber": "urn:uuid:1", "metadata": {"timestamp": "T0"}, "components": [1]}
    kept, changed = manifest_documents.finalise_sbom(json.loads(json.dumps(document)), previous, "T1", "urn:uuid:2")
    assert (kept["serialNumber"], kept["metadata"]["timestamp"], changed) == ("urn:uuid:1", "T0", False)
    previous["components"] = [2]
    new, changed = manifest_documents.finalise_sbom(json.loads(json.dumps(document)), previous, "T1", "urn:uuid:2")
    assert (new["serialNumber"], new["metadata"]["timestamp"], changed) == ("urn:uuid:2", "T1", True)
    new, changed = manifest_documents.finalise_sbom(json.loads(json.dumps(document)), None, "T1", "urn:uuid:3")
    assert changed is True


def test_check_mode_gives_the_same_documents(run_module, dpkg, tree, tmp_path):
    result = run_module(manifest_info.main, module_args(tree, tmp_path), check_mode=True)
    assert result["changed"] is False and validate_cyclonedx.errors(result["sbom"]) == []


def test_without_dpkg_query_only_python_packages(run_module, fake_bin_paths, tree, tmp_path):
    result = run_module(manifest_info.main, module_args(tree, tmp_path, dpkg_query=None))
    assert result["dpkg_query_path"] is None
    assert {component["purl"].split("/")[0] for component in result["sbom"]["components"]} == {"pkg:pypi", "pkg:conda"}
    assert validate_cyclonedx.errors(result["sbom"]) == []


def test_failing_dpkg_query_fails(run_module, fake_commands, monkeypatch, tree, tmp_path):
    monkeypatch.setattr(binaries.os.path, "isfile", lambda path: True)
    monkeypatch.setattr(binaries.os, "access", lambda path, mode: True)
    fake_commands.add(lambda args: True, (2, "", "dpkg-query: error: cannot access archive"))
    result = run_module(manifest_info.main, module_args(tree, tmp_path))
    assert result["failed"] and "dpkg-query failed (rc=2)" in result["msg"]


def test_bad_rule_fails_with_its_index(run_module, dpkg, tree, tmp_path):
    result = run_module(manifest_info.main, module_args(tree, tmp_path, package_licences=[
        {"packages": "lib(", "id": "MIT"}]))
    assert result["failed"] and "package_licences: item 0: 'lib(' is not a valid regular expression" in result["msg"]
    result = run_module(manifest_info.main, module_args(tree, tmp_path, package_licences=[
        {"packages": "lib", "id": "MIT", "name": "MIT licence"}]))
    assert result["failed"] and "mutually exclusive" in result["msg"]


def test_freeze_mismatch_is_a_warning(run_module, dpkg, tree, tmp_path, warnings_of):
    result = run_module(manifest_info.main, module_args(tree, tmp_path))
    assert result["freeze_mismatches"] == ["base: .mlbox-freeze.txt has six==1.16.0, the installed metadata 1.17.0"]
    assert any("freeze file out of date" in warning for warning in warnings_of(result))


def test_manifest_keys_a_multiarch_package_by_architecture(run_module, fake_commands, monkeypatch, tree, tmp_path):
    monkeypatch.setattr(binaries.os.path, "isfile", lambda path: True)
    monkeypatch.setattr(binaries.os, "access", lambda path, mode: True)
    multiarch = "libcuda1\t580.95.05-1\tii \tamd64\t\nlibcuda1\t580.95.05-1\tii \ti386\t\n"
    fake_commands.add(lambda args: args[0] == "/usr/bin/dpkg-query", (0, LISTING + VENDOR_LINES + multiarch, ""))
    packages = run_module(manifest_info.main, module_args(tree, tmp_path))["manifest"]["apt_packages"]
    assert packages["libcuda1:amd64"]["arch"] == "amd64" and packages["libcuda1:i386"]["arch"] == "i386"
    assert "libcuda1" not in packages and packages["bash"]["version"] == "5.2.15-2+b13"


def test_markdown_is_the_former_templates_text():
    manifest = json.loads((FIXTURES / "manifest-cpu.json").read_text())
    assert manifest_documents.markdown(manifest) == (FIXTURES / "manifest-cpu.md").read_text()
    manifest.update(python_envs={}, not_installed=[])
    manifest["components"][0]["notes"] = "a|b\nc"
    text = manifest_documents.markdown(manifest)
    assert "| a\\|b c |" in text and "Not installed" not in text and "## Python environments" not in text


def test_module_writes_the_three_documents_once(run_module, dpkg, tree, tmp_path):
    docs = tmp_path / "etc" / "mlbox"
    args = module_args(tree, tmp_path, write=True, manifest_path=str(docs / "manifest.json"),
                       sbom_path=str(docs / "sbom.cdx.json"), markdown_path=str(docs / "manifest.md"))
    paths = [args["manifest_path"], args["markdown_path"], args["sbom_path"]]
    result = run_module(manifest_info.main, args, check_mode=True)
    assert result["changed"] and result["changed_paths"] == paths and not docs.exists()
    result = run_module(manifest_info.main, args)
    assert result["changed"] and result["changed_paths"] == paths
    assert json.loads((docs / "manifest.json").read_text()) == result["manifest"]
    assert json.loads((docs / "sbom.cdx.json").read_text()) == result["sbom"]
    assert (docs / "manifest.md").read_text() == manifest_documents.markdown(result["manifest"])
    assert (docs / "sbom.cdx.json").stat().st_mode & 0o7777 == 0o644
    assert docs.stat().st_mode & 0o7777 == 0o755  # whatever the umask
    again = run_module(manifest_info.main, args)
    assert not again["changed"] and again["changed_paths"] == []
    assert not run_module(manifest_info.main, args, check_mode=True)["changed"]


def test_write_needs_the_three_paths(run_module, dpkg, tree, tmp_path):
    result = run_module(manifest_info.main, module_args(tree, tmp_path, write=True))
    assert result["failed"] and "markdown_path" in result["msg"]


def test_without_stack_the_module_reads_it_as_stack_facts_does(run_module, dpkg, tree, tmp_path):
    """One round trip: manifest_info reads what is installed itself, sets the same facts, builds the same manifest."""
    given = run_module(manifest_info.main, module_args(tree, tmp_path))
    args = module_args(tree, tmp_path, env_root="/opt/mlbox/envs")
    del args["stack"]
    read = run_module(manifest_info.main, args)
    assert given["ansible_facts"] == {}
    assert read["ansible_facts"]["mlbox_stack"] == stack_of(tree)
    assert read["manifest"]["components"] == given["manifest"]["components"]
