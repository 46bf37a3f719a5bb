# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The helpers the input-check filters share (plugins/module_utils/input_checks.py), and, for every filter that
reads a URL from the inventory, that a URL's user:password@ never appears in its messages."""

from __future__ import annotations

import datetime

import jinja2
import pytest
from ansible_collections.mlinabox.stack.plugins.filter.desktop_apps_checks import desktop_apps_problems
from ansible_collections.mlinabox.stack.plugins.filter.docker_checks import docker_problems
from ansible_collections.mlinabox.stack.plugins.filter.h2o_checks import h2o_problems
from ansible_collections.mlinabox.stack.plugins.filter.nvidia_checks import (
    nvidia_docker_problems,
    nvidia_driver_problems,
)
from ansible_collections.mlinabox.stack.plugins.filter.package_cache_checks import package_cache_problems
from ansible_collections.mlinabox.stack.plugins.filter.preflight_checks import preflight_problems
from ansible_collections.mlinabox.stack.plugins.filter.python_envs import python_env_problems
from ansible_collections.mlinabox.stack.plugins.filter.python_stack_checks import python_stack_problems
from ansible_collections.mlinabox.stack.plugins.filter.rapids_checks import rapids_problems
from ansible_collections.mlinabox.stack.plugins.module_utils.input_checks import (
    a_type_name,
    is_http_host_port,
    is_list,
    mask_userinfo,
    not_lists,
    to_int,
    to_json,
    type_name,
)
from conftest import role_yaml


@pytest.mark.parametrize(("text", "masked"), [
    ("https://alice:pw@mirror.example.com/debian", "https://***@mirror.example.com/debian"),
    # Whatever the password holds: a space, a '/', an '@', a scheme.
    ("http://alice:Pw With/Space:@proxy.example.com:3128", "http://***@proxy.example.com:3128"),
    ("https://alice:p@ss@mirror.example.com/x", "https://***@mirror.example.com/x"),
    ("https://alice:x://y@mirror.example.com/x", "https://***@mirror.example.com/x"),
    # Without a scheme, everything up to the last '@'; user info written before the scheme.
    ("alice:pw@proxy:3128", "***@proxy:3128"),
    ("alice:pw@http://proxy:3128", "***@http://proxy:3128"),
    # A URL inside text: what comes before the scheme stays.
    ("HTTPS_PROXY=http://u:secret@proxy:3128", "HTTPS_PROXY=http://***@proxy:3128"),
    ("torch @ https://u:secret@files.example/t.whl", "torch @ https://***@files.example/t.whl"),
    # Nothing to mask.
    ("torch @ https://files.example/t.whl", "torch @ https://files.example/t.whl"),
    ("https://pypi.org/simple", "https://pypi.org/simple"),
    ("", ""),
])
def test_mask_userinfo(text, masked):
    assert mask_userinfo(text) == masked


def test_mask_userinfo_of_other_values():
    assert mask_userinfo(["https://u:p@a/x", 3, None, {"url": "http://u:p@b"}]) == [
        "https://***@a/x", 3, None, {"url": "http://***@b"}]
    assert mask_userinfo(("u:p@h:1",)) == ["***@h:1"]
    for value in (None, 3, 2.5, True, datetime.date(2026, 1, 1)):
        assert mask_userinfo(value) is value


def test_to_json():
    assert to_json("caf\u00e9 \"x\"") == '"caf\\u00e9 \\"x\\""'
    assert to_json([1, None, {"a": True}]) == '[1, null, {"a": true}]'
    # What JSON cannot hold is written as its text; a whole value that JSON cannot write at all, too.
    assert to_json(datetime.date(2026, 1, 2)) == '"2026-01-02"'
    assert to_json([datetime.date(2026, 1, 2)]) == '["2026-01-02"]'
    assert to_json({datetime.date(2026, 1, 2): 1}) == '"{datetime.date(2026, 1, 2): 1}"'


@pytest.mark.parametrize(("value", "number"), [
    (42, 42), ("42", 42), (" 42 ", 42), ("42.5", 42), (8888.0, 8888), (True, 1), ("x", 0), (None, 0), ([1], 0),
    (float("inf"), 0), ("inf", 0), ("nan", 0),
])
def test_to_int_reads_as_jinja(value, number):
    assert to_int(value) == number


def test_types_in_yaml_words():
    values = [None, True, 3, 2.5, "x", {"a": 1}, [1], (1,), {1}]
    assert [type_name(value) for value in values] == [
        "null", "boolean", "number", "number", "string", "dict", "list", "list", "set"]
    assert [a_type_name(value, mapping="mapping") for value in values] == [
        "null", "a boolean", "a number", "a number", "a string", "a mapping", "a list", "a list", "a set"]
    assert [is_list(value) for value in values] == [False] * 6 + [True, True, False]


