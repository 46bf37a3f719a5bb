# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Keep apt-cacher-ng's cache under a size (installed as /usr/local/sbin/mlbox-apt-cache-prune).

apt-cacher-ng has no size limit, only the expiration of files no index refers to any more. While the package files
under the cache directory add up to more than --max-bytes, this deletes the least recently used ones (last use:
the later of atime and mtime, so that a file system mounted noatime still orders by when a file was fetched),
each with its .head companion (apt-cacher-ng's record of the upstream's headers).

Left alone: apt-cacher-ng's own directories (names starting with '_', such as _xstore), index files (Release,
InRelease, Packages*, Sources*, Contents*, Translation-*, ... and anything under by-hash/ or a pdiff .diff/
directory): apt-cacher-ng refreshes those itself and its expiration needs them.

Standard library only; runs on the oldest Python of the supported releases (3.9 and later).
"""

from __future__ import annotations

import argparse
import os
import re
import stat
import sys
from dataclasses import dataclass
from typing import List, Optional, Sequence, TextIO

HEAD_SUFFIX = ".head"
INDEX_NAME = re.compile(
    r"^(InRelease|Release|Release\.gpg|Packages|Sources|Contents|Translation|Components|Commands|icons|Index"
    r"|MD5SUMS|SHA1SUMS|SHA256SUMS|SHA512SUMS)([-._].*)?$"
)
INDEX_DIRS = ("by-hash",)


@dataclass(frozen=True)
class Entry:
    """A package file: its path relative to the cache directory, its size with its .head, its last use."""

    path: str
    size: int
    last_used: float


@dataclass
class Result:
    entries: int
    total_before: int
    total_after: int
    removed: List[Entry]


def is_index(relpath: str) -> bool:
    """Whether a path relative to the cache directory is an index file (never pruned)."""
    parts = relpath.split("/")
    if any(part in INDEX_DIRS or part.endswith(".diff") for part in parts[:-1]):
        return True
    return bool(INDEX_NAME.match(parts[-1]))


def scan(cache_dir: str) -> List[Entry]:
    """The package files under cache_dir (apt-cacher-ng's own '_' directories and index files left out)."""
    entries = []
    for dirpath, dirnames, filenames in os.walk(cache_dir):
        if dirpath == cache_dir:
            dirnames[:] = [name for name in dirnames if not name.startswith("_")]
        names = set(filenames)
        for name in filenames:
            if name.endswith(HEAD_SUFFIX):
                continue
            path = os.path.join(dirpath, name)
            relpath = os.path.relpath(path, cache_dir).replace(os.sep, "/")
            if is_index(relpath):
                continue
            try:
                st = os.lstat(path)
            except FileNotFoundError:  # apt-cacher-ng removed it meanwhile
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            size = st.st_size
            if name + HEAD_SUFFIX in names:
                try:
                    size += os.lstat(path + HEAD_SUFFIX).st_size
                except FileNotFoundError:
                    pass
            entries.append(Entry(relpath, size, max(st.st_atime, st.st_mtime)))
    return entries


def plan(entries: Sequence[Entry], max_bytes: int) -> List[Entry]:
    """The entries to delete, least recently used first, until the rest adds up to max_bytes or less."""
    total = sum(entry.size for entry in entries)
    chosen = []
    for entry in sorted(entries, key=lambda e: (e.last_used, e.path)):
        if total <= max_bytes:
            break
        chosen.append(entry)
        total -= entry.size
    return chosen


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def prune(cache_dir: str, max_bytes: int, dry_run: bool = False, out: Optional[TextIO] = None) -> Result:
    """Delete (or with dry_run only list) what plan() chooses; print each file and the totals to out."""
    out = out or sys.stdout
    entries = scan(cache_dir)
    total = sum(entry.size for entry in entries)
    chosen = plan(entries, max_bytes)
    verb = "would remove" if dry_run else "removed"
    for entry in chosen:
        if not dry_run:
            path = os.path.join(cache_dir, entry.path)
            _remove(path)
            _remove(path + HEAD_SUFFIX)
        print(f"{verb} {entry.path} ({entry.size} bytes)", file=out)
    freed = sum(entry.size for entry in chosen)
    print(
        f"{cache_dir}: {len(entries)} package files, {total} bytes, limit {max_bytes} bytes; {verb} "
        f"{len(chosen)} files ({freed} bytes), {total - freed} bytes left",
        file=out,
    )
    return Result(len(entries), total, total - freed, chosen)


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number of bytes")
    return value


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="mlbox-apt-cache-prune",
        description="Delete the least recently used package files of apt-cacher-ng's cache while it is too large.",
    )
    parser.add_argument("--cache-dir", default="/var/cache/apt-cacher-ng", help="apt-cacher-ng's CacheDir")
    parser.add_argument("--max-bytes", type=_positive_int, required=True, help="the most the package files may hold")
    parser.add_argument("--dry-run", action="store_true", help="only print what would be removed")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.cache_dir):
        print(f"{args.cache_dir} is not a directory", file=sys.stderr)
        return 1
    prune(args.cache_dir, args.max_bytes, args.dry_run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
