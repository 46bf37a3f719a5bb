# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The desktop_apps role's checks that its argument spec cannot express: the vendor repositories of the components
that will be installed (URLs, key fingerprints, package versions) and the remote desktop's address and port. One
message per problem, naming the variable and the fix."""

from __future__ import annotations

import re
from collections.abc import Mapping

from ansible.module_utils.common.text.converters import to_text
from ansible_collections.mlinabox.stack.plugins.module_utils import input_checks
from ansible_collections.mlinabox.stack.plugins.module_utils.apt_state import normalise_fingerprint

# A v4 (40 digits) or v5 (64 digits) OpenPGP fingerprint, once spaces are taken out and letters upper-cased.
FINGERPRINT = re.compile(r"^([0-9A-F]{40}|[0-9A-F]{64})\Z")
# An upstream version, an exact Debian version, a glob, or "" (the newest). vendor_apt resolves the pins against the
# repositories' index in install.yml (and site.yml's plan).
VERSION = re.compile(r"^([0-9*?][A-Za-z0-9.+~:*?-]*)?\Z")
LOOPBACK = re.compile(r"^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1)\Z")


def _mappings(value):
    """The items of a list that are mappings (none where value is no list)."""
    return [item for item in value if isinstance(item, Mapping)] if input_checks.is_list(value) else []


def _url_problems(repositories):
    """The repository and key URLs, named by their variables. They go into apt's sources: no space, quote or newline,
    and no user or password (the sources are readable by everyone), which a message shows as ***@."""
    problems = [input_checks.apt_source_url_problem(repository["variables"][key], to_text(repository[key]),
                                                    "the vendor's, or a mirror of it")
                for repository in repositories for key in ("uri", "key_url")]
    return [problem for problem in problems if problem]


def _remote_desktop_problems(inputs, facts):
    """The remote desktop's port, and an address that is a loopback one (or opted out of it) and this host's."""
    problems = []
    port = inputs["desktop_apps_remote_desktop_port"]
    if not 1 <= input_checks.to_int(port) <= 65535:
        problems.append(f"desktop_apps_remote_desktop_port is {to_text(port)}: use a TCP port between 1 and 65535 "
                        "(default 3389).")
    address = to_text(inputs["desktop_apps_remote_desktop_address"])
    loopback = bool(LOOPBACK.match(address))
    if not loopback and not input_checks.to_bool(inputs["desktop_apps_remote_desktop_allow_non_loopback"]):
        problems.append(
            f"desktop_apps_remote_desktop_address is {address}, which exposes the remote desktop (RDP) beyond this "
            "machine: keep the default 127.0.0.1 and connect through an SSH tunnel (see the role's README), or set "
            "desktop_apps_remote_desktop_allow_non_loopback: true to accept the exposure.")
    ipv4 = facts.get("all_ipv4_addresses") or []
    ipv6 = facts.get("all_ipv6_addresses") or []
    if not loopback and address not in ["0.0.0.0", "::", *ipv4, *ipv6]:
        problems.append(
            f"desktop_apps_remote_desktop_address is {address}, which is not an address of this host "
            f"({', '.join(map(to_text, ipv4))}): xrdp would not start. Use 127.0.0.1, one of the host's addresses, or "
            "0.0.0.0 for all of them.")
    return problems


def desktop_apps_problems(inputs, facts):
    """One message for each problem of the desktop_apps role's inputs, [] when there is none.

    inputs: desktop_apps_remote_desktop, desktop_apps_remote_desktop_port, desktop_apps_remote_desktop_address,
    desktop_apps_remote_desktop_allow_non_loopback. facts: repositories and packages (the vendor repositories and
    packages of the components this host gets, in mlinabox.stack.vendor_apt's form: each names the variables its
    values come from), all_ipv4_addresses and all_ipv6_addresses (the host's addresses).
    """
    repositories, packages = _mappings(facts["repositories"]), _mappings(facts["packages"])
    problems = _url_problems(repositories)
    for repository in repositories:
        if not FINGERPRINT.match(normalise_fingerprint(repository["key_fingerprint"])):
            problems.append(
                f"{repository['variables']['key_fingerprint']} is '{to_text(repository['key_fingerprint'])}', which "
                "is not an OpenPGP fingerprint: use the 40 hexadecimal digits of the vendor's primary key (spaces "
                "allowed), as `gpg --show-keys --with-colons KEYFILE` prints them on the fpr line that follows the "
                "pub line.")
    for package in packages:
        if not VERSION.match(to_text(package["version"])):
            problems.append(
                f"{package['variable']} is '{to_text(package['version'])}', which is not a Debian package version: use "
                "an upstream version (the repository supplies the packaging suffix), an exact version as "
                f'`apt-cache madison {package["name"]}` lists it, a glob, or "" for the newest.')
    if input_checks.to_bool(inputs["desktop_apps_remote_desktop"]):
        problems += _remote_desktop_problems(inputs, facts)
    return problems


class FilterModule:
    def filters(self):
        return {"desktop_apps_problems": desktop_apps_problems}
