# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The derived values of the rapids and h2o roles (roles/<role>/vars/main.yml), rendered with Ansible's own
templating: wheel variant and pins, the uv environment of the plan, the Java major read from a package name,
the -Xmx worked out from h2o_memory, and the address the checks talk to."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROLES = Path(__file__).resolve().parents[2] / "roles"


@pytest.fixture(autouse=True)
def _stay_a_module_test_run():
    """Importing Ansible's controller code (the templar) marks the process as the controller, and the module
    tests that run after these would then see their warnings displayed instead of returned: undo that."""
    from ansible.module_utils import _internal

    before = _internal.is_controller
    yield
    _internal.is_controller = before


def trusted(value):
    """Mark the strings of a role file as templates, as Ansible does for files it loads itself."""
    # Imported here: importing ansible.template at collection time changes how the module tests see warnings.
    from ansible.template import trust_as_template

    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, list):
        return [trusted(item) for item in value]
    if isinstance(value, dict):
        return {key: trusted(item) for key, item in value.items()}
    return value


def load(path: Path) -> dict:
    return trusted(yaml.safe_load(path.read_text()))


def role_vars(role: str) -> dict:
    values = load(ROLES / role / "defaults/main.yml")
    values.update(load(ROLES / role / "vars/main.yml"))
    return values


def render(role: str, name: str, **overrides):
    values = role_vars(role)
    values.update(overrides)
    values.setdefault("ansible_facts", {"architecture": "x86_64", "memtotal_mb": 16000})
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar

    templar = Templar(loader=DataLoader(), variables=values)
    return templar.template(values[name])


# ---- rapids -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("cuda", "variant"), [("12.8", "cu12"), ("12.9.1", "cu12"), ("13.0", "cu13"), (13.1, "cu13")])
def test_rapids_variant_follows_the_cuda_major(cuda, variant):
    assert render("rapids", "__rapids_variant", rapids_cuda_version=cuda) == variant


def test_rapids_default_packages_are_pinned_to_the_series():
    assert render("rapids", "__rapids_packages") == ["cudf-cu13==26.10.*", "cuml-cu13==26.10.*", "ipykernel==7.4.0"]


def test_rapids_extra_libraries_and_packages():
    packages = render(
        "rapids",
        "__rapids_packages",
        rapids_cuda_version="13.0",
        rapids_version="26.08",
        rapids_extra_libraries=["cugraph", "cudf"],
        rapids_extra_packages=["pandas==3.0.6"],
    )
    assert packages == [
        "cudf-cu13==26.08.*", "cuml-cu13==26.08.*", "cugraph-cu13==26.08.*", "ipykernel==7.4.0", "pandas==3.0.6",
    ]


def test_rapids_without_kernel_needs_no_ipykernel():
    assert render("rapids", "__rapids_packages", rapids_kernel=False) == ["cudf-cu13==26.10.*", "cuml-cu13==26.10.*"]


def test_rapids_env_item_for_python_stack():
    item = render("rapids", "__rapids_env_item", rapids_python="3.12")
    assert item["name"] == "rapids"
    assert item["owner"] == "rapids"
    assert item["python"] == "3.12"
    assert item["extra_index_urls"] == ["https://pypi.nvidia.com"]
    assert item["kernel"] is True
    assert item["kernel_display_name"] == "RAPIDS"


def test_rapids_python_request_falls_back_to_python_stack():
    assert render("rapids", "__rapids_python_request").strip() == ""
    assert render("rapids", "__rapids_python_request", python_stack_python_version="3.12").strip() == "3.12"
    assert render("rapids", "__rapids_python_request", rapids_python="3.13",
                  python_stack_python_version="3.12").strip() == "3.13"


@pytest.mark.parametrize(("arch", "platform"), [("x86_64", "x86_64"), ("aarch64", "aarch64"), ("arm64", "aarch64")])
def test_rapids_plan_platform(arch, platform):
    facts = {"architecture": arch}
    assert render("rapids", "__rapids_platform", ansible_facts=facts) == f"{platform}-manylinux_2_28"


