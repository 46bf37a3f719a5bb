# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pure logic of the vendor_apt module: OpenPGP keys, Debian versions, pins, and apt's output.

Standard library only (it runs on the target, Python 3.8+). Nothing here runs a program or touches a
file; the module does that and hands the text to these functions.

- OpenPGP (RFC 4880 / RFC 9580): the primary keys of a key file, their fingerprints, and the packets of
  one key, so that a keyring holds exactly the key that was pinned (no gpg needed).
- Debian versions: dpkg's comparison (deb-version(7)), and what an upstream pin matches. A role pins the
  upstream version (docker 29.0.0, containerd 2.1.5); the repository's index supplies the packaging
  suffix (5:29.0.0-1~debian.12~bookworm, 2.1.5-1~ubuntu.24.04~noble, 1.7.27-1), never the role.
- apt's output: `apt-cache madison`, `apt-get -s install` and `apt-get --print-uris install`.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import functools
import hashlib
import re

# --------------------------------------------------------------------------------------------
# OpenPGP

PUBLIC_KEY_TAG = 6
_ARMOR_BEGIN = "-----BEGIN PGP PUBLIC KEY BLOCK-----"
_ARMOR_END = "-----END PGP PUBLIC KEY BLOCK-----"
_CRC24_INIT = 0xB704CE
_CRC24_POLY = 0x1864CFB


class KeyFormatError(ValueError):
    """The data is not an OpenPGP public key (the message says why)."""


def crc24(data):
    crc = _CRC24_INIT
    for byte in data:
        crc ^= byte << 16
        for _bit in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= _CRC24_POLY
    return crc & 0xFFFFFF


def dearmor(data):
    """Binary OpenPGP data from `data` (bytes), armored or already binary."""
    text = data.decode("ascii", "replace") if isinstance(data, bytes) else data
    if _ARMOR_BEGIN not in text:
        if isinstance(data, bytes) and data[:1] and data[0] & 0x80:
            return data
        raise KeyFormatError("neither an armored nor a binary OpenPGP key")
    body = text.split(_ARMOR_BEGIN, 1)[1].split(_ARMOR_END, 1)[0]
    lines = [line.strip() for line in body.strip().splitlines()]
    # Armor headers (Version: ..., Comment: ...) end at the first empty line.
    if "" in lines and any(":" in line for line in lines[: lines.index("")]):
        lines = lines[lines.index("") + 1:]
    checksum = None
    payload = []
    for line in lines:
        if not line:
            continue
        if line.startswith("=") and len(line) == 5:
            checksum = line[1:]
            break
        payload.append(line)
    try:
        binary = base64.b64decode("".join(payload), validate=True)
    except (binascii.Error, ValueError) as err:
        raise KeyFormatError(f"the armored key is not valid base64 ({err})") from err
    if checksum is not None:
        try:
            expected = int.from_bytes(base64.b64decode(checksum), "big")
        except (binascii.Error, ValueError) as err:
            raise KeyFormatError("the armor checksum is not valid base64") from err
        if crc24(binary) != expected:
            raise KeyFormatError("the armor checksum does not match (the key is damaged)")
    return binary


def armor(binary):
    """ASCII-armored text (str) of binary OpenPGP key data."""
    encoded = base64.b64encode(binary).decode("ascii")
    lines = [encoded[i:i + 64] for i in range(0, len(encoded), 64)]
    checksum = base64.b64encode(crc24(binary).to_bytes(3, "big")).decode("ascii")
    return "\n".join([_ARMOR_BEGIN, "", *lines, "=" + checksum, _ARMOR_END]) + "\n"


