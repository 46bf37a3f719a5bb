"""State the python_stack role leaves on Debian 12 and Debian 13 (molecule scenario `python_stack`).

On Debian 12 (Python 3.11) the scenario builds four environments: `base` (the role's default pins, from
PyPI), `pytorch` (torch CPU offline from wheelhouses), `tensorflow` (tensorflow-cpu from PyPI) and `locked`
(hash-checked from a lock file, switched from six 1.17.0 to 1.16.0 by side_effect.yml before verify).
Debian 13 (Python 3.13) builds the same less `pytorch`: the scenario's torch CPU wheel is cp311 only (see
molecule.yml). Each host is checked for exactly its own environments; the pytorch checks skip on Debian 13.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
from pathlib import Path
from typing import NamedTuple

import pytest

ENVS_DIR = "/opt/mlbox/envs"
UV = "/opt/mlbox/tools/bin/uv"
KERNELS_DIR = "/usr/local/share/jupyter/kernels"
TOKEN_FILE = "/etc/mlbox/jupyter-token"
CONFIG = "/etc/mlbox/jupyter/jupyter_server_config.json"
SCENARIO_DIR = Path(os.environ.get("MOLECULE_SCENARIO_DIRECTORY", Path(__file__).resolve().parents[1]))

# env -> [(distribution, module, version)]
PACKAGES = {
    "base": [
        ("numpy", "numpy", "2.4.6"),
        ("pandas", "pandas", "3.1.1"),
        ("matplotlib", "matplotlib", "3.11.2"),
        ("scikit-learn", "sklearn", "1.9.1"),
        ("jupyterlab", "jupyterlab", "4.6.6"),
        ("ipykernel", "ipykernel", "7.4.0"),
    ],
    "pytorch": [
        # The local version proves the CPU wheel from the wheelhouse, not PyPI's CUDA build.
        ("torch", "torch", "2.13.0+cpu"),
        ("ipykernel", "ipykernel", "7.4.0"),
    ],
    "tensorflow": [
        ("tensorflow-cpu", "tensorflow", "2.21.0"),
        ("ipykernel", "ipykernel", "7.4.0"),
    ],
    "locked": [
        ("six", "six", "1.16.0"),
        ("python-dateutil", "dateutil", "2.9.0.post0"),
    ],
}
KERNEL_ENVS = ["base", "pytorch", "tensorflow"]


class Release(NamedTuple):
    python: str  # the distribution's python3
    envs: list[str]  # the environments molecule.yml builds there
    # python_stack_jupyter_port: the default 8888 is taken by `make box` on a shared host, and the
    # containers share the host's network, so each has its own.
    port: int


RELEASES = {
    "12": Release("3.11", ["base", "pytorch", "tensorflow", "locked"], 18888),
    "13": Release("3.13", ["base", "tensorflow", "locked"], 18890),
}


def release(host) -> str:
    assert host.system_info.distribution == "debian", host.system_info.distribution
    major = host.system_info.release.split(".")[0]
    assert major in RELEASES, f"no expectations for Debian {host.system_info.release}"
    return major


def host_envs(host) -> list[str]:
    return RELEASES[release(host)].envs


def port(host) -> int:
    return RELEASES[release(host)].port


def require_env(host, env: str) -> None:
    """Skip a check of an environment that this host does not build (pytorch on Debian 13)."""
    if env not in host_envs(host):
        pytest.skip(f"Debian {release(host)} does not build the `{env}` environment (see molecule.yml)")


def env_python(env: str) -> str:
    return f"{ENVS_DIR}/{env}/bin/python"


def run_python(host, python: str, code: str):
    return host.run(f"{python} -c {shlex.quote(code)}")


def api(host, path: str, token: str | None = None, method: str = "GET", body: dict | None = None):
    """An HTTP request to JupyterLab from inside the container: (status, parsed JSON body or None)."""
    code = f"""
import json, urllib.request, urllib.error
headers = {{"Content-Type": "application/json"}}
token = {token!r}
if token:
    headers["Authorization"] = "token " + token
data = json.dumps({body!r}).encode() if {body!r} is not None else None
req = urllib.request.Request("http://127.0.0.1:{port(host)}" + {path!r}, data=data, headers=headers, method={method!r})
try:
    with urllib.request.urlopen(req, timeout=30) as resp:
        status, text = resp.status, resp.read().decode()