def test_rapids_plan_uv_environment():
    env = render("rapids", "__rapids_uv_env")
    assert env == {
        "UV_CACHE_DIR": "/var/cache/mlbox/uv",
        "UV_NO_PROGRESS": "1",
        "UV_SYSTEM_CERTS": "1",
        "UV_EXTRA_INDEX_URL": "https://pypi.nvidia.com",
    }
    env = render(
        "rapids",
        "__rapids_uv_env",
        rapids_extra_index_urls=[],
        python_stack_index_url="https://pypi.internal/simple",
        python_stack_find_links=["/srv/wheels", "/opt/wheels"],
        python_stack_uv_system_certs=False,
        python_stack_uv_environment={"HTTPS_PROXY": "http://proxy:3128"},
    )
    assert env == {
        "UV_CACHE_DIR": "/var/cache/mlbox/uv",
        "UV_NO_PROGRESS": "1",
        "UV_INDEX_URL": "https://pypi.internal/simple",
        "UV_FIND_LINKS": "/srv/wheels,/opt/wheels",
        "HTTPS_PROXY": "http://proxy:3128",
    }


# ---- h2o ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("package", "major"),
    [
        ("openjdk-17-jre-headless", "17"),
        ("openjdk-21-jre-headless", "21"),
        ("openjdk-8-jre-headless", "8"),
        ("temurin-21-jre", "21"),
        ("zulu17-ca-jre-headless", "17"),
    ],
)
def test_h2o_java_major_from_the_package_name(package, major):
    assert render("h2o", "__h2o_java_major", h2o_java_package=package) == major


@pytest.mark.parametrize(("release", "package", "supported"), [
    ("Debian-12", "openjdk-17-jre-headless", True),
    # Debian 13 has no OpenJDK 17 (docs/evidence/h2o-java.md): its JRE needs h2o_allow_unsupported_java.
    ("Debian-13", "openjdk-21-jre-headless", False),
    ("Ubuntu-22", "openjdk-17-jre-headless", True),
    ("Ubuntu-24", "openjdk-17-jre-headless", True),
])
def test_h2o_release_jre(release, package, supported):
    from ansible_collections.mlinabox.stack.plugins.module_utils.compat import check_plan

    release_vars = load(ROLES / "h2o/vars" / f"{release}.yml")
    assert render("h2o", "__h2o_java_package", **release_vars) == package
    # Checked as the role's preflight does: the planned major against H2O 3.46.0.12 (its jar: Java 8-17).
    major = render("h2o", "__h2o_java_major", **release_vars)
    h2o = render("h2o", "h2o_version")
    assert check_plan({"h2o_version": h2o, "java_version": major})["ok"] is supported


@pytest.mark.parametrize(("allow", "args"), [(False, []), (True, ["-allow_unsupported_java"])])
def test_h2o_unsupported_java_only_with_the_opt_in(allow, args):
    assert render("h2o", "__h2o_java_args") == []  # the default
    assert render("h2o", "__h2o_java_args", h2o_allow_unsupported_java=allow) == args


def test_h2o_java_package_override():
    assert render("h2o", "__h2o_java_package", h2o_java_package="temurin-17-jre",
                  __h2o_java_package_default="openjdk-17-jre-headless") == "temurin-17-jre"


@pytest.mark.parametrize(
    ("memory", "memtotal_kb", "xmx"),
    [
        ("25%", 16384000, "4000m"),
        ("5%", 24567295, "1199m"),   # 23991.49 MiB: whole MiB, as the setup module's memtotal_mb
        ("90%", 1024000, "900m"),
        ("8g", 16384000, "8g"),
        ("4096M", 1024, "4096m"),
    ],
)
def test_h2o_heap(memory, memtotal_kb, xmx):
    # MemTotal from /proc/meminfo, as the role's probe reads it.
    meminfo = f"MemTotal:       {memtotal_kb} kB\nMemFree:         1000 kB\nMemAvailable:    2000 kB\n"
    probe = {"read": {"/proc/meminfo": meminfo}}
    assert render("h2o", "__h2o_xmx", h2o_memory=memory, __h2o_probe=probe).strip() == xmx


@pytest.mark.parametrize(
    ("address", "url"),
    [("127.0.0.1", "http://127.0.0.1:54321"), ("0.0.0.0", "http://127.0.0.1:54321"), ("10.0.0.5", "http://10.0.0.5:54321")],
)
def test_h2o_checks_talk_to_a_local_address(address, url):
    assert render("h2o", "__h2o_url", h2o_address=address) == url


def test_h2o_env_item_for_python_stack():
    item = render("h2o", "__h2o_env_item", h2o_extra_packages=["pandas==3.1.1"])
    assert item["packages"] == ["h2o==3.46.0.12", "ipykernel==7.4.0", "pandas==3.1.1"]
    assert item["owner"] == "h2o"
    assert item["kernel_display_name"] == "H2O"
    assert render("h2o", "__h2o_env_python", python_stack_envs_dir="/srv/envs") == "/srv/envs/h2o/bin/python"
