# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The preflight role's checks of the platform and of the inputs that its argument spec cannot express: one message
per problem, naming the variable and the fix. A proxy's or mirror's user:password@ is never shown.

Also the helpers the collection's other *_problems filters share: Jinja's int, float and bool filters as the
asserts they replace read values, JSON as to_json writes it, and the message for a value of the wrong type."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

# A whole proxy URL: scheme, optional user[:password]@, host name or [IPv6], optional :port, an optional '/'. It is
# written into apt's and pip's settings, so a quote or newline would add settings of its own.
PROXY = re.compile(r"^https?://([^\s/@:\"'\\]+(:[^\s/@\"'\\]*)?@)?"
                   r"([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?/?\Z")
# Hosts reached without the proxy: names, domains or addresses separated by commas (each becomes a line of apt's
# settings, so no quote, space inside a name or newline).
NO_PROXY = re.compile(r"^[A-Za-z0-9.*:/\[\]_-]*(\s*,\s*[A-Za-z0-9.*:/\[\]_-]*)*\Z")
CA_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
# A mirror: http(s):// or file:/// without whitespace, quotes or '@' (the backslash was never refused).
MIRROR = re.compile(r"^(https?://[A-Za-z0-9\[]|file:///)[^\s\"'@]*\Z")
USERINFO = re.compile(r"^[a-z]+://[^/]*@")
APT_CACHE = re.compile(r"^http://([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}/?\Z")
COMPONENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*\Z")


def is_list(value):
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def kind(value):
    """The YAML name of value's type, for messages (never the value itself, which may be a secret)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "dict"
    return "list" if is_list(value) else type(value).__name__


def wrong_type(name, value, wanted):
    """A message for a value of the wrong type, or None when value is a `wanted` (string, list or dict)."""
    checks = {"string": lambda: isinstance(value, str), "list": lambda: is_list(value),
              "dict": lambda: isinstance(value, Mapping)}
    if checks[wanted]():
        return None
    return f"{name} is a {kind(value)}, not a {wanted}: give a {wanted} there."


def to_int(value, default=0):
    """Jinja's int filter: a number, a numeric string, else `default`."""
    try:
        return int(value, 10) if isinstance(value, str) else int(value)
    except (TypeError, ValueError, OverflowError):
        try:
            return int(float(value))
        except (TypeError, ValueError, OverflowError):
            return default


def to_float(value, default=0.0):
    """Jinja's float filter."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def to_bool(value):
    """Ansible's bool filter (true, yes, on, 1 in any case: true; anything else: false)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.lower() in ("yes", "on", "1", "true")
    return isinstance(value, (int, float)) and value == 1


def to_json(value):
    """The value as Ansible's to_json writes it (json.dumps, non-ASCII escaped)."""
    return json.dumps(value, default=str)


def mask_userinfo(url):
    """The URL with everything from the scheme to the last '@' shown as ***@, whatever the password holds (without
    a scheme, everything up to the last '@')."""
    if "@" not in url:
        return url
    scheme = url.split("://")[0] + "://" if "://" in url else ""
    return scheme + "***@" + url.split("@")[-1]


def _platform(facts, platforms, architectures):
    problems = []
    distribution = facts.get("distribution")
    # Ubuntu releases are major.minor (22.04), Debian's the major version (12).
    version = facts.get("distribution_version") if distribution == "Ubuntu" else facts.get("distribution_major_version")
    problem = wrong_type("preflight_supported_platforms", platforms, "dict")
    bad = [f"preflight_supported_platforms[{to_json(name)}] is a {kind(releases)}, not a list: give a list there."
           for name, releases in (platforms.items() if not problem else []) if not is_list(releases)]
    if problem or bad:
        problems += [problem] if problem else bad
    elif distribution not in platforms or str(version) not in [str(release) for release in platforms[distribution]]:
        supported = "; ".join(f"{name} {', '.join(str(release) for release in releases)}"
                              for name, releases in platforms.items())
        problems.append(f"{distribution} {version} is not supported (supported: {supported}). Use a supported release, "
                        "or add this one to preflight_supported_platforms at your own risk.")
    problem = wrong_type("preflight_supported_architectures", architectures, "list")
    if problem:
        problems.append(problem)
    elif facts.get("architecture") not in architectures:
        problems.append(f"Architecture {facts.get('architecture')} is not supported "
                        f"(preflight_supported_architectures: {', '.join(str(name) for name in architectures)}).")
    if to_int(facts.get("user_uid")) != 0:
        problems.append(f"The roles must run as root, but facts were gathered as {facts.get('user_id')}: add "
                        "'become: true' to the play (or --become on the command line).")
    return problems


