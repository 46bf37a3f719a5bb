"""Security of a provisioned box and of the template made from it, on one test container with systemd:

1. site.yml with the local box's settings (inventories/local: cpu profile), trimmed to keep the suite short:
   the base environment only (no PyTorch) and no Docker; run with -v, as a user would watch it;
2. the nvidia_driver role against the fixture NVIDIA repository (two A100s from a recorded sysfs tree) with
   Secure Boot on, so that it generates a MOK key pair; also with -v;
3. then playbooks/template.yml, after leaving what a build leaves: sshd's host keys, the build user's
   authorized_keys, shell histories.

Checked: the modes of the token, the MOK key and the keyrings; that JupyterLab refuses requests without the
token; that no secret appears in Ansible's output; that the template keeps no secret.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import (
    PORT_JUPYTER,
    REPO,
    SNAPSHOT,
    fixture_vars,
    local_env,
    local_inventory,
    rel_container,
    run_playbook,
    sh,
    wait_for,
)

SITE = REPO / "playbooks" / "site.yml"
VERIFY = REPO / "playbooks" / "verify.yml"
JUPYTER_RESTART = REPO / "tests" / "reliability" / "playbooks" / "jupyter_restart.yml"
PREFLIGHT_CONFIGURE = REPO / "tests" / "reliability" / "playbooks" / "preflight_configure.yml"
TEMPLATE = REPO / "playbooks" / "template.yml"
NVIDIA_DRIVER = REPO / "tests" / "integration" / "playbooks" / "nvidia_driver.yml"
TOKEN_FILE = "/etc/mlbox/jupyter-token"
JUPYTER_CONFIG = "/etc/mlbox/jupyter/jupyter_server_config.json"
MOK_KEY = "/var/lib/dkms/mok.key"
KEYRING_DIRS = ["/etc/apt/keyrings", "/usr/share/keyrings", "/etc/apt/trusted.gpg.d"]
BASE_ONLY = [{"name": "base", "packages": "{{ python_stack_base_packages }}", "kernel": True,
              "kernel_display_name": "Python 3 (base)"}]
# The box's settings, trimmed to what the cases need: the base environment, no Docker, no H2O (its cases opt in).
TRIMMED = {"python_stack_envs": BASE_ONLY, "mlbox_install_docker": False, "mlbox_install_h2o": False}


class Box:
    def __init__(self, container: str, tmp_path: Path):
        self.container = container
        self.tmp_path = tmp_path
        self.inventory = local_inventory(tmp_path, container)
        self.logs: dict[str, str] = {}
        self.failures: list[str] = []
        self.token_before_template = ""

    def play(self, name: str, playbook: Path, extra_vars: dict, **kwargs):
        run = run_playbook(name, playbook, self.tmp_path, inventory=self.inventory, extra_vars=extra_vars,
                           json_callback=False, args=("-v",), extra_env=local_env(self.tmp_path), **kwargs)
        self.logs[name] = run.stdout + run.stderr
        if run.rc != 0:
            self.failures.append(f"{name} failed (rc {run.rc}), see {run.log}: {run.stdout[-1500:]}")
        return run

    def token(self) -> str:
        return sh(self.container, f"cat {TOKEN_FILE}").stdout.strip()

    def stat(self, path: str) -> str:
        """'<octal mode> <user>:<group>' of a path, '' if it does not exist."""
        return sh(self.container, f"stat -c '%a %U:%G' {path} 2>/dev/null").stdout.strip()


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    """The converged box: site.yml (-v), then nvidia_driver with Secure Boot (-v)."""
    tmp_path = tmp_path_factory.mktemp("security")
    fx = fixture_vars()
    with rel_container("security", systemd=True) as container:
        box = Box(container, tmp_path)
        box.play("security-site", SITE, TRIMMED)
        box.play("security-nvidia-driver", NVIDIA_DRIVER, {
            "nvidia_test_sysfs": "a100x2", "nvidia_driver_dkms": False, "nvidia_driver_secure_boot": "enabled",
            "nvidia_driver_repo_url": fx["fixture_nvidia_cuda_base_url"],
            "nvidia_driver_repo_key_url": fx["fixture_nvidia_cuda_key_url"],
            "nvidia_driver_repo_key_fingerprint": fx["fixture_nvidia_cuda_key_fingerprint"]})
        yield box


@pytest.fixture(scope="module")
def template(box):
    """The same box after what a build leaves, then playbooks/template.yml (-v)."""
    sh(box.container, "DEBIAN_FRONTEND=noninteractive apt-get install -y -q openssh-server >/dev/null 2>&1;"
                      " useradd --create-home --shell /bin/bash builder;"
                      " mkdir -p /home/builder/.ssh && echo 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBUILD builder@packer'"
                      " > /home/builder/.ssh/authorized_keys && echo 'sudo -i' > /home/builder/.bash_history"
                      f" && echo 'cat {TOKEN_FILE}' > /root/.bash_history"
                      " && echo 'import os' > /root/.python_history && chown -R builder: /home/builder",
       check=True, timeout=900)
    keys = sh(box.container, "ls /etc/ssh/ssh_host_*_key 2>/dev/null").stdout.split()
    assert keys, "openssh-server made no host keys to remove"
    box.token_before_template = box.token()
    box.play("security-template", TEMPLATE,
             {"template_prep_confirm": True, "template_prep_remove_authorized_keys_for": ["builder"]})
    return box


def converged(box: Box) -> None:
    if box.failures:
        pytest.fail("the box did not converge: " + " | ".join(box.failures))


def test_token_and_jupyter_settings_are_root_only(box, case):
    """The JupyterLab token file and the settings file that holds the token: modes and owners."""
    converged(box)
    case.check(box.stat(TOKEN_FILE) == "600 root:root", f"{TOKEN_FILE}: 600 root:root", box.stat(TOKEN_FILE))
    config = box.stat(JUPYTER_CONFIG)
    case.check(config == "640 root:jupyter", f"{JUPYTER_CONFIG} (holds the token): 640 root:jupyter", config)
    directory = box.stat("/etc/mlbox/jupyter")
    case.check(directory == "750 root:jupyter", "/etc/mlbox/jupyter: 750 root:jupyter", directory)
    case.finish()


def test_mok_key_is_root_only(box, case):
    """The MOK private key that nvidia_driver generated (Secure Boot on): mode and owner."""
    converged(box)
    case.check(box.stat(MOK_KEY) == "600 root:root", f"{MOK_KEY} (generated MOK private key): 600 root:root",
               box.stat(MOK_KEY) or "missing")
    case.finish()


def test_keyrings_and_sources_are_not_writable_by_others(box, case):
    """apt's keyrings, sources and pins: owned by root, not writable by group or others."""
    converged(box)
    listing = sh(box.container, "stat -c '%a %U %n' " + " ".join(f"{d}/*" for d in KEYRING_DIRS)
                 + " /etc/apt/sources.list.d/* /etc/apt/preferences.d/* 2>/dev/null").stdout.split("\n")
    files = [line.split(" ", 2) for line in listing if line.strip()]
    loose = [f"{path} {mode} {owner}" for mode, owner, path in files if owner != "root" or int(mode, 8) & 0o022]
    keyrings = [path for _mode, _owner, path in files if path.endswith((".gpg", ".asc"))]
    ours = sorted(path for path in keyrings if "/debian-archive-" not in path)
    case.check(bool(keyrings) and not loose,
               f"{len(files)} keyrings, sources and pins, root's and not writable by others "
               f"(keyrings besides Debian's: {', '.join(ours) or 'none'})",
               f"loose: {loose}" if loose else "no keyring found")
    case.finish()