def packets(binary):
    """(tag, header+body bytes, body bytes) of each packet, in order. Raises KeyFormatError on a damaged stream."""
    result = []
    pos = 0
    size = len(binary)
    while pos < size:
        start = pos
        head = binary[pos]
        if not head & 0x80:
            raise KeyFormatError(f"not an OpenPGP packet at byte {pos}")
        pos += 1
        if head & 0x40:  # new format
            tag = head & 0x3F
            if pos >= size:
                raise KeyFormatError("truncated packet header")
            first = binary[pos]
            if first < 192:
                length, pos = first, pos + 1
            elif first < 224:
                if pos + 1 >= size:
                    raise KeyFormatError("truncated packet header")
                length, pos = ((first - 192) << 8) + binary[pos + 1] + 192, pos + 2
            elif first == 255:
                length, pos = int.from_bytes(binary[pos + 1:pos + 5], "big"), pos + 5
            else:
                raise KeyFormatError("partial-length packets do not occur in keys")
        else:  # old format
            tag = (head >> 2) & 0x0F
            kind = head & 0x03
            if kind == 3:
                raise KeyFormatError("indeterminate-length packets do not occur in keys")
            width = (1, 2, 4)[kind]
            length, pos = int.from_bytes(binary[pos:pos + width], "big"), pos + width
        if pos + length > size:
            raise KeyFormatError("truncated packet")
        result.append((tag, binary[start:pos + length], binary[pos:pos + length]))
        pos += length
    return result


def key_fingerprint(body):
    """The fingerprint (upper-case hex) of a public key packet body (v4: SHA-1; v5, v6: SHA-256)."""
    version = body[0] if body else 0
    if version == 4:
        return hashlib.sha1(b"\x99" + len(body).to_bytes(2, "big") + body).hexdigest().upper()
    if version == 5:
        return hashlib.sha256(b"\x9a" + len(body).to_bytes(4, "big") + body).hexdigest().upper()
    if version == 6:
        return hashlib.sha256(b"\x9b" + len(body).to_bytes(4, "big") + body).hexdigest().upper()
    raise KeyFormatError(f"OpenPGP key version {version} is not supported (v4, v5 and v6 are)")


def split_keys(binary):
    """{fingerprint: binary of that primary key with its user IDs, signatures and subkeys}, in file order."""
    keys = {}
    current = None
    for tag, raw, body in packets(binary):
        if tag == PUBLIC_KEY_TAG:
            current = key_fingerprint(body)
            keys[current] = b""
        if current is None:
            raise KeyFormatError("the data does not start with a public key")
        keys[current] += raw
    if not keys:
        raise KeyFormatError("no public key in the data")
    return keys


def normalise_fingerprint(value):
    return re.sub(r"\s", "", str(value)).upper()


def select_key(data, fingerprint):
    """(binary of the pinned key alone, fingerprints found): the key whose primary fingerprint is
    `fingerprint`, or (None, found) when the data has no such key. Raises KeyFormatError for data that is
    not an OpenPGP key."""
    keys = split_keys(dearmor(data))
    wanted = normalise_fingerprint(fingerprint)
    return keys.get(wanted), list(keys)


def keyring_bytes(key_binary, path):
    """What a keyring file at `path` holds: armored for *.asc (apt reads those as text), binary otherwise."""
    return armor(key_binary).encode("ascii") if path.endswith(".asc") else key_binary


# --------------------------------------------------------------------------------------------
# Debian versions (deb-version(7), dpkg's verrevcmp)


def _order(char):
    if char.isdigit():
        return 0
    if char.isalpha():
        return ord(char)
    if char == "~":
        return -1
    return ord(char) + 256 if char else 0


def _verrevcmp(left, right):
    i = j = 0
    while i < len(left) or j < len(right):
        first_diff = 0
        while (i < len(left) and not left[i].isdigit()) or (j < len(right) and not right[j].isdigit()):
            lc = _order(left[i]) if i < len(left) else 0
            rc = _order(right[j]) if j < len(right) else 0
            if lc != rc:
                return lc - rc
            i += 1
            j += 1
        while i < len(left) and left[i] == "0":
            i += 1
        while j < len(right) and right[j] == "0":
            j += 1
        while i < len(left) and left[i].isdigit() and j < len(right) and right[j].isdigit():
            if not first_diff:
                first_diff = ord(left[i]) - ord(right[j])
            i += 1
            j += 1
        if i < len(left) and left[i].isdigit():
            return 1
        if j < len(right) and right[j].isdigit():
            return -1
        if first_diff:
            return first_diff
    return 0


