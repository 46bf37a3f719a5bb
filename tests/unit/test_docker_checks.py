# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The filters docker_problems (the docker role's input checks) and docker_daemon_json_problems (its
daemon_json_check entry point), with the role's defaults read from roles/docker/defaults/main.yml.
tests/integration/bad_input_docker.yml runs the same messages through the role."""

from __future__ import annotations

import json

import pytest
from ansible_collections.mlinabox.stack.plugins.filter.docker_checks import (
    docker_daemon_json,
    docker_daemon_json_merge,
    docker_daemon_json_problems,
    docker_problems,
)
from conftest import assert_a_problem, assert_one_problem, role_yaml

DEFAULTS = role_yaml("docker")
INPUTS = ("docker_source", "docker_repo_url", "docker_repo_key_url", "docker_repo_key_fingerprint", "docker_version",
          "docker_containerd_version", "docker_buildx_version", "docker_compose_version", "docker_daemon_options",
          "docker_daemon_options_absent", "docker_allow_insecure_registries", "docker_daemon_json_path")


def read(conf):
    """daemon.json's text as host_probe reads it, for a file holding conf."""
    return json.dumps(conf)


def problems(daemon_json=None, repo_distro="debian", **overrides):
    inputs = {key: DEFAULTS[key] for key in INPUTS}
    inputs.update(overrides)
    facts = {"distribution": "Debian", "distribution_version": "12", "repo_distro": repo_distro,
             "daemon_json": daemon_json}
    return docker_problems(inputs, facts)


def test_the_defaults_have_no_problem():
    assert problems() == []


def test_valid_inputs_have_no_problem():
    assert problems(docker_repo_url="http://127.0.0.1:8765/linux", docker_repo_key_url="https://[::1]:443/gpg",
                    docker_repo_key_fingerprint="9dc85822 9fc7dd38 854ae2d8 8d81803c 0ebfcd88",
                    docker_version="5:28.5.1-1~debian.12~bookworm", docker_containerd_version="1.7.27",
                    docker_buildx_version="", docker_compose_version="",
                    docker_daemon_options={"group": "docker", "insecure-registries": ["r:5000"],
                                           "registry-mirrors": ["https://m.example", "http://i.example"],
                                           "authorization-plugins": ["opa", "new"], "runtimes": {"r": {"path": "r"}},
                                           "seccomp-profile": "builtin"},
                    docker_allow_insecure_registries=["r:5000", "http://i.example"],
                    docker_daemon_options_absent=["hosts"],
                    daemon_json=read({"hosts": ["fd://"], "authorization-plugins": ["opa"]})) == []


