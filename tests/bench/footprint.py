"""Disk and package footprint of a converged box, as JSON on stdout (make bench).

Runs on the target with its python3 (standard library only):
    docker exec -i <box> python3 - < tests/bench/footprint.py

- apt: every transaction in /var/log/apt/history.log (the packages asked for, and all it installed), with the
  size of each package's .deb in /var/cache/apt/archives (apt keeps what it fetched until `apt-get clean`)
  and its Installed-Size from dpkg;
- disk: du of the places the roles write (environments, uv's cache, apt's cache and lists, Docker's data);
- sharing: du of uv's cache and the environments together, which counts hard-linked files once.
"""

from __future__ import annotations

import glob
import json
import os
import re
import subprocess
import urllib.parse

PATHS = [
    "/opt/mlbox/envs",
    "/opt/mlbox/tools",
    "/var/cache/mlbox/uv",
    "/root/.cache/pip",
    "/root/.cache/uv",
    "/var/cache/apt/archives",
    "/var/lib/apt/lists",
    "/var/lib/docker",
    "/usr/local/share/jupyter",
    "/usr",
    "/var/log",
]


def du_kib(*paths: str) -> int | None:
    present = [p for p in paths if os.path.exists(p)]
    if not present:
        return None
    out = subprocess.run(["du", "-skc", *present], capture_output=True, text=True, check=False).stdout
    return int(out.strip().splitlines()[-1].split()[0])


def history() -> list[dict]:
    txs: list[dict] = []
    try:
        with open("/var/log/apt/history.log", encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return txs
    for block in text.strip().split("\n\n"):
        tx: dict = {"requested": [], "installed": []}
        for line in block.splitlines():
            key, _sep, value = line.partition(": ")
            if key == "Start-Date":
                tx["start"] = value.strip()
            elif key == "Commandline":
                tx["commandline"] = value.strip()
            elif key in ("Install", "Upgrade"):
                # "name:arch (version), name:arch (version, automatic), ..." (Upgrade: "(old, new)")
                for m in re.finditer(r"([^\s,]+):(\w+) \(([^)]*)\)", value):
                    name, arch, info = m.groups()
                    parts = [p.strip() for p in info.split(",")]
                    automatic = "automatic" in parts
                    version = parts[-1] if key == "Upgrade" else parts[0]
                    tx["installed"].append({"name": name, "arch": arch, "version": version})
                    if not automatic:
                        tx["requested"].append(name)
        if tx["installed"]:
            txs.append(tx)
    return txs


def deb_sizes() -> dict[str, int]:
    sizes = {}
    for path in glob.glob("/var/cache/apt/archives/*.deb"):
        name, version, _arch = urllib.parse.unquote(os.path.basename(path))[:-4].split("_")
        sizes[f"{name}={version}"] = os.path.getsize(path)
    return sizes


def installed_sizes() -> dict[str, int]:
    out = subprocess.run(["dpkg-query", "-W", "-f=${Package}=${Version} ${Installed-Size}\n"],
                         capture_output=True, text=True, check=False).stdout
    sizes = {}
    for line in out.splitlines():
        key, _sep, kib = line.partition(" ")
        sizes[key] = int(kib or 0)
    return sizes


def main() -> None:
    debs = deb_sizes()
    inst = installed_sizes()
    txs = history()
    for tx in txs:
        for pkg in tx["installed"]:
            key = f"{pkg['name']}={pkg['version']}"
            pkg["deb_bytes"] = debs.get(key)
            pkg["installed_kib"] = inst.get(key)
    envs = sorted(os.path.basename(p) for p in glob.glob("/opt/mlbox/envs/*") if os.path.isdir(p))
    result = {
        "apt_transactions": txs,
        "apt_archives_debs": len(debs),
        "apt_archives_bytes": sum(debs.values()),
        "du_kib": {p: du_kib(p) for p in PATHS},
        "env_kib": {e: du_kib(f"/opt/mlbox/envs/{e}") for e in envs},
        "uv_cache_kib_by_bucket": {os.path.basename(p): du_kib(p)
                                   for p in sorted(glob.glob("/var/cache/mlbox/uv/*")) if os.path.isdir(p)},
        "uv_cache_plus_envs_kib": du_kib("/var/cache/mlbox/uv", "/opt/mlbox/envs"),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