def split_debian_version(version):
    """(epoch, upstream, revision) of a Debian version; revision "" when there is none."""
    epoch, rest = version.split(":", 1) if ":" in version else ("0", version)
    upstream, _sep, revision = rest.rpartition("-") if "-" in rest else (rest, "", "")
    return int(epoch) if epoch.isdigit() else 0, upstream, revision


def compare_debian_versions(left, right):
    """<0, 0, >0 as dpkg --compare-versions orders `left` and `right`."""
    le, lu, lr = split_debian_version(left)
    re_, ru, rr = split_debian_version(right)
    if le != re_:
        return le - re_
    return _verrevcmp(lu, ru) or _verrevcmp(lr, rr)


def sort_debian_versions(versions, reverse=False):
    items = list(versions)
    # A small insertion sort keeps this free of functools.cmp_to_key quirks on old Pythons.
    result = []
    for item in items:
        pos = len(result)
        while pos > 0 and compare_debian_versions(result[pos - 1], item) > 0:
            pos -= 1
        result.insert(pos, item)
    return result[::-1] if reverse else result


def pin_matches(pin, version):
    """Whether the apt `version` is what the pin `pin` asks for.

    - a glob (with * or ?) matches the full version, or the version without its epoch:
      "8.2.4.15-*+cuda11.4" matches 8.2.4.15-1+cuda11.4;
    - a pin with a "-" is a full version, with or without the epoch: "1.19.0-1", "5:29.0.0-1~debian.12~bookworm";
    - otherwise it is an upstream version: it matches that upstream version with any epoch and revision
      (29.0.0 -> 5:29.0.0-1~debian.12~bookworm; 2.1.5 -> 2.1.5-1 and 2.1.5-1~ubuntu.24.04~noble), a repack
      (20.10.24 -> 20.10.24+dfsg1-1) and a packager's "~N" build suffix (20.10.8 -> 5:20.10.8~3-0~ubuntu-focal),
      never a pre-release (1.0 does not match 1.0~rc1-1).
    """
    pin = str(pin).strip()
    epoch_less = version.split(":", 1)[1] if ":" in version else version
    if "*" in pin or "?" in pin:
        return fnmatch.fnmatchcase(version, pin) or fnmatch.fnmatchcase(epoch_less, pin)
    if "-" in pin:
        return pin in (version, epoch_less)
    # The upstream part ends at a "-" (the revision), a "+" (a repack such as +dfsg) or a packager's "~N" build
    # number; "~rc1" and the like are other versions. (Docker 20.10's 5:20.10.8~3-0~ubuntu-focal has, for dpkg, the
    # upstream version 20.10.8~3-0~ubuntu and the revision focal: the prefix rule reads it as it was meant.)
    return re.match(re.escape(pin) + r"(~[0-9]+)?([-+]|$)", epoch_less) is not None


def resolve_pin(pin, versions):
    """The newest of `versions` that `pin` matches, or None."""
    matches = [version for version in versions if pin_matches(pin, version)]
    return sort_debian_versions(matches)[-1] if matches else None


def nearest_versions(pin, versions, count=3):
    """Up to `count` versions on each side of where `pin` would sort among `versions` (newest first)."""
    ordered = sort_debian_versions(set(versions))
    probe = str(pin).split("*", 1)[0].split("?", 1)[0]
    below = [version for version in ordered if compare_debian_versions(version.split(":", 1)[-1], probe) < 0]
    above = [version for version in ordered if version not in below]
    return list(reversed(below[-count:] + above[:count]))


_NUMBERED = re.compile(r"^(.+?)-([0-9]+(?:[-.][0-9]+)*)$")


