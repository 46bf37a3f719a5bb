# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The filters h2o_problems (the h2o role's input checks) and h2o_java_check (a Java against the range of H2O's
jar), with the role's defaults and its JRE regular expression read from roles/h2o. tests/integration/
bad_input_rapids_h2o.yml runs the same messages through the role."""

from __future__ import annotations

import pytest
from ansible_collections.mlinabox.stack.plugins.filter.h2o_checks import h2o_problems, java_check
from conftest import assert_one_problem, role_yaml

DEFAULTS = role_yaml("h2o")
VARS = role_yaml("h2o", "vars/main.yml")
INPUTS = {key: DEFAULTS[key] for key in (
    "h2o_version", "h2o_java_package", "h2o_allow_unsupported_java", "h2o_extra_packages", "h2o_address",
    "h2o_allow_remote", "h2o_port", "h2o_memory", "h2o_user", "h2o_home", "h2o_cluster_name", "h2o_health_retries",
    "h2o_health_delay", "h2o_java_options", "h2o_extra_args")}
INPUTS["h2o_packages"] = ["h2o==3.46.0.12", "ipykernel==7.4.0"]  # the defaults, templated
FACTS = {"distribution": "Debian", "distribution_version": "12", "java_package_default": "openjdk-17-jre-headless",
         "java_package_regex": VARS["__h2o_java_package_regex"]}


def problems(facts=None, **inputs):
    return h2o_problems({**INPUTS, **inputs}, {**FACTS, **(facts or {})})


def test_the_defaults_have_no_problem():
    assert problems() == []
    assert problems(h2o_address="0.0.0.0", h2o_allow_remote=True, h2o_memory="8G", h2o_port="54399",
                    h2o_java_options=["-Xss4m"], h2o_extra_args=["-log_level", "WARN"]) == []
    assert problems(h2o_version="3.34.0.8", h2o_packages=["h2o==3.34.0.8"], h2o_java_package="openjdk-11-jre") == []


@pytest.mark.parametrize(("inputs", "facts", "expected"), [
    ({}, {"distribution": "Fedora", "distribution_version": "40", "java_package_default": ""},
     "The h2o role knows the JRE packages of Debian 12 and 13 and Ubuntu 22.04 and 24.04, not Fedora 40: set "
     "h2o_java_package to this release's headless JRE (such as openjdk-17-jre-headless)."),
    ({"h2o_java_package": "default-jre-headless"}, {},
     "h2o_java_package is 'default-jre-headless', a name without its Java major version: use a package such as "
     "openjdk-17-jre-headless or temurin-21-jre, so that its Java can be checked against H2O 3.46.0.12."),
    ({"h2o_java_package": "openjdk-21-jre-headless"}, {},
     "H2O 3.46.0.12 supports Java 8-17, java_version is 21: choose Java 8-17 (openjdk-21-jre-headless on Debian 12): "
     "its server would refuse to start. Two ways out: set h2o_java_package to a JRE of a Java that H2O 3.46.0.12 "
     "supports"),
    ({"h2o_version": "3.34.0.8", "h2o_packages": ["h2o==3.34.0.8"], "h2o_java_package": "openjdk-17-jre-headless"},
     {}, "H2O 3.34.0.8 supports Java 8-15, java_version is 17"),
    ({"h2o_version": "3.46.0.12\n"}, {},
     "h2o_version '3.46.0.12\n' is not an H2O-3 release: use its four parts, such as 3.46.0.12"),
    ({"h2o_extra_packages": ["h2o==3.46.0.12"]}, {},
     "h2o_packages and h2o_extra_packages must pin the h2o package exactly once (h2o==3.46.0.12): its h2o.jar is the "
     "server"),
    ({"h2o_address": "localhost"}, {},
     "h2o_address 'localhost' is not an IPv4 address: use 127.0.0.1 (the default), an address of this host, or "
     "0.0.0.0."),
    ({"h2o_address": "0.0.0.0"}, {},
     "h2o_address is '0.0.0.0', which is not a loopback address: H2O's REST API and Flow have no login by default, "
     "so anyone who reaches the port controls the server and reads its data. Keep 127.0.0.1 and use an SSH tunnel "
     "(ssh -L 54321:127.0.0.1:54321 host), or set h2o_allow_remote: true"),
    ({"h2o_port": 1023}, {}, "h2o_port is 1023: use a port within 1024-65534 (the default is 54321)."),
    ({"h2o_port": 70000}, {}, "h2o_port is 70000: use a port within 1024-65534"),
    ({"h2o_memory": "95%"}, {},
     "h2o_memory is '95%': use an absolute heap size such as 4g or 4096m, or a share of the RAM from 1% to 90% such "
     'as "25%".'),
    ({"h2o_user": "root"}, {},
     "h2o_user is 'root': use a system user name (lower case letters, digits, '-', '_'), never root; it is created "
     "when missing."),
    ({"h2o_user": "h" * 33}, {}, f"h2o_user is '{'h' * 33}': use a system user name"),  # useradd's 32 at most
    ({"h2o_address": "10.127.0.1", "h2o_allow_remote": False}, {},
     "h2o_address is '10.127.0.1', which is not a loopback"),
    ({"h2o_home": "var/lib/h2o"}, {}, "h2o_home is 'var/lib/h2o': use an absolute path such as /var/lib/h2o."),
    ({"h2o_cluster_name": "my cloud"}, {}, "h2o_cluster_name is 'my cloud': use letters, digits, '.', '_' or '-'."),
    ({"h2o_health_delay": 0}, {}, "h2o_health_retries and h2o_health_delay must be 1 or more."),
    ({"h2o_java_options": "-Xss4m -Dx=1"}, {},
     'h2o_java_options is the string "-Xss4m -Dx=1", not a list: give a YAML list, one option or value per item, '
     'such as h2o_java_options: ["-Xss4m", "-Dx=1"]. The list inputs must be lists.'),
    ({"h2o_extra_args": ["--web_ip=0.0.0.0"], "h2o_java_options": ["-Dsys.ai.h2o.ip=0.0.0.0", "-Xmx4g"]}, {},
     "h2o_extra_args / h2o_java_options set --web_ip=0.0.0.0, -Dsys.ai.h2o.ip=0.0.0.0, -Xmx4g, which the role sets "
     "itself: use h2o_cluster_name, h2o_address, h2o_port, h2o_home and h2o_memory instead (and "
     "h2o_allow_unsupported_java for a Java that H2O does not support)."),
    ({"h2o_extra_args": ["-log_level WARN"]}, {},
     'h2o_extra_args / h2o_java_options have ["-log_level WARN"], an item with whitespace in it: give each option '
     'and each value as its own list item, such as [-log_level, WARN] (a string such as "-log_level WARN" is one '
     "argument to Java)."),
    ({"h2o_extra_args": ["-network", "0.0.0.0/0"], "h2o_java_options": ["-agentlib:jdwp=transport=dt_socket"]}, {},
     "h2o_extra_args / h2o_java_options set -network, -agentlib:jdwp=transport=dt_socket, which open H2O or its JVM "
     "to the network (other nodes or clients joining the cloud, cross-site requests, JMX, a debugger port: each runs "
     "code as h2o for whoever reaches it), and h2o_allow_remote is false."),
])
def test_each_rule_names_the_problem(inputs, facts, expected):
    found = problems(facts, **inputs)
    assert_one_problem(found, expected)


def test_independent_problems_are_all_reported():
    found = problems(h2o_address="localhost", h2o_port=80, h2o_memory="lots", h2o_user="root",
                     h2o_java_package="openjdk-21-jre-headless", h2o_extra_args=["-port", "1"])
    assert [message.split(" ", maxsplit=1)[0] for message in found] == [
        "H2O", "h2o_address", "h2o_port", "h2o_memory", "h2o_user", "h2o_extra_args"]


def test_options_open_the_network_only_with_the_opt_in():
    assert problems(h2o_allow_remote="yes", h2o_java_options=["-Dcom.sun.management.jmxremote.port=9010"],
                    h2o_extra_args=["--allow_clients", "-Dsys.ai.h2o.debug.cors=true"]) == []
    assert "set --allow_clients, which open" in problems(h2o_extra_args=["--allow_clients"])[0]


def test_an_unsupported_java_is_a_note_with_the_opt_in():
    assert problems(h2o_java_package="openjdk-21-jre-headless", h2o_allow_unsupported_java=True) == []
    assert java_check("21.0.13", "3.46.0.12", True) == {"problems": [], "notes": [
        "h2o_allow_unsupported_java is true: H2O 3.46.0.12 supports Java 8-17, java_version is 21.0.13: choose Java "
        "8-17. The service runs H2O with -allow_unsupported_java; H2O logs that this Java is not certified."]}
    assert java_check("17.0.15", "3.46.0.12", False) == {"problems": [], "notes": []}
    refused = java_check("21.0.13", "3.46.0.12", "no", "openjdk-21-jre-headless on Debian 13.1")["problems"]
    assert refused[0].startswith("H2O 3.46.0.12 supports Java 8-17, java_version is 21.0.13: choose Java 8-17 "
                                 "(openjdk-21-jre-headless on Debian 13.1): its server would refuse to start.")
    assert refused[0].endswith("(the service passes H2O's own -allow_unsupported_java: H2O checks the JVM itself and "
                               "logs that this Java is not certified).")


def test_an_h2o_release_outside_the_table_is_a_note():
    found = java_check("17", "3.44.0.3", False)
    assert found["problems"] == []
    assert "H2O 3.44.0.3 is not in the H2O table" in found["notes"][0]
    assert problems(h2o_version="3.44.0.3", h2o_packages=["h2o==3.44.0.3"]) == []


@pytest.mark.parametrize("inputs", [
    {"h2o_packages": "h2o==3.46.0.12", "h2o_extra_args": "-log_level WARN"},
    {"h2o_port": [54321], "h2o_health_retries": None, "h2o_health_delay": {"a": 1}},
    {"h2o_version": 3.46, "h2o_address": None, "h2o_memory": 4, "h2o_user": ["h2o"], "h2o_home": None,
     "h2o_cluster_name": 1, "h2o_allow_remote": None},
    {"h2o_java_options": [1234, None], "h2o_extra_args": [{"port": 1}], "h2o_packages": [None, 3]},
    {"h2o_java_package": 17},
])
def test_wrong_types_are_reported_without_an_exception(inputs):
    assert problems(**inputs)


def test_a_string_list_skips_the_rules_that_read_it():
    found = problems(h2o_packages="h2o==3.46.0.12 ipykernel==7.4.0", h2o_java_options="-Xmx4g")
    assert len(found) == 1
    assert found[0].startswith('h2o_java_options is the string "-Xmx4g", not a list')
    assert 'h2o_packages is the string "h2o==3.46.0.12 ipykernel==7.4.0", not a list' in found[0]
