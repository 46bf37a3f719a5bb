#!/usr/bin/env bash
# Run ansible-test sanity on a copy of the collection laid out as ansible_collections/mlinabox/stack
# (ansible-test needs that path; it resolves symlinks, so the .collections link will not do).
# Each sanity test gets its own virtual environment (--venv) with the requirements ansible-test pins.
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
. "$(dirname "$0")/lib.sh"

PY_VERSION=${MLBOX_SANITY_PYTHON:-$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')}
PIP_VERSION=$("$REPO_ROOT/.venv/bin/python" - <<'PY'
import re, pathlib, ansible_test
src = pathlib.Path(ansible_test.__file__).parent / "_internal/python_requirements.py"
print(re.search(r"pip='([0-9.]+)'", src.read_text()).group(1))
PY
)
cache="$HOME/.ansible/test/cache/get_pip_${PIP_VERSION//./_}.py"
if [ ! -f "$cache" ]; then
  mkdir -p "$(dirname "$cache")"
  cp "$HARNESS_DIR/get_pip_standin.py" "$cache"
fi

# Outside the checkout: inside it, ansible-test would ask git and find build/ ignored.
stage_root=$(mktemp -d "${TMPDIR:-/tmp}/mlbox-sanity.XXXXXX")
trap 'rm -rf "$stage_root"' EXIT
stage="$stage_root/ansible_collections/mlinabox/stack"
mkdir -p "$stage"
(cd "$REPO_ROOT" && git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} cp --parents -P {} "$stage/" 2>/dev/null) || true
cd "$stage"
ensure_tools shellcheck   # ansible-test skips its shellcheck test without it
"$REPO_ROOT/.venv/bin/ansible-test" sanity --venv --requirements --python "$PY_VERSION" --color no "$@"