def test_the_distro_source_skips_the_repository_rules():
    assert problems(docker_source="distro", docker_repo_url="file:///srv", docker_version="latest") == []


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"repo_distro": ""}, "The docker role supports Debian and Ubuntu, not Debian 12."),
    ({"docker_repo_url": "https://download.docker.com/linux\n"},
     "Docker's repository settings must be plain URLs. docker_repo_url is \"https://download.docker.com/linux\\n\", "
     "which is not a plain https:// or http:// URL (a host name or address, an optional port 1-65535 and a path, no "
     "spaces, newlines or other characters outside printable ASCII; file:// is not accepted): use for example "
     "https://download.docker.com/linux or a mirror's URL."),
    ({"docker_repo_url": "file:///srv/docker"}, 'docker_repo_url is "file:///srv/docker", which is not a plain'),
    ({"docker_repo_key_url": "https://mirror.example.com:99999/gpg"},
     'docker_repo_key_url is "https://mirror.example.com:99999/gpg", which is not a plain https:// or http:// URL'),
    ({"docker_repo_key_url": "https://mirror.example.com/g pg"},
     "use for example https://download.docker.com/linux/debian/gpg or a mirror's URL."),
    ({"docker_repo_url": "http://mirror.example.com/docker", "docker_repo_key_fingerprint": " "},
     "docker_repo_key_fingerprint is empty, so the key from docker_repo_key_url "
     "(https://download.docker.com/linux/debian/gpg) could not be verified: set it to the 40-hex-digit fingerprint "
     "of the key that signs docker_repo_url (http://mirror.example.com/docker); Docker's is 9DC8 5822 9FC7 DD38 854A "
     "E2D8 8D81 803C 0EBF CD88."),
    ({"docker_repo_key_fingerprint": "0EBF CD88"},
     "docker_repo_key_fingerprint '0EBF CD88' is not a full key fingerprint: give all 40 hexadecimal digits"),
    ({"docker_version": "latest"},
     "docker_version is 'latest', which is neither an upstream version (such as 28.5.1; the repository's index "
     "supplies the packaging suffix) nor a full apt version (such as 5:28.5.1-1~debian.12~bookworm); `apt-cache "
     'madison docker-ce` lists them. Only docker_buildx_version and docker_compose_version may be "" (the plugin is '
     "then not installed)."),
    ({"docker_version": "29.0.0\n"}, "docker_version is '29.0.0\n', which is neither"),
    ({"docker_containerd_version": ""}, "docker_containerd_version is '', which is neither"),
    ({"docker_compose_version": "v2"}, "docker_compose_version is 'v2', which is neither"),
    ({"docker_daemon_options": {"log-driver": "local"}, "docker_daemon_options_absent": ["log-driver", "log-driver"]},
     "log-driver are both set (docker_daemon_options) and removed (docker_daemon_options_absent): keep each key in "
     "one of them."),
    ({"docker_daemon_options": {"hosts": ["tcp://0.0.0.0:2375"]}},
     'docker_daemon_options sets hosts (["tcp://0.0.0.0:2375"]): refused. The systemd unit already sets the socket '
     "(-H fd://), so dockerd would not start, and a tcp:// address is an unauthenticated root API. Remove hosts from "
     "docker_daemon_options; for remote use keep the local socket and connect over SSH: DOCKER_HOST=ssh://user@host."),
    ({"docker_daemon_options": {"group": "users"}},
     'docker_daemon_options sets group to "users": the socket\'s group can run any container, so every member of it '
     "is root."),
    ({"docker_daemon_options": {"insecure-registries": "registry.example.com:5000"}},
     'docker_daemon_options.insecure-registries is "registry.example.com:5000", not a list: give a YAML list, such '
     "as [registry.example.com:5000]."),
    ({"docker_daemon_options": {"registry-mirrors": {"a": 1}}},
     'docker_daemon_options.registry-mirrors is {"a": 1}, not a list: give a YAML list, such as '
     "[https://mirror.example.com]."),
    ({"docker_daemon_options": {"authorization-plugins": 5}},
     "docker_daemon_options.authorization-plugins is 5, not a list: give a YAML list, such as [my-authz-plugin]."),
    ({"docker_allow_insecure_registries": ["registry.example.com:5000"],
      "docker_daemon_options": {"insecure-registries": ["registry.example.com:5000", "0.0.0.0/0"]}},
     'docker_daemon_options.insecure-registries names ["0.0.0.0/0"]: images from them are pulled without TLS '
     "verification, so anyone on the network path can replace what root runs."),
    ({"docker_daemon_options": {"registry-mirrors": ["http://mirror.example.com", "https://m.example.com\n"]}},
     'docker_daemon_options.registry-mirrors has ["http://mirror.example.com", "https://m.example.com\\n"]: each '
     "mirror must be a plain https:// URL such as https://mirror.example.com (an http:// mirror only when "
     "docker_allow_insecure_registries names the same URL)."),
    ({"docker_daemon_options": {"seccomp-profile": "unconfined"}},
     'docker_daemon_options sets seccomp-profile to "unconfined": every container would run without a seccomp '
     "filter."),
    ({"docker_daemon_options_absent": ["authorization-plugins"]},
     "docker_daemon_options_absent lists authorization-plugins: the role does not remove the plugins that check "
     "every API call."),
    ({"docker_daemon_options": {"runtimes": ["runc"]}},
     'docker_daemon_options.runtimes is ["runc"], not a mapping: give {name: {path: /usr/bin/<runtime>}}.'),
    ({"daemon_json": "{"},
     "/etc/docker/daemon.json is not a valid JSON object (invalid JSON: Expecting property name enclosed in double "
     "quotes: line 1 column 2 (char 1)). "
     "dockerd cannot start with it, and the role merges its keys into it: fix the JSON by hand (python3 -m json.tool "
     "/etc/docker/daemon.json shows where), or move the file away if it holds nothing you need."),
    ({"daemon_json": read({"hosts": ["tcp://0.0.0.0:2375"]})},
     '/etc/docker/daemon.json holds "hosts": ["tcp://0.0.0.0:2375"]. dockerd does not start with it (the systemd '
     "unit already sets the socket with -H fd://), and a tcp:// address is an unauthenticated root API. Let the role "
     "remove it: docker_daemon_options_absent: [hosts] (or delete the key by hand)."),
    ({"docker_daemon_options": {"authorization-plugins": []},
      "daemon_json": read({"authorization-plugins": ["opa-docker-authz"]})},
     'docker_daemon_options.authorization-plugins is [], which drops ["opa-docker-authz"] from '
     "/etc/docker/daemon.json: those plugins check every API call, and the role does not remove them."),
])
def test_each_rule_has_its_message(overrides, expected):
    found = problems(**overrides)
    assert_one_problem(found, expected)


def test_independent_problems_are_all_reported():
    found = problems(repo_distro="", docker_repo_url="file:///srv", docker_repo_key_url="ftp://k",
                     docker_repo_key_fingerprint="0EBF", docker_version="x", docker_containerd_version="y",
                     docker_daemon_options={"hosts": [], "group": "users", "seccomp-profile": "unconfined"},
                     daemon_json=read({"hosts": []}))
    assert [message.partition(" ")[0] for message in found] == [
        "The", "Docker's", "docker_repo_key_fingerprint", "docker_version", "docker_containerd_version",
        "docker_daemon_options", "docker_daemon_options", "docker_daemon_options", "/etc/docker/daemon.json"]
    # Both URLs in the one sentence about the repository's settings.
    assert 'docker_repo_url is "file:///srv"' in found[1] and 'docker_repo_key_url is "ftp://k"' in found[1]


