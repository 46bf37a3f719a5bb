"""Structural test of the Packer template (packer >= 1.7 is not installable here: Debian ships 1.6.6).

Parses packer/mlbox.pkr.hcl as HCL2 and checks what a build depends on: the provisioners run
site.yml then template.yml, without Packer's SSH proxy, with the image-build and profile extra vars,
the collection installed by the provisioner (packer/requirements.yml) rather than from .collections,
the variables validated, each profile's base image one its preflight accepts, and every file the
template names exists. tests/harness/packer-check.sh runs packer fmt and validate -syntax-only.
"""

from __future__ import annotations

from pathlib import Path

import hcl2
import pytest
import yaml

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
    env = locals_of(template)["ansible_env_vars"]
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


def variables_of(template: dict) -> dict:
    return {name: spec for v in template["variable"] for name, spec in v.items()}


def locals_of(template: dict) -> dict:
    return {k: v for block in template["locals"] for k, v in block.items()}


@pytest.mark.parametrize(
    ("name", "fragments"),
    [
        ("profile", ['contains(["current", "cpu", "seed-2021"], var.profile)']),
        ("cpus", ["var.cpus >= 1", "floor(var.cpus) == var.cpus"]),
        ("memory", ["var.memory >= 1024", "floor(var.memory) == var.memory"]),
        ("accelerator", ['contains(["kvm", "tcg", "hvf", "whpx", "xen", "hax", "none"], var.accelerator)']),
        ("disk_size", ["var.disk_size"]),
        ("ssh_private_key_file", ["length(var.ssh_private_key_file) > 0"]),
    ],
)
def test_variables_are_validated(template, name, fragments):
    spec = variables_of(template)[name]
    (validation,) = spec["validation"]
    condition = validation["condition"].strip("${}")
    for fragment in fragments:
        assert fragment in condition, condition
    # Packer requires the message to be a sentence that starts with "The".
    assert validation["error_message"].startswith("The ") and validation["error_message"].endswith(".")


def test_profiles_named_in_validation_exist(template):
    (validation,) = variables_of(template)["profile"]["validation"]
    for profile in ("current", "cpu", "seed-2021"):
        assert f'"{profile}"' in validation["condition"]
        assert (REPO / "playbooks" / "vars" / "profiles" / f"{profile}.yml").is_file()


def test_machine_settings_are_variables(template):
    (source,) = template["source"]
    qemu = source["qemu"]["mlbox"]
    assert qemu["cpus"] == "${var.cpus}"
    assert qemu["memory"] == "${var.memory}"
    assert qemu["accelerator"] == "${var.accelerator}"
    variables = variables_of(template)
    assert variables["cpus"]["type"] == variables["memory"]["type"] == "number"
    assert qemu["iso_url"] == "${local.base_image_url}"
    assert qemu["iso_checksum"] == "${local.base_image_checksum}"


def test_each_profile_gets_an_image_its_preflight_accepts(template):
    """seed-2021 accepts only Ubuntu 20.04: its default image is focal, and any other image is refused."""
    local = locals_of(template)
    assert "focal" in local["ubuntu_images"]["20.04"] and "noble" in local["ubuntu_images"]["24.04"]
    assert local["image_release"] == '${var.profile == "seed-2021" ? "20.04" : "24.04"}'
    assert "focal-server-cloudimg" in local["image_name"]
    seed = yaml.safe_load((REPO / "playbooks/vars/profiles/seed-2021.yml").read_text())
    assert seed["preflight_supported_platforms"] == {"Ubuntu": ["20.04"]}
    guard = local["profile_image_ok"]
    assert 'var.profile != "seed-2021"' in guard and "local.base_image_url" in guard and "file(" in guard
    assert "checksum" in local["checksum_ok"] and "file(" in local["checksum_ok"]


def test_provisioner_installs_the_collection_itself(template):
    first, second = provisioners(template)
    assert resolve(first["galaxy_file"]) == REPO / "packer" / "requirements.yml"
    assert first["collections_path"] == "${var.collections_path}"
    assert first["galaxy_force_install"] is True
    requirements = yaml.safe_load((REPO / "packer" / "requirements.yml").read_text())
    names = {c["name"]: c for c in requirements["collections"]}
    assert names["."]["type"] == "dir"  # the checkout, relative to the directory packer runs in
    assert (REPO / "galaxy.yml").is_file()
    assert "community.general" in names
    env = locals_of(template)["ansible_env_vars"]
    assert "ANSIBLE_COLLECTIONS_PATH=${var.collections_path}" in env
    for prov in (first, second):
        assert prov["ansible_env_vars"] == "${local.ansible_env_vars}"
    assert not any("=.collections" in e or "/.collections" in e for e in env)


def test_header_example_sets_every_required_variable(template):
    required = {name for name, spec in variables_of(template).items() if "default" not in spec}
    assert required == {"ssh_private_key_file"}
    example = next(line for line in TEMPLATE.read_text().splitlines() if "packer build" in line)
    for name in required:
        assert f"-var {name}=" in example
    readme = (REPO / "packer" / "README.md").read_text()
    assert all(f"-var {name}=" in readme for name in required)
    assert ">= 1.7" in readme and "xorriso" in readme
