"""Faults of the fleet's package cache (roles/package_cache): a host that cannot reach it, and a cache that dies
in the middle of a run.

The client runs playbooks/site.yml (cpu profile, trimmed to preflight and one or two small environments) with
package_cache_host set. A cache that does not answer must stop the run in its checks, before any change, naming what
did not answer. A cache that dies while an environment is built must leave apt consistent and the environments
already built working, and a rerun once the cache is back must converge.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from conftest import REPO, apt_health, playbook_cmd, playbook_env, rel_container, run_playbook, sh

SITE = REPO / "playbooks" / "site.yml"
CACHE_PLAYBOOK = Path(__file__).resolve().parent / "playbooks" / "package_cache.yml"
LOG_DIR = REPO / "build" / "reliability" / "logs"
# Loopback ports of this file's cache (the suite's other ports: conftest.py).
PORT_APT = 18792
PORT_PYPI = 18793
CACHE_VARS = {"package_cache_apt_port": PORT_APT,
              "package_cache_pypi_indexes": [{"name": "pypi", "url": "https://pypi.org/simple", "port": PORT_PYPI}]}
SMALL = {"name": "small", "packages": ["six==1.17.0"]}
BIGGER = {"name": "bigger", "packages": ["numpy==2.4.6", "pandas==3.1.1"]}


def client_vars(*envs: dict) -> dict:
    """site.yml on a client of the cache: preflight and the given environments, nothing else."""
    return {**CACHE_VARS, "package_cache_host": "127.0.0.1", "mlbox_profile": "cpu",
            "mlbox_install_docker": False, "mlbox_install_h2o": False, "mlbox_install_desktop_apps": False,
            "mlbox_install_manifest": False, "python_stack_jupyter_enabled": False, "python_stack_shell_env": "small",
            "preflight_min_free_disk_gib": 0, "python_stack_envs": list(envs)}


def recap(output: str) -> dict[str, int]:
    match = re.search(r"ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", output)
    return dict(zip(("ok", "changed", "unreachable", "failed"), map(int, match.groups()))) if match else {}


def run_stopping_cache(name: str, tmp_path: Path, *, client: str, cache: str, trigger: str, extra_vars: dict):
    """site.yml against the client; when a line of its output holds `trigger`, the cache's services stop. Returns
    (ansible-playbook's exit status, its output, whether the cache was stopped)."""
    cmd = playbook_cmd(SITE, container=client, vars_file=tmp_path / f"{name}.json", extra_vars=extra_vars)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    lines, stopped = [], False
    play = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=playbook_env(False), cwd=REPO)
    try:
        for line in play.stdout:
            lines.append(line)
            if not stopped and trigger in line:
                sh(cache, "systemctl stop apt-cacher-ng 'mlbox-pypi-cache@*'", check=True)
                stopped = True
                lines.append(f"--- the cache's services were stopped here ({trigger!r}) ---\n")
        rc = play.wait(timeout=1500)
    finally:
        if play.poll() is None:
            play.kill()
            play.wait()
    output = "".join(lines)
    (LOG_DIR / f"{name}.log").write_text(f"$ {' '.join(cmd)}\n{output}")
    return rc, output, stopped


def nothing_changed(client: str) -> list[str]:
    """What a run left on the client that only a change makes."""
    left = sh(client, "ls -d /etc/apt/apt.conf.d/96mlbox-cache /opt/mlbox /etc/mlbox 2>/dev/null").stdout.split()
    return left


def test_cache_unreachable(tmp_path, case):
    """package_cache_host set, but nothing answers on the cache's ports: the run stops in its checks, before any
    change, with a message that names the ports that did not answer."""
    with rel_container("nocache", systemd=True) as client:
        run = run_playbook("cache-unreachable", SITE, tmp_path, container=client, extra_vars=client_vars(SMALL))
        if case.check(run.rc != 0, "the run failed", f"it succeeded without a cache: {run.summary()}"):
            message = next((m for m in run.messages if "does not answer" in m), "")
            case.check(f"apt-cacher-ng on port {PORT_APT}" in message and f"pypi on port {PORT_PYPI}" in message
                       and "Nothing was changed" in message,
                       f"clear error: {message[:300]}", f"the failure said: {' | '.join(run.messages)[:600]}")
        case.check(run.total("changed") == 0, "changed=0", f"changed={run.total('changed')}")
        left = nothing_changed(client)
        case.check(not left, "nothing written (no apt cache setting, no /opt/mlbox, no /etc/mlbox)",
                   f"found {left}")
        problems = apt_health(client, update=True)
        case.check(not problems, "apt usable and updating directly", "; ".join(problems))
    case.finish()


def test_cache_dies_mid_run(tmp_path, case):
    """A client converged through the cache (environment small); then a run that adds the environment bigger,
    during which the cache's services stop, as the build of bigger starts (its plan resolved through the cache).
    The run fails; apt stays consistent and small keeps working. With the cache back, a rerun converges and bigger
    works."""
    with rel_container("cache", systemd=True) as cache, rel_container("cacheclient", systemd=True) as client:
        served = run_playbook("cache-dies-cache", CACHE_PLAYBOOK, tmp_path, container=cache, extra_vars=CACHE_VARS)
        if not case.check(served.rc == 0, "cache host converged", served.summary()[-600:]):
            case.finish()
        first = run_playbook("cache-dies-first", SITE, tmp_path, container=client, extra_vars=client_vars(SMALL))
        if not case.check(first.rc == 0, "client converged through the cache", first.summary()[-600:]):
            case.finish()
        rc, output, stopped = run_stopping_cache(
            "cache-dies-run", tmp_path, client=client, cache=cache,
            trigger="Build the environments small, bigger", extra_vars=client_vars(SMALL, BIGGER))
        case.check(stopped, "the cache's services stopped as bigger was built",
                   f"the run never reached that step: {output[-1200:]}")
        case.check(rc != 0 and recap(output).get("failed", 0) > 0, "the run failed",
                   f"rc={rc}, recap {recap(output)}: {output[-800:]}")
        problems = apt_health(client, update=False)
        case.check(not problems, "apt consistent (apt-get check, dpkg --audit)", "; ".join(problems))
        small = sh(client, "/opt/mlbox/envs/small/bin/python -c 'import six; print(six.__version__)'")
        case.check(small.returncode == 0 and small.stdout.strip() == "1.17.0", "environment small still works",
                   f"{small.stdout} {small.stderr}"[-400:])
        spec = sh(client, "test -e /opt/mlbox/envs/bigger/.mlbox-spec.json")
        case.check(spec.returncode != 0, "bigger not recorded as built (the rerun builds it)",
                   "bigger has a spec file although its build failed")
        sh(cache, "systemctl start apt-cacher-ng mlbox-pypi-cache@pypi", check=True)
        rerun = run_playbook("cache-dies-rerun", SITE, tmp_path, container=client,
                             extra_vars=client_vars(SMALL, BIGGER))
        if case.check(rerun.rc == 0 and rerun.total("failures") == 0, "rerun with the cache back converged",
                      rerun.summary()[-800:]):
            bigger = sh(client, "/opt/mlbox/envs/bigger/bin/python -c 'import pandas; print(pandas.__version__)'")
            case.check(bigger.returncode == 0 and bigger.stdout.strip() == "3.1.1", "environment bigger works",
                       f"{bigger.stdout} {bigger.stderr}"[-400:])
            problems = apt_health(client, update=True)
            case.check(not problems, "apt healthy and updating through the cache", "; ".join(problems))
    case.finish()
