"""Shared helpers of the reliability suite (`make reliability`, see tests/reliability/README.md).

Test containers are made from the harness image with the bad-input suite's flags (host network, `sleep`),
or with systemd as PID 1 (the Molecule base config's flags) where a case needs services. Their names start
with `rel-`; they are removed when the case ends, whatever happens. The docker helper, the snapshot command
and the parsing of failure messages are the bad-input suite's (tests/integration/test_bad_input.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))
from harness import IMAGE, docker  # noqa: E402
from test_bad_input import SNAPSHOT, failed_messages  # noqa: E402

__all__ = ["IMAGE", "SNAPSHOT", "docker", "failed_messages"]

PLAYBOOK = REPO / ".venv" / "bin" / "ansible-playbook"
FIXTURE_VARS = REPO / "build" / "fixture-repos" / "vars.yml"
LOG_DIR = Path(os.environ.get("MLBOX_RELIABILITY_LOGS", REPO / "build" / "reliability" / "logs"))
# Loopback ports this suite may bind (the fixture server, the box and Molecule use others).
PORT_JUPYTER = 18790
PORT_CORRUPT_REPO = 18791

pytestmark = pytest.mark.skipif(not PLAYBOOK.exists(), reason="needs make setup")


def fixture_vars() -> dict:
    if not FIXTURE_VARS.is_file():
        pytest.fail(f"{FIXTURE_VARS} is missing: run make fixture-repos")
    return yaml.safe_load(FIXTURE_VARS.read_text())


def desktop_apps_fixture_vars() -> dict:
    """desktop_apps' repository inputs pointed at the fixture repositories, as a user points them at a mirror."""
    f = fixture_vars()
    return {
        "desktop_apps_chrome_repo_url": f["fixture_chrome_base_url"],
        "desktop_apps_chrome_key_url": f["fixture_chrome_key_url"],
        "desktop_apps_chrome_key_fingerprint": f["fixture_chrome_key_fingerprint"],
        "desktop_apps_vscode_repo_url": f["fixture_vscode_base_url"],
        "desktop_apps_vscode_key_url": f["fixture_vscode_key_url"],
        "desktop_apps_vscode_key_fingerprint": f["fixture_vscode_key_fingerprint"],
    }


SYSTEMD_FLAGS = ["--cap-add", "SYS_ADMIN", "--tmpfs", "/run", "--tmpfs", "/run/lock", "--tmpfs", "/tmp",
                 "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--cgroupns", "host"]


@contextlib.contextmanager
def rel_container(label: str, *, systemd: bool = False, wheelhouse: str = ""):
    """A fresh Debian 12 test container named rel-<label>-<random>, removed on exit; with `wheelhouse`, that
    directory read-only at /srv/wheelhouse (as `make box` mounts PyTorch's CPU wheel)."""
    if docker("image", "inspect", IMAGE, check=False).returncode != 0:
        pytest.fail(f"test image {IMAGE} is missing: run tests/harness/build-images.sh")
    name = f"rel-{label}-{uuid.uuid4().hex[:6]}"
    # run.sh removes by this label what a killed pytest left behind.
    run_label = ["--label", f"mlbox.reliability.run={os.environ.get('MLBOX_RELIABILITY_RUN', 'manual')}"]
    if wheelhouse:
        run_label += ["-v", f"{wheelhouse}:/srv/wheelhouse:ro"]
    if systemd:
        docker("run", "-d", "--name", name, "--hostname", name, "--network", "host", *run_label, *SYSTEMD_FLAGS,
               IMAGE, "/lib/systemd/systemd")
    else:
        # As the bad-input suite's container (tests/integration/test_bad_input.py), living as long as the case.
        docker("run", "-d", "--name", name, "--network", "host", *run_label, IMAGE, "sleep", "infinity")
    try:
        if systemd:
            # Until systemd has booted: right after `docker run` even its bus is missing, and work done during
            # the boot races it (systemd-tmpfiles empties /tmp, which apt's signature check uses).
            booted = wait_for(lambda: sh(name, "systemctl is-system-running --wait 2>&1").stdout.strip()
                              in ("running", "degraded"), 180, 1)
            assert booted, f"systemd did not finish booting {name}"
        yield name
    finally:
        docker("rm", "-f", name, check=False)


