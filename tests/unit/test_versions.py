# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible_collections.mlinabox.stack.plugins.module_utils.versions import (
    compare_versions,
    debian_upstream_version,
    describe_range,
    parse_version,
    try_parse_version,
    version_in_range,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12.8", (12, 8)),
        ("12.8.1", (12, 8, 1)),
        (580, (580,)),
        ("580", (580,)),
        ("R580", (580,)),
        ("v1.19.0", (1, 19, 0)),
        ("3.46.0.12", (3, 46, 0, 12)),
        ("1.8.0_292", (1, 8, 0)),
        ("12.8.1-1", (12, 8, 1)),
        ("26.10.*", (26, 10)),
        ("2.9.1+cu128", (2, 9, 1)),
        (" 9.10.2 ", (9, 10, 2)),
    ],
)
def test_parse_version(value, expected):
    assert parse_version(value) == expected


@pytest.mark.parametrize("value", ["", "abc", None, True, "cu126", ".5"])
def test_parse_version_rejects(value):
    with pytest.raises(ValueError, match="not a version"):
        parse_version(value)
    assert try_parse_version(value) is None


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("12.8", "12.8.0", 0),
        ("12.10", "12.9", 1),  # numeric, not lexical
        ("535.54.03", "535.54.3", 0),
        ("570.26", "570.26.1", -1),
        ("9", "10", -1),
    ],
)
def test_compare_versions(left, right, expected):
    assert compare_versions(left, right) == expected


@pytest.mark.parametrize(
    ("value", "first", "last", "expected"),
    [
        ("12.9.1", "12.2", "12.9", True),  # last is inclusive at its own precision
        ("12.10", "12.2", "12.9", False),
        ("12.1", "12.2", "12.9", False),
        ("11.8", "11", "11", True),  # ("11", "11") is 11.x
        ("12.0", "11", "11", False),
        ("13.3", "12", "13", True),
        ("3.46.0.12", "3.46.0.12", None, True),
        ("3.46.0.11", "3.46.0.12", None, False),
        ("0.1", None, "11", True),
    ],
)
def test_version_in_range(value, first, last, expected):
    assert version_in_range(value, first, last) is expected


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("12.2", "12.9", "12.2-12.9"),
        ("11", "11", "11.x"),
        ("12", "13", "12.x-13.x"),
        ("9.17", None, ">= 9.17"),
        (None, "12", "<= 12.x"),
        ("8.9.7", "8.9.7", "8.9.7"),
    ],
)
def test_describe_range(first, last, expected):
    assert describe_range(first, last) == expected


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("5:28.5.1-1~debian.12~bookworm", "28.5.1"),
        ("20.10.24+dfsg1-1+b3", "20.10.24"),
        ("580.95.05-0ubuntu1", "580.95.05"),
        ("9.10.2.21-1", "9.10.2.21"),
        ("8.2.4.15-1+cuda11.4", "8.2.4.15"),
        ("1.19.0-1", "1.19.0"),
        ("142.0.7444.59-1", "142.0.7444.59"),
        ("17.0.16+8-1~deb12u1", "17.0.16"),
        ("3.134", "3.134"),
    ],
)
def test_debian_upstream_version(version, expected):
    assert debian_upstream_version(version) == expected