def test_an_empty_fingerprint_is_not_also_reported_as_short():
    found = problems(docker_repo_key_fingerprint="")
    assert len(found) == 1 and "is empty" in found[0]


def test_a_daemon_json_that_is_no_object_skips_the_rules_that_read_it():
    found = problems(docker_daemon_options={"authorization-plugins": []},
                     daemon_json="[]")
    assert found == [
        "/etc/docker/daemon.json is not a valid JSON object (the top level is list, not an object). dockerd cannot "
        "start with it, and the role merges its keys into it: fix the JSON by hand (python3 -m json.tool "
        "/etc/docker/daemon.json shows where), or move the file away if it holds nothing you need."]


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"docker_daemon_options": ["log-level", "warn"]},
     'docker_daemon_options is ["log-level", "warn"], not a mapping.'),
    ({"docker_daemon_options_absent": "hosts"}, 'docker_daemon_options_absent is "hosts", not a list.'),
    ({"docker_allow_insecure_registries": None}, "docker_allow_insecure_registries is null, not a list."),
    ({"docker_version": 29}, "docker_version is '29', which is neither"),
    ({"docker_repo_url": None}, "docker_repo_url is null, which is not a plain"),
    ({"docker_repo_key_fingerprint": 1234}, "docker_repo_key_fingerprint '1234' is not a full key fingerprint"),
    ({"docker_daemon_options": {"group": ["x"], "registry-mirrors": [1, {"a": None}]}},
     'docker_daemon_options.registry-mirrors has [1, {"a": null}]'),
    ({"docker_daemon_options_absent": [{"key": "hosts"}, 3]}, None),
    ({"daemon_json": 3}, "is not a valid JSON object (the top level is int, not an object)."),
    ({"daemon_json": "not json"}, "is not a valid JSON object (invalid JSON: Expecting value"),
    ({"docker_daemon_options": {"authorization-plugins": ["a"]}, "daemon_json": read({"authorization-plugins": "b"})},
     'drops ["b"]'),
])
def test_wrong_types_give_a_message_not_an_exception(overrides, expected):
    found = problems(**overrides)
    assert_a_problem(found, expected)


def test_daemon_json_check_alone():
    path = "/etc/docker/daemon.json"
    assert docker_daemon_json_problems(read({"log-driver": "local"}), path, []) == []
    assert docker_daemon_json_problems(read({"hosts": ["fd://"]}), path, ["hosts"]) == []
    assert docker_daemon_json_problems(read({"hosts": ["fd://"]}), path, "hosts")[0].startswith(
        '/etc/docker/daemon.json holds "hosts": ["fd://"]. dockerd does not start with it')
    assert docker_daemon_json_problems(None, path, []) == []
    assert docker_daemon_json_problems(" \n", path, []) == []
    assert docker_daemon_json_problems("1", path, [])[0].startswith(
        "/etc/docker/daemon.json is not a valid JSON object (the top level is int, not an object). dockerd cannot")


def test_daemon_json_parses_what_host_probe_read():
    assert docker_daemon_json(None) == {} and docker_daemon_json("") == {}
    assert docker_daemon_json('{"a": {"b": 1}}') == {"a": {"b": 1}}
    assert docker_daemon_json("[1]") is None and docker_daemon_json("{") is None and docker_daemon_json(3) is None
    assert docker_daemon_json({"a": 1}) == {"a": 1}


def test_daemon_json_merge_keeps_other_keys_and_takes_out_the_absent_ones():
    text = '{"log-opts": {"max-size": "10m"}, "runtimes": {"nvidia": {"path": "x"}, "other": {}}, "hosts": [1]}'
    assert docker_daemon_json_merge(text, {"log-opts": {"max-file": "3"}, "dns": ["1.1.1.1"]}, [{"key": "hosts"}]) == {
        "log-opts": {"max-size": "10m", "max-file": "3"}, "runtimes": {"nvidia": {"path": "x"}, "other": {}},
        "dns": ["1.1.1.1"]}
    # A value given: only while the key holds it. A parent left empty goes too.
    kept = docker_daemon_json_merge('{"default-runtime": "runc"}', {}, [{"key": "default-runtime", "value": "nvidia"}])
    assert kept == {"default-runtime": "runc"}
    assert docker_daemon_json_merge(text, {}, [{"key": "nvidia", "parent": "runtimes"}])["runtimes"] == {"other": {}}
    assert "runtimes" not in docker_daemon_json_merge('{"runtimes": {"nvidia": {}}}', {},
                                                      [{"key": "nvidia", "parent": "runtimes"}])
    assert docker_daemon_json_merge(None, {"a": [1]}, []) == {"a": [1]}
    assert docker_daemon_json_merge("[]", {"a": 1}, []) is None
