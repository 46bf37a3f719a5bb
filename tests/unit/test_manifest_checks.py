# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The filter manifest_problems (the manifest role's input checks), with the role's defaults read from
roles/manifest/defaults/main.yml. tests/integration/bad_input_manifest.yml runs the same messages through the
role."""

from __future__ import annotations

import pytest
from ansible_collections.mlinabox.stack.plugins.filter.manifest_checks import manifest_problems
from conftest import role_yaml

DEFAULTS = role_yaml("manifest")
INPUTS = {"manifest_package_licences": DEFAULTS["manifest_package_licences"], "manifest_box_name": "ML in a Box",
          "manifest_profile": "seed-2021"}
RULE = ("is invalid: each item needs 'packages' (a regular expression for the package names) and exactly one of 'id' "
        "(an SPDX identifier), 'expression' (an SPDX expression) or 'name' (with an optional 'url'; not with "
        "'expression').")


def problems(**inputs):
    return manifest_problems({**INPUTS, **inputs})


def test_the_defaults_have_no_problem():
    assert DEFAULTS["manifest_package_licences"]
    assert problems() == []
    assert problems(manifest_package_licences=[], manifest_profile="cpu") == []


def test_each_invalid_licence_rule_is_reported():
    rules = [{"packages": "ok", "id": "MIT"},
             {"packages": "cuda-.*", "id": "MIT", "name": "NVIDIA CUDA Toolkit EULA"},  # two licences
             {"id": "MIT"},  # no packages
             {"packages": "", "id": "MIT"},
             {"packages": "b", "expression": "MIT", "url": "https://example.com"},
             {"packages": "c"},  # no licence
             {"packages": "d", "id": ""},
             {"packages": "e", "name": "EULA", "url": "https://example.com"}]
    assert problems(manifest_package_licences=rules) == [
        f"manifest_package_licences[1] (cuda-.*) {RULE}", f"manifest_package_licences[2] (no packages) {RULE}",
        f"manifest_package_licences[3] () {RULE}", f"manifest_package_licences[4] (b) {RULE}",
        f"manifest_package_licences[5] (c) {RULE}", f"manifest_package_licences[6] (d) {RULE}"]


@pytest.mark.parametrize(("name", "profile"), [("", "cpu"), ("Box", "my profile"), ("Box", "-x"), ("Box", "a\n")])
def test_the_name_and_the_profile(name, profile):
    assert problems(manifest_box_name=name, manifest_profile=profile) == [
        f"manifest_box_name ('{name}') must not be empty and manifest_profile ('{profile}') must be a profile name "
        "made of letters, digits, '.', '_' or '-' (for example current, cpu, seed-2021)."]


@pytest.mark.parametrize("inputs", [
    {"manifest_package_licences": "cuda-.*"},
    {"manifest_package_licences": [None, "x", {"packages": None, "id": "MIT"}, {"packages": 3, "id": ["MIT"]}]},
    {"manifest_box_name": None, "manifest_profile": ["cpu"]},
])
def test_wrong_types_are_reported_without_an_exception(inputs):
    assert problems(**inputs)