@pytest.mark.parametrize(("value", "accepted"), [
    ("http://cache:3142", True), ("http://[fd00::1]:3142/", True), ("http://[::ffff:10.0.0.1]:3142", True),
    ("http://cache:0", False), ("http://cache:65536", False), ("http://cache:3142\n", False),
    ("https://cache:3142", False), ("http://u:p@cache:3142", False), ("http://cache", False), (3142, False),
])
def test_is_http_host_port(value, accepted):
    assert is_http_host_port(value) is accepted


def test_not_lists_names_a_string_with_the_list_it_could_have_been():
    assert not_lists({"a": ["x"], "b": "http://u:pw@h/x y", "c": None}, ("a", "b", "c"), "one item each") == (
        'b is the string "http://***@h/x y", not a list: give a YAML list, one item each, such as b: '
        '["http://***@h/x", "y"]. c is null, not a list: give a YAML list, one item each. The list inputs must be '
        "lists.")
    assert not_lists({"a": []}, ("a",), "one item each") is None


# Every filter that reads a URL from the inventory, given URLs with a user and password where its rules show them.
SECRET = "S3cretPw"


def _preflight():
    inputs = {name: value for name, value in role_yaml("preflight").items() if name.startswith("preflight_")}
    inputs.update(preflight_http_proxy=f"http://alice:{SECRET}@proxy.example.com:31a28",
                  preflight_https_proxy=f"http://alice:{SECRET}@proxy.example.com:3128/x",
                  preflight_apt_mirror=f"https://alice:{SECRET}@mirror.example.com/debian",
                  preflight_apt_security_mirror=f"file:///alice:{SECRET}@srv/mirror",
                  preflight_apt_cache=f"http://alice:{SECRET}@cache:3142")
    facts = {"distribution": "Debian", "distribution_version": "12.7", "distribution_major_version": "12",
             "architecture": "x86_64", "user_uid": 0, "user_id": "root"}
    return preflight_problems(inputs, facts), 5


def _package_cache():
    inputs = {**role_yaml("package_cache"), "package_cache_upstream_proxy": f"http://alice:{SECRET}@proxy:3128",
              "package_cache_pip_index_url": f"ftp://alice:{SECRET}@idx/simple",
              "package_cache_pypi_indexes": [{"name": "pypi", "url": f"ftp://alice:{SECRET}@idx", "port": 3141}]}
    facts = {"distribution": "Debian", "distribution_version": "12.7", "distribution_major_version": "12",
             "all_ipv4_addresses": ["10.0.0.5"], "all_ipv6_addresses": []}
    # The index URLs are never shown; the upstream proxy is, masked.
    return package_cache_problems(inputs, facts), 1


def _docker():
    defaults = role_yaml("docker")
    inputs = {name: value for name, value in defaults.items() if name.startswith("docker_")}
    inputs.update(docker_source="docker", docker_repo_url=f"ftp://alice:{SECRET}@mirror.example.com/linux",
                  docker_repo_key_url=f"https://alice:{SECRET}@mirror.example.com/g pg",
                  docker_repo_key_fingerprint="",
                  docker_daemon_options={"hosts": [f"tcp://alice:{SECRET}@0.0.0.0:2375"],
                                         "registry-mirrors": [f"http://alice:{SECRET}@mirror.example.com"],
                                         "insecure-registries": f"alice:{SECRET}@registry:5000"},
                  docker_daemon_options_absent=[], docker_allow_insecure_registries=f"http://alice:{SECRET}@r")
    daemon_json = f'{{"hosts": ["tcp://alice:{SECRET}@h:2375"]}}'  # daemon.json's text, as host_probe reads it
    facts = {"distribution": "Debian", "distribution_version": "12", "repo_distro": "debian",
             "daemon_json": daemon_json}
    # Both URLs twice (not plain URLs; the empty fingerprint's message), hosts, insecure-registries (not a list),
    # docker_allow_insecure_registries (not a list), daemon.json's hosts. The mirror is not checked without a
    # list of allowed registries.
    return docker_problems(inputs, facts), 8


def _desktop_apps():
    inputs = {"desktop_apps_remote_desktop": False, "desktop_apps_remote_desktop_port": 3389,
              "desktop_apps_remote_desktop_address": "127.0.0.1",
              "desktop_apps_remote_desktop_allow_non_loopback": False}
    repository = {"uri": f"https://alice:{SECRET}@mirror.example.com/chrome/deb",
                  "key_url": f"https://alice:{SECRET}@mirror.example.com/linux_signing_key.pub",
                  "key_fingerprint": "EB4C 1BFD 4F04 2F6D DDCC EC91 7721 F63B D38B 4796",
                  "variables": {"uri": "desktop_apps_chrome_repo_url", "key_url": "desktop_apps_chrome_key_url",
                                "key_fingerprint": "desktop_apps_chrome_key_fingerprint"}}
    return desktop_apps_problems(inputs, {"repositories": [repository], "packages": []}), 2


def _nvidia_driver():
    inputs = {"nvidia_driver_source": "nvidia", "nvidia_driver_repo_url": f"https://alice:{SECRET}@mirror.example/cuda",
              "nvidia_driver_repo_key_fingerprint": ""}
    derived = {"architecture": "x86_64", "repo_arch": "x86_64",
               "repo_key_url": f"https://alice:{SECRET}@mirror.example/cuda/debian12/x86_64/3bf863cc.pub"}
    # Both URLs (they hold credentials), and the repository in the empty fingerprint's message.
    return nvidia_driver_problems(inputs, derived), 3