def sh(container: str, script: str, *, timeout: int = 600, check: bool = False) -> subprocess.CompletedProcess:
    """Run a shell script in the container (as root)."""
    run = subprocess.run(["docker", "exec", container, "sh", "-c", script], capture_output=True, text=True,
                         timeout=timeout, check=False)
    if check and run.returncode != 0:
        raise AssertionError(f"`{script}` failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
    return run


@dataclass
class PlayRun:
    """One ansible-playbook run: its exit status, output and, with the JSON callback, what failed."""

    rc: int
    stdout: str
    stderr: str
    log: Path
    result: dict = field(default_factory=dict)

    @property
    def messages(self) -> list[str]:
        return failed_messages(self.result) if self.result else []

    @property
    def stats(self) -> dict:
        return self.result.get("stats", {})

    def total(self, key: str) -> int:
        return sum(host.get(key, 0) for host in self.stats.values())

    def summary(self) -> str:
        if self.result:
            return f"rc={self.rc} changed={self.total('changed')} failed={self.total('failures')}: {self.messages}"
        return f"rc={self.rc}\n{self.stdout[-3000:]}\n{self.stderr[-2000:]}"


def playbook_cmd(playbook: Path, *, container: str | None = None, inventory: Path | None = None,
                 extra_vars: dict | None = None, vars_file: Path | None = None, args: tuple = ()) -> list[str]:
    cmd = [str(PLAYBOOK)]
    if inventory is not None:
        cmd += ["-i", str(inventory)]
    else:
        cmd += ["-i", f"{container},", "-c", "community.docker.docker"]
    if extra_vars is not None:
        assert vars_file is not None
        vars_file.write_text(json.dumps(extra_vars))
        cmd += ["-e", f"@{vars_file}"]
    return [*cmd, *args, str(playbook)]


def playbook_env(json_callback: bool, extra_env: dict | None = None) -> dict:
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_FORCE_COLOR="0", NO_COLOR="1")
    if json_callback:
        env.update(ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_LOAD_CALLBACK_PLUGINS="1")
    env.update(extra_env or {})
    return env


def run_playbook(name: str, playbook: Path, tmp_path: Path, *, json_callback: bool = True, timeout: int = 1500,
                 extra_env: dict | None = None, **kwargs) -> PlayRun:
    """Run ansible-playbook; the whole output goes to build/reliability/logs/<name>.log."""
    cmd = playbook_cmd(playbook, vars_file=tmp_path / f"{name}.json", **kwargs)
    run = subprocess.run(cmd, capture_output=True, text=True, env=playbook_env(json_callback, extra_env),
                         cwd=REPO, timeout=timeout, check=False)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = LOG_DIR / f"{name}.log"
    log.write_text(f"$ {' '.join(cmd)}\n{run.stdout}\n--- stderr ---\n{run.stderr}")
    result = {}
    if json_callback:
        with contextlib.suppress(json.JSONDecodeError):
            result = json.loads(run.stdout)
    return PlayRun(run.returncode, run.stdout, run.stderr, log, result)


# Runs in the container: waits until a process whose name is NAME has PATTERN in its command line (apt runs
# dpkg on a directory of links, `--recursive DIR`: the names in DIR count as the command line) and, with
# "journal", until dpkg's journal (/var/lib/dpkg/updates) holds an entry, that is until dpkg has changed a
# package's state. Then it kills with SIGKILL every process of the container but PID 1 (the run's module,
# apt-get, dpkg, uv, ...), as a target that loses the run's processes (a crash, a lost session) would.
# Prints the matched command line.
KILLER = r"""
import os, signal, sys, time
name, pattern, wait_journal = sys.argv[1], sys.argv[2], sys.argv[3] == 'journal'
deadline = time.time() + float(sys.argv[4])
me = os.getpid()
def procs():
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            with open(f'/proc/{pid}/cmdline', 'rb') as f:
                argv = [a.decode(errors='replace') for a in f.read().split(b'\0') if a]
        except OSError:
            continue
        if '--recursive' in argv and os.path.isdir(argv[-1]):
            try:
                argv = argv + sorted(os.listdir(argv[-1]))
            except OSError:
                pass
        yield int(pid), argv
def journal():
    try:
        return any(entry.isdigit() for entry in os.listdir('/var/lib/dpkg/updates'))
    except OSError:
        return False
while time.time() < deadline:
    for pid, argv in procs():
        if argv and os.path.basename(argv[0]) == name and pattern in ' '.join(argv) and (not wait_journal or journal()):
            for other, _command in list(procs()):
                if other not in (1, me):
                    try:
                        os.kill(other, signal.SIGKILL)
                    except OSError:
                        pass
            print(' '.join(argv)[:400])
            sys.exit(0)
    time.sleep(0.01)
sys.exit(3)
"""


@dataclass
class KilledRun:
    matched: str  # the command line that triggered the kill ("" if it never ran)
    rc: int | None  # ansible-playbook's exit status (negative: killed by that signal)
    output: str