except urllib.error.HTTPError as err:
    status, text = err.code, ""
print(json.dumps({{"status": status, "text": text}}))
"""
    out = json.loads(run_python(host, "/usr/bin/python3", code).stdout)
    text = out["text"]
    return out["status"], (json.loads(text) if text.strip().startswith(("{", "[")) else None)


@pytest.fixture(scope="module")
def token(host):
    return host.file(TOKEN_FILE).content_string.strip()


# --- uv and the environments -------------------------------------------------------------------------

def test_uv_installed_in_its_own_environment(host):
    assert host.check_output(f"{UV} --version").startswith("uv 0.13.9 ")
    assert host.file("/opt/mlbox/tools/pyvenv.cfg").exists


# Per environment, one interpreter imports every package, reports its version and runs some real work.
SMOKE = {
    "base": "import numpy as np, pandas as pd; from sklearn.linear_model import LinearRegression;"
            "import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt;"
            "x = np.arange(10.0).reshape(-1, 1); m = LinearRegression().fit(x, 3 * x.ravel() + 1);"
            "assert abs(m.coef_[0] - 3) < 1e-9; assert pd.DataFrame({'a': [1, 2]}).a.sum() == 3;"
            "plt.plot([1, 2]); plt.savefig('/tmp/mlbox-plot.png')",
    "pytorch": "import torch; t = torch.arange(4.0); assert float(t @ t) == 14.0; assert not torch.cuda.is_available()",
    "tensorflow": "import tensorflow as tf; assert int(tf.reduce_sum(tf.range(5))) == 10",
    "locked": "import dateutil.parser; assert dateutil.parser.parse('2026-11-26').year == 2026",
}
IMPORT_CHECK = """
import importlib, importlib.metadata as md, json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
found = {}
for dist, module in json.loads(sys.argv[1]):
    try:
        importlib.import_module(module)
        found[dist] = md.version(dist)
    except Exception as err:
        found[dist] = f"{type(err).__name__}: {err}"
