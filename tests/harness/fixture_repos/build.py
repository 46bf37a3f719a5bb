"""Build the fixture apt repositories that stand in for vendor repositories in tests.

Reads repos.yml (and the stub files under payloads/), builds every package with dpkg-deb, indexes
each repository with apt-ftparchive and signs it with a test key made at build time (InRelease and
Release.gpg). Output, by default /work/main/build/fixture-repos (<repo>/build/fixture-repos):

    www/            what serve.py serves on http://127.0.0.1:<port>/ (repositories, public keys)
    keys/           test-archive.{asc,gpg,fingerprint}: the signing key; wrong.*: an unrelated key
    gnupg/          the private GnuPG home (never served)
    vars.yml        Ansible variables: repository URLs, key URLs and fingerprints
    manifest.json   every package of every repository; build-info.json: port and paths

Nothing is rebuilt while the recipe (this file, repos.yml, payloads/, port, output path) and the
keys are unchanged. Keys are made once and kept; --new-keys replaces them.

Needs: dpkg-deb (dpkg), apt-ftparchive (apt-utils), gpg and gpgconf (gnupg), PyYAML.
Run: .venv/bin/python tests/harness/fixture_repos/build.py [--out DIR] [--port N] [--force]
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import importlib.util
import json
import math
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[2]
RECIPE = HERE / "repos.yml"
PAYLOADS = HERE / "payloads"
DEFAULT_OUT = REPO_ROOT / "build" / "fixture-repos"
DEFAULT_PORT = 8765
HOST = "127.0.0.1"
MAX_PORT = 65535
UNREACHABLE_URL = "http://127.0.0.1:9/"  # the discard port: nothing listens there
SOURCE_DATE_EPOCH = 1735689600  # 2025-01-01: fixed file times, so that packages are reproducible

# Tool -> Debian package that provides it.
TOOLS = {"dpkg-deb": "dpkg", "apt-ftparchive": "apt-utils", "gpg": "gnupg", "gpgconf": "gpgconf"}

# Release fields that apt-ftparchive writes itself (the rest of `release:` is inserted by us).
FTPARCHIVE_FIELDS = ("Origin", "Label", "Suite", "Version", "Codename", "Architectures",
                     "Components", "Description")
CONTROL_ORDER = ("Package", "Version", "Architecture", "Maintainer", "Installed-Size",
                 "Pre-Depends", "Depends", "Recommends", "Suggests", "Conflicts", "Breaks",
                 "Replaces", "Provides", "Section", "Priority", "Homepage")
RELATION_FIELDS = {"pre_depends": "Pre-Depends", "depends": "Depends", "recommends": "Recommends",
                   "suggests": "Suggests", "conflicts": "Conflicts", "breaks": "Breaks",
                   "replaces": "Replaces", "provides": "Provides"}
PACKAGE_KEYS = {"name", "version", "architecture", "section", "priority", "homepage", "maintainer",
                "description", "files", "scripts", "control_files", "doc", *RELATION_FIELDS}
SCRIPT_NAMES = {"preinst", "postinst", "prerm", "postrm", "config"}
VAR_RE = re.compile(r"@@([A-Z][A-Z0-9_]*)@@")
REL_RE = re.compile(r"^([a-z0-9][a-z0-9+.\-]+)(?::[a-z0-9]+)?\s*"
                    r"(?:\(\s*(<<|<=|=|>=|>>)\s*([^\s)]+)\s*\))?$")
FIXTURE_NOTE = ("This is a TEST FIXTURE built by mlinabox (tests/harness/fixture_repos), "
                "not the vendor's package.")


class BuildError(Exception):
    """A problem with the recipe or the build environment, reported without a traceback."""


# --------------------------------------------------------------------------------------------
# Debian version comparison (dpkg's algorithm), for the recipe's dependency check.

def _load_apt_state():
    """The collection's own dpkg version comparison (plugins/module_utils/apt_state.py, standard library only)."""
    path = Path(__file__).resolve().parents[3] / "plugins" / "module_utils" / "apt_state.py"
    spec = importlib.util.spec_from_file_location("mlbox_apt_state", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


compare_versions = _load_apt_state().compare_debian_versions


def version_satisfies(version: str, op: str, wanted: str) -> bool:
    cmp = compare_versions(version, wanted)
    return {"<<": cmp < 0, "<=": cmp <= 0, "=": cmp == 0, ">=": cmp >= 0, ">>": cmp > 0}[op]


def strip_epoch(version: str) -> str:
    return version.split(":", 1)[1] if ":" in version else version


# --------------------------------------------------------------------------------------------
# The recipe, expanded.

@dataclass
class FileSpec:
    path: str              # absolute path on the target
    kind: str              # "data" or "symlink"
    data: bytes = b""
    target: str = ""
    mode: int = 0o644


@dataclass
class Package:
    name: str
    version: str
    architecture: str
    control: dict[str, str]
    relations: dict[str, list[str]]
    files: list[FileSpec]
    control_files: dict[str, tuple[bytes, int]]
    pool_dir: str          # relative to the instance root ("" = the root itself: flat layout)

    @property
    def filename(self) -> str:
        return f"{self.name}_{strip_epoch(self.version)}_{self.architecture}.deb"

    def content_key(self) -> str:
        digest = hashlib.sha256()
        digest.update(json.dumps(self.control, sort_keys=True).encode())
        for spec in sorted(self.files, key=lambda s: s.path):
            digest.update(f"{spec.path}\0{spec.kind}\0{spec.target}\0{spec.mode:o}\0".encode())
            digest.update(hashlib.sha256(spec.data).digest())
        for name, (data, mode) in sorted(self.control_files.items()):
            digest.update(f"{name}\0{mode:o}\0".encode() + hashlib.sha256(data).digest())
        return digest.hexdigest()


@dataclass
class Instance:
    repo: dict[str, Any]
    path: str              # archive root, relative to www/
    suite: str | None      # None: flat repository (suite "/")
    url: str
    packages: list[Package] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.repo['id']}:{self.path}" + (f" {self.suite}" if self.suite else "")


