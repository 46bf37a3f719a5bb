#!/usr/bin/env bash
# The execution environment definition (docs/awx/execution-environment.yml) as ansible-builder reads it:
# `ansible-builder create` on it, in a build context laid out as docs/awx.md tells a user to (the definition,
# its requirements.yml and the collection tarball as mlinabox-stack.tar.gz), without network access where the
# host allows (`unshare -n`): create needs none, only `ansible-builder build` reaches the base image's registry,
# PyPI and Galaxy. No image is built (no registry here). Then checks the generated context: the Containerfile,
# the pins, the collection tarball and community.general, and the collection's own EE dependencies
# (meta/execution-environment.yml) read by ansible-builder's introspection as the image build would read them.
# ansible-builder runs from its own venv, build/venv-builder (tests/harness/requirements-builder.txt), made
# again only when that file changes.
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
. "$(dirname "$0")/lib.sh"
BIN="$REPO_ROOT/.venv/bin"
VENV="$BUILD_DIR/venv-builder"
REQS="$HARNESS_DIR/requirements-builder.txt"
DEFINITION_DIR="$REPO_ROOT/docs/awx"

tool_venv "$VENV" "$REQS"
"$VENV/bin/pip" check >/dev/null
"$VENV/bin/ansible-builder" --version

work=$(mktemp -d "${TMPDIR:-/tmp}/mlbox-ee.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The user's build directory (docs/awx.md): the definition, requirements.yml and the tarball.
mkdir -p "$work/ee"
cp "$DEFINITION_DIR/execution-environment.yml" "$DEFINITION_DIR/requirements.yml" "$work/ee/"
(cd "$REPO_ROOT" && "$BIN/ansible-galaxy" collection build --force --output-path "$work/dist" >/dev/null)
cp "$work"/dist/mlinabox-stack-*.tar.gz "$work/ee/mlinabox-stack.tar.gz"

create=("$VENV/bin/ansible-builder" create -f "$work/ee/execution-environment.yml" -c "$work/context"
        --output-filename Containerfile -v 2)
if unshare -n true 2>/dev/null; then
  echo "ansible-builder create, without network (unshare -n)"
  unshare -n "${create[@]}"
else
  echo "ansible-builder create (unshare -n not permitted here: network not cut)"
  "${create[@]}"
fi

# The context: Containerfile and _build/, checked against the definition and the versions make test runs with.
general_tested=$("$BIN/python" -c 'import json, pathlib, ansible_collections.community.general as m
print(json.loads((pathlib.Path(m.__path__[0]) / "MANIFEST.json").read_text())["collection_info"]["version"])')
"$VENV/bin/python" - "$work/context" "$work/ee/execution-environment.yml" "$REPO_ROOT" "$general_tested" <<'PY'
import json, re, sys, tarfile
from pathlib import Path

import yaml

context, definition_file, repo = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
definition = yaml.safe_load(definition_file.read_text())
errors = []

def check(ok, msg):
    print(("ok    " if ok else "FAIL  ") + msg)
    if not ok:
        errors.append(msg)

containerfile = context / "Containerfile"
check(containerfile.is_file(), "Containerfile generated")
text = containerfile.read_text() if containerfile.is_file() else ""
base = definition["images"]["base_image"]["name"]
check(f'ARG EE_BASE_IMAGE="{base}"' in text, f"base image {base}")
deps = definition["dependencies"]
core, runner = deps["ansible_core"]["package_pip"], deps["ansible_runner"]["package_pip"]
check(re.search(rf'ARG ANSIBLE_INSTALL_REFS="{re.escape(core)} {re.escape(runner)}"', text) is not None,
      f"installs {core} and {runner}")
check("ansible-galaxy collection install" in text and "-r requirements.yml" in text,
      "galaxy stage installs _build/requirements.yml")
check("introspect.py introspect" in text, "builder stage introspects the installed collections")

# ansible-core as make test runs it.
dev = (repo / "requirements-dev.txt").read_text()
dev_core = re.search(r"^ansible-core==(\S+)$", dev, re.M)
check(dev_core is not None and core == f"ansible-core=={dev_core.group(1)}",
      f"{core} is requirements-dev.txt's ansible-core ({dev_core.group(1) if dev_core else 'none'})")

requirements = yaml.safe_load((context / "_build/requirements.yml").read_text())
collections = requirements.get("collections", [])
files = [c for c in collections if c.get("type") == "file"]
check(len(files) == 1, "requirements.yml installs one collection from a file")
for entry in files:
    path = context / "_build" / entry["name"]
    check(path.is_file(), f"{entry['name']} is in the context (relative to /build, the galaxy stage's workdir)")
    if path.is_file():
        with tarfile.open(path) as tar:
            names = set(tar.getnames())
            info = json.load(tar.extractfile("MANIFEST.json"))["collection_info"]
            meta = yaml.safe_load(tar.extractfile("meta/execution-environment.yml"))
        check((info["namespace"], info["name"]) == ("mlinabox", "stack"),
              f"the tarball is {info['namespace']}.{info['name']} {info['version']}")
        # introspect.py reads the files that meta/execution-environment.yml names, relative to the collection root.
        wanted = meta.get("dependencies", {})
        check(sorted(wanted) == ["python", "system"], f"meta/execution-environment.yml names {sorted(wanted)}")
        for needed in ("meta/execution-environment.yml", *wanted.values(),
                       "playbooks/site.yml", "playbooks/verify.yml", "playbooks/plan.yml"):
            check(needed in names, f"the tarball holds {needed}")
general = [c for c in collections if c.get("name") == "community.general"]
check(len(general) == 1 and bool(general[0].get("version")), "requirements.yml pins community.general")
bindep = (context / "_build/bindep.txt").read_text()
check("openssh-clients" in bindep, "the EE's system packages include the SSH client")

general_version = str(general[0].get("version")) if general else ""
check(general_version == sys.argv[4],
      f"community.general {general_version} is the one make test runs with ({sys.argv[4]}, the ansible package's)")

if errors:
    sys.exit(f"{len(errors)} check(s) of the build context failed")
PY

# What the image build's galaxy and builder stages do with the collection, offline: install the tarball as
# requirements.yml names it (from /build, here _build), then ansible-builder's introspection, which reads
# meta/execution-environment.yml and the files it names.
(cd "$work/context/_build" && ANSIBLE_COLLECTIONS_PATH="$work/collections" "$BIN/ansible-galaxy" collection install --offline --no-deps \
   "$(sed -n 's/^ *- name: \(collections\/.*\.tar\.gz\)$/\1/p' requirements.yml)" -p "$work/collections" >/dev/null)
"$VENV/bin/ansible-builder" introspect --user-bindep "$work/context/_build/bindep.txt" \
  --write-pip "$work/pip.txt" --write-bindep "$work/bindep.txt" "$work/collections"
grep -q '^openssh-clients \[platform:rpm\]' "$work/bindep.txt" || die "introspection lost the EE's system packages"
if [ -s "$work/pip.txt" ]; then
  die "the collection now asks for Python packages in the EE ($(tr '\n' ' ' <"$work/pip.txt")): check they are intended, then update this check and docs/awx.md"
fi
echo "execution environment definition: ok"
