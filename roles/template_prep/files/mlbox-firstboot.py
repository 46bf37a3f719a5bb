# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""mlbox-firstboot: what a clone of an ML in a Box template does once, on its first boot.

Installed by the template_prep role as /usr/local/sbin/mlbox-firstboot (with a python3 shebang) and run
by two systemd units:

  mlbox-firstboot hostkeys   (mlbox-firstboot-hostkeys.service, before ssh.service and
                             jupyterlab.service) makes the clone's own secrets: the SSH host keys that
                             are missing (ssh-keygen -A), and a JupyterLab token where JupyterLab is set
                             up and its token file is missing (template_prep removed the template's);
                             notes what it made in /run/mlbox/hostkeys.json.
  mlbox-firstboot run        (mlbox-firstboot.service, after the services it checks, once per clone)
                             does the same if still needed, runs the self-check, writes the report
                             and then the done marker, so that it never runs again on this clone.
  mlbox-firstboot check      runs the self-check and prints the report; writes nothing (missing host
                             keys are reported, not generated).

The report (/var/log/mlbox/firstboot.json):
  {"host": ..., "started": ..., "finished": ..., "image": <the template's /etc/mlbox/image.json>,
   "summary": {"passed": n, "failed": n, "skipped": n},
   "checks": [{"name": ..., "status": "passed" | "failed" | "skipped", "detail": ...}, ...]}
"run" exits 1 when a check failed (the unit then shows as failed), 0 otherwise.

Settings come from /etc/mlbox/firstboot-config.json (written by the role); every key is optional.
Python 3.8+ standard library only.
"""

from __future__ import annotations

import datetime
import glob
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time

CONFIG_PATH = "/etc/mlbox/firstboot-config.json"
DEFAULTS = {
    "envs_dir": "/opt/mlbox/envs",
    # distribution (normalised) -> module to import, for the distributions an environment has
    "imports": {"numpy": "numpy", "pandas": "pandas", "scikit-learn": "sklearn", "torch": "torch"},
    "import_timeout": 600,
    "services": ["docker", "jupyterlab"],
    "service_wait": 120,
    "nvidia_smi": True,
    "report": "/var/log/mlbox/firstboot.json",
    "done": "/var/lib/mlbox/firstboot.done",
    "image": "/etc/mlbox/image.json",
    # "/" on a host; tests point it at a directory with etc/ssh inside (ssh-keygen -A -f <root>).
    "root": "/",
    "hostkeys_state": "/run/mlbox/hostkeys.json",
    # python_stack's JupyterLab settings (IdentityProvider.token) and its root-only token file.
    "jupyter_config": "/etc/mlbox/jupyter/jupyter_server_config.json",
    "jupyter_token_file": "/etc/mlbox/jupyter-token",
}
TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
TOKEN_LENGTH = 48
HOST_KEY_TYPES = ("rsa", "ecdsa", "ed25519")
C_LOCALE = dict(os.environ, LANG="C", LC_ALL="C")

# Run by each environment's own interpreter: imports the modules given as arguments, prints
# {module: [ok, version or error]}.
IMPORT_PROBE = r"""
import importlib, json, sys
result = {}
for name in sys.argv[1:]:
    try:
        module = importlib.import_module(name)
        result[name] = [True, str(getattr(module, "__version__", ""))]
    except BaseException as error:  # a failed import can raise anything, SystemExit included
        result[name] = [False, "%s: %s" % (type(error).__name__, error)]
print(json.dumps(result))
"""


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def load_config(path=CONFIG_PATH):
    config = dict(DEFAULTS)
    try:
        with open(path, encoding="utf-8") as handle:
            loaded = json.load(handle)
    except (OSError, ValueError):
        loaded = {}
    if isinstance(loaded, dict):
        config.update({key: value for key, value in loaded.items() if key in DEFAULTS})
    return config


def check(name, status, detail=""):
    return {"name": name, "status": status, "detail": detail}


def run(argv, timeout=60):
    """(rc, stdout, stderr) of a command; rc 127 when it is missing, 124 on a timeout."""
    try:
        done = subprocess.run(argv, capture_output=True, env=C_LOCALE,
                              timeout=timeout, check=False, text=True)
    except FileNotFoundError as error:
        return 127, "", str(error)
    except subprocess.TimeoutExpired:
        return 124, "", f"timed out after {timeout} s"
    return done.returncode, done.stdout, done.stderr


def ssh_dir(config):
    return os.path.join(config["root"], "etc", "ssh")


def missing_host_keys(config):
    directory = ssh_dir(config)
    return [kind for kind in HOST_KEY_TYPES if not os.path.isfile(os.path.join(directory, f"ssh_host_{kind}_key"))]


def generate_host_keys(config):
    """Generate the missing host keys (ssh-keygen -A makes every missing default type).
    Returns (generated types, error or None)."""
    missing = missing_host_keys(config)
    if not missing:
        return [], None
    keygen = shutil.which("ssh-keygen")
    if keygen is None:
        return [], "ssh-keygen not found"
    argv = [keygen, "-A"] if config["root"] == "/" else [keygen, "-A", "-f", config["root"]]
    rc, out, err = run(argv)
    if rc != 0:
        return [], f"ssh-keygen -A failed (rc={rc}): {(err or out).strip()}"
    still = missing_host_keys(config)
    return [kind for kind in missing if kind not in still], None


def generate_jupyter_token(config):
    """Give JupyterLab a token of this clone's own, when its settings exist and its token file does not.
    The token goes into the token file (root, 0600) and into the settings (their owner and mode kept).
    Returns "generated", "present", "not set up", or an error message starting with "error: "."""
    settings_path, token_path = config["jupyter_config"], config["jupyter_token_file"]
    if not os.path.isfile(settings_path):
        return "not set up"
    if os.path.exists(token_path):
        return "present"
    try:
        with open(settings_path, encoding="utf-8") as handle:
            settings = json.load(handle)
        token = "".join(secrets.choice(TOKEN_CHARS) for _position in range(TOKEN_LENGTH))
        settings.setdefault("IdentityProvider", {})["token"] = token
        status = os.stat(settings_path)
        temporary = settings_path + ".tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(settings, indent=4, sort_keys=True) + "\n")
        os.chown(temporary, status.st_uid, status.st_gid)
        os.chmod(temporary, status.st_mode & 0o7777)
        os.replace(temporary, settings_path)
        descriptor = os.open(token_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(token + "\n")
    except (OSError, ValueError) as error:
        return f"error: {error}"
    return "generated"


def jupyter_token_check(config, made_before, generate):
    """The JupyterLab token: present in the root-only token file and the same in the settings."""
    made = generate_jupyter_token(config) if generate else made_before or "present"
    if not os.path.isfile(config["jupyter_config"]):
        return check("jupyterlab-token", "skipped", "JupyterLab is not set up")
    if made.startswith("error: "):
        return check("jupyterlab-token", "failed", made[7:])
    try:
        with open(config["jupyter_config"], encoding="utf-8") as handle:
            in_settings = json.load(handle).get("IdentityProvider", {}).get("token")
        with open(config["jupyter_token_file"], encoding="ascii") as handle:
            in_file = handle.read().strip()
        mode = os.stat(config["jupyter_token_file"]).st_mode & 0o777
    except (OSError, ValueError) as error:
        return check("jupyterlab-token", "failed", str(error))
    if not in_file or in_settings != in_file:
        return check("jupyterlab-token", "failed", "the token file and JupyterLab's settings disagree")
    if mode & 0o077:
        return check("jupyterlab-token", "failed", f"the token file has mode {mode:04o}, not 0600")
    when = "generated at first boot" if made_before == "generated" or made == "generated" else "present"
    return check("jupyterlab-token", "passed", f"{when}, root-only, in JupyterLab's settings")


def fingerprint(path):
    rc, out, _err = run(["ssh-keygen", "-l", "-f", path])
    fields = out.split()
    return fields[1] if rc == 0 and len(fields) > 1 else "?"


def hostkeys_check(config, generated_before, generate):
    """The host-key check: keys present (with fingerprints), generated now (when `generate`) or by
    the hostkeys unit earlier in this boot."""
    if shutil.which("ssh-keygen") is None and not glob.glob(os.path.join(ssh_dir(config), "ssh_host_*_key")):
        return check("ssh-host-keys", "skipped", "OpenSSH is not installed")
    generated, error = generate_host_keys(config) if generate else ([], None)
    generated = sorted(set(generated) | set(generated_before), key=HOST_KEY_TYPES.index)
    if error:
        return check("ssh-host-keys", "failed", error)
    missing = missing_host_keys(config)
    if missing:
        return check("ssh-host-keys", "failed", "missing: " + ", ".join(missing))
    prints = ", ".join(
        f"{kind} {fingerprint(os.path.join(ssh_dir(config), f'ssh_host_{kind}_key.pub'))}" for kind in HOST_KEY_TYPES)
    detail = ("generated at first boot: " + ", ".join(generated) + "; ") if generated else "already present; "
    return check("ssh-host-keys", "passed", detail + prints)


def machine_id_check(config):
    path = os.path.join(config["root"], "etc", "machine-id")
    try:
        with open(path, encoding="ascii") as handle:
            value = handle.read().strip()
    except (OSError, UnicodeDecodeError) as error:
        return check("machine-id", "failed", str(error))
    if re.fullmatch(r"[0-9a-f]{32}", value):
        return check("machine-id", "passed", value)
    return check("machine-id", "failed", f"/etc/machine-id holds {value!r}, not a 32-digit hex id")


def nvidia_smi_check(config):
    if not config["nvidia_smi"]:
        return check("nvidia-smi", "skipped", "turned off in the settings")
    binary = shutil.which("nvidia-smi")
    if binary is None:
        return check("nvidia-smi", "skipped", "nvidia-smi is not installed")
    rc, out, err = run([binary, "--query-gpu=index,name,driver_version", "--format=csv,noheader"], timeout=120)
    if rc != 0:
        return check("nvidia-smi", "failed", f"rc={rc}: {(err or out).strip()[:500]}")
    gpus = [line.strip() for line in out.splitlines() if line.strip()]
    return check("nvidia-smi", "passed", "; ".join(gpus) or "no GPU listed")


def env_distributions(env_path):
    """Normalised names of the distributions installed in an environment (dist-info directories,
    conda-meta records)."""
    names = set()
    for path in glob.glob(os.path.join(env_path, "lib*", "python*", "site-packages", "*.dist-info")):
        names.add(os.path.basename(path)[: -len(".dist-info")].split("-", 1)[0])
    for path in glob.glob(os.path.join(env_path, "conda-meta", "*.json")):
        names.add(os.path.basename(path)[: -len(".json")].rsplit("-", 2)[0])
    return {re.sub(r"[-_.]+", "-", name).lower() for name in names}


def env_checks(config):
    envs_dir = config["envs_dir"]
    if not os.path.isdir(envs_dir):
        return [check("python-envs", "skipped", f"{envs_dir} does not exist")]
    checks = []
    imports = {re.sub(r"[-_.]+", "-", key).lower(): value for key, value in config["imports"].items()}
    for name in sorted(os.listdir(envs_dir)):
        env_path = os.path.join(envs_dir, name)
        python = os.path.join(env_path, "bin", "python")
        if not os.access(python, os.X_OK):
            continue
        modules = sorted({imports[dist] for dist in env_distributions(env_path) if dist in imports})
        rc, out, err = run([python, "-c", IMPORT_PROBE, *modules], timeout=config["import_timeout"])
        try:
            results = json.loads(out.strip().splitlines()[-1]) if rc == 0 else None
        except (ValueError, IndexError):
            results = None
        if results is None:
            checks.append(check(f"python-env:{name}", "failed", f"{python} rc={rc}: {(err or out).strip()[-500:]}"))
            continue
        failed = {module: detail for module, (ok, detail) in results.items() if not ok}
        if failed:
            detail = "; ".join(f"import {module} failed: {text}" for module, text in sorted(failed.items()))
            checks.append(check(f"python-env:{name}", "failed", detail))
        elif modules:
            detail = "imported " + ", ".join(f"{module} {results[module][1]}".strip() for module in modules)
            checks.append(check(f"python-env:{name}", "passed", detail))
        else:
            checks.append(check(f"python-env:{name}", "passed", "interpreter runs (no key package to import)"))
    return checks or [check("python-envs", "skipped", f"no environment in {envs_dir}")]


def systemctl(*args):
    return run(["systemctl", *args], timeout=30)


def service_check(unit, wait):
    _rc, out, _err = systemctl("is-enabled", unit)
    state = out.strip()
    if state in ("", "not-found"):
        return check(f"service:{unit}", "skipped", "not installed")
    if state not in ("enabled", "enabled-runtime", "static", "indirect", "generated", "alias"):
        return check(f"service:{unit}", "skipped", f"not enabled ({state})")
    deadline = time.monotonic() + wait
    while True:
        _rc, out, _err = systemctl("show", "--property=ActiveState,SubState,Result", unit)
        props = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        active = props.get("ActiveState", "unknown")
        if active == "active":
            return check(f"service:{unit}", "passed", f"active ({props.get('SubState', '')})")
        if active not in ("activating", "reloading") or time.monotonic() >= deadline:
            return check(f"service:{unit}", "failed",
                         f"{active} ({props.get('SubState', '')}, result {props.get('Result', '?')})")
        time.sleep(2)


def read_json(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def self_check(config, generate):
    """Every check, in order. `generate`: make missing host keys (run) or only report them (check)."""
    state = read_json(config["hostkeys_state"]) or {}
    checks = [hostkeys_check(config, state.get("generated") or [], generate),
              jupyter_token_check(config, state.get("jupyter_token"), generate), machine_id_check(config),
              nvidia_smi_check(config)]
    checks.extend(env_checks(config))
    checks.extend(service_check(unit, config["service_wait"]) for unit in config["services"])
    return checks


def report(config, started, checks):
    summary = {status: sum(1 for item in checks if item["status"] == status)
               for status in ("passed", "failed", "skipped")}
    return {
        "host": socket.gethostname(),
        "started": started,
        "finished": now(),
        "image": read_json(config["image"]),
        "summary": summary,
        "checks": checks,
    }


def write_atomic(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    command = argv[0] if argv else "check"
    config = load_config(os.environ.get("MLBOX_FIRSTBOOT_CONFIG", CONFIG_PATH))
    if command == "hostkeys":
        generated, error = generate_host_keys(config)
        token = generate_jupyter_token(config)
        if error or token.startswith("error: "):
            print("; ".join(filter(None, [error, token if token.startswith("error: ") else ""])), file=sys.stderr)
            return 1
        write_atomic(config["hostkeys_state"],
                     json.dumps({"generated": generated, "jupyter_token": token, "at": now()}) + "\n")
        print("generated SSH host keys: " + (", ".join(generated) or "none missing") + "; JupyterLab token: " + token)
        return 0
    if command not in ("run", "check"):
        print(f"usage: {os.path.basename(sys.argv[0])} [hostkeys|run|check]", file=sys.stderr)
        return 2
    started = now()
    result = report(config, started, self_check(config, generate=command == "run"))
    text = json.dumps(result, indent=2) + "\n"
    if command == "check":
        sys.stdout.write(text)
    else:
        write_atomic(config["report"], text)
        write_atomic(config["done"], started + "\n")
        for item in result["checks"]:
            print(f"{item['status']:7} {item['name']}: {item['detail']}")
    return 1 if result["summary"]["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