def name_stem(name):
    """A package name without the version numbers it ends with (cuda-toolkit-12-9 -> cuda-toolkit, nvidia-open-580
    -> nvidia-open, libcudnn9-cuda-12 -> libcudnn9-cuda), or None when it ends with none."""
    match = _NUMBERED.match(name)
    return match.group(1) if match else None


def nearest_siblings(name, newest, count=3):
    """For a package the repository lacks, the packages of the same family (same stem, other numbers) nearest to it,
    as [(sibling, its newest version)]: up to `count` on each side of where `name` sorts among them, by the numbers
    in their names, highest first. `newest` is {package: newest version} of what the repository has."""
    stem = name_stem(name)
    if stem is None:
        return []
    numbers = dict((sibling, _NUMBERED.match(sibling).group(2)) for sibling in newest
                   if sibling != name and name_stem(sibling) == stem)
    probe = _NUMBERED.match(name).group(2)
    ordered = sorted(numbers, key=functools.cmp_to_key(lambda a, b: compare_debian_versions(numbers[a], numbers[b])))
    below = [sibling for sibling in ordered if compare_debian_versions(numbers[sibling], probe) < 0]
    above = [sibling for sibling in ordered if sibling not in below]
    return [(sibling, newest[sibling]) for sibling in reversed(below[-count:] + above[:count])]


# --------------------------------------------------------------------------------------------
# apt's output

_MADISON = re.compile(r"^\s*(\S+)\s*\|\s*(\S+)\s*\|\s*(.*?)\s*$")
_SIMULATED = re.compile(r"^(Inst|Remv) (\S+)(?: \[([^\]]+)\])?(?: \((\S+) (.*?) ?\[([^\]]+)\]\))?")


def parse_madison(text):
    """{package: [(version, where)]} from `apt-cache madison` (where: "<uri> <suite>[/<component>] <arch> Packages")."""
    result = {}
    for line in text.splitlines():
        match = _MADISON.match(line)
        if not match or not match.group(3).endswith("Packages"):
            continue
        name, version, where = match.groups()
        entries = result.setdefault(name, [])
        if (version, where) not in entries:
            entries.append((version, where))
    return result


def parse_simulation(text):
    """The actions of `apt-get -s install`, in order: {action, package, version, current, release, arch}."""
    actions = []
    for line in text.splitlines():
        match = _SIMULATED.match(line)
        if not match:
            continue
        verb, name, current, version, release, arch = match.groups()
        if verb == "Remv":
            action = "remove"
        elif current is None:
            action = "install"
        else:
            action = "upgrade" if compare_debian_versions(version or "", current) > 0 else (
                "reinstall" if version == current else "downgrade")
        actions.append({
            "action": action,
            "package": name,
            "version": version or current or "",
            "current": current or "",
            "release": (release or "").strip(),
            "arch": arch or "",
        })
    return actions


def parse_dpkg_status(text):
    """{package: {version, held}} of the installed packages in dpkg's status file (/var/lib/dpkg/status)."""
    installed = {}
    for stanza in text.split("\n\n"):
        fields = {}
        for line in stanza.splitlines():
            if line[:1] not in (" ", "\t") and ":" in line:
                key, _sep, value = line.partition(":")
                fields[key] = value.strip()
        want, _flag, state = (fields.get("Status", "") + "  ").split(" ", 2)
        if fields.get("Package") and state.strip() == "installed":
            installed[fields["Package"]] = {"version": fields.get("Version", ""), "held": want == "hold"}
    return installed


def parse_print_uris(text):
    """{(package, version): size in bytes} from `apt-get --print-uris -qq install`."""
    sizes = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 3 or not fields[0].startswith("'") or not fields[1].endswith(".deb"):
            continue
        parts = fields[1][: -len(".deb")].split("_")
        if len(parts) != 3 or not fields[2].isdigit():
            continue
        version = parts[1].replace("%3a", ":").replace("%3A", ":")
        sizes[(parts[0], version)] = int(fields[2])
    return sizes


