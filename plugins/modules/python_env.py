#!/usr/bin/python
# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: python_env
short_description: Build, update or leave alone one Python environment with uv; or resolve it for a plan
version_added: "0.2.0"
description:
  - Probes the environment at O(path) (its interpreter, and the spec it was last built from, C(.mlbox-spec.json)).
    A different O(spec) or a broken environment is built again; anything else is left alone after that one
    read-only probe.
  - "A build: C(uv venv) where the interpreter is new or broken, C(uv pip compile) of O(requirements) (or O(lock)
    as it is), C(uv pip sync) of the result (it also removes what is no longer in it), C(uv pip freeze) into
    C(.mlbox-freeze.txt), and the spec last: an interrupted build leaves the old spec, so the next run builds
    again."
  - Then, every run, the hook for users' own packages (O(user_site)) and the Jupyter kernel (O(kernel)).
  - "uv runs with O(uv_env) and O(uv_secret_env) as its environment (indexes and proxies may hold credentials: they
    never reach a command line), and every URL's user:password@ in uv's output is shown as C(***@)."
  - With O(plan=true) nothing is written. The module returns in RV(resolved) the set of packages the
    environment will hold, namely the environment's own resolution where it was built from this O(spec) and is healthy
    (it is not built again), O(lock) where given, otherwise C(uv pip compile) for O(python_version) and
    O(platform) with O(uv).
  - Used by the python_stack role (and through it by rapids and h2o); logic in
    C(plugins/module_utils/python_env.py).
author:
  - ML in a Box developers (@mlinabox)
attributes:
  check_mode:
    description: Probes as in a real run, says whether the environment would be built, and writes nothing.
    support: full
  diff_mode:
    description: No diff.
    support: none