def run_and_kill(name: str, playbook: Path, tmp_path: Path, *, container: str, process: str, pattern: str,
                 wait_journal: bool = False, timeout: int = 1200, **kwargs) -> KilledRun:
    """Run a playbook against the container and kill the run (controller and target) once `process` runs
    with `pattern` in its command line."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = LOG_DIR / f"{name}.log"
    cmd = playbook_cmd(playbook, container=container, vars_file=tmp_path / f"{name}.json", **kwargs)
    with log.open("w") as out:
        out.write(f"$ {' '.join(cmd)}\n")
        out.flush()
        play = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=playbook_env(False), cwd=REPO,
                                start_new_session=True)
        try:
            killer = subprocess.run(["docker", "exec", container, "python3", "-c", KILLER, process, pattern,
                                     "journal" if wait_journal else "-", str(timeout)],
                                    capture_output=True, text=True, timeout=timeout + 30, check=False)
            if killer.returncode == 0:
                # The controller goes too: ansible-playbook and its workers.
                os.killpg(play.pid, signal.SIGKILL)
            play.wait(timeout=60)
        finally:
            if play.poll() is None:
                os.killpg(play.pid, signal.SIGKILL)
                play.wait()
        out.write(f"\n--- killed on: {killer.stdout.strip()!r} (killer rc={killer.returncode}); "
                  f"ansible-playbook rc={play.returncode} ---\n")
    return KilledRun(killer.stdout.strip() if killer.returncode == 0 else "", play.returncode, log.read_text())


def apt_health(container: str, *, update: bool = False) -> list[str]:
    """What is wrong with apt and dpkg on the container: [] when `apt-get check` passes, `dpkg --audit` is
    empty (and, with update, `apt-get update` succeeds without errors or warnings)."""
    problems = []
    check = sh(container, "apt-get check -q 2>&1")
    if check.returncode != 0:
        problems.append(f"apt-get check (rc {check.returncode}): {check.stdout.strip()[-600:]}")
    audit = sh(container, "dpkg --audit 2>&1")
    if audit.returncode != 0 or audit.stdout.strip():
        problems.append(f"dpkg --audit (rc {audit.returncode}): {audit.stdout.strip()[-600:]}")
    if update:
        upd = sh(container, "apt-get update -q 2>&1", timeout=600)
        bad = [line for line in upd.stdout.splitlines() if line.startswith(("E:", "W:", "Err:"))]
        if upd.returncode != 0 or bad:
            problems.append(f"apt-get update (rc {upd.returncode}): {' | '.join(bad)[-600:]}")
    return problems


def installed_version(container: str, package: str) -> str:
    run = sh(container, f"dpkg-query -W -f='${{db:Status-Abbrev}}|${{Version}}' {package} 2>/dev/null")
    status, _sep, version = run.stdout.partition("|")
    return version.strip() if status.strip() == "ii" else ""


class Case:
    """What one case saw, step by step: each check passes or fails without stopping the case (so that the
    report shows every step), and finish() fails the test if any did. The steps go into the JUnit report's
    `outcome` property, which docs/reliability.md shows."""

    def __init__(self, record_property):
        self.steps: list[str] = []
        self.failed: list[str] = []
        self._record = record_property

    def _add(self, text: str) -> None:
        self.steps.append(" ".join(str(text).split()))
        self._record("outcome", "; ".join(self.steps))

    def note(self, text: str) -> None:
        self._add(text)

    def check(self, ok: bool, what: str, detail: str = "") -> bool:
        if ok:
            self._add(what)
        else:
            self.failed.append(f"{what}: {detail}" if detail else what)
            self._add(f"FAILED {what}" + (f": {detail[:400]}" if detail else ""))
        return ok

    def finish(self) -> None:
        assert not self.failed, "\n".join(self.failed)


@pytest.fixture
def case(request, record_property) -> Case:
    doc = (request.node.function.__doc__ or "").strip()
    if doc:
        record_property("doc", " ".join(doc.split()))
    return Case(record_property)


def wait_for(predicate, timeout: float, interval: float = 1.0):
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value or time.time() > deadline:
            return value
        time.sleep(interval)


def local_inventory(tmp_path: Path, container: str) -> Path:
    """An inventory like inventories/local (its group_vars: the box's settings, cpu profile) whose one host is
    the test container."""
    inventory = tmp_path / "inventory"
    inventory.mkdir(exist_ok=True)
    (inventory / "hosts.yml").write_text(yaml.safe_dump({"all": {"children": {"mlbox_local": {"hosts": {
        container: {"ansible_connection": "community.docker.docker",
                    "ansible_python_interpreter": "/usr/bin/python3"}}}}}}))
    link = inventory / "group_vars"
    if not link.exists():
        link.symlink_to(REPO / "inventories" / "local" / "group_vars")
    return inventory / "hosts.yml"


def local_env(tmp_path: Path, wheelhouse: str = "") -> dict:
    """The MLBOX_* settings that inventories/local reads: this suite's JupyterLab port, and the wheelhouse with
    PyTorch's CPU wheel when there is one (see box_wheelhouse)."""
    env = {"MLBOX_JUPYTER_PORT": str(PORT_JUPYTER), "MLBOX_ARTIFACTS_DIR": str(tmp_path / "artifacts"),
           "MLBOX_WHEELHOUSE": wheelhouse}
    wheels = sorted(Path(wheelhouse).glob("torch-*+cpu-cp311-*.whl")) if wheelhouse else []
    if wheels:
        env["MLBOX_BOX_TORCH_VERSION"] = wheels[-1].name.split("-")[1].split("+")[0]
    return env


def box_wheelhouse() -> str:
    """The wheelhouse `make box` uses (tests/harness/box.sh): MLBOX_WHEELHOUSE, or /opt/wheels when it has
    PyTorch's CPU wheel for CPython 3.11; "" otherwise (the pytorch environment then needs PyTorch's index)."""
    given = os.environ.get("MLBOX_WHEELHOUSE", "")
    if given:
        return given
    return "/opt/wheels" if list(Path("/opt/wheels").glob("torch-*+cpu-cp311-*.whl")) else ""