def substitute(text: str, variables: dict[str, str], where: str) -> str:
    for _round in range(5):  # values may hold @@NAMES@@ themselves
        if "@@" not in text:
            return text

        def repl(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in variables:
                raise BuildError(f"{where}: unknown template variable @@{name}@@")
            return str(variables[name])

        text = VAR_RE.sub(repl, text)
    raise BuildError(f"{where}: template variables nest too deep")


def as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(part) for part in value]


def read_payload(name: str, where: str) -> str:
    path = (PAYLOADS / name).resolve()
    if PAYLOADS.resolve() not in path.parents or not path.is_file():
        raise BuildError(f"{where}: payload '{name}' not found under {PAYLOADS}")
    return path.read_text(encoding="utf-8")


def text_of(spec: Any, variables: dict[str, str], where: str) -> str:
    if isinstance(spec, str):
        return substitute(spec, variables, where)
    if isinstance(spec, dict) and "template" in spec:
        return substitute(read_payload(spec["template"], where), variables, where)
    if isinstance(spec, dict) and "content" in spec:
        return substitute(spec["content"], variables, where)
    raise BuildError(f"{where}: expected text, {{template: FILE}} or {{content: TEXT}}")


def description_field(text: str) -> str:
    lines = text.strip("\n").splitlines() or ["(no description)"]
    body = [line.strip() for line in lines[1:]]
    body += ([""] if body else []) + [FIXTURE_NOTE]
    return lines[0].strip() + "\n" + "\n".join(f" {line}" if line else " ." for line in body)