options:
  path:
    description: The environment's directory.
    type: path
    required: true
  uv:
    description: The uv program.
    type: path
    required: true
  spec:
    description: What the environment is built from; a change rebuilds it. C(python_source) and C(python) decide
      whether the venv is made anew.
    type: dict
    required: true
  python_request:
    description: The Python version asked for (X.Y or X.Y.Z; empty, any). An interpreter of another version is
      broken.
    type: str
    default: ""
  interpreter:
    description: What C(uv venv --python) gets (a version for uv-managed Pythons, a path for the system's).
    type: str
    default: ""
  managed_python:
    description: Whether uv may use (and download) Pythons it manages.
    type: bool
    default: false
  prompt:
    description: The venv's prompt. Default, the directory's name.
    type: str
  requirements:
    description: The top-level requirements, written to C(.mlbox-requirements.in) and resolved by uv.
    type: list
    elements: str
    default: []
  lock:
    description: A lock file's content (pins with hashes), installed as it is with C(--require-hashes); replaces
      O(requirements).
    type: str
    default: ""
  uv_env:
    description: Environment variables of every uv run that hold no secret (its cache, C(UV_OFFLINE)).
    type: dict
    default: {}
  uv_secret_env:
    description: Environment variables of every uv run that may hold credentials (indexes, wheelhouses,
      proxies); they override O(uv_env). Never logged, never on a command line.
    type: dict
    default: {}
  index_args:
    description: Arguments added to uv's compile and sync (C(--no-index) offline).
    type: list
    elements: str
    default: []
  user_site:
    description: The content of C(_mlbox_user_site.py), put with a C(.pth) file that imports it into the
      environment's site-packages (python_stack_user_packages). Empty, both are removed.
    type: str
    default: ""
  kernel:
    description: Whether to register a Jupyter kernel for the environment (it then must hold ipykernel). Where
      false, a kernel this environment registered earlier is removed.
    type: bool
    default: false
  kernel_display_name:
    description: The kernel's name in JupyterLab's launcher. Default, C(Python 3 (<name>)).
    type: str
    default: ""
  kernels_dir:
    description: Where kernel specs live (C(<kernels_dir>/<name>/kernel.json)).
    type: path
    default: /usr/local/share/jupyter/kernels
  ipykernel_hint:
    description: The ipykernel requirement named in the message when a kernel's environment lacks ipykernel.
    type: str
    default: ipykernel
  plan:
    description: Resolve only (see the description); nothing is written.
    type: bool
    default: false
  python_version:
    description: With O(plan), the X.Y to resolve for.
    type: str
    default: ""
  platform:
    description: With O(plan), uv's C(--python-platform) (C(x86_64-manylinux_2_28)).
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Build the environment pytorch
  mlinabox.stack.python_env:
    path: /opt/mlbox/envs/pytorch
    uv: /opt/mlbox/tools/bin/uv
    spec: {format: 1, name: pytorch, python_source: system, python: "3.12", packages: [torch==2.9.1]}
    python_request: "3.12"
    interpreter: /usr/bin/python3.12
    requirements: [torch==2.9.1]
    uv_env: {UV_CACHE_DIR: /var/cache/mlbox/uv, UV_NO_PROGRESS: "1"}
    uv_secret_env: {UV_INDEX_URL: "https://user:secret@pypi.example.org/simple"}
    kernel: true
"""

RETURN = r"""
built:
  description: Whether the environment was (or, in check mode, would be) built or synced.
  type: bool
  returned: always
recreated:
  description: Whether its venv was (or would be) made anew.
  type: bool
  returned: always
reason:
  description: Why it was built (C(it does not exist), C(its Python changed), C(its spec changed), ...); empty
    when it was left alone.
  type: str
  returned: always
resolved:
  description: With O(plan), the packages the environment will hold, name (lower case) to version.
  type: dict
  returned: when O(plan)
resolved_from:
  description: With O(plan), where RV(resolved) came from (C(environment), C(lock) or C(uv)).
  type: str
  returned: when O(plan)
"""

import os
import shutil

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mlinabox.stack.plugins.module_utils import python_env as pe


class Env:
    """One environment and the module that acts on it."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.path = os.path.normpath(self.params["path"])
        self.name = os.path.basename(self.path)
        self.python = os.path.join(self.path, "bin", "python")
        self.check = module.check_mode
        self.changed = False
        self.environment = {key: str(value) for key, value in
                            {**self.params["uv_env"], **self.params["uv_secret_env"]}.items()}

    def file(self, name):
        return os.path.join(self.path, name)

    def uv(self, args, what, data=None):
        """Runs uv with uv_env; fails, naming the environment and what uv said (credentials masked)."""
        rc, out, err = self.module.run_command([self.params["uv"], *args], data=data, binary_data=data is not None,
                                               environ_update=self.environment)
        if rc != 0:
            self.module.fail_json(msg=f"uv could not {what} the environment {self.name} ({self.path}): "
                                      f"{pe.mask(err or out).strip()}")
        return out

    def probe(self):
        if not os.path.isfile(self.python):
            return pe.parse_probe(1, "")
        try:
            rc, out, _err = self.module.run_command([self.python, "-c", pe.PROBE_CODE], handle_exceptions=False)
        except OSError:
            rc, out = 1, ""
        return pe.parse_probe(rc, out)

    def write(self, name, content, mode=0o644):
        self.changed |= pe.ensure_file(self.file(name), content, mode, self.check)

    def build(self, recreate):
        params = self.params
        if recreate:
            self.uv(["venv", "--clear", "--python", params["interpreter"],
                     "--managed-python" if params["managed_python"] else "--no-managed-python",
                     "--prompt", params["prompt"] or self.name, self.path], "create")
        if params["lock"]:
            self.write(pe.REQUIREMENTS, params["lock"])
        else:
            self.write(pe.REQUIREMENTS_IN, "\n".join(params["requirements"]) + "\n")
            self.uv(["pip", "compile", "--quiet", "--no-header", "--python", self.python,
                     "--output-file", self.file(pe.REQUIREMENTS), *params["index_args"], self.file(pe.REQUIREMENTS_IN)],
                    "resolve the requirements of")
        # sync installs exactly the resolved (or locked) set and removes what is no longer in it.
        self.uv(["pip", "sync", "--python", self.python] + (["--require-hashes"] if params["lock"] else [])
                + params["index_args"] + [self.file(pe.REQUIREMENTS)], "install the packages of")

    def freeze(self):
        out = self.uv(["pip", "freeze", "--python", self.python], "read the packages of")
        self.write(pe.FREEZE, out if out.endswith("\n") else out + "\n")
        return out

    def user_site(self, purelib):
        # In check mode a new environment has no site-packages yet.
        if not purelib:
            return
        content = self.params["user_site"]
        hook = {"_mlbox_user_site.py": content + "\n", "_mlbox_user_site.pth": "import _mlbox_user_site\n"}
        if content:
            for name, text in hook.items():
                self.changed |= pe.ensure_file(os.path.join(purelib, name), text, 0o644, self.check)
        else:
            for name in pe.USER_SITE_FILES:
                self.changed |= pe.ensure_absent(os.path.join(purelib, name), self.check)

    def kernel(self, has_ipykernel, owned):
        params = self.params
        directory = os.path.join(params["kernels_dir"], self.name)
        if not params["kernel"]:
            if owned and os.path.isdir(directory):
                self.changed = True
                if not self.check:
                    shutil.rmtree(directory)
            return
        if has_ipykernel is False:
            self.module.fail_json(
                msg=f"Environment '{self.name}' has kernel: true but ipykernel is not installed in it: add "
                    f"{params['ipykernel_hint']} to its packages (or lock file), or set kernel: false.")
        if not os.path.isdir(directory):
            self.changed = True
            if self.check:
                return
            os.makedirs(directory)
            os.chmod(directory, 0o755)
        spec = {
            "argv": [self.python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": params["kernel_display_name"] or f"Python 3 ({self.name})",
            "language": "python",
            "metadata": {"debugger": True, "mlbox_env": self.path},
        }
        self.changed |= pe.ensure_file(os.path.join(directory, "kernel.json"), pe.spec_text(spec), 0o644, self.check)

    def resolve(self, healthy_and_same):
        params = self.params
        if params["lock"]:
            return pe.pins(params["lock"]), "lock"
        if healthy_and_same:
            try:
                with open(self.file(pe.REQUIREMENTS), encoding="utf-8") as handle:
                    return pe.pins(handle.read()), "environment"
            except OSError:
                pass
        out = self.uv(["pip", "compile", "--quiet", "--no-header", "--no-annotate",
                       "--python-version", params["python_version"], "--python-platform", params["platform"]]
                      + params["index_args"] + ["-"], "resolve", data="\n".join(params["requirements"]))
        return pe.pins(out), "uv"


# The module's options, as DOCUMENTATION describes them.
ARGUMENT_SPEC = {
    "path": {"type": "path", "required": True},
    "uv": {"type": "path", "required": True},
    "spec": {"type": "dict", "required": True},
    "python_request": {"type": "str", "default": ""},
    "interpreter": {"type": "str", "default": ""},
    "managed_python": {"type": "bool", "default": False},
    "prompt": {"type": "str"},
    "requirements": {"type": "list", "elements": "str", "default": []},
    "lock": {"type": "str", "default": ""},
    "uv_env": {"type": "dict", "default": {}},
    "uv_secret_env": {"type": "dict", "default": {}, "no_log": True},
    "index_args": {"type": "list", "elements": "str", "default": []},
    "user_site": {"type": "str", "default": ""},
    "kernel": {"type": "bool", "default": False},
    "kernel_display_name": {"type": "str", "default": ""},
    "kernels_dir": {"type": "path", "default": "/usr/local/share/jupyter/kernels"},
    "ipykernel_hint": {"type": "str", "default": "ipykernel"},
    "plan": {"type": "bool", "default": False},
    "python_version": {"type": "str", "default": ""},
    "platform": {"type": "str", "default": ""},
}


def main():
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        required_if=[("plan", True, ("python_version", "platform"))],
        supports_check_mode=True,
    )
    env = Env(module)
    params = module.params
    probe = env.probe()
    recreate, build, reason = pe.decide(probe, pe.read_json(env.file(pe.SPEC)), params["spec"], env.path,
                                        params["python_request"])
    if params["plan"]:
        resolved, source = env.resolve(not build)
        module.exit_json(changed=False, built=build, recreated=recreate, reason=reason, resolved=resolved,
                         resolved_from=source)

    has_ipykernel = probe["ipykernel"]
    purelib = probe["purelib"]
    if build:
        env.changed = True
    if build and not env.check:
        env.build(recreate)
        has_ipykernel = None
    # The manifest reads the freeze: written after a build, or where it is missing.
    if (build or not os.path.isfile(env.file(pe.FREEZE))) and not env.check:
        frozen = env.freeze()
        has_ipykernel = any(line.lower().startswith("ipykernel=") for line in frozen.splitlines())
    if build and not env.check:
        env.write(pe.SPEC, pe.spec_text(params["spec"]), 0o600)
        # A new venv has a new site-packages.
        purelib = env.probe()["purelib"] if recreate else purelib
    env.user_site(purelib)
    # In check mode a build has not happened: whether ipykernel will be there is not known.
    env.kernel(None if env.check and build else has_ipykernel, pe.kernel_env(
        os.path.join(params["kernels_dir"], env.name, "kernel.json")) == env.path)
    module.exit_json(changed=env.changed, built=build, recreated=recreate, reason=reason)


if __name__ == "__main__":
    main()
