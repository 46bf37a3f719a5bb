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

import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import (
    PORT_JUPYTER,
    REPO,
    fixture_vars,
    local_env,
    local_inventory,
    rel_container,
    run_playbook,
    sh,
    wait_for,
)

SITE = REPO / "playbooks" / "site.yml"
TEMPLATE = REPO / "playbooks" / "template.yml"
NVIDIA_DRIVER = REPO / "tests" / "integration" / "playbooks" / "nvidia_driver.yml"
TOKEN_FILE = "/etc/mlbox/jupyter-token"
JUPYTER_CONFIG = "/etc/mlbox/jupyter/jupyter_server_config.json"
MOK_KEY = "/var/lib/dkms/mok.key"
KEYRING_DIRS = ["/etc/apt/keyrings", "/usr/share/keyrings", "/etc/apt/trusted.gpg.d"]
BASE_ONLY = [{"name": "base", "packages": "{{ python_stack_base_packages }}", "kernel": True,
              "kernel_display_name": "Python 3 (base)"}]


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
        box.play("security-site", SITE, {"python_stack_envs": BASE_ONLY, "mlbox_install_docker": False})
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
