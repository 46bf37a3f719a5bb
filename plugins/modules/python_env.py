#!/usr/bin/python
# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: python_env
short_description: Build, update or leave alone Python environments with uv; or resolve them for a plan
version_added: "0.2.0"
description:
  - Probes each environment of O(environments) at its O(environments[].path) (its interpreter, and the spec it was
    last built from, C(.mlbox-spec.json)). A different O(environments[].spec) or a broken environment is built again;
    anything else is left alone after that one read-only probe. All the environments are handled in one module run,
    in their order.
  - "A build: C(uv venv) where the interpreter is new or broken, C(uv pip compile) of O(environments[].requirements)
    (or O(environments[].lock) as it is), C(uv pip sync) of the result (it also removes what is no longer in it),
    C(uv pip freeze) into C(.mlbox-freeze.txt), and the spec last: an interrupted build leaves the old spec, so the
    next run builds again."
  - Then, every run, the hook for users' own packages (O(user_site)) and the Jupyter kernel
    (O(environments[].kernel)).
  - "uv runs with O(uv_env), O(environments[].uv_env) and O(environments[].uv_secret_env) as its environment
    (indexes and proxies may hold credentials: they never reach a command line), and every URL's user:password@ in
    uv's output is shown as C(***@)."
  - A failure (uv's, or a kernel without ipykernel) stops at that environment, names it, and returns in
    RV(environments) what was done to those before it.
  - With O(plan=true) nothing is written. The module returns in RV(resolved) the set of packages each
    environment will hold, namely the environment's own resolution where it was built from this spec and is
    healthy (it is not built again), its lock where given, otherwise C(uv pip compile) for
    O(environments[].python_version) and O(platform) with O(uv).
  - Used by the python_stack role (and through it by rapids and h2o), which makes each item with the filter
    P(mlinabox.stack.python_env_args#filter); logic in C(plugins/module_utils/python_env.py).
author:
  - ML in a Box developers (@mlinabox)
attributes:
  check_mode:
    description: Probes as in a real run, says whether each environment would be built, and writes nothing.
    support: full
  diff_mode:
    description: No diff.
    support: none
options:
  environments:
    description: The environments, built in this order.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: The environment's directory; its name (the last part) names it in messages and is its
          kernel's name.
        type: path
        required: true
      spec:
        description: What the environment is built from; a change rebuilds it. C(python_source) and C(python)
          decide whether the venv is made anew.
        type: dict
        required: true
      python_request:
        description: The Python version asked for (X.Y or X.Y.Z; empty, any). An interpreter of another version
          is broken.
        type: str
        default: ""
      interpreter:
        description: What C(uv venv --python) gets (a version for uv-managed Pythons, a path for the system's).
        type: str
        default: ""
      prompt:
        description: The venv's prompt. Default, the directory's name.
        type: str
      requirements:
        description: The top-level requirements, written to C(.mlbox-requirements.in) and resolved by uv.
        type: list
        elements: str
        default: []
      lock:
        description: A lock file's content (pins with hashes), installed as it is with C(--require-hashes);
          replaces O(environments[].requirements).
        type: str
        default: ""
      uv_env:
        description: Environment variables of this environment's uv runs that hold no secret (C(UV_OFFLINE)); they
          override O(uv_env).
        type: dict
        default: {}
      uv_secret_env:
        description: Environment variables of this environment's uv runs that may hold credentials (indexes,
          wheelhouses, proxies); they override the others. Never logged, never on a command line.
        type: dict
        default: {}
      index_args:
        description: Arguments added to uv's compile and sync (C(--no-index) offline).
        type: list
        elements: str
        default: []
      kernel:
        description: Whether to register a Jupyter kernel for the environment (it then must hold ipykernel). Where
          false, a kernel this environment registered earlier is removed.
        type: bool
        default: false
      kernel_display_name:
        description: The kernel's name in JupyterLab's launcher. Default, C(Python 3 (<name>)).
        type: str
        default: ""
      python_version:
        description: With O(plan), the X.Y to resolve for.
        type: str
        default: ""
  uv:
    description: The uv program.
    type: path
    required: true
  managed_python:
    description: Whether uv may use (and download) Pythons it manages.
    type: bool
    default: false
  uv_env:
    description: Environment variables of every uv run that hold no secret (its cache, C(UV_NO_PROGRESS)).
    type: dict
    default: {}
  user_site:
    description: The content of C(_mlbox_user_site.py), put with a C(.pth) file that imports it into each
      environment's site-packages (python_stack_user_packages). Empty, both are removed.
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
  platform:
    description: With O(plan), uv's C(--python-platform) (C(x86_64-manylinux_2_28)).
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Build the environments base and pytorch
  mlinabox.stack.python_env:
    uv: /opt/mlbox/tools/bin/uv
    uv_env: {UV_CACHE_DIR: /var/cache/mlbox/uv, UV_NO_PROGRESS: "1"}
    environments:
      - path: /opt/mlbox/envs/base
        spec: {format: 1, name: base, python_source: system, python: "3.12", packages: [ipykernel==7.4.0]}
        python_request: "3.12"
        interpreter: /usr/bin/python3.12
        requirements: [ipykernel==7.4.0]
        kernel: true
      - path: /opt/mlbox/envs/pytorch
        spec: {format: 1, name: pytorch, python_source: system, python: "3.12", packages: [torch==2.9.1]}
        python_request: "3.12"
        interpreter: /usr/bin/python3.12
        requirements: [torch==2.9.1]
        uv_secret_env: {UV_INDEX_URL: "https://user:secret@pypi.example.org/simple"}
"""

RETURN = r"""
environments:
  description: What was (or, in check mode, would be) done to each environment, in order; on a failure, those
    handled before it.
  type: list
  elements: dict
  returned: always
  contains:
    name:
      description: The environment's name (its directory's last part).
      type: str
    path:
      description: Its directory.
      type: str
    changed:
      description: Whether anything of it changed (a build, its hook or its kernel).
      type: bool
    built:
      description: Whether it was (or would be) built or synced.
      type: bool
    recreated:
      description: Whether its venv was (or would be) made anew.
      type: bool
    reason:
      description: Why it was built (C(it does not exist), C(its Python changed), C(its spec changed), ...);
        empty when it was left alone.
      type: str
    resolved_from:
      description: With O(plan), where its packages came from (C(environment), C(lock) or C(uv)).
      type: str
resolved:
  description: With O(plan), the packages each environment will hold, environment name to {name (lower case) to
    version}.
  type: dict
  returned: when O(plan)
"""

import os
import shutil

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mlinabox.stack.plugins.module_utils import python_env as pe


class Env:
    """One environment (an item of `environments`) and the module that acts on it."""

    def __init__(self, module, item, done):
        self.module = module
        self.done = done
        self.params = {**module.params, **item}
        self.path = os.path.normpath(item["path"])
        self.name = os.path.basename(self.path)
        self.python = os.path.join(self.path, "bin", "python")
        self.check = module.check_mode
        self.changed = False
        self.environment = {key: str(value) for key, value in
                            {**module.params["uv_env"], **item["uv_env"], **item["uv_secret_env"]}.items()}
        self.result = {"name": self.name, "path": self.path, "changed": False, "built": False, "recreated": False,
                       "reason": ""}

    def file(self, name):
        return os.path.join(self.path, name)

    def fail(self, msg):
        """Fails the module, returning what was done to the environments before this one."""
        self.module.fail_json(msg=msg, environments=self.done)

    def uv(self, args, what, data=None):
        """Runs uv with its environment; fails, naming the environment and what uv said (credentials masked)."""
        rc, out, err = self.module.run_command([self.params["uv"], *args], data=data, binary_data=data is not None,
                                               environ_update=self.environment)
        if rc != 0:
            self.fail(f"uv could not {what} the environment {self.name} ({self.path}): {pe.mask(err or out).strip()}")
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
            self.fail(f"Environment '{self.name}' has kernel: true but ipykernel is not installed in it: add "
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
        if not params["python_version"]:
            self.fail(f"The environment {self.name} has no python_version to be resolved for (plan=true).")
        out = self.uv(["pip", "compile", "--quiet", "--no-header", "--no-annotate",
                       "--python-version", params["python_version"], "--python-platform", params["platform"]]
                      + params["index_args"] + ["-"], "resolve", data="\n".join(params["requirements"]))
        return pe.pins(out), "uv"

    def run(self):
        """Plans, or builds, updates or leaves alone the environment; returns its result (with the resolved set
        under `resolved` in a plan)."""
        params = self.params
        probe = self.probe()
        recreate, build, reason = pe.decide(probe, pe.read_json(self.file(pe.SPEC)), params["spec"], self.path,
                                            params["python_request"])
        self.result.update(built=build, recreated=recreate, reason=reason)
        if params["plan"]:
            resolved, source = self.resolve(not build)
            return dict(self.result, resolved=resolved, resolved_from=source)

        has_ipykernel = probe["ipykernel"]
        purelib = probe["purelib"]
        if build:
            self.changed = True
        if build and not self.check:
            self.build(recreate)
            has_ipykernel = None
        # The manifest reads the freeze: written after a build, or where it is missing.
        if (build or not os.path.isfile(self.file(pe.FREEZE))) and not self.check:
            frozen = self.freeze()
            has_ipykernel = any(line.lower().startswith("ipykernel=") for line in frozen.splitlines())
        if build and not self.check:
            self.write(pe.SPEC, pe.spec_text(params["spec"]), 0o600)
            # A new venv has a new site-packages.
            purelib = self.probe()["purelib"] if recreate else purelib
        self.user_site(purelib)
        # In check mode a build has not happened: whether ipykernel will be there is not known.
        self.kernel(None if self.check and build else has_ipykernel, pe.kernel_env(
            os.path.join(params["kernels_dir"], self.name, "kernel.json")) == self.path)
        return dict(self.result, changed=self.changed)


# The options of one item of `environments`, as DOCUMENTATION describes them.
ENVIRONMENT_SPEC = {
    "path": {"type": "path", "required": True},
    "spec": {"type": "dict", "required": True},
    "python_request": {"type": "str", "default": ""},
    "interpreter": {"type": "str", "default": ""},
    "prompt": {"type": "str"},
    "requirements": {"type": "list", "elements": "str", "default": []},
    "lock": {"type": "str", "default": ""},
    "uv_env": {"type": "dict", "default": {}},
    "uv_secret_env": {"type": "dict", "default": {}, "no_log": True},
    "index_args": {"type": "list", "elements": "str", "default": []},
    "kernel": {"type": "bool", "default": False},
    "kernel_display_name": {"type": "str", "default": ""},
    "python_version": {"type": "str", "default": ""},
}

# The module's options, as DOCUMENTATION describes them.
ARGUMENT_SPEC = {
    "environments": {"type": "list", "elements": "dict", "required": True, "options": ENVIRONMENT_SPEC},
    "uv": {"type": "path", "required": True},
    "managed_python": {"type": "bool", "default": False},
    "uv_env": {"type": "dict", "default": {}},
    "user_site": {"type": "str", "default": ""},
    "kernels_dir": {"type": "path", "default": "/usr/local/share/jupyter/kernels"},
    "ipykernel_hint": {"type": "str", "default": "ipykernel"},
    "plan": {"type": "bool", "default": False},
    "platform": {"type": "str", "default": ""},
}


def main():
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        required_if=[("plan", True, ("platform",))],
        supports_check_mode=True,
    )
    names = [os.path.basename(os.path.normpath(item["path"])) for item in module.params["environments"]]
    twice = sorted(set(name for name in names if names.count(name) > 1))
    if twice:
        module.fail_json(msg=f"environments: {', '.join(twice)} is given more than once (an environment's name is "
                             "the last part of its path).", environments=[])
    done = []
    for item in module.params["environments"]:
        done.append(Env(module, item, done).run())
    result = dict(changed=any(env["changed"] for env in done), environments=done)
    if module.params["plan"]:
        result["resolved"] = {env["name"]: env.pop("resolved") for env in done}
    built = [f"{env['name']} ({env['reason']})" for env in done if env["built"]]
    kept = [env["name"] for env in done if not env["built"]]
    verb = "to build" if module.params["plan"] or module.check_mode else "built"
    result["msg"] = "; ".join(part for part in (f"{verb}: {', '.join(built)}" if built else "",
                                                f"left as they are: {', '.join(kept)}" if kept else "") if part)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
