# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""H2O-3 against Java: the ranges that each release's own h2o.jar accepts (water.JavaVersionSupport,
docs/evidence/h2o-java.md): 3.46.0.12 runs on Java 8-17, 3.34.0.8 on 8-15."""

from __future__ import annotations

import datetime

import pytest
from ansible_collections.mlinabox.stack.plugins.module_utils.compat import check_plan
from ansible_collections.mlinabox.stack.plugins.module_utils.compat_matrix import MATRIX

TODAY = datetime.date(2026, 12, 4)


def run(h2o, java):
    return check_plan({"h2o_version": h2o, "java_version": java}, today=TODAY)


def test_the_table_holds_what_the_jars_say():
    assert MATRIX["h2o"] == [
        {"h2o": ("3.46.0.12", "3.46.0.12"), "java": ("8", "17")},
        {"h2o": ("3.34.0.8", "3.34.0.8"), "java": ("8", "15")},
    ]


@pytest.mark.parametrize(
    ("h2o", "java"),
    [
        ("3.46.0.12", "17"),
        ("3.46.0.12", "17.0.15"),  # java.version as the role reads it from the installed JVM
        ("3.46.0.12", "11"),
        ("3.46.0.12", "1.8"),
        ("3.46.0.12", "8"),
        ("3.34.0.8", "15"),
        ("3.34.0.8", "11"),  # the seed-2021 profile's openjdk-11-jre-headless
        ("3.34.0.8", "1.8.0_402"),
    ],
)
def test_supported_pairs_pass(h2o, java):
    result = run(h2o, java)
    assert result == {"ok": True, "errors": [], "warnings": [], "checks": ["h2o_java"]}


@pytest.mark.parametrize(
    ("h2o", "java", "message"),
    [
        (
            "3.46.0.12",
            "21",
            "H2O 3.46.0.12 supports Java 8-17, java_version is 21: choose Java 8-17",
        ),
        (
            "3.46.0.12",
            "21.0.13",  # Debian 13's openjdk-21-jre-headless
            "H2O 3.46.0.12 supports Java 8-17, java_version is 21.0.13: choose Java 8-17",
        ),
        (
            "3.46.0.12",
            "25",
            "H2O 3.46.0.12 supports Java 8-17, java_version is 25: choose Java 8-17",
        ),
        (
            "3.34.0.8",
            "17",
            "H2O 3.34.0.8 supports Java 8-15, java_version is 17: choose Java 8-15 or H2O 3.46.0.12",
        ),
        (
            "3.34.0.8",
            "21",
            "H2O 3.34.0.8 supports Java 8-15, java_version is 21: choose Java 8-15",
        ),
        (
            "3.46.0.12",
            "1.7",
            "H2O 3.46.0.12 supports Java 8-17, java_version is 1.7: choose Java 8-17",
        ),
    ],
)
def test_unsupported_pairs_are_refused(h2o, java, message):
    result = run(h2o, java)
    assert result["ok"] is False
    assert result["errors"] == [message]
    assert result["checks"] == ["h2o_java"]


def test_h2o_21_is_refused_for_the_current_release():
    """The pair the h2o role used to pick on Ubuntu 24.04 and Debian 13: its server exits with "Only Java
    versions 8-17 are supported, system version is 21.0.13"."""
    assert run("3.46.0.12", "21")["ok"] is False


@pytest.mark.parametrize("h2o", ["3.46.0.11", "3.46.0.13", "3.40.0.4", "3.34.0.1"])
def test_a_release_whose_jar_was_not_read_is_reported_not_guessed(h2o):
    result = run(h2o, "17")
    assert result["ok"] is True
    assert result["errors"] == []
    assert result["warnings"] == [
        f"H2O {h2o} is not in the H2O table (3.46.0.12, 3.34.0.8): its Java range was not checked; read it "
        "from its h2o.jar (javap -constants -cp <unzipped h2o.jar> water.JavaVersionSupport)"
    ]
    assert result["checks"] == ["h2o_java"]
