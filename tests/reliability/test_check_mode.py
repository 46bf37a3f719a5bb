"""Check mode on a fresh host: `ansible-playbook playbooks/site.yml --check` with the local box's settings
(inventories/local: cpu profile) against a fresh test container with systemd must end without a failure and
change nothing. Twice: the image as it comes (no apt package lists, as debootstrap and many cloud images ship),
and after `apt-get update`. (Check mode on a converged host, 0 changed, is in `make test`: Molecule `site`.)
"""

from __future__ import annotations

import pytest
from conftest import REPO, SNAPSHOT, box_wheelhouse, local_env, local_inventory, rel_container, run_playbook, sh

SITE = REPO / "playbooks" / "site.yml"


@pytest.mark.parametrize("lists", [False, True], ids=["no apt package lists", "apt package lists read"])
def test_check_mode_on_a_fresh_host(tmp_path, case, lists):
    """site.yml --check (inventories/local settings, cpu profile) on a fresh host."""
    # The box's PyTorch CPU wheel, as `make box` mounts it: the check resolves every environment before any
    # change, and PyTorch's own index cannot be reached from the test machines.
    wheelhouse = box_wheelhouse()
    with rel_container("check", systemd=True, wheelhouse=wheelhouse) as container:
        if lists:
            update = sh(container, "apt-get update -q 2>&1", check=True)
            assert not [line for line in update.stdout.splitlines() if line.startswith(("W:", "E:", "Err:"))], \
                f"apt-get update did not read the lists: {update.stdout[-1500:]}"
        before = sh(container, SNAPSHOT).stdout
        run = run_playbook(f"check-fresh{'-lists' if lists else ''}", SITE, tmp_path, args=("--check",),
                           inventory=local_inventory(tmp_path, container), extra_env=local_env(tmp_path, wheelhouse))
        after = sh(container, SNAPSHOT).stdout
        failed = " | ".join(m[:400] for m in run.messages) or run.summary()[-1500:]
        case.check(run.rc == 0 and run.total("failures") == 0 and run.total("unreachable") == 0,
                   f"--check ran without failure ({run.total('ok')} ok, {run.total('changed')} would change, "
                   f"{run.total('skipped')} skipped)", f"{run.total('failures')} failed: {failed}")
        case.check(before == after, "nothing changed on the host (/etc, /usr/local, dpkg status)",
                   "files under /etc, /usr/local or dpkg's status changed in check mode")
    case.finish()