def expand_package(raw: dict[str, Any], repo: dict[str, Any], variables: dict[str, str],
                   keys: dict[str, dict[str, bytes]], where: str) -> Package:
    unknown = set(raw) - PACKAGE_KEYS
    if unknown:
        raise BuildError(f"{where}: unknown package field(s) {sorted(unknown)}")
    for required in ("name", "version"):
        if required not in raw:
            raise BuildError(f"{where}: package without '{required}'")
    name = substitute(str(raw["name"]), variables, where)
    version = substitute(str(raw["version"]), variables, where)
    where = f"{where} {name}={version}"
    pkg_vars = {**variables, "PKG_NAME": name, "PKG_VERSION": version,
                "PKG_INITIAL": name[:4] if name.startswith("lib") else name[0]}
    arch = str(raw.get("architecture", "amd64"))

    files: list[FileSpec] = []
    for raw_path, spec in (raw.get("files") or {}).items():
        path = substitute(str(raw_path), pkg_vars, where)
        if not path.startswith("/") or ".." in path.split("/"):
            raise BuildError(f"{where}: file path '{path}' must be absolute and plain")
        if isinstance(spec, dict) and "symlink" in spec:
            files.append(FileSpec(path, "symlink", target=substitute(spec["symlink"], pkg_vars, where)))
            continue
        if isinstance(spec, dict) and "key" in spec:
            key = keys.get(spec["key"])
            if key is None:
                raise BuildError(f"{where}: unknown key '{spec['key']}'")
            data = key["asc"] if spec.get("armor") else key["gpg"]
            files.append(FileSpec(path, "data", data, mode=int(str(spec.get("mode", "0644")), 8)))
            continue
        text = text_of(spec, pkg_vars, f"{where} {path}")
        default_mode = "0755" if text.startswith("#!") else "0644"
        mode = spec.get("mode", default_mode) if isinstance(spec, dict) else default_mode
        files.append(FileSpec(path, "data", text.encode(), mode=int(str(mode), 8)))
    if raw.get("doc", True):
        files.append(FileSpec(f"/usr/share/doc/{name}/README.fixture", "data",
                              f"{name} {version}\n\n{FIXTURE_NOTE}\nMimics: {repo['mimics']}\n".encode()))

    control_files: dict[str, tuple[bytes, int]] = {}
    for script, spec in (raw.get("scripts") or {}).items():
        if script not in SCRIPT_NAMES:
            raise BuildError(f"{where}: unknown maintainer script '{script}'")
        text = text_of(spec, pkg_vars, f"{where} {script}")
        if not text.startswith("#!"):
            raise BuildError(f"{where}: maintainer script '{script}' needs a #! line")
        control_files[script] = (text.encode(), 0o755)
    for name_, spec in (raw.get("control_files") or {}).items():
        control_files[name_] = (text_of(spec, pkg_vars, f"{where} {name_}").encode(), 0o644)

    relations = {key: [substitute(rel, pkg_vars, where) for rel in as_list(raw.get(key))]
                 for key in RELATION_FIELDS}
    control = {
        "Package": name,
        "Version": version,
        "Architecture": arch,
        "Maintainer": substitute(str(raw.get("maintainer", repo.get("maintainer", "mlinabox fixture"))),
                                 pkg_vars, where),
        "Section": str(raw.get("section", repo.get("section", "misc"))),
        "Priority": str(raw.get("priority", "optional")),
    }
    homepage = raw.get("homepage", repo.get("homepage"))
    if homepage:
        control["Homepage"] = str(homepage)
    for key, field_name in RELATION_FIELDS.items():
        if relations[key]:
            control[field_name] = ", ".join(relations[key])
    control["Description"] = description_field(
        substitute(str(raw.get("description", name)), pkg_vars, where))

    pool = repo.get("pool")
    pool_dir = substitute(pool, pkg_vars, where).strip("/") if pool else ""
    return Package(name, version, arch, control, relations, files, control_files, pool_dir)


def expand_recipe(recipe: dict[str, Any], base_url: str,
                  keys: dict[str, dict[str, bytes]], archive_fpr: str) -> list[Instance]:
    globals_ = {"FIXTURE_BASE_URL": base_url, "ARCHIVE_KEY_FPR": archive_fpr,
                "ARCHIVE_KEY_B64": base64.b64encode(keys["archive"]["gpg"]).decode()}
    instances: list[Instance] = []
    seen_ids: set[str] = set()
    for repo in recipe.get("repositories") or []:
        rid = repo.get("id", "")
        if not re.fullmatch(r"[a-z][a-z0-9_]*", rid) or rid in seen_ids:
            raise BuildError(f"repository id '{rid}' must be unique, lower case and _")
        seen_ids.add(rid)
        layout = repo.get("layout")
        if layout not in ("flat", "dists"):
            raise BuildError(f"{rid}: layout must be 'flat' or 'dists'")
        if layout == "dists" and not (repo.get("pool") and repo.get("component")):
            raise BuildError(f"{rid}: a 'dists' repository needs 'pool' and 'component'")
        known = {str(n) for ri in repo.get("instances") or [] for n in (ri.get("path", "."), ri.get("suite")) if n}
        for gi, group in enumerate(repo.get("groups") or []):
            unknown_sel = {str(sel) for sel in group.get("only") or []} - known
            if unknown_sel:
                raise BuildError(f"{rid}: group {gi + 1}: 'only' names no instance: {sorted(unknown_sel)}")
        for raw_instance in repo.get("instances") or []:
            path = posixpath.normpath(posixpath.join(repo["path"], raw_instance.get("path", ".")))
            suite = raw_instance.get("suite") if layout == "dists" else None
            if layout == "dists" and not suite:
                raise BuildError(f"{rid}: instance {path} needs a suite")
            url = f"{base_url}/{path}" + ("/" if layout == "flat" else "")
            instance = Instance(repo, path, suite, url)
            inst_vars = {**globals_, **{k: str(v) for k, v in (raw_instance.get("vars") or {}).items()},
                         "REPO_URL": url, "SUITE": suite or ""}
            names = {raw_instance.get("path", "."), *([suite] if suite else [])}
            for gi, group in enumerate(repo.get("groups") or []):
                only = group.get("only")
                if only is not None and not names & {str(sel) for sel in only}:
                    continue  # the group is for other instances (by instance path or suite)
                for row in group.get("matrix") or [{}]:
                    variables = {**inst_vars, **{k: str(v) for k, v in row.items()}}
                    for pi, raw in enumerate(group.get("packages") or []):
                        where = f"{rid} ({instance.path} {suite or '/'}) group {gi + 1} package {pi + 1}"
                        instance.packages.append(expand_package(raw, repo, variables, keys, where))
            instances.append(instance)
    if not instances:
        raise BuildError("the recipe defines no repository")
    return instances


