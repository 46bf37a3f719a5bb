"""Faults: a vendor repository that cannot be reached, a key that does not sign it, a corrupted or truncated
package download, and a run killed in the middle of an apt install and of an environment build.

Each case runs a role against a fresh test container (the bad-input suite's image and flags) with the
fixture vendor repositories, and must end with a clear error, leave apt usable (`apt-get check` passes,
`dpkg --audit` is empty, `apt-get update` works) and converge when run again once the fault is gone.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import (
    PORT_CORRUPT_REPO,
    REPO,
    apt_health,
    desktop_apps_fixture_vars,
    fixture_vars,
    installed_version,
    rel_container,
    run_and_kill,
    run_playbook,
    sh,
)

DESKTOP_APPS = REPO / "tests" / "integration" / "playbooks" / "desktop_apps.yml"
PYTHON_ENV = Path(__file__).resolve().parent / "playbooks" / "python_env.yml"
# The rerun as site.yml makes it: preflight's recovery of an interrupted dpkg run, then desktop_apps.
DESKTOP_APPS_RERUN = Path(__file__).resolve().parent / "playbooks" / "desktop_apps_rerun.yml"
CHROME = ("google-chrome-stable", "142.0.7444.175-1")
VSCODE = ("code", "1.106.3-1764110892")


def vscode_only(**overrides) -> dict:
    """desktop_apps with the fixture repositories, VS Code only (Chrome off): one vendor repository."""
    return {**desktop_apps_fixture_vars(), "desktop_apps_chrome": False, **overrides}


def check_clear_failure(case, run, expected: str, what: str = "") -> None:
    """The run failed, and a failure message holds `expected` (what names the fault: a URL, a fingerprint)."""
    if not case.check(run.rc != 0, "the run failed", f"it succeeded despite the fault: {run.summary()}"):
        return
    message = next((message for message in run.messages if expected in message), None)
    shown = " | ".join(m[:300] for m in run.messages) or run.summary()[-600:]
    case.check(message is not None, f"clear error{what}: {(message or '')[:300]}",
               f"no failure message names {expected!r}; the failure said: {shown}")


def check_apt_usable(case, container: str, *, update: bool = True) -> None:
    problems = apt_health(container, update=update)
    case.check(not problems, "apt usable (apt-get check, dpkg --audit" + (", apt-get update)" if update else ")"),
               "; ".join(problems))


def check_converges(case, name: str, tmp_path: Path, *, container: str, extra_vars: dict, packages,
                    playbook: Path = DESKTOP_APPS) -> None:
    rerun = run_playbook(name, playbook, tmp_path, container=container, extra_vars=extra_vars)
    if not case.check(rerun.rc == 0 and rerun.total("failures") == 0, "rerun converged",
                      f"the rerun failed: {' | '.join(m[:400] for m in rerun.messages) or rerun.summary()[-800:]}"):
        return
    for package, version in packages:
        case.check(installed_version(container, package) == version, f"{package} {version} installed",
                   f"{package} {version} is not installed after the rerun")
    problems = apt_health(container)
    case.check(not problems, "apt healthy after the rerun", "; ".join(problems))


def check_refused_vscode_input(case, tmp_path, name: str, *, overrides: dict, expected: str, what: str) -> None:
    """desktop_apps with VS Code's repository settings overridden: the run fails with `expected` in its
    message, apt stays usable, and a rerun with the good settings converges."""
    with rel_container(name.replace("-", "")) as container:
        run = run_playbook(name, DESKTOP_APPS, tmp_path, container=container, extra_vars=vscode_only(**overrides))
        check_clear_failure(case, run, expected, what)
        check_apt_usable(case, container)
        check_converges(case, f"{name}-rerun", tmp_path,
                        container=container, extra_vars=vscode_only(), packages=[VSCODE])
    case.finish()


def test_vendor_repository_unreachable(tmp_path, case):
    """desktop_apps with VS Code's repository URL where nothing listens (fixture_unreachable_url)."""
    fx = fixture_vars()
    check_refused_vscode_input(case, tmp_path, "unreachable",
                               overrides={"desktop_apps_vscode_repo_url": fx["fixture_unreachable_url"]},
                               expected=fx["fixture_unreachable_url"].rstrip("/"), what=" naming the repository")


