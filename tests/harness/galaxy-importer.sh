#!/usr/bin/env bash
# Galaxy's import checks on the collection tarball: galaxy-importer, as Galaxy runs it on an upload (metadata,
# ansible-doc of every plugin and role, changelog, ansible-lint with the production profile), plus flake8 on the
# plugins and the rule that the version be 1.0.0 or later (off: see below). Offline, without a container
# runtime (no ansible-test). Fails on any WARNING or ERROR line in the importer's output, and prints them.
# galaxy-importer pins its own ansible-core, ansible-lint and flake8, so it has its own venv,
# build/venv-importer, from tests/harness/requirements-importer.txt (made again when that file changes).
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
. "$(dirname "$0")/lib.sh"
BIN="$REPO_ROOT/.venv/bin"
VENV="$BUILD_DIR/venv-importer"
REQUIREMENTS="$HARNESS_DIR/requirements-importer.txt"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tool_venv "$VENV" "$REQUIREMENTS"

# The collection's dependencies (galaxy.yml), so that the importer's ansible-lint resolves their modules. The
# importer sets ANSIBLE_COLLECTIONS_PATH to the unpacked tarball alone, but ansible also looks for collections in
# every sys.path entry: they go to $VENV/collections, which a .pth file puts on the venv's sys.path. They come
# from the collections that the `ansible` package of .venv bundles (requirements-dev.txt): the tests' versions.
collections="$VENV/collections"
importer_site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$collections" >"$importer_site/mlbox-collections.pth"
dependencies=$(galaxy_dependencies) || exit 1
while read -r dependency source_dir; do
  if ! cmp -s "$source_dir/MANIFEST.json" "$collections/ansible_collections/${dependency/.//}/MANIFEST.json"; then
    ANSIBLE_COLLECTIONS_PATH="$collections" "$VENV/bin/ansible-galaxy" collection install --offline --no-deps --force \
      "$source_dir" -p "$collections" >/dev/null
  fi
  echo "dependency $dependency $("$VENV/bin/python" -c 'import json, sys
print(json.load(open(sys.argv[1]))["collection_info"]["version"])' "$source_dir/MANIFEST.json") for the importer's ansible-lint"
done <<<"$dependencies"

cd "$REPO_ROOT"
"$BIN/ansible-galaxy" collection build --output-path "$work/dist"
tarball=$(ls "$work"/dist/mlinabox-stack-*.tar.gz)

# require_v1_or_greater stays off: the collection is 0.x on purpose (semantic versioning's "anything may change"):
# nothing has been released, CHANGELOG.md's versions and the modules' version_added are 0.x, and its roles'
# inputs still change between versions. Galaxy itself accepts 0.x; the rule is a server option, off by default.
cat >"$work/galaxy-importer.cfg" <<CFG
[galaxy-importer]
run_ansible_doc = True
run_ansible_lint = True
offline_ansible_lint = True
run_flake8 = True
run_ansible_test = False
check_changelog = True
require_v1_or_greater = False
ansible_local_tmp = $work/ansible-tmp
CFG

# Only the settings above: no GALAXY_IMPORTER_* overrides from the caller's environment.
while read -r name; do unset "$name"; done < <(compgen -e | grep '^GALAXY_IMPORTER_' || true)
mkdir -p "$work/run"
cd "$work/run"   # the importer writes importer_result.json into its working directory
set +e
PATH="$VENV/bin:$PATH" GALAXY_IMPORTER_CONFIG="$work/galaxy-importer.cfg" \
  "$VENV/bin/python" -m galaxy_importer.main "$tarball" >"$work/importer.log" 2>&1
rc=$?
set -e
cat "$work/importer.log"
problems=$(grep -E '^\[?(WARNING|ERROR|CRITICAL)' "$work/importer.log" || true)
if [ -n "$problems" ]; then
  printf '%s\n' "$problems" >&2
  die "galaxy-importer reported $(printf '%s\n' "$problems" | wc -l) warning or error line(s) (above)"
fi
[ "$rc" -eq 0 ] || die "galaxy-importer exited with $rc"
grep -q '^Importer processing completed successfully' "$work/importer.log" || die "galaxy-importer did not complete"
echo "galaxy-importer $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("galaxy-importer"))'): no warning"
