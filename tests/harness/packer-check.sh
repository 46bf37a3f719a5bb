#!/usr/bin/env bash
# The Packer template's checks that need Packer itself: `packer fmt -check` (any version), and
# `packer validate -syntax-only`. Debian 12's Packer is 1.6.6 (installed through host-tools.txt); the template
# needs >= 1.7 for its packer { required_plugins } block, which 1.6.6 rejects ("Blocks of type
# required_plugins are not expected here"). With 1.6.6 the syntax check therefore runs on a copy without that
# block, which is the only part 1.6.6 cannot parse. Variable validations that call regex() need >= 1.7 to
# be evaluated; tests/unit/test_packer_template.py checks them structurally.
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
ensure_tools packer

version=$(packer version | sed -n 's/^Packer v\([0-9][0-9.]*\).*/\1/p' | head -n 1)
log "packer $version: fmt -check"
packer fmt -check -diff packer/

if [ "$(printf '%s\n' 1.7.0 "$version" | sort -V | head -n 1)" = 1.7.0 ]; then
  log "packer $version: validate -syntax-only"
  packer validate -syntax-only packer/
else
  log "packer $version < 1.7: validate -syntax-only on a copy without the packer { required_plugins } block," \
    "which $version cannot parse (a build needs >= 1.7, packer/README.md)"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cp -r packer "$work/packer"
  awk '/^packer \{/ { skip = 1 } !skip { print } skip && /^\}/ { skip = 0 }' packer/mlbox.pkr.hcl \
    >"$work/packer/mlbox.pkr.hcl"
  ! grep -q required_plugins "$work/packer/mlbox.pkr.hcl" || die "the packer block was not removed"
  (cd "$work" && packer validate -syntax-only packer/)
fi
echo "packer checks: ok"
