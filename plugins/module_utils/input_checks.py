# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the roles' input checks (the *_problems filters in plugins/filter/) share: values read as the asserts the
checks replace read them (Jinja's int and float filters, Ansible's bool filter, to_json), types named in YAML's
words, the URL and address patterns, and the masking of a URL's user:password@ in every message that shows one.

Each filter returns one message per problem; these helpers only read values and build the shared parts of those
messages. A message never shows a value's user:password@ (mask_userinfo, json_masked)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

from ansible.module_utils.common.text.converters import to_text

# \Z, not $, throughout: Python's $ also matches before a trailing newline.
# A TCP port, 1-65535.
PORT = r"(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})"
# A host parsed label by label (each starts and ends with a letter or digit), an IPv4 address, or [IPv6].
STRICT_HOST = r"([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])"
# A host as apt's and the caches' settings take it: letters, digits, '.' and '-' (starting and ending with a letter
# or digit), or [IPv6].
LOOSE_HOST = r"([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])"
# A plain http(s) URL, parsed in full: scheme, optional user info, STRICT_HOST, an optional port 1-65535, an optional
# path of printable ASCII (no space, newline or other control character). PLAIN_HTTPS_URL: the same, https only.
PLAIN_URL = re.compile(rf"^https?://([!-.0-?A-~]+@)?{STRICT_HOST}(:{PORT})?(/[!-~]*)?\Z")
PLAIN_HTTPS_URL = re.compile(rf"^https://([!-.0-?A-~]+@)?{STRICT_HOST}(:{PORT})?(/[!-~]*)?\Z")
# http://host:port with nothing after the port but an optional '/' (an apt cache, an upstream proxy); the port's
# range is is_http_host_port's to check.
HTTP_HOST_PORT = re.compile(rf"^http://{LOOSE_HOST}:[0-9]{{1,5}}/?\Z")
# An apt repository's or key's URL: http(s):// or file:/// without whitespace, quotes or '@' (a user or password
# would be written to a source file everyone can read). The backslash was never refused.
APT_SOURCE_URL = re.compile(r"""^(https?://[A-Za-z0-9\[]|file:///)[^\s"'@]*\Z""")
OCTET = "(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])"
IPV4 = re.compile(rf"^{OCTET}(\.{OCTET}){{3}}\Z")
# A name of letters, digits, '.', '_' and '-' that starts with a letter or digit (a profile, a certificate, an
# environment: each becomes a file or directory name).
SIMPLE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
# A user name useradd accepts (Debian's default NAME_REGEX, at most 32 characters).
USER_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}\Z")
# A v4 OpenPGP fingerprint (40 hexadecimal digits), once spaces are taken out and letters upper-cased.
V4_FINGERPRINT = re.compile(r"^[0-9A-F]{40}\Z")

# Why an apt source's URL must not hold credentials, and where they go instead.
APT_CREDENTIALS = ("holds a user or password, which would be written to a source file everyone can read: give the URL "
                   "without them and put them in /etc/apt/auth.conf.d/ (mode 0600, see apt_auth.conf(5))")

# A text's last word before its first '://' when it ends in user info ('user:pw@http'): credentials written before
# the scheme.
_USERINFO_BEFORE_SCHEME = re.compile(r"\S*@(?=[A-Za-z][A-Za-z0-9+.-]*\Z)")


def is_list(value):
    """Whether value is a list as YAML gives one (a sequence that is no string, bytes or mapping)."""
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes, Mapping))


