# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The filter preflight_problems (the preflight role's checks of the platform and its inputs), with the role's
defaults read from roles/preflight/defaults/main.yml. tests/integration/bad_input.yml runs the same messages through
the role."""

from __future__ import annotations

import pytest
from ansible_collections.mlinabox.stack.plugins.filter.preflight_checks import FilterModule, preflight_problems
from ansible_collections.mlinabox.stack.plugins.module_utils.input_checks import (
    mask_userinfo,
    to_bool,
    to_float,
    to_int,
)
from conftest import assert_one_problem, role_yaml

DEFAULTS = role_yaml("preflight")
INPUTS = {name: DEFAULTS[name] for name in (
    "preflight_supported_platforms", "preflight_supported_architectures", "preflight_http_proxy",
    "preflight_https_proxy", "preflight_no_proxy", "preflight_ca_certificates", "preflight_apt_mirror",
    "preflight_apt_security_mirror", "preflight_apt_cache", "preflight_apt_components")}
FACTS = {"distribution": "Debian", "distribution_version": "12.7", "distribution_major_version": "12",
         "architecture": "x86_64", "user_uid": 0, "user_id": "root"}


def problems(facts=None, **overrides):
    return preflight_problems({**INPUTS, **overrides}, {**FACTS, **(facts or {})})


def test_defaults_and_good_settings_have_no_problem():
    assert problems() == []
    assert problems({"distribution": "Ubuntu", "distribution_version": "24.04", "distribution_major_version": "24",
                     "architecture": "aarch64"}) == []
    assert problems(preflight_http_proxy="http://alice:pw@proxy.example.com:3128",
                    preflight_https_proxy="https://[fd00::1]:3128/", preflight_no_proxy="localhost, .example.com,::1",
                    preflight_ca_certificates=[{"name": "corp-root", "content": "-----BEGIN CERTIFICATE-----\nx"},
                                               {"name": "other.ca", "src": "/srv/ca.pem"}],
                    preflight_apt_mirror="http://mirror.example.com/debian",
                    preflight_apt_security_mirror="file:///srv/mirror", preflight_apt_cache="http://[::1]:3142/",
                    preflight_apt_components=["main", "non-free-firmware"]) == []


@pytest.mark.parametrize(("facts", "overrides", "expected"), [
    ({"distribution": "Ubuntu", "distribution_version": "18.04"}, {},
     "Ubuntu 18.04 is not supported (supported: Ubuntu 22.04, 24.04; Debian 12, 13). Use a supported release, or add "
     "this one to preflight_supported_platforms at your own risk."),
    ({}, {"preflight_supported_platforms": {"Debian": ["11"]}}, "Debian 12 is not supported (supported: Debian 11)."),
    ({"architecture": "x86_64"}, {"preflight_supported_architectures": ["ppc64le"]},
     "Architecture x86_64 is not supported (preflight_supported_architectures: ppc64le)."),
    ({"user_uid": 65534, "user_id": "nobody"}, {},
     "The roles must run as root, but facts were gathered as nobody: add 'become: true' to the play (or --become on "
     "the command line)."),
    ({}, {"preflight_http_proxy": "proxy.example.com:3128"},
     'preflight_http_proxy is "proxy.example.com:3128", which is not an http:// or https:// proxy URL (scheme, '
     "optional user:password@, host, optional :port, nothing after it): use for example http://proxy.example.com:3128, "
     'or "" for no proxy.'),
    ({}, {"preflight_https_proxy": "http://proxy.example.com:3128\n"},
     'preflight_https_proxy is "http://proxy.example.com:3128\\n", which is not'),
    ({}, {"preflight_http_proxy": "http://proxy.example.com:3128/cgi-bin/x"}, "preflight_http_proxy is "),
    ({}, {"preflight_no_proxy": 'localhost";DPkg::Pre-Invoke {"touch /tmp/owned"};'},
     'preflight_no_proxy is "localhost\\";DPkg::Pre-Invoke {\\"touch /tmp/owned\\"};": give host names, domains '
     "(.example.com) or addresses separated by commas, with no quote, space inside a name or newline (each becomes a "
     "line of apt's settings)."),
    ({}, {"preflight_ca_certificates": [{"name": "corp-root", "content": "not a certificate"}]},
     "preflight_ca_certificates[0] (corp-root) is invalid: each item needs a 'name' made of letters, digits, '.', '_' "
     "or '-', and exactly one of 'content' (PEM text with -----BEGIN CERTIFICATE-----) or 'src' (a file on the "
     "controller)."),
    ({}, {"preflight_ca_certificates": [{"name": "../x", "src": "/x"}]}, "preflight_ca_certificates[0] (../x)"),
    ({}, {"preflight_ca_certificates": [{"name": "x", "src": "/x", "content": "-----BEGIN CERTIFICATE-----"}]},
     "preflight_ca_certificates[0] (x) is invalid"),
    ({}, {"preflight_ca_certificates": [{"content": "-----BEGIN CERTIFICATE-----"}]},
     "preflight_ca_certificates[0] (no name) is invalid"),
    ({}, {"preflight_apt_mirror": "mirror.example.com/debian"},
     'preflight_apt_mirror is "mirror.example.com/debian", which is not an http://, https:// or file:// URL (for '
     'example http://mirror.example.com/debian) without spaces, quotes or a newline, or "" to keep the '
     "distribution's sources."),
    ({}, {"preflight_apt_security_mirror": "http://mirror.example.com/debian-security trixie"},
     'preflight_apt_security_mirror is "http://mirror.example.com/debian-security trixie", which is not'),
    ({}, {"preflight_apt_mirror": "ftp://mirror.example.com/debian"}, 'preflight_apt_mirror is "ftp://'),
    ({}, {"preflight_apt_cache": "https://cache.example.internal:3142/debian"},
     'preflight_apt_cache is "https://cache.example.internal:3142/debian", which is not an apt cache\'s address: give '
     "http://host:port (for example http://cache.example.internal:3142, apt-cacher-ng's port), or \"\" for none."),
    ({}, {"preflight_apt_cache": "http://cache:99999"}, 'preflight_apt_cache is "http://cache:99999"'),
    ({}, {"preflight_apt_components": ["main\nTrusted: yes"]},
     'preflight_apt_components is ["main\\nTrusted: yes"]: each component is a name such as main, contrib, '
     "non-free-firmware (letters, digits, '.', '_', '-', '/')."),
])
def test_each_rule_names_the_problem(facts, overrides, expected):
    found = problems(facts, **overrides)
    assert_one_problem(found, expected)


def test_credentials_are_never_shown():
    found = problems(preflight_http_proxy="http://alice:S3cretProxyPw@proxy.example.com:31a28",
                     preflight_https_proxy="http://alice:Pw With/Space:@proxy.example.com:3128",
                     preflight_apt_mirror="https://bob:MirrorPw123@mirror.example.com/debian")
    assert found[0].startswith('preflight_http_proxy is "http://***@proxy.example.com:31a28", which is not')
    assert found[1].startswith('preflight_https_proxy is "http://***@proxy.example.com:3128", which is not')
    assert found[2].startswith('preflight_apt_mirror is "https://***@mirror.example.com/debian", which is not')
    assert found[2].endswith("It holds a user or password, which would be written to a source file everyone can "
                             "read: give the URL without them and put them in /etc/apt/auth.conf.d/ (mode 0600, see "
                             "apt_auth.conf(5)).")
    assert not any(secret in " ".join(found) for secret in ("S3cretProxyPw", "With/Space", "MirrorPw123", "alice"))
    # Without a scheme, everything before the last '@' is masked too.
    assert mask_userinfo("alice:pw@proxy:3128") == "***@proxy:3128"
    assert "pw" not in problems(preflight_http_proxy="alice:pw@proxy:3128")[0]


def test_every_problem_is_reported():
    found = problems({"distribution": "Ubuntu", "distribution_version": "18.04", "architecture": "ppc64le",
                      "user_uid": 1000, "user_id": "ubuntu"},
                     preflight_http_proxy="x", preflight_https_proxy="y", preflight_no_proxy="a b",
                     preflight_ca_certificates=[{"name": "a", "content": "x"}, {"name": "b", "content": "y"}],
                     preflight_apt_mirror="x", preflight_apt_security_mirror="y", preflight_apt_cache="z",
                     preflight_apt_components=["-"])
    assert [message.split(" ")[0] for message in found] == [
        "Ubuntu", "Architecture", "The", "preflight_http_proxy", "preflight_https_proxy", "preflight_no_proxy",
        "preflight_ca_certificates[0]", "preflight_ca_certificates[1]", "preflight_apt_mirror",
        "preflight_apt_security_mirror", "preflight_apt_cache", "preflight_apt_components"]


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"preflight_supported_platforms": ["Debian"]}, "preflight_supported_platforms is a list, not a dict"),
    ({"preflight_supported_platforms": {"Debian": "12"}},
     'preflight_supported_platforms["Debian"] is a string, not a list'),
    ({"preflight_supported_architectures": "x86_64"}, "preflight_supported_architectures is a string, not a list"),
    ({"preflight_http_proxy": ["http://u:secret@p:1"]}, "preflight_http_proxy is a list, not a string"),
    ({"preflight_no_proxy": None}, "preflight_no_proxy is a null, not a string"),
    ({"preflight_ca_certificates": {"name": "x"}}, "preflight_ca_certificates is a dict, not a list"),
    ({"preflight_ca_certificates": ["x"]}, "preflight_ca_certificates[0] is a string, not a dict"),
    ({"preflight_ca_certificates": [{"name": "x", "content": 5}]}, "preflight_ca_certificates[0] (x) is invalid"),
    ({"preflight_apt_mirror": 5}, "preflight_apt_mirror is a number, not a string"),
    ({"preflight_apt_cache": True}, "preflight_apt_cache is a boolean, not a string"),
    ({"preflight_apt_components": "main"}, "preflight_apt_components is a string, not a list"),
    ({"preflight_apt_components": [1]}, "preflight_apt_components is [1]: each component is a name"),
])
def test_wrong_types_are_reported_not_raised(overrides, expected):
    found = problems(**overrides)
    assert_one_problem(found, expected)
    assert "secret" not in found[0]


def test_missing_facts_are_problems_not_errors():
    # A missing user_uid reads as 0, as Jinja's int filter read it.
    assert preflight_problems(INPUTS, {}) == [
        "None None is not supported (supported: Ubuntu 22.04, 24.04; Debian 12, 13). Use a supported release, or add "
        "this one to preflight_supported_platforms at your own risk.",
        "Architecture None is not supported (preflight_supported_architectures: x86_64, aarch64)."]


def test_jinja_conversions():
    assert [to_int(value) for value in ("3142", " 7 ", "3.9", 2.5, True, None, "x", "")] == [3142, 7, 3, 2, 1, 0, 0, 0]
    assert [to_float(value) for value in ("0.5", 3, None, "x")] == [0.5, 3.0, 0.0, 0.0]
    assert [to_bool(value) for value in (True, "yes", "On", "1", 1, "false", "x", 0, None)] == [
        True, True, True, True, True, False, False, False, False]


def test_filter_is_registered():
    assert FilterModule().filters() == {"preflight_problems": preflight_problems}