def _nvidia_docker():
    inputs = role_yaml("nvidia_docker")
    inputs.update(nvidia_docker_repo_url=f"ftp://alice:{SECRET}@mirror.example/libnvidia-container",
                  nvidia_docker_repo_key_url=f"https://alice:{SECRET}@mirror.example/gp gkey",
                  nvidia_docker_repo_key_fingerprint="")
    return nvidia_docker_problems(inputs), 4


def _rapids():
    inputs = role_yaml("rapids")
    found = rapids_problems({**inputs, "rapids_extra_index_urls": [f"ftp://alice:{SECRET}@pypi.example/simple"]},
                            {"variant": "cu13"})
    found += rapids_problems({**inputs, "rapids_extra_index_urls": f"https://alice:{SECRET}@pypi.example/simple"},
                             {"variant": "cu13"})
    # The URL that is no plain URL; the string that is no list, and the list it could have been.
    return found, 3


def _h2o():
    inputs = role_yaml("h2o")
    inputs["h2o_packages"] = ["h2o==3.46.0.12"]
    facts = {"distribution": "Debian", "distribution_version": "12", "java_package_default": "openjdk-17-jre-headless",
             "java_package_regex": role_yaml("h2o", "vars/main.yml")["__h2o_java_package_regex"]}
    found = h2o_problems({**inputs, "h2o_java_options": f"-Dhttps.proxy=http://alice:{SECRET}@proxy:3128"}, facts)
    extra_args = [f"-network=http://alice:{SECRET}@h", f"-x http://alice:{SECRET}@h", f"-ip=http://alice:{SECRET}@h"]
    found += h2o_problems({**inputs, "h2o_extra_args": extra_args}, facts)
    # The string that is no list (twice); the options that clash, open H2O, hold a space.
    return found, 5


def _python_stack():
    variables = role_yaml("python_stack", "vars/main.yml")
    inputs = {name: value for name, value in role_yaml("python_stack").items() if name.startswith("python_stack_")}
    inputs.update(python_stack_envs=[{"name": "base", "packages": ["jupyterlab==4.6.6"]}],
                  python_stack_index_url=f"http://alice:{SECRET}@mirror.example/simple",
                  python_stack_torch_variant="x", python_stack_torch_index_base=f"ftp://alice:{SECRET}@m.example/whl",
                  python_stack_find_links=[f"ftp://alice:{SECRET}@m.example/w"],
                  python_stack_python_install_mirror=f"ftp://alice:{SECRET}@m.example/p",
                  python_stack_uv_environment=f"HTTPS_PROXY=http://alice:{SECRET}@proxy:3128")
    settings = {"url_regex": jinja2.Template(variables["__python_stack_url_regex"]).render(
        python_stack_allow_insecure_index=False), "path_regex": variables["__python_stack_path_regex"]}
    # python_stack_uv_environment (no mapping), the index base in the torch variant's message, the four sources.
    return python_stack_problems(inputs, settings), 6


def _python_envs():
    variables = role_yaml("python_stack", "vars/main.yml")
    settings = {"python_source": "system", "offline": False, "index_url": "", "index_cache": {},
                "allow_insecure_index": False, "pinned_regex": variables["__python_stack_pinned_regex"],
                "url_regex": jinja2.Template(variables["__python_stack_url_regex"]).render(
                    python_stack_allow_insecure_index=False),
                "path_regex": variables["__python_stack_path_regex"],
                "userinfo_regex": variables["__python_stack_userinfo_regex"]}
    envs = [{"name": "a", "packages": [f"https://alice:{SECRET}@files.example/x.whl"]},
            {"name": "b", "packages": [f"x @ https://alice:{SECRET}@files.example/x.whl"]},
            {"name": "c", "packages": ["six==1.17.0"], "index_url": f"ftp://alice:{SECRET}@m.example/simple"},
            {"name": "d", "packages": ["six==1.17.0"], "find_links": f"https://alice:{SECRET}@m.example/w"}]
    return python_env_problems(envs, variables["__python_stack_env_defaults"], settings, "python_stack_envs"), 4


FILTERS = {"preflight": _preflight, "package_cache": _package_cache, "docker": _docker,
           "desktop_apps": _desktop_apps, "nvidia_driver": _nvidia_driver, "nvidia_docker": _nvidia_docker,
           "rapids": _rapids, "h2o": _h2o, "python_stack": _python_stack, "python_env": _python_envs}


@pytest.mark.parametrize("name", FILTERS)
def test_a_url_with_credentials_is_shown_without_them(name):
    found, masked = FILTERS[name]()
    text = " ".join(found)
    assert SECRET not in text
    assert "alice" not in text
    # Each URL the rules show is there, as ***@ (a test that shows no URL could not fail).
    assert text.count("***@") == masked, found
