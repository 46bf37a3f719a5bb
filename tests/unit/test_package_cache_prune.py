# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""roles/package_cache/files/mlbox_apt_cache_prune.py: the size limit of apt-cacher-ng's cache."""

from __future__ import annotations

import importlib.util
import io
import os
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "roles" / "package_cache" / "files" / "mlbox_apt_cache_prune.py"


@pytest.fixture(scope="module")
def prune_mod():
    spec = importlib.util.spec_from_file_location("mlbox_apt_cache_prune", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    # Registered before it runs, as importlib's documentation does it: its dataclasses look their module up.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def put(root: Path, rel: str, size: int, *, atime: float, mtime: float | None = None, head: int = 0) -> Path:
    """A cached file of `size` bytes (and a .head of `head` bytes) last read at atime, written at mtime."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    os.utime(path, (atime, atime if mtime is None else mtime))
    if head:
        (root / (rel + ".head")).write_bytes(b"h" * head)
    return path


POOL = "deb.debian.org/debian/pool/main"


@pytest.fixture
def cache(tmp_path):
    """Three package files (old, middle, new by atime), index files, apt-cacher-ng's own _xstore."""
    put(tmp_path, f"{POOL}/a/aaa/aaa_1_amd64.deb", 1000, atime=1000, mtime=100, head=50)
    put(tmp_path, f"{POOL}/b/bbb/bbb_1_amd64.deb", 1000, atime=2000, mtime=100, head=50)
    put(tmp_path, f"{POOL}/c/ccc/ccc_1_amd64.deb", 1000, atime=3000, mtime=100, head=50)
    put(tmp_path, "deb.debian.org/debian/dists/bookworm/InRelease", 5000, atime=1, head=10)
    put(tmp_path, "deb.debian.org/debian/dists/bookworm/Release", 5000, atime=1)
    put(tmp_path, "deb.debian.org/debian/dists/bookworm/main/binary-amd64/Packages.xz", 5000, atime=1)
    put(tmp_path, "deb.debian.org/debian/dists/bookworm/main/i18n/Translation-en.bz2", 5000, atime=1)
    put(tmp_path, "deb.debian.org/debian/dists/bookworm/main/binary-amd64/by-hash/SHA256/ab12", 5000, atime=1)
    put(tmp_path, "_xstore/rsnap/something", 5000, atime=1)
    return tmp_path


def names(entries):
    return [Path(entry.path).name for entry in entries]


def test_scan_counts_package_files_with_their_head_only(prune_mod, cache):
    entries = prune_mod.scan(str(cache))
    assert sorted(names(entries)) == ["aaa_1_amd64.deb", "bbb_1_amd64.deb", "ccc_1_amd64.deb"]
    assert {entry.size for entry in entries} == {1050}


@pytest.mark.parametrize(
    "rel",
    [
        "h/debian/dists/x/InRelease",
        "h/debian/dists/x/Release.gpg",
        "h/debian/dists/x/main/binary-amd64/Packages",
        "h/debian/dists/x/main/binary-amd64/Packages.gz",
        "h/debian/dists/x/main/source/Sources.xz",
        "h/debian/dists/x/main/Contents-amd64.gz",
        "h/debian/dists/x/main/dep11/Components-amd64.yml.gz",
        "h/debian/dists/x/main/binary-amd64/Packages.diff/Index",
        "h/debian/dists/x/main/binary-amd64/Packages.diff/T-2026-12-01-0000.00-F-2026.gz",
        "h/debian/dists/x/main/binary-amd64/by-hash/SHA256/0123abcd",
    ],
)
def test_index_files_are_recognised(prune_mod, rel):
    assert prune_mod.is_index(rel)


@pytest.mark.parametrize(
    "rel",
    [
        "h/debian/pool/main/r/release-notes/release-notes_1_all.deb",
        "h/debian/pool/main/p/packagekit/packagekit_1.2_amd64.deb",
        "download.docker.com/linux/debian/gpg",
        "h/pool/x/x_1.dsc",
    ],
)
def test_package_files_are_not_index_files(prune_mod, rel):
    assert not prune_mod.is_index(rel)


def test_prunes_least_recently_used_first_with_head(prune_mod, cache):
    out = io.StringIO()
    # 3150 bytes in three entries; 2200 allowed: only the oldest (atime 1000) goes.
    result = prune_mod.prune(str(cache), 2200, out=out)
    assert names(result.removed) == ["aaa_1_amd64.deb"]
    assert not (cache / POOL / "a/aaa/aaa_1_amd64.deb").exists()
    assert not (cache / POOL / "a/aaa/aaa_1_amd64.deb.head").exists()
    assert (cache / POOL / "b/bbb/bbb_1_amd64.deb").exists()
    assert (cache / POOL / "b/bbb/bbb_1_amd64.deb.head").exists()
    assert (cache / POOL / "c/ccc/ccc_1_amd64.deb").exists()
    assert (result.total_before, result.total_after) == (3150, 2100)
    assert f"removed {POOL}/a/aaa/aaa_1_amd64.deb (1050 bytes)" in out.getvalue()
    assert "3 package files, 3150 bytes" in out.getvalue()


def test_prunes_until_under_the_limit(prune_mod, cache):
    result = prune_mod.prune(str(cache), 1100, out=io.StringIO())
    assert names(result.removed) == ["aaa_1_amd64.deb", "bbb_1_amd64.deb"]
    assert (cache / POOL / "c/ccc/ccc_1_amd64.deb").exists()
    assert result.total_after == 1050


def test_index_files_and_xstore_are_never_touched(prune_mod, cache):
    prune_mod.prune(str(cache), 1, out=io.StringIO())
    dists = cache / "deb.debian.org/debian/dists/bookworm"
    for rel in ["InRelease", "InRelease.head", "Release", "main/binary-amd64/Packages.xz",
                "main/i18n/Translation-en.bz2", "main/binary-amd64/by-hash/SHA256/ab12"]:
        assert (dists / rel).exists(), rel
    assert (cache / "_xstore/rsnap/something").exists()
    assert not list((cache / POOL).rglob("*.deb"))


def test_under_the_limit_nothing_is_removed(prune_mod, cache):
    before = sorted(p for p in cache.rglob("*") if p.is_file())
    result = prune_mod.prune(str(cache), 3150, out=io.StringIO())
    assert result.removed == []
    assert sorted(p for p in cache.rglob("*") if p.is_file()) == before


def test_dry_run_lists_but_keeps(prune_mod, cache):
    before = sorted(p for p in cache.rglob("*") if p.is_file())
    out = io.StringIO()
    result = prune_mod.prune(str(cache), 1100, dry_run=True, out=out)
    assert names(result.removed) == ["aaa_1_amd64.deb", "bbb_1_amd64.deb"]
    assert sorted(p for p in cache.rglob("*") if p.is_file()) == before
    assert f"would remove {POOL}/a/aaa/aaa_1_amd64.deb" in out.getvalue()


def test_mtime_counts_when_atime_is_older(prune_mod, tmp_path):
    # noatime: atime stays at the download; a later mtime (a refetch) is the last use.
    put(tmp_path, "h/pool/old_1.deb", 100, atime=5000, mtime=5000)
    put(tmp_path, "h/pool/refetched_1.deb", 100, atime=10, mtime=9000)
    put(tmp_path, "h/pool/read_1.deb", 100, atime=7000, mtime=10)
    result = prune_mod.prune(str(tmp_path), 100, out=io.StringIO())
    assert names(result.removed) == ["old_1.deb", "read_1.deb"]
    assert (tmp_path / "h/pool/refetched_1.deb").exists()


def test_main_arguments(prune_mod, cache, capsys):
    assert prune_mod.main(["--cache-dir", str(cache), "--max-bytes", "2200", "--dry-run"]) == 0
    assert "would remove" in capsys.readouterr().out
    assert (cache / POOL / "a/aaa/aaa_1_amd64.deb").exists()
    assert prune_mod.main(["--cache-dir", str(cache / "missing"), "--max-bytes", "1"]) == 1
    with pytest.raises(SystemExit):
        prune_mod.main(["--cache-dir", str(cache), "--max-bytes", "0"])
    assert prune_mod.main(["--cache-dir", str(cache), "--max-bytes", "2200"]) == 0
    assert not (cache / POOL / "a/aaa/aaa_1_amd64.deb").exists()