exec(sys.argv[2])
print(json.dumps(found))
"""


def test_exactly_the_hosts_environments(host):
    # The scenario's environments for this release, and other-role (converge.yml); scratch is gone.
    assert set(host.file(ENVS_DIR).listdir()) == {*host_envs(host), "other-role"}


@pytest.mark.parametrize("env", PACKAGES)
def test_packages_import_with_their_versions_and_work(host, env):
    require_env(host, env)
    wanted = json.dumps([[dist, module] for dist, module, _version in PACKAGES[env]])
    args = " ".join(shlex.quote(a) for a in ("-c", IMPORT_CHECK, wanted, SMOKE[env]))
    result = host.run(f"{env_python(env)} {args}")
    assert result.rc == 0, result.stderr[-2000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found == {dist: version for dist, _module, version in PACKAGES[env]}


@pytest.mark.parametrize("env", PACKAGES)
def test_environment_is_isolated(host, env):
    require_env(host, env)
    out = run_python(host, env_python(env), "import sys, site; print(sys.prefix); print(sys.base_prefix)")
    prefix, base_prefix = out.stdout.split()
    assert prefix == f"{ENVS_DIR}/{env}"
    assert base_prefix == "/usr"  # the distribution's Python (python_stack_python_source: system)
    # The system's own packages (python3-apt) are not visible from the environment.
    assert run_python(host, env_python(env), "import apt").rc != 0


def test_system_python_untouched(host):
    # PEP 668: the system Python neither sees the environments' packages nor got any of its own.
    python = RELEASES[release(host)].python
    assert host.check_output("/usr/bin/python3 -c 'import sys; print(\"%d.%d\" % sys.version_info[:2])'") == python
    assert run_python(host, "/usr/bin/python3", "import numpy").rc != 0
    # The distribution's PEP 668 marker is there as its package shipped it (not removed to let pip in).
    # PEP 668 puts the marker in the interpreter's stdlib directory (sysconfig), wherever the release has it.
    stdlib = host.check_output("/usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_path(\"stdlib\"))'")
    marker = f"{stdlib}/EXTERNALLY-MANAGED"
    owner = host.check_output(f"dpkg -S {marker}").split(":", 1)[0]
    assert marker not in host.check_output(f"dpkg --verify {owner} || true")
    local = host.file(f"/usr/local/lib/python{python}/dist-packages")
    assert not local.exists or local.listdir() == []


@pytest.mark.parametrize("env", PACKAGES)
def test_freeze_recorded_for_the_manifest(host, env):
    require_env(host, env)
    freeze = host.file(f"{ENVS_DIR}/{env}/.mlbox-freeze.txt")
    assert freeze.user == "root"
    assert freeze.mode == 0o644
    current = host.check_output(f"{UV} pip freeze --python {env_python(env)}")
    assert freeze.content_string.strip() == current.strip()
    for dist, _module, version in PACKAGES[env]:
        assert f"{dist}=={version}" in freeze.content_string.splitlines()


@pytest.mark.parametrize("env", PACKAGES)
def test_spec_recorded_root_only(host, env):
    require_env(host, env)
    spec_file = host.file(f"{ENVS_DIR}/{env}/.mlbox-spec.json")
    assert (spec_file.user, spec_file.mode) == ("root", 0o600)
    spec = json.loads(spec_file.content_string)
    assert spec["name"] == env
    assert spec["owner"] == "python_stack"
    assert spec["python_source"] == "system"


def test_offline_env_spec_uses_the_wheelhouse_only(host):
    require_env(host, "pytorch")
    spec = json.loads(host.file(f"{ENVS_DIR}/pytorch/.mlbox-spec.json").content_string)
    assert spec["offline"] is True
    assert spec["find_links"] == ["/opt/wheels", "/srv/wheelhouse"]
    assert spec["index_url"] == "" and spec["extra_index_urls"] == []


def test_locked_env_is_hash_checked_from_the_lock_file(host):
    lock = (SCENARIO_DIR / "files" / "locked-v2.txt").read_text()
    installed = host.file(f"{ENVS_DIR}/locked/.mlbox-requirements.txt").content_string
    assert installed == lock
    assert "--hash=sha256:" in installed
    spec = json.loads(host.file(f"{ENVS_DIR}/locked/.mlbox-spec.json").content_string)
    assert spec["lock_sha256"] == hashlib.sha256(lock.encode()).hexdigest()


def test_resolved_requirements_match_the_environment(host):
    # compile + sync: the environment holds exactly the resolved set, nothing more.
    resolved = {
        line.split("==")[0].lower()
        for line in host.file(f"{ENVS_DIR}/base/.mlbox-requirements.txt").content_string.splitlines()
        if "==" in line and not line.startswith("#")
    }
    frozen = {line.split("==")[0].lower() for line in host.file(f"{ENVS_DIR}/base/.mlbox-freeze.txt")
              .content_string.splitlines() if "==" in line}
    assert resolved == frozen


def test_env_yml_interface_and_remove_unlisted(host):
    # converge.yml built both through tasks_from env.yml; side_effect.yml removed the unlisted one the
    # role owns, with its kernel, and kept the one another role owns.
    other = json.loads(host.file(f"{ENVS_DIR}/other-role/.mlbox-spec.json").content_string)
    assert other["owner"] == "molecule"
    assert "six==1.17.0" in host.file(f"{ENVS_DIR}/other-role/.mlbox-freeze.txt").content_string
    assert not host.file(f"{ENVS_DIR}/scratch").exists
    assert not host.file(f"{KERNELS_DIR}/scratch").exists


# --- Jupyter kernels -----------------------------------------------------------------------------------

def test_kernels_registered_system_wide(host):
    specs = json.loads(host.check_output(f"{ENVS_DIR}/base/bin/jupyter kernelspec list --json"))["kernelspecs"]
    for env in KERNEL_ENVS:
        if env not in host_envs(host):
            assert env not in specs
            continue
        assert specs[env]["resource_dir"] == f"{KERNELS_DIR}/{env}"
        assert specs[env]["spec"]["argv"][0] == env_python(env)
    assert "locked" not in specs  # kernel: false
    if "pytorch" in host_envs(host):
        assert specs["pytorch"]["spec"]["display_name"] == "PyTorch (CPU)"


# --- JupyterLab ----------------------------------------------------------------------------------------

def test_jupyter_user_is_a_normal_user(host):
    user = host.user("jupyter")
    assert user.exists
    assert user.uid >= 1000
    assert user.home == "/home/jupyter"


def test_jupyterlab_service_runs_as_the_user(host):
    service = host.service("jupyterlab")
    assert service.is_enabled
    assert service.is_running
    pid = host.check_output("systemctl show --property MainPID --value jupyterlab")
    assert host.check_output(f"ps -o user= -p {pid}") == "jupyter"
    assert f"{ENVS_DIR}/base/bin/" in host.check_output(f"ps -o args= -p {pid}")


def test_jupyterlab_listens_on_loopback_only(host):
    assert host.socket(f"tcp://127.0.0.1:{port(host)}").is_listening
    # One listener, on loopback: no 0.0.0.0 or [::] socket besides it.
    listeners = host.check_output(f"ss -Htln sport = :{port(host)}").splitlines()
    assert len(listeners) == 1, listeners
    assert listeners[0].split()[3] == f"127.0.0.1:{port(host)}"


def test_jupyterlab_refuses_requests_without_the_token(host, token):
    # The 200 with this host's token also proves that this container's server holds the port: the
    # containers share the host's network, and another one's server would answer 403.
    assert api(host, "/api/status")[0] == 403
    assert api(host, "/api/kernelspecs")[0] == 403
    assert api(host, "/api/status", token="not-the-token")[0] == 403
    assert api(host, "/api/status", token=token)[0] == 200


def test_jupyterlab_sees_every_kernel(host, token):
    status, body = api(host, "/api/kernelspecs", token=token)
    assert status == 200
    built = [env for env in KERNEL_ENVS if env in host_envs(host)]
    assert set(built) <= set(body["kernelspecs"])
    assert not (set(KERNEL_ENVS) - set(built)) & set(body["kernelspecs"])


# Runs in the base environment (tornado comes with jupyter_server): executes code in a kernel that the
# server started, over the server's websocket, and prints the kernel's output.
KERNEL_CLIENT = """
import json, sys, uuid
from tornado.ioloop import IOLoop
from tornado.websocket import websocket_connect

