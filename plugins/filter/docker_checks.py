# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The docker role's checks that its argument spec cannot express (docker_problems), and the check of the existing
daemon.json that the daemon_json_check entry point runs for other roles too (docker_daemon_json_problems): one
message per problem, naming the variable and the fix. A URL's user:password@ is shown as ***@."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from ansible.module_utils.common.text.converters import to_text
from ansible_collections.mlinabox.stack.plugins.module_utils import input_checks
from ansible_collections.mlinabox.stack.plugins.module_utils.apt_state import normalise_fingerprint

# An upstream version (the repository's index supplies the packaging suffix), or a full apt version. \Z, not $:
# Python's $ also matches before a trailing newline.
UPSTREAM_VERSION = re.compile(r"^[0-9]+(\.[0-9]+)+([~+][0-9A-Za-z.~+]*)?\Z")
APT_VERSION = re.compile(r"^([0-9]+:)?[0-9][0-9A-Za-z.~+]*-[0-9A-Za-z.~+]+\Z")

URL_EXAMPLES = {"docker_repo_url": "https://download.docker.com/linux",
                "docker_repo_key_url": "https://download.docker.com/linux/debian/gpg"}
VERSIONS = ("docker_version", "docker_containerd_version", "docker_buildx_version", "docker_compose_version")
# The plugins are left out when their version is "" (Docker 20.10's repository had no such packages).
OPTIONAL_VERSIONS = ("docker_buildx_version", "docker_compose_version")
LIST_OPTIONS = {"insecure-registries": "registry.example.com:5000", "registry-mirrors": "https://mirror.example.com",
                "authorization-plugins": "my-authz-plugin"}


def _matches(pattern, value):
    """Whether value, as text (what Ansible's `match` test reads), matches pattern."""
    return bool(pattern.match(to_text(value, errors="surrogate_or_strict")))


def _repository_problems(inputs):
    """Docker's repository, its key and the package versions (docker_source: docker only)."""
    problems = []
    bad_urls = [input_checks.plain_url_problem(key, inputs[key], example) for key, example in URL_EXAMPLES.items()]
    bad_urls = [problem for problem in bad_urls if problem]
    if bad_urls:
        problems.append(" ".join(["Docker's repository settings must be plain URLs.", *bad_urls]))
    given = inputs["docker_repo_key_fingerprint"]
    fingerprint = normalise_fingerprint(given)
    if not fingerprint:
        problems.append(
            "docker_repo_key_fingerprint is empty, so the key from docker_repo_key_url "
            f"({input_checks.mask_userinfo(inputs['docker_repo_key_url'])}) could not be verified: set it to the "
            "40-hex-digit fingerprint of the key that signs docker_repo_url "
            f"({input_checks.mask_userinfo(inputs['docker_repo_url'])}); Docker's is 9DC8 5822 9FC7 DD38 854A E2D8 "
            "8D81 803C 0EBF CD88.")
    elif not input_checks.V4_FINGERPRINT.match(fingerprint):
        problems.append(
            f"docker_repo_key_fingerprint '{given}' is not a full key fingerprint: give all 40 hexadecimal digits "
            "(spaces allowed), as `gpg --show-keys` prints them, not a short or long key ID.")
    for key in VERSIONS:
        value = inputs[key]
        if value == "" and key in OPTIONAL_VERSIONS:
            continue
        if not (_matches(UPSTREAM_VERSION, value) or _matches(APT_VERSION, value)):
            problems.append(
                f"{key} is '{to_text(value)}', which is neither an upstream version (such as 28.5.1; the "
                "repository's index supplies the packaging suffix) nor a full apt version (such as "
                "5:28.5.1-1~debian.12~bookworm); `apt-cache madison docker-ce` lists them. Only docker_buildx_version "
                'and docker_compose_version may be "" (the plugin is then not installed).')
    return problems


