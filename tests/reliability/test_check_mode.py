"""Check mode on a fresh host: `ansible-playbook playbooks/site.yml --check` with the local box's settings
(inventories/local: cpu profile) against a fresh test container with systemd must end without a failure and
change nothing. (Check mode on a converged host, 0 changed, is in `make test`: the Molecule site scenario.)
"""

from __future__ import annotations

from conftest import REPO, SNAPSHOT, local_env, local_inventory, rel_container, run_playbook, sh

SITE = REPO / "playbooks" / "site.yml"


def test_check_mode_on_a_fresh_host(tmp_path, case):
    with rel_container("check", systemd=True) as container:
        before = sh(container, SNAPSHOT).stdout
        run = run_playbook("check-fresh", SITE, tmp_path, inventory=local_inventory(tmp_path, container),
                           args=("--check",), extra_env=local_env(tmp_path))
        after = sh(container, SNAPSHOT).stdout
        case.check(run.rc == 0 and run.total("failures") == 0 and run.total("unreachable") == 0,
                   f"--check ran without failure ({run.total('ok')} ok, {run.total('changed')} would change, "
                   f"{run.total('skipped')} skipped)", run.summary()[-1500:])
        case.check(before == after, "nothing changed on the host (/etc, /usr/local, dpkg status)",
                   "files under /etc, /usr/local or dpkg's status changed in check mode")
    case.finish()