async def main(port, kernel_id, token, code):
    ws = await websocket_connect(
        f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels?token={token}", connect_timeout=30)
    msg_id = uuid.uuid4().hex
    await ws.write_message(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test",
                   "session": uuid.uuid4().hex, "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True}}))
    out = []
    while True:
        msg = json.loads(await ws.read_message())
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
            out.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            out.append("ERROR " + msg["content"]["ename"])
        elif msg["msg_type"] == "execute_reply":
            print("".join(out), end="")
            return

IOLoop.current().run_sync(lambda: main(*sys.argv[1:5]), timeout=120)
"""


@pytest.mark.parametrize(("env", "code", "expected"), [
    ("pytorch", "import sys, torch; print(sys.prefix, torch.__version__)", f"{ENVS_DIR}/pytorch 2.13.0+cpu"),
    ("base", "import sys, numpy; print(sys.prefix, numpy.__version__)", f"{ENVS_DIR}/base 2.4.6"),
])
def test_jupyterlab_runs_code_in_each_kernel(host, token, env, code, expected):
    require_env(host, env)
    status, kernel = api(host, "/api/kernels", token=token, method="POST", body={"name": env})
    assert status == 201
    try:
        args = " ".join(shlex.quote(a) for a in ("-c", KERNEL_CLIENT, str(port(host)), kernel["id"], token, code))
        result = host.run(f"{env_python('base')} {args}")
        assert result.rc == 0, result.stderr[-2000:]
        assert result.stdout.strip() == expected
        # The kernel runs as the service's user, from its own environment.
        assert env_python(env) in host.check_output("pgrep -a -u jupyter -f ipykernel_launcher")
    finally:
        api(host, f"/api/kernels/{kernel['id']}", token=token, method="DELETE")


def test_secrets_are_not_world_readable(host, token):
    token_file = host.file(TOKEN_FILE)
    assert (token_file.user, token_file.group, token_file.mode) == ("root", "root", 0o600)
    config_dir = host.file("/etc/mlbox/jupyter")
    assert (config_dir.user, config_dir.group, config_dir.mode) == ("root", "jupyter", 0o750)
    config = host.file(CONFIG)
    assert (config.user, config.group, config.mode) == ("root", "jupyter", 0o640)
    settings = json.loads(config.content_string)
    assert len(token) >= 32
    assert settings["IdentityProvider"]["token"] == token
    assert settings["ServerApp"]["ip"] == "127.0.0.1"
    assert settings["ServerApp"]["port"] == port(host)
    assert token not in host.file("/etc/systemd/system/jupyterlab.service").content_string
    assert token not in host.check_output("ps -eo args")
