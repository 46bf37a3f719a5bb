# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fetch a throw-away uv for the plan (plan_envs.yml), without installing anything on the host.

Usage: fetch_uv.py DEST_DIR VERSION ARCH
Environment: MLBOX_FETCH_UV_INDEX_URL (the simple index; empty or unset: PyPI's) and MLBOX_FETCH_UV_FIND_LINKS
(wheelhouse directories, a JSON list). They come through the environment, never the command line, since an
index URL may hold credentials (https://user:password@host/simple: sent as HTTP basic authentication).
Finds the wheel uv-VERSION-py3-none-manylinux*_ARCH.whl in a wheelhouse directory or on the index (PEP 503:
INDEX_URL/uv/), checks its sha256 against the index's (a wheel from the index without a hash is refused), and
extracts the uv binary as DEST_DIR/uv (mode 0755). Prints its path. DEST_DIR must exist; the caller removes it.
Messages never show the credentials. Standard library only (runs with the system python3); urllib honours the
proxy variables.
"""

from __future__ import annotations

import base64
import glob
import hashlib
import html.parser
import json
import os
import re
import sys
import urllib.parse
import urllib.request
import zipfile

PYPI = "https://pypi.org/simple"


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [value for name, value in attrs if name == "href" and value]


def wanted(name, version, arch):
    pattern = rf"^uv-{re.escape(version)}-py3-none-(manylinux|musllinux)[0-9a-z_.]*_{re.escape(arch)}\.whl$"
    return re.match(pattern, name) is not None


def from_find_links(dirs, version, arch):
    for directory in dirs:
        for path in sorted(glob.glob(os.path.join(directory, f"uv-{version}-*.whl"))):
            if wanted(os.path.basename(path), version, arch):
                with open(path, "rb") as handle:
                    return handle.read(), path
    return None, None


def split_credentials(url):
    """(url without user:password@, the Authorization header for them or None)."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None:
        return url, None
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    user = urllib.parse.unquote(parts.username)
    password = urllib.parse.unquote(parts.password or "")
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc)), f"Basic {token}"


def shown(url):
    """The URL as messages show it: without credentials."""
    return re.sub(r"(?i)^([a-z][a-z0-9+.-]*://)[^/@]*@", r"\1***@", url)


def fetch(url, authorization, timeout):
    # PEP 691's content negotiation, HTML (the links parsed below): an index may refuse a request that names no type
    # (proxpi, the fleet's package cache, answers 406).
    request = urllib.request.Request(url, headers={"Accept": "application/vnd.pypi.simple.v1+html, text/html;q=0.01"})
    # Credentials go to the index's host only, not to a host a link points to.
    if authorization:
        request.add_unredirected_header("Authorization", authorization)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read()
    except OSError as error:
        sys.exit(f"cannot read {shown(url)}: {getattr(error, 'reason', error)}")


def from_index(index, version, arch):
    base, authorization = split_credentials((index or PYPI).rstrip("/") + "/uv/")
    host = urllib.parse.urlsplit(base).netloc
    parser = Links()
    parser.feed(fetch(base, authorization, 60).decode("utf-8", "replace"))
    candidates = []
    for href in parser.hrefs:
        url = urllib.parse.urljoin(base, href)
        name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
        if wanted(name, version, arch):
            candidates.append((name.startswith(f"uv-{version}-py3-none-musllinux"), url))
    if not candidates:
        sys.exit(f"no uv {version} wheel for {arch} on {shown(base)}")
    url = sorted(candidates)[0][1]
    fragment = urllib.parse.urlsplit(url).fragment
    if not fragment.startswith("sha256="):
        sys.exit(f"the index {shown(base)} gives no sha256 for {shown(url)}: refused")
    same_host = urllib.parse.urlsplit(url).netloc == host
    data = fetch(url.split("#", 1)[0], authorization if same_host else None, 300)
    if hashlib.sha256(data).hexdigest() != fragment.split("=", 1)[1]:
        sys.exit(f"the sha256 of {shown(url)} does not match the index's")
    return data, url


def main():
    dest, version, arch = sys.argv[1:4]
    index = os.environ.get("MLBOX_FETCH_UV_INDEX_URL", "")
    find_links = [path for path in json.loads(os.environ.get("MLBOX_FETCH_UV_FIND_LINKS") or "[]") if path]
    data, where = from_find_links(find_links, version, arch)
    if data is None:
        data, where = from_index(index, version, arch)
    wheel = os.path.join(dest, "uv.whl")
    with open(wheel, "wb") as handle:
        handle.write(data)
    with zipfile.ZipFile(wheel) as archive:
        member = f"uv-{version}.data/scripts/uv"
        if member not in archive.namelist():
            sys.exit(f"{shown(where)} has no {member}")
        target = os.path.join(dest, "uv")
        with archive.open(member) as source, open(target, "wb") as handle:
            handle.write(source.read())
    os.chmod(target, 0o755)
    os.unlink(wheel)
    print(target)


if __name__ == "__main__":
    main()