def _option_problems(options, absent, allowed):
    """The daemon options that would open the daemon's root API to more users, or weaken it.

    "hosts": the unit sets the socket; "group": the socket's group is root-equivalent; insecure-registries and
    http:// registry-mirrors: images pulled without TLS (opt-in: docker_allow_insecure_registries); seccomp-profile
    "unconfined": no seccomp for any container; authorization-plugins: the role may add plugins, never drop one the
    file has (docker_problems compares with the file).
    """
    problems = []
    if "hosts" in options:
        problems.append(
            f"docker_daemon_options sets hosts ({input_checks.json_masked(options['hosts'])}): refused. The systemd "
            "unit already sets the socket (-H fd://), so dockerd would not start, and a tcp:// address is an "
            "unauthenticated root API. Remove hosts from docker_daemon_options; for remote use keep the local socket "
            "and connect over SSH: DOCKER_HOST=ssh://user@host.")
    if "group" in options and options["group"] != "docker":
        problems.append(
            f"docker_daemon_options sets group to {input_checks.to_json(options['group'])}: the socket's group can run "
            "any container, so every member of it is root. Remove the key (the socket stays root:docker) and put the "
            "users who may be root in docker_users.")
    for key, example in LIST_OPTIONS.items():
        if key in options and not input_checks.is_list(options[key]):
            problems.append(f"docker_daemon_options.{key} is {input_checks.json_masked(options[key])}, not a list: "
                            f"give a YAML list, such as [{example}].")
    registries = options.get("insecure-registries")
    if input_checks.is_list(registries) and allowed is not None:
        bad = [registry for registry in registries if registry not in allowed]
        if bad:
            problems.append(
                f"docker_daemon_options.insecure-registries names {input_checks.json_masked(bad)}: images from them "
                "are pulled without TLS verification, so anyone on the network path can replace what root runs. Give "
                "the registry a TLS certificate (/etc/docker/certs.d/<host:port>/ca.crt), or accept the risk by "
                "naming each in docker_allow_insecure_registries.")
    mirrors = options.get("registry-mirrors")
    if input_checks.is_list(mirrors) and allowed is not None:
        bad = [mirror for mirror in mirrors
               if not _matches(input_checks.PLAIN_HTTPS_URL, mirror) and mirror not in allowed]
        if bad:
            problems.append(
                f"docker_daemon_options.registry-mirrors has {input_checks.json_masked(bad)}: each mirror must be a "
                "plain https:// URL such as https://mirror.example.com (an http:// mirror only when "
                "docker_allow_insecure_registries names the same URL).")
    if options.get("seccomp-profile") == "unconfined":
        problems.append(
            'docker_daemon_options sets seccomp-profile to "unconfined": every container would run without a seccomp '
            "filter. Remove the key (Docker's default profile applies), or give one container --security-opt "
            "seccomp=unconfined where it needs it.")
    if "authorization-plugins" in absent:
        problems.append(
            "docker_daemon_options_absent lists authorization-plugins: the role does not remove the plugins that check "
            "every API call. Take it out of docker_daemon_options_absent (remove a plugin by hand).")
    if "runtimes" in options and not isinstance(options["runtimes"], Mapping):
        problems.append(f"docker_daemon_options.runtimes is {input_checks.to_json(options['runtimes'])}, not a "
                        "mapping: give {name: {path: /usr/bin/<runtime>}}.")
    return problems


def _parse_daemon_json(text):
    """(the object daemon.json holds, None) or (None, why it is not one). text: the file's text as
    mlinabox.stack.host_probe reads it; null (a missing file) and blank text are {}. A template engine that turned
    the text into an object already is fine too."""
    if text is None:
        return {}, None
    try:
        conf = (json.loads(text) if text.strip() else {}) if isinstance(text, str) else text
    except ValueError as err:
        return None, f"invalid JSON: {err}"
    if not isinstance(conf, Mapping):
        return None, f"the top level is {type(conf).__name__}, not an object"
    return conf, None


def docker_daemon_json(text):
    """The object daemon.json holds ({} for a missing or blank file), or None where it holds no JSON object."""
    return _parse_daemon_json(text)[0]


def docker_daemon_json_problems(read, path, absent):
    """The problems of the existing daemon.json: it must be a JSON object, and what the merge leaves in it must
    not hold "hosts".

    read: the file's text, as mlinabox.stack.host_probe reads it (null: missing). path: docker_daemon_json_path.
    absent: docker_daemon_options_absent.
    """
    conf, error = _parse_daemon_json(read)
    if conf is None:
        return [f"{path} is not a valid JSON object ({error}). dockerd cannot start with it, and the role merges its "
                f"keys into it: fix the JSON by hand (python3 -m json.tool {path} shows where), or move the file away "
                "if it holds nothing you need."]
    # dockerd refuses "hosts" in daemon.json while its unit passes -H fd:// (a key that is also a flag): Docker does
    # not start, and a tcp:// host is an unauthenticated root API. A key an earlier run (or a hand edit) left is
    # removed by listing it in docker_daemon_options_absent.
    if "hosts" in conf and not (input_checks.is_list(absent) and "hosts" in absent):
        return [f'{path} holds "hosts": {input_checks.json_masked(conf.get("hosts"))}. dockerd does not start with it '
                '(the systemd unit already sets the socket with -H fd://), and a tcp:// address is an unauthenticated '
                'root API. Let the role remove it: docker_daemon_options_absent: [hosts] (or delete the key by hand). '
                'For remote use keep the local socket and connect over SSH: DOCKER_HOST=ssh://user@host.']
    return []


