# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tiny numeric version helpers (standard library only; no packaging/distutils on the target).

A version is compared as a tuple of integers. Comparisons pad the shorter tuple with zeros, so
"12.8" == "12.8.0". Range ends are inclusive *at their own precision*: the range ("12.0", "12.9")
contains "12.9.1", and ("11", "11") means every 11.x.
"""

from __future__ import annotations

import re

_LEADING_NUMBER = re.compile(r"^[vVrR]?(\d+(?:\.\d+)*)")


def parse_version(value):
    """Return the leading dotted number of `value` as a tuple of ints.

    Accepts ints ("580" and 580 alike), "12.8.1", "R580", "v1.19.0", "3.46.0.12", "1.8.0_292",
    "12.8.1-1" and "26.10.*". Raises ValueError when `value` does not start with a number.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not a version: {value!r}")
    if isinstance(value, int):
        return (value,)
    text = str(value).strip()
    match = _LEADING_NUMBER.match(text)
    if not match:
        raise ValueError(f"not a version: {value!r}")
    return tuple(int(part) for part in match.group(1).split("."))


def try_parse_version(value):
    """parse_version, or None when `value` is empty or not a version."""
    try:
        return parse_version(value)
    except ValueError:
        return None


def _pad(left, right):
    width = max(len(left), len(right))
    return left + (0,) * (width - len(left)), right + (0,) * (width - len(right))


def compare_versions(left, right):
    """Return -1, 0 or 1 (left <, == or > right); strings or tuples."""
    if not isinstance(left, tuple):
        left = parse_version(left)
    if not isinstance(right, tuple):
        right = parse_version(right)
    left, right = _pad(left, right)
    return (left > right) - (left < right)


def version_at_least(value, minimum):
    return compare_versions(value, minimum) >= 0


def version_in_range(value, first=None, last=None):
    """True when first <= value and value, cut to the precision of `last`, <= last.

    Either end may be None (open). ("12.0", "12.9") contains "12.9.1"; ("11", "11") is 11.x.
    """
    if not isinstance(value, tuple):
        value = parse_version(value)
    if first is not None and compare_versions(value, first) < 0:
        return False
    if last is not None:
        last_tuple = last if isinstance(last, tuple) else parse_version(last)
        if compare_versions(value[:len(last_tuple)], last_tuple) > 0:
            return False
    return True


def version_string(value):
    """("12", "8") -> "12.8"; a string is returned unchanged."""
    if isinstance(value, tuple):
        return ".".join(str(part) for part in value)
    return str(value)


def major_minor(value):
    """"12.8.1" -> "12.8"; "580" -> "580"."""
    return version_string(parse_version(value)[:2])


def describe_range(first=None, last=None):
    """Human form of an inclusive range: "12.2-12.9", "12.x", "12.x-13.x", ">= 9.17"."""

    def show(end):
        text = version_string(end)
        return text + ".x" if "." not in text else text

    if first is None and last is None:
        return "any version"
    if first is None:
        return f"<= {show(last)}"
    if last is None:
        return f">= {version_string(first)}"
    if str(first) == str(last):
        return show(first)
    return f"{show(first)}-{show(last)}"


def debian_upstream_version(version):
    """Drop the epoch and the Debian revision: "5:28.5.1-1~debian.12~bookworm" -> "28.5.1"
    (the leading dotted number of the upstream part); "" when nothing numeric is left.
    """
    text = str(version)
    if ":" in text:
        text = text.split(":", 1)[1]
    if "-" in text:
        text = text.rsplit("-", 1)[0]
    match = re.match(r"^\d+(?:\.\d+)*", text)
    return match.group(0) if match else text
