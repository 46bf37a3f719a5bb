# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fetch a throw-away uv for the plan (plan_envs.yml), without installing anything on the host.

Usage: fetch_uv.py DEST_DIR VERSION ARCH INDEX_URL [FIND_LINKS_DIR ...]
Finds the wheel uv-VERSION-py3-none-manylinux*_ARCH.whl in a FIND_LINKS_DIR or on the simple index INDEX_URL
(PEP 503: INDEX_URL/uv/; "" is PyPI's), checks its sha256 against the index's (a wheel from the index without a
hash is refused), and extracts the uv binary as DEST_DIR/uv (mode 0755). Prints its path. DEST_DIR must exist;
the caller removes it. Standard library only (runs with the system python3); urllib honours the proxy variables.
"""

from __future__ import annotations

import glob
import hashlib
import html.parser
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


def from_index(index, version, arch):
    base = (index or PYPI).rstrip("/") + "/uv/"
    with urllib.request.urlopen(base, timeout=60) as response:
        parser = Links()
        parser.feed(response.read().decode("utf-8", "replace"))
    candidates = []
    for href in parser.hrefs:
        url = urllib.parse.urljoin(base, href)
        name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
        if wanted(name, version, arch):
            candidates.append((name.startswith(f"uv-{version}-py3-none-musllinux"), url))
    if not candidates:
        sys.exit(f"no uv {version} wheel for {arch} on {base}")
    url = sorted(candidates)[0][1]
    fragment = urllib.parse.urlsplit(url).fragment
    if not fragment.startswith("sha256="):
        sys.exit(f"the index {base} gives no sha256 for {url}: refused")
    with urllib.request.urlopen(url.split("#", 1)[0], timeout=300) as response:
        data = response.read()
    if hashlib.sha256(data).hexdigest() != fragment.split("=", 1)[1]:
        sys.exit(f"the sha256 of {url} does not match the index's")
    return data, url


def main():
    dest, version, arch, index = sys.argv[1:5]
    data, where = from_find_links(sys.argv[5:], version, arch)
    if data is None:
        data, where = from_index(index, version, arch)
    wheel = os.path.join(dest, "uv.whl")
    with open(wheel, "wb") as handle:
        handle.write(data)
    with zipfile.ZipFile(wheel) as archive:
        member = f"uv-{version}.data/scripts/uv"
        if member not in archive.namelist():
            sys.exit(f"{where} has no {member}")
        target = os.path.join(dest, "uv")
        with archive.open(member) as source, open(target, "wb") as handle:
            handle.write(source.read())
    os.chmod(target, 0o755)
    os.unlink(wheel)
    print(target)


if __name__ == "__main__":
    main()
