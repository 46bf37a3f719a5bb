# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The filter desktop_apps_problems (the desktop_apps role's input checks), with the role's defaults and its
repositories and packages in vendor_apt's form read from roles/desktop_apps/defaults/main.yml and vars/main.yml.
tests/integration/bad_input_desktop_apps.yml runs the same messages through the role."""

from __future__ import annotations

import jinja2
import pytest
from ansible_collections.mlinabox.stack.plugins.filter.desktop_apps_checks import desktop_apps_problems
from conftest import assert_a_problem, assert_one_problem, role_yaml

DEFAULTS = role_yaml("desktop_apps")
VARS = role_yaml("desktop_apps", "vars/main.yml")
INPUTS = ("desktop_apps_remote_desktop", "desktop_apps_remote_desktop_port", "desktop_apps_remote_desktop_address",
          "desktop_apps_remote_desktop_allow_non_loopback")
HOST = {"all_ipv4_addresses": ["10.0.0.5", "172.17.0.1"], "all_ipv6_addresses": ["fe80::1"]}


def render(value, variables):
    """The role's repository or package item with its "{{ desktop_apps_* }}" values filled in (the keyring and
    architecture templates, which the rules do not read, stay as they are)."""
    if isinstance(value, dict):
        return {key: render(item, variables) for key, item in value.items()}
    if isinstance(value, str) and value.startswith("{{ desktop_apps_"):
        return jinja2.Environment().compile_expression(value.strip("{} "))(**variables)
    return value


def problems(components=("chrome", "vscode"), **overrides):
    variables = {**DEFAULTS, **overrides}
    facts = {"repositories": [render(VARS[f"__desktop_apps_{name}_repository"], variables) for name in components],
             "packages": [render(VARS[f"__desktop_apps_{name}_package"], variables) for name in components], **HOST}
    return desktop_apps_problems({key: variables[key] for key in INPUTS}, facts)


def test_the_defaults_have_no_problem():
    assert problems() == []


def test_valid_inputs_have_no_problem():
    assert problems(desktop_apps_chrome_repo_url="file:///srv/chrome", desktop_apps_chrome_key_url="http://[::1]/k",
                    desktop_apps_chrome_key_fingerprint="eb4c 1bfd 4f04 2f6d ddcc ec91 7721 f63b d38b 4796",
                    desktop_apps_vscode_key_fingerprint="A" * 64, desktop_apps_chrome_version="",
                    desktop_apps_vscode_version="1.106.*", desktop_apps_remote_desktop=True,
                    desktop_apps_remote_desktop_port=3390, desktop_apps_remote_desktop_address="::1") == []


@pytest.mark.parametrize("address", ["127.0.0.2", "0.0.0.0", "::", "10.0.0.5", "fe80::1"])
def test_the_host_addresses_with_the_opt_in_have_no_problem(address):
    assert problems(desktop_apps_remote_desktop=True, desktop_apps_remote_desktop_address=address,
                    desktop_apps_remote_desktop_allow_non_loopback="yes") == []


def test_components_that_are_not_installed_are_not_checked():
    assert problems(components=(), desktop_apps_chrome_repo_url="bad", desktop_apps_vscode_version="latest") == []


def test_the_remote_desktop_off_is_not_checked():
    assert problems(desktop_apps_remote_desktop_port=70000, desktop_apps_remote_desktop_address="0.0.0.0") == []


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"desktop_apps_chrome_key_url": "dl.google.com/linux/linux_signing_key.pub"},
     "desktop_apps_chrome_key_url is 'dl.google.com/linux/linux_signing_key.pub', which is not an http://, https:// or "
     "file:// URL (the vendor's, or a mirror of it) without spaces, quotes or a newline."),
    ({"desktop_apps_vscode_repo_url": "https://mirror.example.com/code\n"},
     "desktop_apps_vscode_repo_url is 'https://mirror.example.com/code\n', which is not an http://"),
    ({"desktop_apps_vscode_key_url": "https://packages.microsoft.com/keys/\"x\""},
     "desktop_apps_vscode_key_url is 'https://packages.microsoft.com/keys/\"x\"', which is not"),
    ({"desktop_apps_chrome_key_fingerprint": "EB4C 1BFD 4F04 2F6D"},
     "desktop_apps_chrome_key_fingerprint is 'EB4C 1BFD 4F04 2F6D', which is not an OpenPGP fingerprint: use the 40 "
     "hexadecimal digits of the vendor's primary key (spaces allowed), as `gpg --show-keys --with-colons KEYFILE` "
     "prints them on the fpr line that follows the pub line."),
    ({"desktop_apps_vscode_key_fingerprint": "BC528686B50D79E339D3721CEB3E94ADBE1229CZ"},
     "desktop_apps_vscode_key_fingerprint is 'BC528686B50D79E339D3721CEB3E94ADBE1229CZ', which is not an OpenPGP"),
    ({"desktop_apps_chrome_key_fingerprint": ""}, "desktop_apps_chrome_key_fingerprint is '', which is not an OpenPGP"),
    ({"desktop_apps_vscode_version": "latest"},
     "desktop_apps_vscode_version is 'latest', which is not a Debian package version: use an upstream version (the "
     "repository supplies the packaging suffix), an exact version as `apt-cache madison code` lists it, a glob, or "
     '"" for the newest.'),
    ({"desktop_apps_chrome_version": "142.0 "},
     "desktop_apps_chrome_version is '142.0 ', which is not a Debian package version: use an upstream version (the "
     "repository supplies the packaging suffix), an exact version as `apt-cache madison google-chrome-stable` lists "
     "it"),
    ({"desktop_apps_remote_desktop": True, "desktop_apps_remote_desktop_port": 70000},
     "desktop_apps_remote_desktop_port is 70000: use a TCP port between 1 and 65535 (default 3389)."),
    ({"desktop_apps_remote_desktop": True, "desktop_apps_remote_desktop_port": 0},
     "desktop_apps_remote_desktop_port is 0: use a TCP port"),
    ({"desktop_apps_remote_desktop": True, "desktop_apps_remote_desktop_address": "0.0.0.0"},
     "desktop_apps_remote_desktop_address is 0.0.0.0, which exposes the remote desktop (RDP) beyond this machine: "
     "keep the default 127.0.0.1 and connect through an SSH tunnel (see the role's README), or set "
     "desktop_apps_remote_desktop_allow_non_loopback: true to accept the exposure."),
    ({"desktop_apps_remote_desktop": True, "desktop_apps_remote_desktop_address": "192.0.2.10",
      "desktop_apps_remote_desktop_allow_non_loopback": True},
     "desktop_apps_remote_desktop_address is 192.0.2.10, which is not an address of this host (10.0.0.5, "
     "172.17.0.1): xrdp would not start. Use 127.0.0.1, one of the host's addresses, or 0.0.0.0 for all of them."),
])
def test_each_rule_has_its_message(overrides, expected):
    found = problems(**overrides)
    assert_one_problem(found, expected)


def test_credentials_in_a_url_are_masked():
    found = problems(desktop_apps_chrome_repo_url="https://u:ChromeMirrorPw@mirror.example.com/chrome/deb")
    assert found == [
        "desktop_apps_chrome_repo_url is 'https://***@mirror.example.com/chrome/deb', which is not an http://, "
        "https:// or file:// URL (the vendor's, or a mirror of it) without spaces, quotes or a newline; it holds a "
        "user or password, which would be written to a source file everyone can read: give the URL without them and "
        "put them in /etc/apt/auth.conf.d/ (mode 0600, see apt_auth.conf(5))."]


def test_independent_problems_are_all_reported():
    found = problems(desktop_apps_chrome_repo_url="ftp://x", desktop_apps_vscode_key_url="x",
                     desktop_apps_chrome_key_fingerprint="1", desktop_apps_vscode_version="v1",
                     desktop_apps_remote_desktop=True, desktop_apps_remote_desktop_port=70000,
                     desktop_apps_remote_desktop_address="127.0.0.1\n")
    assert [message.partition(" ")[0] for message in found] == [
        "desktop_apps_chrome_repo_url", "desktop_apps_vscode_key_url", "desktop_apps_chrome_key_fingerprint",
        "desktop_apps_vscode_version", "desktop_apps_remote_desktop_port", "desktop_apps_remote_desktop_address",
        "desktop_apps_remote_desktop_address"]
    assert "which exposes the remote desktop (RDP)" in found[5] and "not an address of this host" in found[6]


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"desktop_apps_chrome_repo_url": None}, "desktop_apps_chrome_repo_url is 'None', which is not an http://"),
    ({"desktop_apps_chrome_key_fingerprint": 42}, "desktop_apps_chrome_key_fingerprint is '42', which is not"),
    ({"desktop_apps_vscode_version": 1.1}, None),
    ({"desktop_apps_vscode_version": ["1"]}, "desktop_apps_vscode_version is '['1']', which is not a Debian"),
    ({"desktop_apps_remote_desktop": "yes", "desktop_apps_remote_desktop_port": "http"},
     "desktop_apps_remote_desktop_port is http: use a TCP port"),
    ({"desktop_apps_remote_desktop": True, "desktop_apps_remote_desktop_address": 5},
     "desktop_apps_remote_desktop_address is 5, which exposes"),
])
def test_wrong_types_give_a_message_not_an_exception(overrides, expected):
    found = problems(**overrides)
    assert_a_problem(found, expected)


def test_facts_of_the_wrong_type_give_no_exception():
    inputs = {key: DEFAULTS[key] for key in INPUTS}
    assert desktop_apps_problems(inputs, {"repositories": "x", "packages": [None], **HOST}) == []
    inputs["desktop_apps_remote_desktop"] = True
    assert desktop_apps_problems(inputs, {"repositories": [], "packages": [], "all_ipv4_addresses": None}) == []
