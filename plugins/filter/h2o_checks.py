# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The h2o role's checks of the inputs that its argument spec cannot express, and of the Java H2O will run on
against the range its jar accepts: one message per problem, naming the variable and the fix.

Values are read as the asserts these replace read them: strings as Ansible's match test reads them (str()),
numbers as Jinja's int filter, switches as Ansible's bool filter. A list input given as a string is reported,
and the rules that read that list are skipped."""

from __future__ import annotations

import re

from ansible_collections.mlinabox.stack.plugins.module_utils import input_checks
from ansible_collections.mlinabox.stack.plugins.module_utils.compat import check_plan

VERSION = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+\Z")
# The h2o package's pin (h2o==X): its h2o.jar is the server, so exactly one.
H2O_PIN = re.compile(r"^\s*h2o\s*==")
# An absolute heap size (4g, 4096m) or a share of MemTotal from 1% to 90%.
MEMORY = re.compile(r"^([0-9]+[mMgG]|([1-9]|[1-8][0-9]|90)%)\Z")
HOME = re.compile(r"^/.+")
CLUSTER_NAME = re.compile(r"^[A-Za-z0-9_.-]+\Z")

# H2O reads its options as -name or --name (a value follows as the next item, or after '='), and also as Java
# system properties -Dsys.ai.h2o.<name>=<value> (water.H2O.parseH2OArgumentsTo, 3.46). The role sets the name,
# the addresses, the port, the directories and -disable_net itself: those are refused in any form. The options
# that open H2O, or the JVM, to the network (a cloud of other nodes, client nodes, CORS, JMX, a debugger port) are
# refused unless h2o_allow_remote is true. The names are those of water.H2O$OptArgs / BaseArgs in 3.46.0.12's
# h2o.jar.
H2O_PROPERTY = re.compile(r"^-D(sys\.)?ai\.h2o\.")
OPTION = re.compile(r"^--?[A-Za-z]")
OWNED_OPTIONS = ("name", "ip", "web_ip", "port", "baseport", "port_offset", "ice_root", "log_dir", "flatfile",
                 "disable_net", "jar", "allow_unsupported_java")
REMOTE_OPTIONS = ("network", "client", "allow_clients", "debug.cors")
# JVM options the role sets itself: the heap (h2o_memory) and H2O's own Java version check
# (h2o_allow_unsupported_java).
OWNED_JVM = re.compile(r"^-Xmx|^-Dsys\.ai\.h2o\.debug\.(allowJavaVersions|noJavaVersionCheck)")
# JVM options that open a port or name the host for remote access: JMX, RMI, a debugger (JDWP) agent.
REMOTE_JVM = re.compile(
    r"^(-Dcom\.sun\.management\.jmxremote|-Dcom\.sun\.management\.config\.file|-Djava\.rmi\.server\.hostname"
    r"|-agentlib:jdwp|-Xrunjdwp|-Xdebug|-agentpath:.*jdwp|-XX:\+StartAttachListener)")

LIST_INPUTS = ("h2o_java_options", "h2o_extra_args", "h2o_packages", "h2o_extra_packages")


def java_check(java_version, h2o_version, allow_unsupported_java, where=""):
    """The Java H2O will run on (a major such as 17, or an installed java.version such as 17.0.15) against the
    range that h2o_version's own h2o.jar accepts (compat_check's table: docs/evidence/h2o-java.md).

    Outside it the server exits at once ("Only Java versions 8-17 are supported"), so it is a problem unless
    allow_unsupported_java is true, with which the service passes H2O's -allow_unsupported_java: then a note.
    `where` names the JRE package and the release for the problem's message. Returns {'problems': [...],
    'notes': [...]}; the notes also hold compat_check's warnings (an H2O release outside the table).
    """
    result = check_plan({"h2o_version": str(h2o_version), "java_version": str(java_version)})
    errors = "; ".join(result["errors"])
    problems, notes = [], list(result["warnings"])
    if errors and input_checks.to_bool(allow_unsupported_java):
        notes.append(f"h2o_allow_unsupported_java is true: {errors}. The service runs H2O with "
                     "-allow_unsupported_java; H2O logs that this Java is not certified.")
    elif errors:
        problems.append(
            f"{errors} ({where}): its server would refuse to start. Two ways out: set h2o_java_package to a JRE of a "
            f"Java that H2O {h2o_version} supports, from a repository this host has (Debian 13 has no OpenJDK 17); "
            "or set h2o_allow_unsupported_java: true to run it on this Java anyway (the service passes H2O's own "
            "-allow_unsupported_java: H2O checks the JVM itself and logs that this Java is not certified).")
    return {"problems": problems, "notes": notes}


def _java_package_problems(inputs, facts):
    """The JRE package: one this role knows for the release, or h2o_java_package, whose name carries the Java
    major. Then that major against the H2O version."""
    package = str(inputs.get("h2o_java_package") or facts.get("java_package_default") or "")
    if not package:
        return [f"The h2o role knows the JRE packages of Debian 12 and 13 and Ubuntu 22.04 and 24.04, not "
                f"{facts.get('distribution')} {facts.get('distribution_version')}: set h2o_java_package to this "
                "release's headless JRE (such as openjdk-17-jre-headless)."]
    name = re.match(facts["java_package_regex"], package)
    if not name:
        return [f"h2o_java_package is '{inputs.get('h2o_java_package')}', a name without its Java major version: use "
                "a package such as openjdk-17-jre-headless or temurin-21-jre, so that its Java can be checked against "
                f"H2O {inputs.get('h2o_version')}."]
    if not VERSION.match(str(inputs.get("h2o_version"))):
        return []  # reported below; its Java range cannot be looked up
    where = f"{package} on {facts.get('distribution')} {facts.get('distribution_version')}"
    return java_check(name.group(2), inputs.get("h2o_version"), inputs.get("h2o_allow_unsupported_java"),
                      where)["problems"]


def _server_problems(inputs):
    """The version, the h2o pin, the address, the port, the heap, the user, the home, the cluster name and the
    health check."""
    version, address, port = str(inputs.get("h2o_version")), str(inputs.get("h2o_address")), inputs.get("h2o_port")
    problems = []
    if not VERSION.match(version):
        problems.append(f"h2o_version '{version}' is not an H2O-3 release: use its four parts, such as 3.46.0.12")
    packages = [inputs.get("h2o_packages"), inputs.get("h2o_extra_packages")]
    if all(input_checks.is_list(value) for value in packages):
        pins = [package for value in packages for package in value if H2O_PIN.match(str(package))]
        if len(pins) != 1:
            problems.append(f"h2o_packages and h2o_extra_packages must pin the h2o package exactly once "
                            f"(h2o=={version}): its h2o.jar is the server")
    if not input_checks.IPV4.match(address):
        problems.append(f"h2o_address '{address}' is not an IPv4 address: use 127.0.0.1 (the default), an address "
                        "of this host, or 0.0.0.0.")
    elif not address.startswith("127.") and not input_checks.to_bool(inputs.get("h2o_allow_remote")):
        # H2O's REST API and Flow have no login by default.
        problems.append(
            f"h2o_address is '{address}', which is not a loopback address: H2O's REST API and Flow have no login by "
            "default, so anyone who reaches the port controls the server and reads its data. Keep 127.0.0.1 and use "
            f"an SSH tunnel (ssh -L {port}:127.0.0.1:{port} host), or set h2o_allow_remote: true after putting a "
            "login (h2o_extra_args such as -hash_login) or a firewall in front.")
    if not 1024 <= input_checks.to_int(port) <= 65534:
        problems.append(f"h2o_port is {port}: use a port within 1024-65534 (the default is 54321).")
    memory, user = str(inputs.get("h2o_memory")), str(inputs.get("h2o_user"))
    if not MEMORY.match(memory):
        problems.append(f"h2o_memory is '{memory}': use an absolute heap size such as 4g or 4096m, or a share of the "
                        'RAM from 1% to 90% such as "25%".')
    if not input_checks.USER_NAME.match(user) or user == "root":
        problems.append(f"h2o_user is '{user}': use a system user name (lower case letters, digits, '-', '_'), never "
                        "root; it is created when missing.")
    if not HOME.match(str(inputs.get("h2o_home"))):
        problems.append(f"h2o_home is '{inputs.get('h2o_home')}': use an absolute path such as /var/lib/h2o.")
    if not CLUSTER_NAME.match(str(inputs.get("h2o_cluster_name"))):
        problems.append(f"h2o_cluster_name is '{inputs.get('h2o_cluster_name')}': use letters, digits, '.', '_' or "
                        "'-'.")
    if (input_checks.to_int(inputs.get("h2o_health_retries")) < 1
            or input_checks.to_int(inputs.get("h2o_health_delay")) < 1):
        problems.append("h2o_health_retries and h2o_health_delay must be 1 or more.")
    return problems


def _option_name(text):
    """The H2O option an item of h2o_extra_args / h2o_java_options sets (-x, --x, -x=v, -Dsys.ai.h2o.x=v), or None."""
    if H2O_PROPERTY.match(text):
        return re.sub("=.*", "", H2O_PROPERTY.sub("", text))
    if OPTION.match(text):
        return re.sub("=.*", "", re.sub("^--?", "", text))
    return None


def _option_problems(inputs):
    """The options leave the settings to the role and keep the server local."""
    args, java_options = inputs.get("h2o_extra_args"), inputs.get("h2o_java_options")
    if not (input_checks.is_list(args) and input_checks.is_list(java_options)):
        return []
    items = [str(item) for item in [*args, *java_options]]
    jvm = [str(item) for item in java_options]
    named = [(item, _option_name(item)) for item in items]
    clashes = [item for item, name in named if name in OWNED_OPTIONS] + [item for item in jvm if OWNED_JVM.match(item)]
    exposing = ([item for item, name in named if name in REMOTE_OPTIONS]
                + [item for item in jvm if REMOTE_JVM.match(item)])
    spaced = [item for item in items if re.search(r"\s", item)]
    problems = []
    if clashes:
        problems.append(f"h2o_extra_args / h2o_java_options set {', '.join(input_checks.mask_userinfo(clashes))}, "
                        "which the role sets itself: use h2o_cluster_name, h2o_address, h2o_port, h2o_home and "
                        "h2o_memory instead (and h2o_allow_unsupported_java for a Java that H2O does not support).")
    if spaced:
        problems.append(f"h2o_extra_args / h2o_java_options have {input_checks.json_masked(spaced)}, an item with "
                        "whitespace in it: give each option and each value as its own list item, such as "
                        '[-log_level, WARN] (a string such as "-log_level WARN" is one argument to Java).')
    if exposing and not input_checks.to_bool(inputs.get("h2o_allow_remote")):
        problems.append(
            f"h2o_extra_args / h2o_java_options set {', '.join(input_checks.mask_userinfo(exposing))}, which open H2O "
            "or its JVM to the network (other nodes or clients joining the cloud, cross-site requests, JMX, a "
            f"debugger port: each runs code as {inputs.get('h2o_user')} for whoever reaches it), and h2o_allow_remote "
            "is false. Remove them, or set h2o_allow_remote: true after putting a login and a firewall in front.")
    return problems


def h2o_problems(inputs, facts):
    """One message for each problem of the h2o role's inputs; an empty list when there is none.

    inputs: the role's variables the rules read (h2o_version, h2o_java_package, h2o_allow_unsupported_java,
    h2o_packages, h2o_extra_packages, h2o_address, h2o_allow_remote, h2o_port, h2o_memory, h2o_user, h2o_home,
    h2o_cluster_name, h2o_health_retries, h2o_health_delay, h2o_java_options, h2o_extra_args). facts: distribution
    and distribution_version (ansible_facts), java_package_default (the release's JRE, '' where the role knows
    none) and java_package_regex (a JRE name with its Java major as group 2).
    """
    problems = _java_package_problems(inputs, facts) + _server_problems(inputs)
    lists = input_checks.not_lists(inputs, LIST_INPUTS, "one option or value per item")
    if lists:
        problems.append(lists)
    return problems + _option_problems(inputs)


class FilterModule:
    def filters(self):
        return {"h2o_problems": h2o_problems, "h2o_java_check": java_check}