def test_wrong_signing_key(tmp_path, case):
    """desktop_apps with a key (and its own fingerprint) that does not sign VS Code's repository."""
    fx = fixture_vars()
    check_refused_vscode_input(case, tmp_path, "wrong-key",
                               overrides={"desktop_apps_vscode_key_url": fx["fixture_wrong_key_url"],
                                          "desktop_apps_vscode_key_fingerprint": fx["fixture_wrong_key_fingerprint"]},
                               expected=vscode_only()["desktop_apps_vscode_repo_url"], what=" naming the repository")


def test_key_with_another_fingerprint(tmp_path, case):
    """desktop_apps with VS Code's key URL serving a key whose fingerprint is not the pinned one."""
    fx = fixture_vars()
    wrong, pinned = fx["fixture_wrong_key_fingerprint"], fx["fixture_vscode_key_fingerprint"]
    check_refused_vscode_input(case, tmp_path, "other-key",
                               overrides={"desktop_apps_vscode_key_url": fx["fixture_wrong_key_url"]},
                               expected=f"has the primary key fingerprint(s) {wrong}, "
                                        f"but desktop_apps_vscode_key_fingerprint is {pinned}",
                               what=" naming both fingerprints")


class DamagedRepository:
    """A copy of the fixture repositories with one .deb damaged (Packages and Release keep the good hashes),
    served by `python -m http.server` on a loopback port of this suite for as long as the case runs."""

    def __init__(self, tmp_path: Path, relpath: str, damage: str):
        fx = fixture_vars()
        self.root = tmp_path / "www"
        shutil.copytree(Path(fx["fixture_repos_dir"]) / "www", self.root)
        self.deb = self.root / relpath
        self.good = self.deb.read_bytes()
        if damage == "truncated":
            self.deb.write_bytes(self.good[: len(self.good) // 2])
        else:  # corrupted: the same size, 64 bytes flipped in the middle
            middle = len(self.good) // 2
            flipped = bytes(b ^ 0xFF for b in self.good[middle:middle + 64])
            self.deb.write_bytes(self.good[:middle] + flipped + self.good[middle + 64:])
        self.url = f"http://127.0.0.1:{PORT_CORRUPT_REPO}"
        self.server = subprocess.Popen(
            [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(self.root),
             str(PORT_CORRUPT_REPO)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def repair(self) -> None:
        self.deb.write_bytes(self.good)

    def stop(self) -> None:
        self.server.terminate()
        self.server.wait(timeout=10)


def find_deb(package: str, version: str) -> str:
    www = Path(fixture_vars()["fixture_repos_dir"]) / "www"
    matches = sorted(www.rglob(f"{package}_{version.split(':', 1)[-1]}_*.deb"))
    assert matches, f"no {package} {version} in the fixture repositories"
    return str(matches[0].relative_to(www))


@pytest.mark.parametrize(("damage", "package"), [("corrupted", CHROME), ("truncated", VSCODE)],
                         ids=["corrupted Chrome package", "truncated VS Code package"])
def test_damaged_package_download(tmp_path, case, damage, package):
    """desktop_apps installing from a mirror that serves one damaged .deb; the mirror is then repaired."""
    fx = fixture_vars()
    repo = DamagedRepository(tmp_path, find_deb(*package), damage)
    base = fx["fixture_repos_base_url"]
    mirror = {key: value.replace(base, repo.url) if key.endswith("_repo_url") else value
              for key, value in desktop_apps_fixture_vars().items()}
    # Only the component whose package is damaged.
    mirror_vars = {**mirror, "desktop_apps_editor": "none"} if package == CHROME else \
        {**mirror, "desktop_apps_chrome": False}
    try:
        with rel_container(damage) as container:
            run = run_playbook(f"{damage}-deb", DESKTOP_APPS, tmp_path, container=container, extra_vars=mirror_vars)
            check_clear_failure(case, run, repo.deb.name, " naming the file")
            damaged = ("Hash Sum mismatch", "unexpected size", "Size mismatch")
            case.check(any(word in m for m in run.messages for word in damaged), "the error says the file is damaged",
                       f"no {' / '.join(damaged)} in {run.messages}")
            case.check(installed_version(container, package[0]) == "",
                       f"{package[0]} not installed from the damaged file")
            check_apt_usable(case, container)
            repo.repair()
            check_converges(case, f"{damage}-deb-rerun", tmp_path,
                            container=container, extra_vars=mirror_vars, packages=[package])
    finally:
        repo.stop()
    case.finish()


def test_killed_during_apt_install(tmp_path, case):
    """desktop_apps (Chrome and VS Code) killed while dpkg installs them (the run of dpkg that unpacks Chrome,
    once dpkg has changed a package's state): ansible-playbook and every process of the run on the target
    (apt-get, dpkg) get SIGKILL. The rerun, preflight's recovery then the role as site.yml runs them, must
    recover dpkg and converge."""
    extra_vars = desktop_apps_fixture_vars()
    with rel_container("killapt") as container:
        killed = run_and_kill("killed-apt", DESKTOP_APPS, tmp_path, container=container, process="dpkg",
                              pattern="google-chrome-stable", wait_journal=True, extra_vars=extra_vars)
        if case.check(bool(killed.matched), f"killed while running `{killed.matched[:150]}`",
                      f"dpkg never ran for Chrome; the run said: {killed.output[-1500:]}"):
            state = sh(container, "dpkg --audit 2>&1; apt-get check -q 2>&1 | grep -E '^E:'").stdout.strip()
            shown = " | ".join(state.splitlines()[:3])[:300] if state else "dpkg --audit empty"
            case.note(f"after the kill: {shown}")
            check_converges(case, "killed-apt-rerun", tmp_path, playbook=DESKTOP_APPS_RERUN,
                            container=container, extra_vars=extra_vars, packages=[CHROME, VSCODE])
            check_apt_usable(case, container)
    case.finish()


def test_killed_during_environment_build(tmp_path, case):
    """python_stack building an environment (tasks_from env.yml) killed while `uv pip sync` installs it:
    ansible-playbook and every process of the run on the target get SIGKILL. The rerun must rebuild it."""
    extra_vars = {"rel_env": {"name": "reltest", "packages": ["numpy==2.4.6", "pandas==3.1.1", "six==1.17.0"]}}
    with rel_container("killuv") as container:
        killed = run_and_kill("killed-uv", PYTHON_ENV, tmp_path, container=container, process="uv",
                              pattern="pip sync", extra_vars=extra_vars)
        if case.check(bool(killed.matched), f"killed while running `{killed.matched[:150]}`",
                      f"uv pip sync never ran; the run said: {killed.output[-1500:]}"):
            state = sh(container, "ls -A /opt/mlbox/envs/reltest 2>&1 | tr '\\n' ' '").stdout.strip()
            case.note(f"after the kill the environment holds: {state[:200]}")
            check_apt_usable(case, container, update=False)
            check_converges(case, "killed-uv-rerun", tmp_path,
                            container=container, extra_vars=extra_vars, packages=[], playbook=PYTHON_ENV)
            probe = sh(container, "/opt/mlbox/envs/reltest/bin/python -c "
                                  "'import numpy, pandas, six; print(pandas.__version__)'"
                                  " && test -s /opt/mlbox/envs/reltest/.mlbox-spec.json")
            case.check(probe.returncode == 0 and probe.stdout.strip() == "3.1.1",
                       "the rebuilt environment imports numpy, pandas and six", f"{probe.stdout} {probe.stderr}")
    case.finish()
