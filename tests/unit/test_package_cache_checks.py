# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The filter package_cache_problems (the package_cache role's checks of the platform, the listen address and its
inputs), with the role's defaults read from roles/package_cache/defaults/main.yml.
tests/integration/bad_input_package_cache.yml runs the same messages through the role."""

from __future__ import annotations

import pytest
from ansible_collections.mlinabox.stack.plugins.filter.package_cache_checks import FilterModule, package_cache_problems
from conftest import assert_one_problem, role_yaml

DEFAULTS = role_yaml("package_cache")
FACTS = {"distribution": "Debian", "distribution_version": "12.7", "distribution_major_version": "12",
         "all_ipv4_addresses": ["10.0.0.5", "172.17.0.1"], "all_ipv6_addresses": ["fd00::5"]}
INDEX = {"name": "pypi", "url": "https://pypi.org/simple", "port": 3141}


def problems(facts=None, **overrides):
    return package_cache_problems({**DEFAULTS, **overrides}, {**FACTS, **(facts or {})})


def test_defaults_and_good_settings_have_no_problem():
    assert problems() == []
    assert problems({"distribution": "Ubuntu", "distribution_version": "22.04", "distribution_major_version": "22"},
                    package_cache_listen_address=" 10.0.0.5 ", package_cache_allow_network=True,
                    package_cache_pypi_indexes=[{**INDEX, "max_size_gib": 5},
                                                {"name": "local", "port": 3150, "url": "http://idx.internal/simple"}],
                    package_cache_allow_insecure_upstream=True, package_cache_pip_index_url="http://u:p@idx/simple",
                    package_cache_upstream_proxy="http://[fd00::9]:3128/", package_cache_pypi_index_ttl=0) == []
    assert problems(package_cache_listen_address="::1") == []
    assert problems(package_cache_listen_address="fd00::5", package_cache_allow_network="yes") == []


@pytest.mark.parametrize(("facts", "overrides", "expected"), [
    ({"distribution": "Ubuntu", "distribution_version": "20.04", "distribution_major_version": "20"}, {},
     "The package_cache role supports Debian 12 and 13 and Ubuntu 22.04 and 24.04, not Ubuntu 20.04: run it on one of "
     "those."),
    ({}, {"package_cache_listen_address": "0.0.0.0", "package_cache_allow_network": True},
     "package_cache_listen_address is '0.0.0.0', which listens on every interface: the cache has no authentication, "
     "so this is always refused. Name the address of the interface on the fleet's network (one of 10.0.0.5, "
     "172.17.0.1, fd00::5) with package_cache_allow_network: true, or keep 127.0.0.1."),
    ({}, {"package_cache_listen_address": ""}, "package_cache_listen_address is '', which listens on every interface"),
    ({}, {"package_cache_listen_address": "cache.local"},
     "package_cache_listen_address is 'cache.local', which is not an IP address: name the address of the interface "
     "on the fleet's network (one of 10.0.0.5, 172.17.0.1, fd00::5), or keep 127.0.0.1."),
    ({}, {"package_cache_listen_address": "10.255.255.1"},
     "package_cache_listen_address is '10.255.255.1', which is not a loopback address, and "
     "package_cache_allow_network is false: apt-cacher-ng and proxpi have no authentication, so anyone who reaches "
     "the ports uses the cache. Set package_cache_allow_network: true once the site's firewall keeps ports 3142, "
     "3141, 3143, 3144, 3145 to the fleet's network, or keep 127.0.0.1."),
    ({}, {"package_cache_listen_address": "10.255.255.1", "package_cache_allow_network": True},
     "package_cache_listen_address '10.255.255.1' is not an address of this host (it has 10.0.0.5, 172.17.0.1, "
     "fd00::5): name the address of the interface on the fleet's network."),
    ({}, {"package_cache_apt_port": 33142},
     'package_cache_apt_port is 33142: use a TCP port within 1-32767 (the default is 3142; apt-cacher-ng 3.7 cannot '
     'bind a port above 32767: it logs "Error resolving address for binding" and listens nowhere).'),
    ({}, {"package_cache_apt_allowed_ports": [80, 70000]},
     "package_cache_apt_allowed_ports is [80, 70000]: list the upstream ports apt-cacher-ng may fetch from, each "
     "within 1-65535 (the default is [80, 443])."),
    ({}, {"package_cache_apt_allowed_ports": []}, "package_cache_apt_allowed_ports is []: list the upstream ports"),
    ({}, {"package_cache_apt_max_size_gib": 0},
     "package_cache_apt_max_size_gib is 0: give the most the apt cache may hold, in GiB, more than 0 (such as 50)."),
    ({}, {"package_cache_apt_ex_threshold": 0},
     "package_cache_apt_ex_threshold is 0: give the days an unreferenced file is kept, 1 or more (the default is 4)."),
    ({}, {"package_cache_pypi_indexes": []},
     "package_cache_pypi_indexes is empty: list at least one index ({name: pypi, url: https://pypi.org/simple, port: "
     "3141})."),
    ({}, {"package_cache_pypi_indexes": [{**INDEX, "name": "PyPI"}]},
     "package_cache_pypi_indexes[0] (PyPI): name must be lower case letters, digits and -, starting with a letter or "
     "digit (such as pytorch-cu130)."),
    ({}, {"package_cache_pypi_indexes": [{**INDEX, "url": "http://pypi.example.internal/simple"}]},
     "package_cache_pypi_indexes[0] (pypi): url must be an https:// URL without spaces, quotes or backslashes "
     "(http:// only with package_cache_allow_insecure_upstream: true)."),
    ({}, {"package_cache_pypi_indexes": [{**INDEX, "url": "https://a\\b"}]},
     "package_cache_pypi_indexes[0] (pypi): url must be an https:// URL without spaces, quotes or backslashes."),
    ({}, {"package_cache_pypi_indexes": [{**INDEX, "port": 70000}]},
     "package_cache_pypi_indexes[0] (pypi): port 70000 is not a TCP port (1-65535)."),
    ({}, {"package_cache_pypi_indexes": [{**INDEX, "port": 3142}]},
     "package_cache_pypi_indexes[0] (pypi): port 3142 is package_cache_apt_port (apt-cacher-ng); choose another."),
    ({}, {"package_cache_pypi_indexes": [{**INDEX, "max_size_gib": 0}]},
     "package_cache_pypi_indexes[0] (pypi): max_size_gib must be more than 0 (or left out for "
     "package_cache_pypi_max_size_gib)."),
    ({}, {"package_cache_pypi_download_timeout": 0},
     "package_cache_pypi_download_timeout is 0: give a number more than 0."),
    ({}, {"package_cache_health_retries": -1}, "package_cache_health_retries is -1: give a number more than 0."),
    ({}, {"package_cache_pypi_index_ttl": -1}, "package_cache_pypi_index_ttl is -1: give 0 or more seconds."),
    ({}, {"package_cache_pypi_dir": "/var"},
     "package_cache_pypi_dir: give an absolute path of a directory of its own, without spaces (such as "
     "/var/cache/apt-cacher-ng, /var/cache/mlbox-pypi, /opt/mlbox/package-cache), not a system directory itself."),
    ({}, {"package_cache_apt_dir": "var/cache/x"}, "package_cache_apt_dir: give an absolute path"),
    ({}, {"package_cache_pypi_venv": "/var/cache/mlbox-pypi"},
     "package_cache_apt_dir, package_cache_pypi_dir and package_cache_pypi_venv must be three different "
     "directories."),
    ({}, {"package_cache_pip_index_url": "http://u:secret@idx/simple"},
     "package_cache_pip_index_url must be empty (pip's own configuration) or an https:// index URL (http:// only "
     "with package_cache_allow_insecure_upstream: true)."),
    ({}, {"package_cache_upstream_proxy": "proxy:3128"},
     'package_cache_upstream_proxy is "proxy:3128": give the HTTP proxy the cache fetches through as '
     "http://host:port (no user or password: apt-cacher-ng's settings are readable by everyone), or \"\" to fetch "
     "directly."),
    ({}, {"package_cache_upstream_proxy": "http://u:secret@proxy:3128"},
     'package_cache_upstream_proxy is "http://***@proxy:3128": give the HTTP proxy'),
])
def test_each_rule_names_the_problem(facts, overrides, expected):
    found = problems(facts, **overrides)
    assert_one_problem(found, expected)
    assert "secret" not in found[0]


def test_every_problem_is_reported():
    found = problems(package_cache_apt_port=0, package_cache_apt_allowed_ports=[0], package_cache_apt_max_size_gib=0,
                     package_cache_apt_ex_threshold=0,
                     package_cache_pypi_indexes=[INDEX, {**INDEX, "url": "ftp://x", "max_size_gib": -1}],
                     package_cache_pypi_max_size_gib=0, package_cache_pypi_index_ttl=-1,
                     package_cache_apt_dir="/", package_cache_pypi_dir="/", package_cache_pip_index_url="x",
                     package_cache_upstream_proxy="x")
    assert [message.split(" ")[0] for message in found] == [
        "package_cache_apt_port", "package_cache_apt_allowed_ports", "package_cache_apt_max_size_gib",
        "package_cache_apt_ex_threshold",
        "package_cache_pypi_indexes[0]", "package_cache_pypi_indexes[0]",
        "package_cache_pypi_indexes[1]", "package_cache_pypi_indexes[1]", "package_cache_pypi_indexes[1]",
        "package_cache_pypi_indexes[1]",
        "package_cache_pypi_max_size_gib", "package_cache_pypi_index_ttl", "package_cache_apt_dir,",
        "package_cache_apt_dir,", "package_cache_pip_index_url", "package_cache_upstream_proxy"]
    # Both items share a name and a port; the second has a bad URL and size. Each is named, never by its URL.
    assert found[5] == "package_cache_pypi_indexes[0] (pypi): port 3141 is used by another item too; give each index " \
                       "its own port."
    assert found[4].endswith("name is used by another item too; give each index its own name.")


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"package_cache_apt_port": "many"}, "package_cache_apt_port is many: use a TCP port"),
    ({"package_cache_apt_allowed_ports": "80"}, 'package_cache_apt_allowed_ports is "80": list the upstream ports'),
    ({"package_cache_apt_max_size_gib": None}, "package_cache_apt_max_size_gib is None: give the most"),
    ({"package_cache_pypi_indexes": {"name": "pypi"}}, "package_cache_pypi_indexes is a dict, not a list"),
    ({"package_cache_pypi_indexes": ["https://pypi.org/simple"]}, "package_cache_pypi_indexes[0] is a string"),
    ({"package_cache_pypi_indexes": [{"name": "pypi"}]}, "package_cache_pypi_indexes[0] (pypi): url must be"),
    ({"package_cache_pip_index_url": ["https://u:secret@idx"]}, "package_cache_pip_index_url must be empty"),
    ({"package_cache_upstream_proxy": 3128}, "package_cache_upstream_proxy is a number, not a string"),
    ({"package_cache_apt_dir": None}, "package_cache_apt_dir: give an absolute path"),
])
def test_wrong_types_are_reported_not_raised(overrides, expected):
    found = problems(**overrides)
    assert expected in found[0]
    assert "secret" not in " ".join(found)


def test_missing_facts_are_problems_not_errors():
    found = package_cache_problems({**DEFAULTS, "package_cache_listen_address": "10.0.0.5",
                                    "package_cache_allow_network": True}, {})
    assert found == ["The package_cache role supports Debian 12 and 13 and Ubuntu 22.04 and 24.04, not None None: "
                     "run it on one of those.",
                     "package_cache_listen_address '10.0.0.5' is not an address of this host (it has ): name the "
                     "address of the interface on the fleet's network."]


def test_filter_is_registered():
    assert FilterModule().filters() == {"package_cache_problems": package_cache_problems}
