#!/usr/bin/env bash
# Build the collection tarball, install it into an empty collections path, and use it from there by
# FQCN (outside the checkout, so that nothing resolves to the working tree): role docs, a module run,
# and the preflight role's checks against this machine (read-only: --tags preflight_check).
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
. "$(dirname "$0")/lib.sh"
BIN="$REPO_ROOT/.venv/bin"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$REPO_ROOT"
"$BIN/ansible-galaxy" collection build --force --output-path "$work/dist"
tarball=$(ls "$work"/dist/mlinabox-stack-*.tar.gz)
echo "built $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB, $(tar -tzf "$tarball" | wc -l) entries)"
# Development files (every build_ignore entry of galaxy.yml) stay out of the tarball: it holds what users run.
dev_files='^(\.ci|\.collections|\.venv|\.cache|\.ansible|\.git|\.ruff_cache|\.pytest_cache|\.config|artifacts|build|molecule|tests|inventories/local)/'
dev_files+='|^(\.gitignore|\.yamllint|\.ansible-lint|ansible\.cfg|ruff\.toml|Makefile|requirements-dev\.txt)$|\.tar\.gz$|(^|/)__pycache__/'
if tar -tzf "$tarball" | grep -E "$dev_files"; then
  die "the tarball holds development files (see build_ignore in galaxy.yml)"
fi
version=$("$BIN/python" -c 'import json, sys, tarfile
print(json.load(tarfile.open(sys.argv[1]).extractfile("MANIFEST.json"))["collection_info"]["version"])' "$tarball")

cd "$work"   # away from the checkout's ansible.cfg
export ANSIBLE_COLLECTIONS_PATH="$work/collections"
"$BIN/ansible-galaxy" collection install --offline "$tarball" -p "$work/collections"
"$BIN/ansible-galaxy" collection list mlinabox.stack -p "$work/collections" | grep -E "mlinabox\\.stack +${version//./\\.}( |\$)"

for role in "$work"/collections/ansible_collections/mlinabox/stack/roles/*/; do
  "$BIN/ansible-doc" -t role "mlinabox.stack.$(basename "$role")" | head -n 3
done
for module in "$work"/collections/ansible_collections/mlinabox/stack/plugins/modules/*.py; do
  "$BIN/ansible-doc" "mlinabox.stack.$(basename "$module" .py)" | head -n 3
done
if [ -f "$work/collections/ansible_collections/mlinabox/stack/plugins/modules/gpu_facts.py" ]; then
  mkdir -p "$work/empty-sysfs/bus/pci/devices"
  "$BIN/ansible" localhost -e "ansible_python_interpreter=$BIN/python" -m mlinabox.stack.gpu_facts -a "sysfs_root=$work/empty-sysfs"
fi

cat >"$work/play.yml" <<'PLAY'
- name: Use the installed collection's preflight role by FQCN
  hosts: localhost
  connection: local
  gather_facts: true
  roles:
    - role: mlinabox.stack.preflight
      preflight_min_free_disk_gib: 1
PLAY
"$BIN/ansible-playbook" -i localhost, -e "ansible_python_interpreter=$BIN/python" --tags preflight_check "$work/play.yml"
echo "collection build and install: ok"
