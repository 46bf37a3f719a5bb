"""What the package cache served and what it fetched from upstream, per file, as JSON (Molecule verifier).

apt-cacher-ng logs one line per transfer in /var/log/apt-cacher-ng/apt-cacher.log, `time|I|bytes|client|path` for
bytes fetched from upstream and `time|O|bytes|client|path` for bytes served; a hit has an O line alone. proxpi (at
DEBUG) logs "Downloading '<url>'" for each upstream fetch, and gunicorn's access log a "GET /index/<project>/<file>"
line with the status for each file served; both go to the journal of mlbox-pypi-cache@<name>.

    python3 cache_hits.py [INDEX_NAME...]
"""

import json
import re
import subprocess
import sys
from collections import defaultdict

ACNG_LOG = "/var/log/apt-cacher-ng/apt-cacher.log"


def apt_counts():
    """Per .deb file: transfers in (I) and out (O), bytes fetched (I_bytes), and its size (the largest O line)."""
    counts = defaultdict(lambda: {"I": 0, "O": 0, "I_bytes": 0, "size": 0})
    with open(ACNG_LOG, encoding="utf-8", errors="replace") as log:
        for line in log:
            fields = line.rstrip("\n").split("|")
            if len(fields) < 5 or fields[1] not in ("I", "O") or not fields[2].isdigit():
                continue
            count = counts[fields[4]]
            count[fields[1]] += 1
            if fields[1] == "I":
                count["I_bytes"] += int(fields[2])
            else:
                count["size"] = max(count["size"], int(fields[2]))
    return {path: count for path, count in counts.items() if path.endswith(".deb")}


def pypi_counts(name):
    out = subprocess.run(["journalctl", "--no-pager", "-o", "cat", "-u", f"mlbox-pypi-cache@{name}.service"],
                         capture_output=True, text=True, check=True).stdout
    counts = defaultdict(lambda: {"served": 0, "fetched": 0})
    for line in out.splitlines():
        served = re.search(r'"GET /index/[^/ ]+/([^/ ?"]+) HTTP/[0-9.]+" 200 ', line)
        if served:
            counts[served.group(1)]["served"] += 1
        fetched = re.search(r"Downloading '[^']*/([^/']+)' to ", line)
        if fetched:
            counts[fetched.group(1)]["fetched"] += 1
    return {name: count for name, count in counts.items() if name.endswith((".whl", ".tar.gz"))}


print(json.dumps({"apt": apt_counts(), "pypi": {name: pypi_counts(name) for name in sys.argv[1:]}}, indent=1))
