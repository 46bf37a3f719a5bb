"""Structural test of the Packer template (packer >= 1.7 is not installable here: Debian ships 1.6).

Parses packer/mlbox.pkr.hcl as HCL2 and checks what a build depends on: the provisioners run
site.yml then template.yml, without Packer's SSH proxy, with the image-build and profile extra vars,
and every file the template names exists.
"""

from __future__ import annotations

from pathlib import Path

import hcl2
import pytest

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "packer" / "mlbox.pkr.hcl"


def strip(value):
    """python-hcl2 keeps the quotes of string literals and block labels: remove them, everywhere."""
    if isinstance(value, str):
        return value.strip('"')
    if isinstance(value, list):
        return [strip(v) for v in value]
    if isinstance(value, dict):
        return {strip(k): strip(v) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def template() -> dict:
    with TEMPLATE.open() as handle:
        return strip(hcl2.load(handle))


def provisioners(template: dict) -> list[dict]:
    (build,) = template["build"]
    return [p["ansible"] for p in build["provisioner"] if "ansible" in p]


def resolve(path: str) -> Path:
    return (TEMPLATE.parent / path.replace("${path.root}/", "")).resolve()


def test_requires_packer_17_and_both_plugins(template):
    (packer,) = template["packer"]
    assert packer["required_version"] == ">= 1.7.0"
    (plugins,) = packer["required_plugins"]
    assert {"ansible", "qemu"} <= set(plugins)


def test_site_then_template(template):
    playbooks = [resolve(p["playbook_file"]) for p in provisioners(template)]
    assert [p.name for p in playbooks] == ["site.yml", "template.yml"]
    for playbook in playbooks:
        assert playbook.is_file(), f"{playbook} is missing"


@pytest.mark.parametrize("index", [0, 1])
def test_provisioner_settings(template, index):
    prov = provisioners(template)[index]
    assert prov["use_proxy"] is False
    args = " ".join(prov["extra_arguments"])
    assert "--become" in args
    assert "mlbox_image_build=true" in args
    assert "mlbox_profile=${var.profile}" in args
    env = prov["ansible_env_vars"]
    assert "ANSIBLE_CONFIG=${path.root}/../ansible.cfg" in env
    assert (REPO / "ansible.cfg").is_file()


def test_template_removes_the_build_users_key(template):
    args = " ".join(provisioners(template)[1]["extra_arguments"])
    assert "template_prep_remove_authorized_keys_for" in args
    assert "${var.ssh_username}" in args


def test_profile_default_exists(template):
    variables = {name: spec for v in template["variable"] for name, spec in v.items()}
    profile = variables["profile"]["default"]
    assert (REPO / "playbooks" / "vars" / "profiles" / f"{profile}.yml").is_file()


def test_cloud_init_files_exist(template):
    (source,) = template["source"]
    files = source["qemu"]["mlbox"]["cd_files"]
    for name in files:
        assert resolve(name).is_file(), name