def parse_relation(text: str, where: str) -> tuple[str, str | None, str | None]:
    match = REL_RE.match(text.strip())
    if not match:
        raise BuildError(f"{where}: cannot parse relation '{text}'")
    return match.group(1), match.group(2), match.group(3)


def satisfiable(relation: tuple[str, str | None, str | None], versions: dict[str, list[str]],
                provided: dict[str, list[str | None]], distro_packages: set[str]) -> bool:
    name, op, wanted = relation
    if name in distro_packages:
        return True
    if any(op is None or version_satisfies(v, op, wanted or "") for v in versions.get(name, [])):
        return True
    return any(op is None or (pv is not None and version_satisfies(pv, op, wanted or ""))
               for pv in provided.get(name, []))


def validate(instances: list[Instance], distro_packages: set[str]) -> None:
    """Every Depends/Pre-Depends must be satisfiable inside the same repository or by a listed
    distribution package; Recommends/Suggests must name something that exists."""
    problems: list[str] = []
    for inst in instances:
        versions: dict[str, list[str]] = {}
        provided: dict[str, list[str | None]] = {}
        seen: dict[tuple[str, str, str], str] = {}
        for pkg in inst.packages:
            ident = (pkg.name, pkg.version, pkg.architecture)
            if ident in seen and seen[ident] != pkg.content_key():
                problems.append(f"{inst.label}: {pkg.name}={pkg.version} is defined twice, differently")
            seen[ident] = pkg.content_key()
            versions.setdefault(pkg.name, []).append(pkg.version)
            for rel in pkg.relations["provides"]:
                name, op, ver = parse_relation(rel, f"{inst.label} {pkg.name}")
                if op not in (None, "="):
                    problems.append(f"{inst.label}: {pkg.name} Provides '{rel}': only '=' is allowed")
                provided.setdefault(name, []).append(ver)

        for pkg in inst.packages:
            where = f"{inst.label}: {pkg.name}={pkg.version}"
            for key in ("pre_depends", "depends"):
                for group in pkg.relations[key]:
                    alternatives = [parse_relation(alt, where) for alt in group.split("|")]
                    if not any(satisfiable(alt, versions, provided, distro_packages) for alt in alternatives):
                        problems.append(f"{where}: {RELATION_FIELDS[key]} '{group}' cannot be satisfied "
                                        "(not in this repository, not in distro_packages)")
            for key in ("recommends", "suggests"):
                for group in pkg.relations[key]:
                    for alt in group.split("|"):
                        name = parse_relation(alt, where)[0]
                        if name not in distro_packages and name not in versions and name not in provided:
                            problems.append(f"{where}: {RELATION_FIELDS[key]} names unknown package '{name}'")
    if problems:
        raise BuildError("the recipe's dependency graph is broken:\n  " + "\n  ".join(problems))


# --------------------------------------------------------------------------------------------
# Tools.

