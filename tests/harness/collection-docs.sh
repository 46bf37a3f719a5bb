#!/usr/bin/env bash
# Lint the collection's documentation with antsibull-docs and build its documentation site (make docs):
#   1. build/venv-docs from tests/harness/requirements-docs.txt (made again only when that file changes);
#   2. antsibull-docs lint-collection-docs --plugin-docs: module and role docs against antsibull-docs' schema,
#      references to this collection, ansible.builtin and its dependencies, rstcheck of the generated RST;
#   3. the Sphinx site (antsibull-docs sphinx-init) into build/docs-site, warnings as errors, nitpicky;
#   4. a page, not an error page, for every module in plugins/modules/ and every role in roles/.
# Offline apart from PyPI: the dependencies (galaxy.yml) come from .venv's ansible package, and the links
# into the Ansible docs resolve through a local inventory (see ansible_devel_inventory).
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
. "$(dirname "$0")/lib.sh"

REQUIREMENTS="$HARNESS_DIR/requirements-docs.txt"
VENV="$BUILD_DIR/venv-docs"
SITE="$BUILD_DIR/docs-site"
LOGS="$BUILD_DIR/docs-logs"
COLLECTION="$REPO_ROOT/.collections/ansible_collections/mlinabox/stack"
DEV_PYTHON="$REPO_ROOT/.venv/bin/python"
start=$SECONDS

[ -f "$COLLECTION/galaxy.yml" ] || die "$COLLECTION is missing: run make setup"
[ -x "$DEV_PYTHON" ] || die "$DEV_PYTHON is missing: run make setup"
rm -rf "$LOGS" && mkdir -p "$LOGS"

# step NAME COMMAND...: run COMMAND with its output in $LOGS/NAME.log; on failure show the end of it and stop.
step() {
  local name=$1
  shift
  if ! "$@" >"$LOGS/$name.log" 2>&1; then
    tail -n 60 "$LOGS/$name.log" >&2
    die "docs: $name failed (full output: $LOGS/$name.log)"
  fi
}

# 1. The venv.
tool_venv "$VENV" "$REQUIREMENTS"
export PATH="$VENV/bin:$PATH"

# The dependencies in galaxy.yml, copied from .venv's ansible package to a directory outside the checkout:
# antsibull-docs copies a collection that lies in a Git work tree with `git ls-files`, which lists nothing of
# the ignored .venv (the lint then calls every reference to a dependency unknown).
deps_root=$(mktemp -d "${TMPDIR:-/tmp}/mlbox-docs-deps.XXXXXX")
trap 'rm -rf "$deps_root"' EXIT
deps=$(galaxy_dependencies) || exit 1
while read -r dep source_dir; do
  mkdir -p "$deps_root/ansible_collections/${dep%%.*}"
  cp -r "$source_dir" "$deps_root/ansible_collections/${dep/.//}"
done <<<"$deps"
export ANSIBLE_COLLECTIONS_PATH="$REPO_ROOT/.collections:$deps_root"

# 2. Lint.
(cd "$COLLECTION" && step lint antsibull-docs lint-collection-docs --plugin-docs \
  --validate-collection-refs dependent --disallow-unknown-collection-refs .)

# 3. The site: sphinx-init's layout (conf.py, rst/, build/html), its build.sh's two steps.
rm -rf "$SITE"
mkdir -p "$SITE/rst"
chmod 755 "$SITE" "$SITE/rst"   # antsibull-docs wants its directories writable by their owner only
step sphinx-init antsibull-docs sphinx-init --use-current --fail-on-error --dest-dir "$SITE" \
  --project mlinabox.stack --copyright "mlinabox.stack contributors" --title "mlinabox.stack" mlinabox.stack
step rst antsibull-docs --config-file "$SITE/antsibull-docs.cfg" collection --cleanup everything \
  --fail-on-error --use-current --dest-dir "$SITE/rst" mlinabox.stack

# The generated conf.py maps python, jinja2 and ansible_devel to inventories on the network. The RST links only
# into the Ansible docs (plugins of ansible.builtin and of the dependencies, which the lint has checked, and two
# reference pages): an inventory of exactly the labels it uses, written here, resolves them to their
# docs.ansible.com pages without a download. Other labels stay undefined: a broken reference fails the build.
ansible_devel_inventory() {
  "$VENV/bin/python" - "$SITE/rst" "$SITE/ansible_devel.inv" <<'PY' || return 1
import pathlib, re, sys, zlib

rst, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
pages = {
    "common_return_values": ("reference_appendices/common_return_values.html", "Return Values"),
    "ansible_configuration_settings": ("reference_appendices/config.html", "Ansible Configuration Settings"),
    "action_plugins": ("plugins/action.html", "Action Plugins"),
}
text = "\n".join(p.read_text() for p in rst.rglob("*.rst"))
defined = set(re.findall(r"^\.\. _([^:\s]+):\s*$", text, re.M))
used = {a or b for a, b in re.findall(r":ref:`(?:[^`<]*<([^>`]+)>|([^`<]+))`", text)}
lines = []
for label in sorted(used - defined):
    m = re.fullmatch(r"ansible_collections\.(\w+)\.(\w+)\.(\w+)_(\w+?)", label)
    if m and (m[1], m[2]) != ("mlinabox", "stack"):
        uri, title = f"collections/{m[1]}/{m[2]}/{m[3]}_{m[4]}.html", f"{m[1]}.{m[2]}.{m[3]}"
    elif label in pages:
        uri, title = pages[label]
    else:
        continue
    lines.append(f"{label} std:label -1 {uri}#{re.sub(r'[._]', '-', label)} {title}\n")
header = "# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n"
header += "# The remainder of this file is compressed using zlib.\n"
out.write_bytes(header.encode() + zlib.compress("".join(lines).encode()))
PY
  cat >>"$SITE/conf.py" <<'PY'

# tests/harness/collection-docs.sh: no downloads; the labels the RST uses in the Ansible docs, from a local file.
import os  # noqa: E402

intersphinx_mapping = {
    'ansible_devel': ('https://docs.ansible.com/projects/ansible/devel/',
                      os.path.join(os.path.dirname(os.path.abspath(__file__)), 'ansible_devel.inv')),
}
PY
}
step inventory ansible_devel_inventory
step sphinx-build sphinx-build -M html "$SITE/rst" "$SITE/build" -c "$SITE" -W --keep-going -q

# 4. A page for every module and role.
html="$SITE/build/html/collections/mlinabox/stack"
pages=()
for f in "$REPO_ROOT"/plugins/modules/*.py; do
  name=$(basename "$f" .py)
  [ "$name" = __init__ ] || pages+=("${name}_module")
done
for d in "$REPO_ROOT"/roles/*/; do
  pages+=("$(basename "$d")_role")
done
missing=()
for page in "${pages[@]}"; do
  if [ ! -s "$html/$page.html" ]; then
    missing+=("$page.html (no page)")
  elif grep -q 'errors parsing the documentation\|The errors were:' "$html/$page.html"; then
    missing+=("$page.html (an error page)")
  fi
done
[ ${#missing[@]} -eq 0 ] || die "docs: the site lacks ${missing[*]} in ${html#"$REPO_ROOT"/}"

log "docs: antsibull-docs lint clean; site with ${#pages[@]} module and role pages in $((SECONDS - start))s"
log "docs: ${SITE#"$REPO_ROOT"/}/build/html/index.html"