def _proxies(inputs):
    problems = []
    for name in ("preflight_http_proxy", "preflight_https_proxy"):
        value = inputs[name]
        problem = wrong_type(name, value, "string")
        if problem:
            problems.append(problem)
        elif value and not PROXY.match(value):
            problems.append(f"{name} is {to_json(mask_userinfo(value))}, which is not an http:// or https:// proxy "
                            "URL (scheme, optional user:password@, host, optional :port, nothing after it): use for "
                            'example http://proxy.example.com:3128, or "" for no proxy.')
    value = inputs["preflight_no_proxy"]
    problem = wrong_type("preflight_no_proxy", value, "string")
    if problem:
        problems.append(problem)
    elif not NO_PROXY.match(value):
        problems.append(f"preflight_no_proxy is {to_json(value)}: give host names, domains (.example.com) or addresses "
                        "separated by commas, with no quote, space inside a name or newline (each becomes a line of "
                        "apt's settings).")
    return problems


def _ca_certificates(certificates):
    problem = wrong_type("preflight_ca_certificates", certificates, "list")
    if problem:
        return [problem]
    problems = []
    for index, item in enumerate(certificates):
        where = f"preflight_ca_certificates[{index}]"
        if not isinstance(item, Mapping):
            problems.append(wrong_type(where, item, "dict"))
            continue
        content = item.get("content")
        valid = (CA_NAME.match(str(item.get("name", "")))
                 and ("content" in item) != ("src" in item)
                 and ("src" in item or (isinstance(content, str) and "-----BEGIN CERTIFICATE-----" in content)))
        if not valid:
            problems.append(f"{where} ({item.get('name', 'no name')}) is invalid: each item needs a 'name' made of "
                            "letters, digits, '.', '_' or '-', and exactly one of 'content' (PEM text with "
                            "-----BEGIN CERTIFICATE-----) or 'src' (a file on the controller).")
    return problems


def _apt_sources(inputs):
    problems = []
    for name in ("preflight_apt_mirror", "preflight_apt_security_mirror"):
        value = inputs[name]
        problem = wrong_type(name, value, "string")
        if problem:
            problems.append(problem)
        elif value and (not MIRROR.match(value) or USERINFO.search(value)):
            # A user or password would be written to a source file everyone can read.
            credentials = (" It holds a user or password, which would be written to a source file everyone can read: "
                           "give the URL without them and put them in /etc/apt/auth.conf.d/ (mode 0600, see "
                           "apt_auth.conf(5)).") if USERINFO.search(value) else ""
            problems.append(f"{name} is {to_json(mask_userinfo(value))}, which is not an http://, https:// or "
                            "file:// URL (for example http://mirror.example.com/debian) without spaces, quotes or a "
                            f'newline, or "" to keep the distribution\'s sources.{credentials}')
    cache = inputs["preflight_apt_cache"]
    problem = wrong_type("preflight_apt_cache", cache, "string")
    if problem:
        problems.append(problem)
    elif cache and not (APT_CACHE.match(cache) and 1 <= to_int(cache.rstrip("/").rsplit(":", 1)[-1]) <= 65535):
        problems.append(f"preflight_apt_cache is {to_json(cache)}, which is not an apt cache's address: give "
                        "http://host:port (for example http://cache.example.internal:3142, apt-cacher-ng's port), or "
                        '"" for none.')
    components = inputs["preflight_apt_components"]
    problem = wrong_type("preflight_apt_components", components, "list")
    if problem:
        problems.append(problem)
    elif not all(isinstance(component, str) and COMPONENT.match(component) for component in components):
        problems.append(f"preflight_apt_components is {to_json(components)}: each component is a name such as main, "
                        "contrib, non-free-firmware (letters, digits, '.', '_', '-', '/').")
    return problems


def preflight_problems(inputs, facts):
    """One message for each problem of the platform (facts: ansible_facts) and of the preflight role's inputs
    (the role's variables, by name), in the order the role once asserted them; [] when all is well."""
    return (_platform(facts, inputs["preflight_supported_platforms"], inputs["preflight_supported_architectures"])
            + _proxies(inputs) + _ca_certificates(inputs["preflight_ca_certificates"]) + _apt_sources(inputs))


class FilterModule:
    def filters(self):
        return {"preflight_problems": preflight_problems}