def run(cmd: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
        stdin: bytes | None = None) -> bytes:
    proc = subprocess.run(cmd, cwd=cwd, env=env, input=stdin, capture_output=True, check=False)
    if proc.returncode != 0:
        raise BuildError(f"command failed ({proc.returncode}): {' '.join(cmd)}\n"
                         f"{proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def check_tools() -> None:
    missing = [f"{tool} (Debian package {pkg})" for tool, pkg in TOOLS.items() if not shutil.which(tool)]
    if missing:
        pkgs = " ".join(sorted({TOOLS[m.split()[0]] for m in missing}))
        raise BuildError("missing tools: " + ", ".join(missing) +
                         f"\n  install them with: apt-get install -y {pkgs}")


class GnuPG:
    """A private GnuPG home that holds the fixture keys (no passphrases)."""

    def __init__(self, home: Path) -> None:
        self.home = home
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(home, 0o700)

    def gpg(self, *args: str, stdin: bytes | None = None) -> bytes:
        env = {**os.environ, "GNUPGHOME": str(self.home), "LC_ALL": "C"}
        return run(["gpg", "--batch", "--no-tty", "--quiet", *args], env=env, stdin=stdin)

    def secret_fingerprints(self) -> set[str]:
        out = self.gpg("--with-colons", "--list-secret-keys").decode()
        fprs, in_sec = set(), False
        for line in out.splitlines():
            fields = line.split(":")
            if fields[0] == "sec":
                in_sec = True
            elif fields[0] == "fpr" and in_sec:
                fprs.add(fields[9])
                in_sec = False
            elif fields[0] == "ssb":
                in_sec = False
        return fprs

    def generate(self, uid: str) -> str:
        match = re.fullmatch(r"(.*?)\s*(?:\((.*)\))?\s*<(.+)>", uid.strip())
        if not match:
            raise BuildError(f"key uid '{uid}' must look like 'Name (comment) <email>'")
        name, comment, email = match.groups()
        params = ["%no-protection", "Key-Type: eddsa", "Key-Curve: ed25519", "Key-Usage: sign",
                  f"Name-Real: {name}", f"Name-Email: {email}", "Expire-Date: 0"]
        if comment:
            params.insert(5, f"Name-Comment: {comment}")
        out = self.gpg("--status-fd", "1", "--generate-key",
                       stdin=("\n".join([*params, "%commit"]) + "\n").encode()).decode()
        for line in out.splitlines():
            if line.startswith("[GNUPG:] KEY_CREATED"):
                return line.split()[3]
        raise BuildError("gpg did not report the fingerprint of the new key")

    def export(self, fpr: str, armor: bool) -> bytes:
        return self.gpg(*(["--armor"] if armor else []), "--export", fpr)

    def sign_release(self, fpr: str, release: Path) -> None:
        common = ["--yes", "--local-user", fpr, "--digest-algo", "SHA512"]
        self.gpg(*common, "--clearsign", "--output", str(release.with_name("InRelease")), str(release))
        self.gpg(*common, "--armor", "--detach-sign", "--output",
                 str(release.with_name("Release.gpg")), str(release))

    def stop_agent(self) -> None:
        subprocess.run(["gpgconf", "--homedir", str(self.home), "--kill", "all"],
                       capture_output=True, check=False)


def ensure_keys(recipe: dict[str, Any], out: Path, new_keys: bool) -> dict[str, dict[str, Any]]:
    """Make (once) and export the keys named in the recipe. Returns {id: {stem, fpr, asc, gpg}}."""
    key_defs = recipe.get("keys") or {}
    if "archive" not in key_defs:
        raise BuildError("the recipe needs a key with id 'archive' (it signs the repositories)")
    keydir, home = out / "keys", out / "gnupg"
    if new_keys:
        shutil.rmtree(keydir, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)
    keydir.mkdir(parents=True, exist_ok=True)
    gpg = GnuPG(home)
    try:
        have = gpg.secret_fingerprints()
        result: dict[str, dict[str, Any]] = {}
        for kid, kdef in key_defs.items():
            stem = kdef["stem"]
            fpr_file = keydir / f"{stem}.fingerprint"
            fpr = fpr_file.read_text().strip() if fpr_file.exists() else ""
            if fpr not in have:
                fpr = gpg.generate(kdef["uid"])
                print(f"  made key {stem}: {fpr}")
            asc, binary = gpg.export(fpr, armor=True), gpg.export(fpr, armor=False)
            (keydir / f"{stem}.asc").write_bytes(asc)
            (keydir / f"{stem}.gpg").write_bytes(binary)
            fpr_file.write_text(fpr + "\n")
            result[kid] = {"stem": stem, "fpr": fpr, "asc": asc, "gpg": binary}
        return result
    finally:
        gpg.stop_agent()


# --------------------------------------------------------------------------------------------
# Building packages and repositories.

def build_deb(pkg: Package, dest: Path, workdir: Path) -> None:
    root = Path(tempfile.mkdtemp(prefix=f"{pkg.name}.", dir=workdir))
    try:
        md5sums, conffiles, size_kib = [], [], 0
        for spec in pkg.files:
            target = root / spec.path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            if spec.kind == "symlink":
                target.symlink_to(spec.target)
                continue
            target.write_bytes(spec.data)
            target.chmod(spec.mode)
            md5sums.append(f"{hashlib.md5(spec.data).hexdigest()}  {spec.path.lstrip('/')}")
            size_kib += max(1, math.ceil(len(spec.data) / 1024))
            if spec.path.startswith("/etc/"):
                conffiles.append(spec.path)
        debian = root / "DEBIAN"
        debian.mkdir()
        control = dict(pkg.control, **{"Installed-Size": str(max(size_kib, 1))})
        ordered = [k for k in CONTROL_ORDER if k in control] + ["Description"]
        (debian / "control").write_text("".join(f"{k}: {control[k]}\n" for k in ordered))
        (debian / "md5sums").write_text("".join(f"{line}\n" for line in sorted(md5sums)))
        if conffiles:
            (debian / "conffiles").write_text("".join(f"{c}\n" for c in sorted(conffiles)))
        for name, (data, mode) in pkg.control_files.items():
            (debian / name).write_bytes(data)
            (debian / name).chmod(mode)
        root.chmod(0o755)
        for dirpath, dirnames, filenames in os.walk(root):
            for entry in dirnames:
                os.chmod(os.path.join(dirpath, entry), 0o755)
            for entry in [*dirnames, *filenames, "."]:
                os.utime(os.path.join(dirpath, entry), (SOURCE_DATE_EPOCH,) * 2, follow_symlinks=False)
        env = {**os.environ, "SOURCE_DATE_EPOCH": str(SOURCE_DATE_EPOCH), "LC_ALL": "C"}
        run(["dpkg-deb", "--root-owner-group", "-Zgzip", "-z9", "--build", str(root), str(dest)], env=env)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def release_file(inst: Instance, cwd: Path, target: str) -> bytes:
    fields: dict[str, str] = {}
    if inst.suite:
        fields = {"Suite": inst.suite, "Codename": inst.suite, "Architectures": "amd64",
                  "Components": inst.repo["component"]}
    fields.update({k: str(v) for k, v in (inst.repo.get("release") or {}).items()})
    extra = {k: str(v) for k, v in (inst.repo.get("release_extra") or {}).items()}
    for key in list(fields):
        if key not in FTPARCHIVE_FIELDS:
            extra[key] = fields.pop(key)
    cmd = ["apt-ftparchive"]
    for key, value in fields.items():
        cmd += ["-o", f"APT::FTPArchive::Release::{key}={value}"]
    text = run([*cmd, "release", target], cwd=cwd).decode()
    # apt-ftparchive sorts the header; put it in the order vendors use, extra fields before Date.
    lines = text.splitlines(keepends=True)
    end = next(i for i, line in enumerate(lines) if not line.startswith(" ") and line.rstrip().endswith(":"))
    header = dict(line.rstrip("\n").split(": ", 1) for line in lines[:end])
    header.update(extra)
    order = ["Origin", "Label", "Suite", "Version", "Codename", *extra, "Date", "Valid-Until",
             "Architectures", "Components", "Description"]
    keys = [k for k in order if k in header] + [k for k in header if k not in order]
    return ("".join(f"{k}: {header[k]}\n" for k in keys) + "".join(lines[end:])).encode()


def write_packages(index_dir: Path, data: bytes) -> None:
    index_dir.mkdir(parents=True, exist_ok=True)
    (index_dir / "Packages").write_bytes(data)
    with open(index_dir / "Packages.gz", "wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(data)


def index_instance(inst: Instance, www: Path, gpg: GnuPG, fpr: str) -> None:
    root = www / inst.path
    if inst.suite is None:
        write_packages(root, run(["apt-ftparchive", "packages", "."], cwd=root))
        release = root / "Release"
        release.write_bytes(release_file(inst, root, "."))
    else:
        pool_root = posixpath.commonpath([p.pool_dir for p in inst.packages])
        dist = root / "dists" / inst.suite
        write_packages(dist / inst.repo["component"] / "binary-amd64",
                       run(["apt-ftparchive", "packages", pool_root], cwd=root))
        release = dist / "Release"
        data = release_file(inst, root, f"dists/{inst.suite}")
        release.write_bytes(data)
    gpg.sign_release(fpr, release)


def inside(base: Path, rel: str) -> Path:
    path = Path(posixpath.normpath(posixpath.join(str(base), rel)))
    if path != base and base not in path.parents:
        raise BuildError(f"path '{rel}' leaves the output tree")
    return path


def yaml_str(value: Any) -> str:
    return json.dumps(value)  # a JSON string or number is valid YAML


def write_vars(out: Path, base_url: str, port: int, recipe: dict[str, Any],
               keys: dict[str, dict[str, Any]]) -> None:
    archive, wrong = keys["archive"], keys.get("wrong")
    key_url = f"{base_url}/keys/{archive['stem']}.asc"
    lines = [
        "---",
        "# Generated by tests/harness/fixture_repos/build.py: do not edit.",
        "# Fixture apt repositories served by tests/harness/fixture_repos/serve.py on the loopback.",
        f"fixture_repos_port: {port}",
        f"fixture_repos_base_url: {yaml_str(base_url)}",
        f"fixture_repos_dir: {yaml_str(str(out))}",
        "# The key that signs every fixture repository (armored, binary keyring on the controller).",
        f"fixture_key_url: {yaml_str(key_url)}",
        f"fixture_key_fingerprint: {yaml_str(archive['fpr'])}",
        f"fixture_key_file: {yaml_str(str(out / 'keys' / (archive['stem'] + '.asc')))}",
        f"fixture_keyring_file: {yaml_str(str(out / 'keys' / (archive['stem'] + '.gpg')))}",
    ]
    if wrong:
        wrong_url = f"{base_url}/keys/{wrong['stem']}.asc"
        lines += [
            "# A key that signs nothing: apt must reject the repositories with it.",
            f"fixture_wrong_key_url: {yaml_str(wrong_url)}",
            f"fixture_wrong_key_fingerprint: {yaml_str(wrong['fpr'])}",
            f"fixture_wrong_key_file: {yaml_str(str(out / 'keys' / (wrong['stem'] + '.asc')))}",
        ]
    lines += ["# Nothing listens there: for unreachable-repository tests.",
              f"fixture_unreachable_url: {yaml_str(UNREACHABLE_URL)}"]
    for repo in recipe["repositories"]:
        rid, avars = repo["id"], repo.get("ansible_vars") or {}
        lines += [f"# {repo['title']}", f"#   mimics {repo['mimics']}"]
        for name, rel in avars.items():
            value = f"{base_url}/{rel}" if rel not in ("", ".") else base_url
            lines.append(f"fixture_{rid}_{name}: {yaml_str(value)}")
        lines.append(f"fixture_{rid}_key_fingerprint: {yaml_str(archive['fpr'])}")
    (out / "vars.yml").write_text("\n".join(lines) + "\n")


def recipe_hash(out: Path, port: int) -> str:
    digest = hashlib.sha256()
    files = [Path(__file__).resolve(), RECIPE, *sorted(p for p in PAYLOADS.rglob("*") if p.is_file())]
    for path in files:
        digest.update(str(path.relative_to(HERE)).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(f"port={port} host={HOST} out={out}".encode())
    return digest.hexdigest()


def up_to_date(out: Path, stamp: dict[str, Any]) -> bool:
    try:
        current = json.loads((out / ".stamp").read_text())
    except (OSError, ValueError):
        return False
    if current.get("recipe") != stamp["recipe"]:
        return False
    for stem, fpr in (current.get("keys") or {}).items():
        try:
            if (out / "keys" / f"{stem}.fingerprint").read_text().strip() != fpr:
                return False
        except OSError:
            return False
    return all((out / p).exists() for p in ("www", "vars.yml", "gnupg"))


def build(out: Path, port: int, new_keys: bool, jobs: int) -> None:
    import yaml  # PyYAML: imported only when a build is needed, so "up to date" stays fast

    started = time.monotonic()
    check_tools()
    try:
        recipe = yaml.safe_load(RECIPE.read_text())
    except yaml.YAMLError as err:
        raise BuildError(f"{RECIPE} is not valid YAML: {err}") from err
    out.mkdir(parents=True, exist_ok=True)
    base_url = f"http://{HOST}:{port}"
    print(f"fixture repos: building into {out}")
    keys = ensure_keys(recipe, out, new_keys)
    archive = keys["archive"]
    instances = expand_recipe(recipe, base_url, keys, archive["fpr"])
    validate(instances, set(recipe.get("distro_packages") or []))

    staging = out / "www.new"
    workdir = out / ".work"
    for path in (staging, workdir):
        shutil.rmtree(path, ignore_errors=True)
    (workdir / "debs").mkdir(parents=True)
    unique: dict[str, Package] = {}
    for inst in instances:
        for pkg in inst.packages:
            unique.setdefault(pkg.content_key(), pkg)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for future in [pool.submit(build_deb, pkg, workdir / "debs" / f"{key}.deb", workdir)
                       for key, pkg in unique.items()]:
            future.result()

    manifest: dict[str, Any] = {}
    for inst in instances:
        root = staging / inst.path
        entries = manifest.setdefault(inst.repo["id"], {}).setdefault(
            inst.path + (f" {inst.suite}" if inst.suite else " /"), [])
        for pkg in inst.packages:
            dest = root / pkg.pool_dir / pkg.filename
            dest.parent.mkdir(parents=True, exist_ok=True)
            if not dest.exists():
                os.link(workdir / "debs" / f"{pkg.content_key()}.deb", dest)
            entries.append({"name": pkg.name, "version": pkg.version,
                            "architecture": pkg.architecture,
                            "filename": str(dest.relative_to(staging))})

    gpg = GnuPG(out / "gnupg")
    try:
        for inst in instances:
            index_instance(inst, staging, gpg, archive["fpr"])
    finally:
        gpg.stop_agent()

    # Public keys: generic names, and where each vendor publishes its key.
    (staging / "keys").mkdir(exist_ok=True)
    for key in keys.values():
        for ext in ("asc", "gpg", "fingerprint"):
            shutil.copyfile(out / "keys" / f"{key['stem']}.{ext}", staging / "keys" / f"{key['stem']}.{ext}")
    for inst in instances:
        for rel in inst.repo.get("key_copies") or []:
            inside(staging, posixpath.join(inst.path, rel)).write_bytes(archive["asc"])

    # Swap the new tree in (a running server keeps serving the path).
    old = out / "www.old"
    shutil.rmtree(old, ignore_errors=True)
    if (out / "www").exists():
        (out / "www").rename(old)
    staging.rename(out / "www")
    shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(workdir, ignore_errors=True)

    write_vars(out, base_url, port, recipe, keys)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    (out / "distro-packages.txt").write_text("".join(f"{p}\n" for p in sorted(recipe.get("distro_packages") or [])))
    (out / "build-info.json").write_text(json.dumps(
        {"host": HOST, "port": port, "base_url": base_url, "www": str(out / "www"),
         "archive_key_fingerprint": archive["fpr"]}, indent=2) + "\n")

    size = sum(p.stat().st_size for p in (out / "www").rglob("*") if p.is_file())
    print(f"fixture repos: {len(instances)} repositories, {len(unique)} distinct packages, "
          f"{size / 1024:.0f} KiB, {time.monotonic() - started:.1f} s")
    print(f"  vars: {out / 'vars.yml'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port of the server (default {DEFAULT_PORT})")
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    parser.add_argument("--new-keys", action="store_true", help="replace the keys (implies --force)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="parallel dpkg-deb runs")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    if not 0 < args.port <= MAX_PORT:
        parser.error("--port must be 1-65535")

    stamp = {"recipe": recipe_hash(out, args.port)}
    if not (args.force or args.new_keys) and up_to_date(out, stamp):
        print(f"fixture repos: up to date ({out})")
        return 0
    try:
        (out / ".stamp").unlink(missing_ok=True)
        build(out, args.port, args.new_keys, max(1, args.jobs))
    except BuildError as err:
        print(f"fixture repos: ERROR: {err}", file=sys.stderr)
        return 1
    keys = {p.stem: p.read_text().strip() for p in (out / "keys").glob("*.fingerprint")}
    (out / ".stamp").write_text(json.dumps({**stamp, "keys": keys}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