def size_of(sizes, package, version):
    """The download size of package=version from parse_print_uris (file names carry no epoch)."""
    epoch_less = version.split(":", 1)[1] if ":" in version else version
    return sizes.get((package, version), sizes.get((package, epoch_less)))


# apt's list file names: URItoFileName (apt-pkg/contrib/strutl.cc) drops the scheme and the user, quotes these
# characters (and controls, space, non-ASCII) as %xx and turns "/" into "_".
_LIST_QUOTED = set('\\|{}[]<>"^~_=!@#$%^&*')


def list_file_prefix(uri):
    """The prefix of the files under /var/lib/apt/lists that apt writes for a source with this URI."""
    rest = uri.split("://", 1)[-1]
    if "@" in rest.split("/", 1)[0]:
        rest = rest.split("@", 1)[1]
    quoted = "".join(
        f"%{ord(char):02x}" if char in _LIST_QUOTED or ord(char) <= 0x20 or ord(char) >= 0x7F else char
        for char in rest.rstrip("/") + "/"
    )
    return quoted.replace("/", "_")


def uri_problem(uri, schemes=("http", "https", "file")):
    """Why `uri` cannot be a repository or key URL, or '' when it can: one of `schemes`, a host (a path for
    file:), no whitespace, control character or quote (they would add lines or fields to apt's files), and no
    user or password (apt's sources and the plan are readable by everyone)."""
    if not isinstance(uri, str) or not uri:
        return "is empty"
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 or ch in "\"'" for ch in uri):
        return "holds whitespace, a control character or a quote (a newline would add a line to apt's files)"
    match = re.match(r"^([a-z][a-z0-9+.-]*)://([^/?#]*)(.*)$", uri)
    if not match or match.group(1) not in schemes:
        return "is not an URL of " + ", ".join(scheme + "://" for scheme in schemes)
    scheme, authority = match.group(1), match.group(2)
    if "@" in authority:
        return ("holds a user or password, which would be written to files everyone can read: give the URL "
                "without them and put them in /etc/apt/auth.conf.d/ (mode 0600, see apt_auth.conf(5))")
    host = r"^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$"
    if scheme != "file" and not re.match(host, authority):
        return "has no valid host name"
    if scheme == "file" and (authority or not match.group(3).startswith("/")):
        return "is not a file:///absolute/path URL"
    return ""


def failing_repositories(stderr, uris):
    """The URIs among `uris` that apt-get update's errors and warnings name."""
    named = []
    for line in stderr.splitlines():
        if not re.match(r"^(E|W|Err):?", line.strip()):
            continue
        for uri in uris:
            if uri.rstrip("/") in line and uri not in named:
                named.append(uri)
    return named


def via_apt_cache(uri, cache):
    """`uri` as apt-cacher-ng at `cache` (http://host:port) serves it, or `uri` itself when `cache` is empty.

    http://host/path becomes <cache>/host/path; https://host/path becomes <cache>/HTTPS///host/path, the form in
    which apt-cacher-ng fetches from the vendor over TLS and still caches (its manual, "Access to SSL/TLS remotes").
    A file:// URI, and one already through the cache, are returned as they are. apt checks the signatures of what
    the cache serves against the keyring it was given, so the cache is not trusted.
    """
    if not cache:
        return uri
    base = cache.rstrip("/") + "/"
    if uri.startswith(base):
        return uri
    scheme, sep, rest = uri.partition("://")
    if not sep or scheme not in ("http", "https"):
        return uri
    return base + ("HTTPS///" if scheme == "https" else "") + rest


def apt_cache_problem(cache):
    """Why `cache` cannot be an apt cache's address, or '' when it can (empty: no cache): http://host:port,
    nothing after the port but an optional "/"."""
    if not cache:
        return ""
    if not isinstance(cache, str) or not re.match(
        r"^http://([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}/?$", cache
    ):
        return "is not an apt cache's address, http://host:port (for example http://cache.example.internal:3142)"
    port = int(cache.rstrip("/").rsplit(":", 1)[1])
    if not 0 < port < 65536:
        return "has a port outside 1-65535"
    return ""