def _merged(conf, options):
    """conf with options merged in: objects merged recursively, lists and values replaced (as Ansible's
    combine(recursive=True))."""
    merged = dict(conf)
    for key, value in options.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def docker_daemon_json_merge(text, options, absent):
    """What daemon.json should hold: its object (text as host_probe read it) with options merged in, then each
    absent item {key, value, parent} taken out: the key goes from the top level, or from the object `parent` (which
    goes too when it is left empty), when it holds `value` (or whatever it holds, without `value`). None where the
    file holds no JSON object."""
    conf = docker_daemon_json(text)
    if conf is None:
        return None
    conf = _merged(conf, options)
    for item in absent:
        parent = item.get("parent")
        holder = conf.get(parent) if parent else conf
        if not (isinstance(holder, Mapping) and item["key"] in holder
                and (item.get("value") is None or holder[item["key"]] == item["value"])):
            continue
        rest = {key: value for key, value in holder.items() if key != item["key"]}
        if not parent:
            conf = rest
        elif rest:
            conf = {**conf, parent: rest}
        else:
            conf = {key: value for key, value in conf.items() if key != parent}
    return conf


def _plugins_dropped(options, conf):
    """The authorization plugins of daemon.json that a new authorization-plugins list would drop: lists are
    replaced by the merge, so a new list must keep the plugins the file has."""
    if not input_checks.is_list(options.get("authorization-plugins")):
        return []
    before = conf.get("authorization-plugins", [])
    return [plugin for plugin in (before if input_checks.is_list(before) else [before])
            if plugin not in options["authorization-plugins"]]


def docker_problems(inputs, facts):
    """One message for each problem of the docker role's inputs, [] when there is none.

    inputs: the role's variables (docker_source, docker_repo_url, docker_repo_key_url, docker_repo_key_fingerprint,
    docker_version, docker_containerd_version, docker_buildx_version, docker_compose_version,
    docker_daemon_options, docker_daemon_options_absent, docker_allow_insecure_registries,
    docker_daemon_json_path). facts: distribution, distribution_version, repo_distro (the distribution's
    repository directory, empty where the role has no settings for it) and daemon_json (daemon.json's text).
    """
    problems = []
    if not facts.get("repo_distro"):
        problems.append(f"The docker role supports Debian and Ubuntu, not {facts.get('distribution')} "
                        f"{facts.get('distribution_version')}.")
    if inputs["docker_source"] == "docker":
        problems += _repository_problems(inputs)
    options, absent = inputs["docker_daemon_options"], inputs["docker_daemon_options_absent"]
    allowed = inputs["docker_allow_insecure_registries"]
    for name, value, kind in (("docker_daemon_options", options, "mapping"),
                              ("docker_daemon_options_absent", absent, "list"),
                              ("docker_allow_insecure_registries", allowed, "list")):
        if not (isinstance(value, Mapping) if kind == "mapping" else input_checks.is_list(value)):
            problems.append(f"{name} is {input_checks.json_masked(value)}, not a {kind}.")
    options = options if isinstance(options, Mapping) else {}
    absent = absent if input_checks.is_list(absent) else []
    allowed = allowed if input_checks.is_list(allowed) else None
    both = []
    for key in absent:
        if isinstance(key, str) and key in options and key not in both:
            both.append(key)
    if both:
        problems.append(f"{', '.join(both)} are both set (docker_daemon_options) and removed "
                        "(docker_daemon_options_absent): keep each key in one of them.")
    problems += _option_problems(options, absent, allowed)
    path = inputs["docker_daemon_json_path"]
    problems += docker_daemon_json_problems(facts["daemon_json"], path, absent)
    conf = docker_daemon_json(facts["daemon_json"])
    dropped = _plugins_dropped(options, conf) if conf is not None else []
    if dropped:
        problems.append(
            "docker_daemon_options.authorization-plugins is "
            f"{input_checks.to_json(options.get('authorization-plugins'))}, which drops "
            f"{input_checks.to_json(dropped)} from {path}: those plugins check every API call, and the role does not "
            "remove them. List them too, or leave authorization-plugins out of docker_daemon_options (the role keeps "
            "the file's keys it does not set).")
    return problems


class FilterModule:
    def filters(self):
        return {"docker_problems": docker_problems, "docker_daemon_json_problems": docker_daemon_json_problems,
                "docker_daemon_json": docker_daemon_json, "docker_daemon_json_merge": docker_daemon_json_merge}