def type_name(value, mapping="dict"):
    """The YAML name of value's type, for messages (never the value itself, which may be a secret): null, boolean,
    number, string, list, `mapping` (the word the message uses for a dict), else the Python type's name."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return mapping
    return "list" if is_list(value) else type(value).__name__


def a_type_name(value, mapping="dict"):
    """type_name with its article: null, a boolean, a number, a string, a dict (or a `mapping`), a list, ..."""
    return "null" if value is None else f"a {type_name(value, mapping)}"


def wrong_type(name, value, wanted):
    """A message for a value of the wrong type, or None when value is a `wanted` (string, list or dict)."""
    checks = {"string": lambda: isinstance(value, str), "list": lambda: is_list(value),
              "dict": lambda: isinstance(value, Mapping)}
    if checks[wanted]():
        return None
    return f"{name} is a {type_name(value)}, not a {wanted}: give a {wanted} there."


def of_type(name, value, wanted, problems):
    """Whether value is a `wanted` (string, list or dict); where it is not, wrong_type's message is added to
    problems (and the rules that read the value are skipped: `if of_type(...) and <rule>:`)."""
    problem = wrong_type(name, value, wanted)
    if problem:
        problems.append(problem)
    return problem is None


def mapping_items(name, value, problems):
    """Yields (where, item) for each item of the list `value` that is a mapping, where is name[index]. A value that
    is no list, and each item that is no mapping, add a wrong_type message to problems instead, in the items' order
    (the caller's loop adds its own messages in between)."""
    if not of_type(name, value, "list", problems):
        return
    for index, item in enumerate(value):
        where = f"{name}[{index}]"
        if isinstance(item, Mapping):
            yield where, item
        else:
            problems.append(wrong_type(where, item, "dict"))


def not_lists(inputs, keys, example):
    """The one message for the list inputs that are not lists (or None when all are). One given as a string is
    named with a list that it could have been; `example` says what an item is ("one item each"). Of other types
    only the type is named."""
    named = []
    for key in keys:
        value = inputs.get(key)
        if isinstance(value, str):
            shown = mask_userinfo(value)
            named.append(f"{key} is the string {to_json(shown)}, not a list: give a YAML list, {example}, such as "
                         f"{key}: [{', '.join(to_json(word) for word in shown.split())}].")
        elif not is_list(value):
            named.append(f"{key} is {a_type_name(value)}, not a list: give a YAML list, {example}.")
    return " ".join([*named, "The list inputs must be lists."]) if named else None


def to_int(value, default=0):
    """Jinja's int filter: a number, a numeric string ("42.5": 42), else `default` (also for inf, where Jinja
    raises)."""
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
    """The value as Ansible's to_json writes it (json.dumps, non-ASCII escaped; what JSON cannot hold as its text,
    and a whole value JSON cannot write at all, such as one with date keys, as that text)."""
    try:
        return json.dumps(value, default=str)
    except (TypeError, ValueError):
        return json.dumps(str(value))


def mask_userinfo(value):
    """value with a URL's user info shown as ***@: from the scheme's // to the last '@' after it, whatever the
    password holds (spaces, '/', '@'). Text without a scheme loses everything up to its last '@' (a proxy written
    user:password@host:port); a word that ends in '@' just before the scheme (user:password@http://...) is masked
    too. Text with several URLs is masked from the first scheme on. Lists and mappings are masked item by item
    (their keys are kept); other values are returned as they are."""
    if isinstance(value, Mapping):
        return {key: mask_userinfo(item) for key, item in value.items()}
    if is_list(value):
        return [mask_userinfo(item) for item in value]
    if not isinstance(value, str) or "@" not in value:
        return value
    head, scheme, tail = value.partition("://")
    if not scheme:
        return "***@" + value.rsplit("@", 1)[1]
    if "@" in tail:
        tail = "***@" + tail.rsplit("@", 1)[1]
    return _USERINFO_BEFORE_SCHEME.sub("***@", head) + scheme + tail


def json_masked(value):
    """The value as a message shows an input that may hold a URL: to_json of mask_userinfo."""
    return to_json(mask_userinfo(value))


def is_http_host_port(value):
    """Whether value is http://host:port with a port 1-65535 and nothing after it but an optional '/'."""
    return (isinstance(value, str) and bool(HTTP_HOST_PORT.match(value))
            and 1 <= to_int(value.rstrip("/").rsplit(":", 1)[-1]) <= 65535)


def plain_url_problem(name, value, example):
    """The sentence for a repository's or key's URL that PLAIN_URL refuses (value read as text, as Ansible's match
    test reads it), None for one it accepts. `example` is the vendor's URL."""
    if PLAIN_URL.match(to_text(value, errors="surrogate_or_strict")):
        return None
    return (f"{name} is {json_masked(value)}, which is not a plain https:// or http:// URL (a host name or address, an "
            "optional port 1-65535 and a path, no spaces, newlines or other characters outside printable ASCII; "
            f"file:// is not accepted): use for example {example} or a mirror's URL.")


def apt_source_url_problem(name, url, which):
    """The message for an apt repository's or key's URL (text) that APT_SOURCE_URL refuses, None for one it accepts.
    `which` says in parentheses which URL is meant (the vendor's, an example)."""
    if APT_SOURCE_URL.match(url):
        return None
    credentials = f"; it {APT_CREDENTIALS}" if "@" in url else ""
    return (f"{name} is '{mask_userinfo(url)}', which is not an http://, https:// or file:// URL ({which}) without "
            f"spaces, quotes or a newline{credentials}.")