def test_no_world_writable_files(box, case):
    """No file or directory the stack wrote is world-writable (sticky directories aside)."""
    converged(box)
    where = "/etc /opt/mlbox /usr/local /var/lib/dkms /var/cache/mlbox"
    writable = "\\( -type f -o -type d \\) -perm -0002 ! -perm -1000"
    # uv's lock files: empty, opened for flock only, world-writable by uv's design so that any user can lock.
    locks = "\\( -type f -empty -name '*.lock' \\)"
    found = sh(box.container, f"find {where} -xdev {writable} ! {locks} 2>/dev/null").stdout.split()
    lock_count = len(sh(box.container, f"find {where} -xdev {writable} {locks} 2>/dev/null").stdout.split())
    case.check(not found, f"no world-writable file or directory under {where} (besides {lock_count} empty uv lock "
               "files, world-writable by uv's design)", " ".join(found[:20]))
    case.finish()


def test_jupyterlab_refuses_requests_without_the_token(box, case):
    """JupyterLab's API without a token and with a wrong one (403), and with the token (200)."""
    converged(box)
    token = box.token()
    base = f"http://127.0.0.1:{PORT_JUPYTER}"

    def status(path: str, headers: dict | None = None) -> int:
        request = urllib.request.Request(base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return 0

    case.check(bool(wait_for(lambda: status("/api/status") in (401, 403, 200), 120, 2)),
               f"JupyterLab answers on 127.0.0.1:{PORT_JUPYTER}", "no answer")
    for path in ("/api/status", "/api/contents", "/api/kernels"):
        code = status(path)
        case.check(code == 403, f"GET {path} without the token: {code}", f"expected 403, got {code}")
    code = status("/api/contents", {"Authorization": "token wrong-token-0123456789"})
    case.check(code == 403, f"GET /api/contents with a wrong token: {code}", f"expected 403, got {code}")
    code = status("/api/contents", {"Authorization": f"token {token}"})
    case.check(code == 200, f"GET /api/contents with the token: {code}", f"expected 200, got {code}")
    case.finish()


def test_no_secret_in_ansible_output(box, case):
    """The -v output of both runs holds neither the JupyterLab token nor MOK private key material."""
    converged(box)
    token = box.token()
    case.check(len(token) >= 16, "the JupyterLab token was generated", repr(token))
    mok = sh(box.container, f"grep -v -- ----- {MOK_KEY} | head -n 3").stdout.split()
    for name, log in box.logs.items():
        case.check(token not in log, f"{name} (-v, {len(log)} characters): no JupyterLab token",
                   "the token is in the output")
        leaked = [line for line in mok if line in log] + re.findall(r"-----BEGIN [A-Z ]*PRIVATE KEY-----", log)
        case.check(not leaked, f"{name}: no MOK private key material", f"{leaked[:2]}")
    case.finish()


# A careless or hostile inventory against the converged box (issue 17): each rerun of site.yml must be refused
# by the pre-change pass, with a message that names the variable, before anything changes; nothing planted may
# run as root, and JupyterLab stays on the loopback. Fields: id, extra vars (over the converge's), a shell
# script that leaves something on the box first (undone by cleanup), the expected text.
PLANT_UV = ("cp -p /opt/mlbox/tools/bin/uv /root/uv.real"
            " && printf '#!/bin/sh\\ntouch /root/planted-ran\\nexec /root/uv.real \"$@\"\\n' > /opt/mlbox/tools/bin/uv"
            " && chown -R nobody /opt/mlbox/tools")
UNPLANT_UV = "mv -f /root/uv.real /opt/mlbox/tools/bin/uv; chown -R root:root /opt/mlbox/tools"
HOSTILE_RERUNS = [
    ("jupyterlab opened through its extra config",
     {"python_stack_jupyter_extra_config": {"ServerApp": {"ip": "0.0.0.0"}, "IdentityProvider": {"token": ""}}},
     "", "", "python_stack_jupyter_extra_config.ServerApp.ip"),
    ("jupyterlab without xsrf check through its extra config",
     {"python_stack_jupyter_extra_config": {"ServerApp": {"disable_check_xsrf": True}}},
     "", "", "python_stack_jupyter_extra_config.ServerApp.disable_check_xsrf"),
    ("uv planted in a tools directory a user owns", {}, PLANT_UV, UNPLANT_UV,
     "is owned by uid 65534, not root"),
    ("environments directory writable by others", {}, "chmod o+w /opt/mlbox/envs", "chmod o-w /opt/mlbox/envs",
     "/opt/mlbox/envs is writable by others"),
    ("docker api on tcp", {"mlbox_install_docker": True,
                           "docker_daemon_options": {"hosts": ["tcp://0.0.0.0:2375"]}},
     "", "", "docker_daemon_options"),
    ("h2o on every interface through its arguments", {"mlbox_install_h2o": True, "h2o_extra_args": ["-ip", "0.0.0.0"]},
     "", "", "h2o_extra_args"),
    ("manifest written into /tmp", {"manifest_dir": "/tmp"}, "", "", "manifest_dir is /tmp, a system directory"),
    ("jupyterlab token written into /tmp", {"python_stack_jupyter_token_file": "/tmp/jupyter-token"}, "", "",
     "python_stack_jupyter_token_file (/tmp/jupyter-token): /tmp is writable by others"),
]


# Runs the rest of its command line as nobody (setuid in Python: the test image has no su).
AS_NOBODY = "python3 -c 'import os,sys; os.setgid(65534); os.setuid(65534); os.execvp(sys.argv[1], sys.argv[1:])'"


def jupyter_listeners(container: str) -> list[str]:
    return sorted(set(sh(container, f"ss -ltnH 'sport = :{PORT_JUPYTER}' | awk '{{print $4}}'").stdout.split()))


@pytest.mark.parametrize("hostile", HOSTILE_RERUNS, ids=[row[0] for row in HOSTILE_RERUNS])
def test_hostile_rerun_is_refused_before_any_change(box, case, hostile):
    """site.yml again on the converged box with a setting (or a planted file) that would widen access, make
    root run a user's file, or re-own a system directory: refused before any change, by name."""
    _name, extra, setup, cleanup, expect = hostile
    converged(box)
    listening = jupyter_listeners(box.container)
    if setup:
        sh(box.container, setup, check=True)
    try:
        before = sh(box.container, SNAPSHOT, timeout=300).stdout
        run = run_playbook(f"security-hostile-{len(box.logs)}", SITE, box.tmp_path, inventory=box.inventory,
                           extra_vars={**TRIMMED, **extra},
                           extra_env=local_env(box.tmp_path))
        box.logs[f"hostile rerun ({expect})"] = run.stdout + run.stderr
        after = sh(box.container, SNAPSHOT, timeout=300).stdout
        planted_ran = sh(box.container, "test -e /root/planted-ran").returncode == 0
    finally:
        if cleanup:
            sh(box.container, cleanup)
        sh(box.container, "rm -f /root/planted-ran")
    case.check(run.rc != 0, "site.yml refused the run", f"rc {run.rc}")
    case.check(any(expect in message for message in run.messages), f"message: {expect!r}",
               f"messages: {run.messages}")
    case.check(run.total("changed") == 0, "Ansible reported no change", f"changed={run.total('changed')}")
    case.check(before == after, "/etc, /usr/local, dpkg's status and the system directories' owners unchanged",
               "files changed")
    case.check(not planted_ran, "nothing planted ran as root", "the planted uv ran")
    now = jupyter_listeners(box.container)
    case.check(now == listening and all(a.startswith(("127.0.0.1:", "[::1]:")) for a in now),
               f"JupyterLab still listens on the loopback only ({', '.join(now)})", f"before {listening}, now {now}")
    case.finish()


def verify_listeners(box: Box, name: str, extra_vars: dict) -> dict:
    """verify.yml's "Listening sockets" check, from the report it writes (the whole play fails when it fails)."""
    run = run_playbook(name, VERIFY, box.tmp_path, inventory=box.inventory, json_callback=False,
                       extra_vars=extra_vars, extra_env=local_env(box.tmp_path))
    report = box.tmp_path / "artifacts" / box.container / "verify.json"
    if not report.is_file():
        return {"status": "no report", "detail": run.stdout[-800:]}
    checks = json.loads(report.read_text()).get("checks", [])
    return next((c for c in checks if c.get("name") == "Listening sockets"), {"status": "missing", "detail": ""})


def test_verify_counts_every_listener_beyond_loopback(box, case):
    """verify.yml against the box while three programs listen beyond the loopback: an unprivileged user's on
    0.0.0.0, root's on [::], and one that calls itself sshd. Each fails the check whatever its owner or name,
    until its port is opted in (mlbox_allowed_listen_ports)."""
    converged(box)
    # As nobody, as root on [::], and as a copy of python3 named sshd.
    start = (f"nohup {AS_NOBODY} python3 -m http.server 18796 --bind 0.0.0.0 >/dev/null 2>&1 & echo $! > /root/l.pids;"
             " nohup python3 -m http.server 18797 --bind :: >/dev/null 2>&1 & echo $! >> /root/l.pids;"
             " cp /usr/bin/python3 /root/sshd && { nohup /root/sshd -m http.server 18798 --bind 0.0.0.0"
             " >/dev/null 2>&1 & echo $! >> /root/l.pids; }")
    sh(box.container, start, check=True)
    try:
        up = wait_for(lambda: int(sh(box.container, "ss -ltnH | grep -cE ':1879[678] '").stdout.strip() or 0) >= 3,
                      30, 1)
        case.check(bool(up), "three listeners beyond the loopback (18796 nobody, 18797 root on [::], 18798 'sshd')",
                   sh(box.container, "ss -ltnH").stdout)
        seen = verify_listeners(box, "security-verify-listeners", {})
        detail = seen.get("detail", "")
        case.check(seen.get("status") == "failed", f"Listening sockets: {seen.get('status')}", detail[:400])
        for where in ("0.0.0.0:18796 python3 (pid", "[::]:18797 python3 (pid", "0.0.0.0:18798 sshd (pid"):
            line = next((part for part in detail.split("; ") if part.startswith(where)), "")
            case.check(line.endswith("NOT ALLOWED"), f"reported: {line}", detail[:600])
        host_ports = [int(p) for p in (os.environ.get("MLBOX_HOST_LISTEN_PORTS") or "").split(",") if p]
        seen = verify_listeners(box, "security-verify-listeners-opted-in",
                                {"mlbox_allowed_listen_ports": [22, 18796, 18797, 18798, *host_ports]})
        case.check(seen.get("status") == "passed", "with their ports in mlbox_allowed_listen_ports: passed",
                   f"{seen.get('status')}: {seen.get('detail', '')[:400]}")
    finally:
        sh(box.container, "kill $(cat /root/l.pids); rm -f /root/sshd /root/l.pids")
    case.finish()


def test_jupyterlab_restart_checks_who_holds_the_port(box, case):
    """Another program (an unprivileged user's) takes JupyterLab's port after the checks, while the service is
    down; the role then rewrites the settings and restarts the service. Something answers on the port, but the
    run must fail, naming the holder, instead of reporting success while the service restarts forever."""
    converged(box)
    sh(box.container, "systemctl stop jupyterlab.service", check=True)
    sh(box.container, f"nohup {AS_NOBODY} python3 -m http.server {PORT_JUPYTER} --bind 127.0.0.1 >/dev/null 2>&1 &"
                      " echo $! > /root/squatter.pid", check=True)
    settings = {"python_stack_envs": BASE_ONLY,
                "python_stack_jupyter_extra_config": {"ServerApp": {"iopub_data_rate_limit": 1000001}}}
    try:
        run = run_playbook("security-jupyter-squatter", JUPYTER_RESTART, box.tmp_path, inventory=box.inventory,
                           extra_vars=settings, extra_env=local_env(box.tmp_path))
        case.check(run.rc != 0, "the restart with the port taken failed", f"rc {run.rc}")
        expected = f"Port {PORT_JUPYTER} (python_stack_jupyter_port) is held by"
        message = next((m for m in run.messages if expected in m), "")
        case.check(bool(message) and "not by the jupyterlab.service service" in message,
                   f"message: {message[:300]}", f"messages: {run.messages}")
    finally:
        sh(box.container, "kill $(cat /root/squatter.pid); rm -f /root/squatter.pid")
    again = run_playbook("security-jupyter-squatter-gone", JUPYTER_RESTART, box.tmp_path, inventory=box.inventory,
                         extra_vars={"python_stack_envs": BASE_ONLY}, extra_env=local_env(box.tmp_path))
    owner = sh(box.container, "systemctl is-active jupyterlab.service").stdout.strip()
    case.check(again.rc == 0 and owner == "active", "with the port free again, a rerun converges (service active)",
               f"rc {again.rc}, service {owner}: {again.messages}")
    case.finish()


PROXY_CASES = [
    ("http proxy with a password", {"preflight_http_proxy": "http://alice:Pr0xyPassw0rd@proxy.invalid:3128"},
     "Pr0xyPassw0rd"),
    ("https proxy with an encoded slash and a colon in the password",
     {"preflight_https_proxy": "http://bob:pa%2Fss:w0rdSecret@proxy.invalid:3128"}, "pa%2Fss:w0rdSecret"),
    ("proxy with a token as its user", {"preflight_http_proxy": "https://tok3nSecretValue@proxy.invalid:8443",
                                        "preflight_https_proxy": "https://tok3nSecretValue@proxy.invalid:8443"},
     "tok3nSecretValue"),
]


@pytest.mark.parametrize(("proxy", "secret"), [row[1:] for row in PROXY_CASES], ids=[row[0] for row in PROXY_CASES])
def test_proxy_credentials_stay_root_only(case, tmp_path, proxy, secret):
    """preflight's settings with a proxy that holds credentials, run with -v: apt's and pip's proxy files are
    root's alone (0600), the credentials are in no output, apt still works for other users, and a rerun
    without the proxy removes it."""
    with rel_container("proxy") as container:
        run = run_playbook("security-proxy", PREFLIGHT_CONFIGURE, tmp_path, container=container, json_callback=False,
                           extra_vars=proxy, args=("-v",))
        case.check(run.rc == 0, "preflight wrote the proxy settings", run.stdout[-600:])
        for path in ("/etc/apt/apt.conf.d/95mlbox-proxy", "/etc/pip.conf"):
            mode = sh(container, f"stat -c '%a %U:%G' {path} 2>/dev/null").stdout.strip()
            holds = sh(container, f"grep -c proxy.invalid {path} 2>/dev/null").stdout.strip()
            case.check(mode == "600 root:root" and holds not in ("", "0"), f"{path}: {mode}, holds the proxy",
                       f"mode {mode!r}, proxy lines {holds!r}")
        case.check(secret not in run.stdout + run.stderr, f"-v output ({len(run.stdout)} characters): no credentials",
                   "the credentials are in the output")
        other = sh(container, "su nobody -s /bin/sh -c 'apt-cache policy bash' 2>&1")
        case.check(other.returncode == 0 and "E:" not in other.stdout, "apt-cache as another user: works",
                   other.stdout[-300:])
        clear = run_playbook("security-proxy-removed", PREFLIGHT_CONFIGURE, tmp_path, container=container,
                             json_callback=False, extra_vars={}, args=("-v",))
        left = sh(container, "ls /etc/apt/apt.conf.d/95mlbox-proxy 2>/dev/null; grep -l proxy.invalid /etc/pip.conf"
                             " 2>/dev/null").stdout.split()
        case.check(clear.rc == 0 and not left, "a rerun without the proxy removed it", f"rc {clear.rc}, left {left}")
    case.finish()


def test_template_removes_host_keys_build_key_and_histories(template, case):
    """After template.yml: no SSH host key, no authorized_keys of the build user, no shell or Python history."""
    converged(template)
    left = sh(template.container, "ls -d /etc/ssh/ssh_host_*_key* /home/builder/.ssh/authorized_keys "
                                  "/root/.bash_history /root/.python_history /home/builder/.bash_history "
                                  "2>/dev/null").stdout.split()
    case.check(not left, "no SSH host key, build user's authorized_keys or shell/Python history left",
               " ".join(left))
    case.finish()


def test_template_keeps_no_jupyter_token(template, case):
    """After template.yml: no file holds the build VM's JupyterLab token (it would open JupyterLab on every
    clone). Also says whether the MOK private key stays in the template."""
    converged(template)
    token = template.token_before_template
    if not case.check(len(token) >= 16, "the box had a JupyterLab token before template.yml", repr(token)):
        case.finish()
    holders = sh(template.container, f"grep -rlsF -- {token!r} /etc /root /home /opt /var /usr/local /tmp "
                                     "2>/dev/null | head -n 20").stdout.split()
    case.check(not holders, "no file of the template holds the JupyterLab token", f"held by: {' '.join(holders)}")
    mok = template.stat(MOK_KEY)
    case.note(f"MOK private key {MOK_KEY} in the template: {'present (' + mok + ')' if mok else 'absent'}")
    case.finish()
