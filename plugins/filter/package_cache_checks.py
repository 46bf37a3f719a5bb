# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The package_cache role's checks of the platform and of the inputs that its argument spec cannot express: one
message per problem, naming the variable and the fix. An index's URL is never shown (it may carry credentials): an
index is named by its place and name."""

from __future__ import annotations

import re
from collections.abc import Mapping

from ansible_collections.mlinabox.stack.plugins.module_utils import input_checks

# Releases this role supports (distribution -> major versions).
PLATFORMS = {"Debian": ["12", "13"], "Ubuntu": ["22", "24"]}
# Addresses that mean "every interface": always refused (the services have no authentication).
WILDCARDS = ("", "0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0", "*")
IPV6 = re.compile(r"^[0-9A-Fa-f:.]+\Z")
INDEX_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*\Z")
# An index URL: https, or http where package_cache_allow_insecure_upstream allows it.
INDEX_URL = re.compile(r"^(https?)://[^\s'\"\\]+\Z")
DIRECTORY = re.compile(r"^/[A-Za-z0-9._/-]*[A-Za-z0-9._-]\Z")
SYSTEM_DIRECTORY = re.compile(r"^/(bin|boot|dev|etc|lib|lib64|proc|root|run|sbin|sys|tmp|usr|var|opt|home|srv)?/?\Z")
# Numbers that must be more than 0.
POSITIVE = ("package_cache_pypi_max_size_gib", "package_cache_pypi_download_timeout",
            "package_cache_pypi_connect_timeout", "package_cache_pypi_read_timeout", "package_cache_health_retries",
            "package_cache_health_delay")


def _platform(facts):
    distribution = facts.get("distribution")
    if facts.get("distribution_major_version") not in PLATFORMS.get(distribution, []):
        return [f"The package_cache role supports Debian 12 and 13 and Ubuntu 22.04 and 24.04, not {distribution} "
                f"{facts.get('distribution_version')}: run it on one of those."]
    return []


def _listen_address(inputs, facts):
    """The services have no authentication: whoever reaches the ports uses the cache (and, through it, the
    upstreams). So: an IP address, loopback unless package_cache_allow_network, and then one of this host's."""
    address = str(inputs["package_cache_listen_address"]).strip()
    is_ipv4 = bool(input_checks.IPV4.match(address))
    is_ipv6 = bool(IPV6.match(address)) and ":" in address
    loopback = (is_ipv4 and address.startswith("127.")) or address in ("::1", "0:0:0:0:0:0:0:1")
    addresses = [*(facts.get("all_ipv4_addresses") or []), *(facts.get("all_ipv6_addresses") or [])]
    host_addresses = ", ".join(str(each) for each in addresses)
    if address in WILDCARDS:
        return [f"package_cache_listen_address is '{address}', which listens on every interface: the cache has no "
                "authentication, so this is always refused. Name the address of the interface on the fleet's network "
                f"(one of {host_addresses}) with package_cache_allow_network: true, or keep 127.0.0.1."]
    if not (is_ipv4 or is_ipv6):
        return [f"package_cache_listen_address is '{address}', which is not an IP address: name the address of the "
                f"interface on the fleet's network (one of {host_addresses}), or keep 127.0.0.1."]
    if loopback:
        return []
    if not input_checks.to_bool(inputs["package_cache_allow_network"]):
        indexes = inputs["package_cache_pypi_indexes"]
        index_ports = ([item.get("port") for item in indexes if isinstance(item, Mapping)]
                       if input_checks.is_list(indexes) else [])
        ports = ", ".join(str(port) for port in [inputs["package_cache_apt_port"], *index_ports])
        return [f"package_cache_listen_address is '{address}', which is not a loopback address, and "
                "package_cache_allow_network is false: apt-cacher-ng and proxpi have no authentication, so anyone "
                "who reaches the ports uses the cache. Set package_cache_allow_network: true once the site's firewall "
                f"keeps ports {ports} to the fleet's network, or keep 127.0.0.1."]
    if address not in addresses:
        return [f"package_cache_listen_address '{address}' is not an address of this host (it has {host_addresses}): "
                "name the address of the interface on the fleet's network."]
    return []


def _apt_cacher_ng(inputs):
    problems = []
    port = inputs["package_cache_apt_port"]
    if not 1 <= input_checks.to_int(port) <= 32767:
        problems.append(f"package_cache_apt_port is {port}: use a TCP port within 1-32767 (the default is 3142; "
                        "apt-cacher-ng 3.7 cannot bind a port above 32767: it logs \"Error resolving address for "
                        'binding" and listens nowhere).')
    allowed = inputs["package_cache_apt_allowed_ports"]
    if (not input_checks.is_list(allowed) or not allowed
            or not all(1 <= input_checks.to_int(each) <= 65535 for each in allowed)):
        problems.append(f"package_cache_apt_allowed_ports is {input_checks.to_json(allowed)}: list the upstream ports "
                        "apt-cacher-ng may fetch from, each within 1-65535 (the default is [80, 443]).")
    size = inputs["package_cache_apt_max_size_gib"]
    if input_checks.to_float(size) <= 0:
        problems.append(f"package_cache_apt_max_size_gib is {size}: give the most the apt cache may hold, in GiB, more "
                        "than 0 (such as 50).")
    threshold = inputs["package_cache_apt_ex_threshold"]
    if input_checks.to_int(threshold) < 1:
        problems.append(f"package_cache_apt_ex_threshold is {threshold}: give the days an unreferenced file is kept, 1 "
                        "or more (the default is 4).")
    return problems


