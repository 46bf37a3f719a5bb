# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The profiles (playbooks/vars/profiles/*.yml) hold only what differs from the roles' defaults: a role run alone
gives the same stack as site.yml with the current profile, and a version lives in one place."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PROFILES = sorted((REPO / "playbooks" / "vars" / "profiles").glob("*.yml"))


def role_defaults():
    defaults = {}
    for path in sorted((REPO / "roles").glob("*/defaults/main.yml")):
        for name, value in (yaml.safe_load(path.read_text()) or {}).items():
            defaults[name] = value
    return defaults


def test_the_three_profiles_exist():
    assert [path.stem for path in PROFILES] == ["cpu", "current", "seed-2021"]


@pytest.mark.parametrize("path", PROFILES, ids=lambda path: path.stem)
def test_a_profile_holds_only_what_differs_from_the_defaults(path):
    defaults = role_defaults()
    profile = yaml.safe_load(path.read_text()) or {}
    for name, value in profile.items():
        if name.startswith("mlbox_install_"):
            # Every component is on unless switched off (site.yml, plan.yml and compat.yml default to true).
            assert value is False, f"{path.name}: {name} is true, which is the default"
        else:
            assert name in defaults, f"{path.name}: {name} is no role's variable (misspelt?)"
            assert value != defaults[name], f"{path.name}: {name} is {value!r}, the role's default"


def test_the_current_profile_is_the_defaults():
    assert yaml.safe_load((REPO / "playbooks/vars/profiles/current.yml").read_text()) == {}
    defaults = role_defaults()
    # The stack docs/site.md promises for the default profile.
    assert (defaults["nvidia_driver_branch"], defaults["cuda_versions"], defaults["cudnn_cuda_version"]) == (
        "580", ["13.0"], "13.0")
    assert defaults["rapids_cuda_version"] == "13.0" and defaults["python_stack_torch_variant_gpu"] == "cu130"
