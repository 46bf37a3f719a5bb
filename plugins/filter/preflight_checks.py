# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The preflight role's checks of the platform and of the inputs that its argument spec cannot express: one message
per problem, naming the variable and the fix. A proxy's or mirror's user:password@ is never shown."""

from __future__ import annotations

import re

from ansible_collections.mlinabox.stack.plugins.module_utils import input_checks

# A whole proxy URL: scheme, optional user[:password]@, host name or [IPv6], optional :port, an optional '/'. It is
# written into apt's and pip's settings, so a quote or newline would add settings of its own.
PROXY = re.compile(rf"^https?://([^\s/@:\"'\\]+(:[^\s/@\"'\\]*)?@)?{input_checks.LOOSE_HOST}(:[0-9]{{1,5}})?/?\Z")
# Hosts reached without the proxy: names, domains or addresses separated by commas (each becomes a line of apt's
# settings, so no quote, space inside a name or newline).
NO_PROXY = re.compile(r"^[A-Za-z0-9.*:/\[\]_-]*(\s*,\s*[A-Za-z0-9.*:/\[\]_-]*)*\Z")
USERINFO = re.compile(r"^[a-z]+://[^/]*@")
COMPONENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*\Z")


def _platform(facts, platforms, architectures):
    problems = []
    distribution = facts.get("distribution")
    # Ubuntu releases are major.minor (22.04), Debian's the major version (12).
    version = facts.get("distribution_version") if distribution == "Ubuntu" else facts.get("distribution_major_version")
    problem = input_checks.wrong_type("preflight_supported_platforms", platforms, "dict")
    bad = [f"preflight_supported_platforms[{input_checks.to_json(name)}] is a {input_checks.type_name(releases)}, "
           "not a list: give a list there."
           for name, releases in (platforms.items() if not problem else []) if not input_checks.is_list(releases)]
    if problem or bad:
        problems += [problem] if problem else bad
    elif distribution not in platforms or str(version) not in [str(release) for release in platforms[distribution]]:
        supported = "; ".join(f"{name} {', '.join(str(release) for release in releases)}"
                              for name, releases in platforms.items())
        problems.append(f"{distribution} {version} is not supported (supported: {supported}). Use a supported release, "
                        "or add this one to preflight_supported_platforms at your own risk.")
    if (input_checks.of_type("preflight_supported_architectures", architectures, "list", problems)
            and facts.get("architecture") not in architectures):
        problems.append(f"Architecture {facts.get('architecture')} is not supported "
                        f"(preflight_supported_architectures: {', '.join(str(name) for name in architectures)}).")
    if input_checks.to_int(facts.get("user_uid")) != 0:
        problems.append(f"The roles must run as root, but facts were gathered as {facts.get('user_id')}: add "
                        "'become: true' to the play (or --become on the command line).")
    return problems


def _invalid(name, value, problems, valid, empty_ok=True):
    """Whether the input `name` is a string (else a problem is added) that `valid` refuses; "" passes when empty_ok."""
    return input_checks.of_type(name, value, "string", problems) and (value or not empty_ok) and not valid(value)


def _proxies(inputs):
    problems = []
    for name in ("preflight_http_proxy", "preflight_https_proxy"):
        if _invalid(name, inputs[name], problems, PROXY.match):
            problems.append(f"{name} is {input_checks.json_masked(inputs[name])}, which is not an http:// or https:// "
                            "proxy URL (scheme, optional user:password@, host, optional :port, nothing after it): use "
                            'for example http://proxy.example.com:3128, or "" for no proxy.')
    value = inputs["preflight_no_proxy"]
    if _invalid("preflight_no_proxy", value, problems, NO_PROXY.match, empty_ok=False):
        problems.append(f"preflight_no_proxy is {input_checks.json_masked(value)}: give host names, domains "
                        "(.example.com) or addresses separated by commas, with no quote, space inside a name or "
                        "newline (each becomes a line of apt's settings).")
    return problems


def _ca_certificates(certificates):
    problems = []
    for where, item in input_checks.mapping_items("preflight_ca_certificates", certificates, problems):
        content = item.get("content")
        valid = (input_checks.SIMPLE_NAME.match(str(item.get("name", "")))
                 and ("content" in item) != ("src" in item)
                 and ("src" in item or (isinstance(content, str) and "-----BEGIN CERTIFICATE-----" in content)))
        if not valid:
            problems.append(f"{where} ({item.get('name', 'no name')}) is invalid: each item needs a 'name' made of "
                            "letters, digits, '.', '_' or '-', and exactly one of 'content' (PEM text with "
                            "-----BEGIN CERTIFICATE-----) or 'src' (a file on the controller).")
    return problems


def _plain_source_url(url):
    return input_checks.APT_SOURCE_URL.match(url) and not USERINFO.search(url)


def _apt_sources(inputs):
    problems = []
    for name in ("preflight_apt_mirror", "preflight_apt_security_mirror"):
        value = inputs[name]
        # A user or password would be written to a source file everyone can read.
        if _invalid(name, value, problems, _plain_source_url):
            credentials = f" It {input_checks.APT_CREDENTIALS}." if USERINFO.search(value) else ""
            problems.append(f"{name} is {input_checks.json_masked(value)}, which is not an http://, https:// or "
                            "file:// URL (for example http://mirror.example.com/debian) without spaces, quotes or a "
                            f'newline, or "" to keep the distribution\'s sources.{credentials}')
    cache = inputs["preflight_apt_cache"]
    if _invalid("preflight_apt_cache", cache, problems, input_checks.is_http_host_port):
        problems.append(f"preflight_apt_cache is {input_checks.json_masked(cache)}, which is not an apt cache's "
                        "address: give http://host:port (for example http://cache.example.internal:3142, "
                        'apt-cacher-ng\'s port), or "" for none.')
    components = inputs["preflight_apt_components"]
    if input_checks.of_type("preflight_apt_components", components, "list", problems) and not all(
            isinstance(component, str) and COMPONENT.match(component) for component in components):
        problems.append(f"preflight_apt_components is {input_checks.to_json(components)}: each component is a name "
                        "such as main, contrib, non-free-firmware (letters, digits, '.', '_', '-', '/').")
    return problems


def preflight_problems(inputs, facts):
    """One message for each problem of the platform (facts: ansible_facts) and of the preflight role's inputs
    (the role's variables, by name), in the order the role once asserted them; [] when all is well."""
    return (_platform(facts, inputs["preflight_supported_platforms"], inputs["preflight_supported_architectures"])
            + _proxies(inputs) + _ca_certificates(inputs["preflight_ca_certificates"]) + _apt_sources(inputs))


class FilterModule:
    def filters(self):
        return {"preflight_problems": preflight_problems}