def _pypi_indexes(inputs):
    """Each rule once per item, named by the item's position and name (never its URL, which may carry
    credentials)."""
    indexes = inputs["package_cache_pypi_indexes"]
    if input_checks.is_list(indexes) and not indexes:
        return ["package_cache_pypi_indexes is empty: list at least one index ({name: pypi, url: "
                "https://pypi.org/simple, port: 3141})."]
    # The items that are no mapping first, then each rule of the others (which compare their names and ports).
    problems = []
    items = list(input_checks.mapping_items("package_cache_pypi_indexes", indexes, problems))
    names = [str(item.get("name")) for item in dict(items).values()]
    ports = [input_checks.to_int(item.get("port")) for item in dict(items).values()]
    insecure = input_checks.to_bool(inputs["package_cache_allow_insecure_upstream"])
    for where, item in items:
        name, url, port = str(item.get("name")), str(item.get("url")), item.get("port")
        label = f"{where} ({name})"
        if not INDEX_NAME.match(name):
            problems.append(f"{label}: name must be lower case letters, digits and -, starting with a letter or digit "
                            "(such as pytorch-cu130).")
        if names.count(name) > 1:
            problems.append(f"{label}: name is used by another item too; give each index its own name.")
        scheme = INDEX_URL.match(url)
        if not scheme or (scheme[1] == "http" and not insecure):
            opt_in = (" (http:// only with package_cache_allow_insecure_upstream: true)"
                      if url.startswith("http://") else "")
            problems.append(f"{label}: url must be an https:// URL without spaces, quotes or backslashes{opt_in}.")
        if not 1 <= input_checks.to_int(port) <= 65535:
            problems.append(f"{label}: port {port} is not a TCP port (1-65535).")
        elif input_checks.to_int(port) == input_checks.to_int(inputs["package_cache_apt_port"]):
            problems.append(f"{label}: port {port} is package_cache_apt_port (apt-cacher-ng); choose another.")
        elif ports.count(input_checks.to_int(port)) > 1:
            problems.append(f"{label}: port {port} is used by another item too; give each index its own port.")
        if item.get("max_size_gib") is not None and input_checks.to_float(item["max_size_gib"]) <= 0:
            problems.append(f"{label}: max_size_gib must be more than 0 (or left out for "
                            "package_cache_pypi_max_size_gib).")
    return problems


def _sizes(inputs):
    problems = [f"{name} is {inputs[name]}: give a number more than 0." for name in POSITIVE
                if input_checks.to_float(inputs[name]) <= 0]
    if input_checks.to_int(inputs["package_cache_pypi_index_ttl"]) < 0:
        problems.append(f"package_cache_pypi_index_ttl is {inputs['package_cache_pypi_index_ttl']}: give 0 or more "
                        "seconds.")
    return problems


def _directories(inputs):
    problems = []
    names = ("package_cache_apt_dir", "package_cache_pypi_dir", "package_cache_pypi_venv")
    dirs = {name: str(inputs[name]) for name in names}
    # Malformed paths first, then system directories (each named once).
    bad = [name for name, path in dirs.items() if not DIRECTORY.match(path)]
    bad += [name for name, path in dirs.items() if SYSTEM_DIRECTORY.match(path) and name not in bad]
    if bad:
        problems.append(f"{', '.join(bad)}: give an absolute path of a directory of its own, without spaces (such as "
                        "/var/cache/apt-cacher-ng, /var/cache/mlbox-pypi, /opt/mlbox/package-cache), not a system "
                        "directory itself.")
    if len(set(dirs.values())) != 3:
        problems.append("package_cache_apt_dir, package_cache_pypi_dir and package_cache_pypi_venv must be three "
                        "different directories.")
    # The index may hold credentials: never shown.
    index = inputs["package_cache_pip_index_url"]
    insecure = input_checks.to_bool(inputs["package_cache_allow_insecure_upstream"])
    if not isinstance(index, str) or (
            index and not re.match(r"^https://\S+\Z", index) and not (insecure and re.match(r"^http://\S+\Z", index))):
        problems.append("package_cache_pip_index_url must be empty (pip's own configuration) or an https:// index URL "
                        "(http:// only with package_cache_allow_insecure_upstream: true).")
    # apt-cacher-ng's settings are readable by everyone: the upstream proxy has no user or password.
    proxy = inputs["package_cache_upstream_proxy"]
    if (input_checks.of_type("package_cache_upstream_proxy", proxy, "string", problems) and proxy
            and not input_checks.is_http_host_port(proxy)):
        problems.append(f"package_cache_upstream_proxy is {input_checks.json_masked(proxy)}: give the HTTP proxy the "
                        "cache fetches through as http://host:port (no user or password: apt-cacher-ng's settings are "
                        'readable by everyone), or "" to fetch directly.')
    return problems


def package_cache_problems(inputs, facts):
    """One message for each problem of the platform and the listen address (facts: ansible_facts, with the network
    subset) and of the package_cache role's inputs (the role's variables, by name); [] when all is well."""
    return (_platform(facts) + _listen_address(inputs, facts) + _apt_cacher_ng(inputs) + _pypi_indexes(inputs)
            + _sizes(inputs) + _directories(inputs))


class FilterModule:
    def filters(self):
        return {"package_cache_problems": package_cache_problems}
