# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The python_env module (and module_utils/python_env.py) building real venvs with a stand-in for uv.

The stand-in (FAKE_UV) makes real virtual environments with `python3 -m venv` and "installs" a pin as an
importable package directory, so the module's probe, decisions, files and kernel spec are all exercised for
real; it logs each call with the index it was given, and fails a requirement named `unsolvable`.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest
from ansible_collections.mlinabox.stack.plugins.module_utils import python_env as pe
from ansible_collections.mlinabox.stack.plugins.modules import python_env

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the module writes root-owned files")

FAKE_UV = r'''#!/usr/bin/env python3
import json, os, re, subprocess, sys, sysconfig
args = sys.argv[1:]
with open(os.environ["FAKE_UV_LOG"], "a") as log:
    log.write(json.dumps({"args": args, "index": os.environ.get("UV_INDEX_URL", "")}) + "\n")

def value(flag):
    return args[args.index(flag) + 1]

def pins(text):
    return [line.split()[0] for line in text.splitlines() if re.match(r"^[A-Za-z0-9]", line)]

def fail_if_unsolvable(names):
    if any(name.startswith("unsolvable") for name in names):
        sys.stderr.write("No solution found with " + os.environ.get("UV_INDEX_URL", "") + "\n")
        sys.exit(1)

if args[0] == "venv":
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--clear", args[-1]], check=True)
elif args[:2] == ["pip", "compile"]:
    text = sys.stdin.read() if args[-1] == "-" else open(args[-1]).read()
    names = pins(text)
    fail_if_unsolvable(names)
    out = "".join(f"{name}\n    # via -r requirements\n" for name in names)
    if "--output-file" in args:
        open(value("--output-file"), "w").write(out)
    else:
        sys.stdout.write(out)
elif args[:2] == ["pip", "sync"]:
    python = value("--python")
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.splitlines()[-1]
    names = pins(open(args[-1]).read())
    for name in names:
        os.makedirs(os.path.join(purelib, name.split("==")[0]), exist_ok=True)
        open(os.path.join(purelib, name.split("==")[0], "__init__.py"), "w").close()
    open(os.path.join(purelib, "fake-installed.txt"), "w").write("".join(n + "\n" for n in names))
elif args[:2] == ["pip", "freeze"]:
    python = value("--python")
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.splitlines()[-1]
    sys.stdout.write(open(os.path.join(purelib, "fake-installed.txt")).read())
'''

SECRET = "s3cret-token"
INDEX = f"https://user:{SECRET}@pypi.example.org/simple"


@pytest.fixture
def world(tmp_path, monkeypatch):
    uv = tmp_path / "uv"
    uv.write_text(FAKE_UV)
    uv.chmod(0o755)
    log = tmp_path / "uv.log"
    log.touch()
    monkeypatch.setenv("FAKE_UV_LOG", str(log))
    return {"uv": uv, "log": log, "envs": tmp_path / "envs", "kernels": tmp_path / "kernels", "tmp": tmp_path}


SHARED = ("uv", "uv_env", "user_site", "kernels_dir", "ipykernel_hint", "plan", "platform", "managed_python")


def args_for(world, name="base", packages=("six==1.17.0", "ipykernel==7.4.0"), **overrides):
    """The module's arguments for one environment; overrides go to the module or the item, by their name."""
    path = str(world["envs"] / name)
    spec = {"format": 1, "name": name, "owner": "python_stack", "python_source": "system", "python": "",
            "packages": sorted(packages), "index_url": "https://***@pypi.example.org/simple", "offline": False}
    item = {"path": path, "spec": spec, "interpreter": sys.executable, "requirements": list(packages),
            "uv_secret_env": {"UV_INDEX_URL": INDEX}, "kernel": True}
    args = {"uv": str(world["uv"]), "uv_env": {"UV_NO_PROGRESS": "1"}, "user_site": "print('hook')",
            "kernels_dir": str(world["kernels"]), "ipykernel_hint": "ipykernel==7.4.0"}
    for key, value in overrides.items():
        (args if key in SHARED else item)[key] = value
    args["environments"] = [item]
    return args


def one(result):
    """A one-environment run's result: the module's, with its environment's answer on top."""
    envs = result.get("environments") or [{}]
    merged = {**result, **envs[-1]}
    merged["changed"] = result.get("changed")
    if "resolved" in result:
        merged["resolved"] = next(iter(result["resolved"].values()))
    return merged


def one_run(run_module, args, check_mode=False):
    return one(run_module(python_env.main, args, check_mode=check_mode))


def uv_calls(world):
    return [json.loads(line) for line in world["log"].read_text().splitlines()]


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def purelib_of(env):
    # The last line: the hook the tests install prints a line of its own first (the module's probe copes too).
    python = os.path.join(env, "bin", "python")
    return subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.splitlines()[-1]


def test_first_build_writes_the_environment_and_its_records(world, run_module):
    world["envs"].mkdir()
    result = one_run(run_module, args_for(world))
    assert result["changed"] and result["built"] and result["recreated"]
    assert result["reason"] == "it does not exist"
    env = world["envs"] / "base"
    steps = [["venv", "--clear"], ["pip", "compile"], ["pip", "sync"], ["pip", "freeze"]]
    assert [c["args"][:2] for c in uv_calls(world)] == steps
    # uv got the index (with its credentials) through its environment, never its command line.
    assert all(c["index"] == INDEX and not any(SECRET in a for a in c["args"]) for c in uv_calls(world))
    assert (env / ".mlbox-requirements.in").read_text() == "six==1.17.0\nipykernel==7.4.0\n"
    assert "six==1.17.0" in (env / ".mlbox-freeze.txt").read_text()
    assert json.loads((env / ".mlbox-spec.json").read_text()) == args_for(world)["environments"][0]["spec"]
    assert mode_of(env / ".mlbox-spec.json") == 0o600 and mode_of(env / ".mlbox-freeze.txt") == 0o644
    purelib = purelib_of(env)
    assert open(os.path.join(purelib, "_mlbox_user_site.pth")).read() == "import _mlbox_user_site\n"
    assert open(os.path.join(purelib, "_mlbox_user_site.py")).read() == "print('hook')\n"
    kernel = json.loads((world["kernels"] / "base" / "kernel.json").read_text())
    assert kernel["argv"][0] == str(env / "bin" / "python") and kernel["metadata"]["mlbox_env"] == str(env)
    assert kernel["display_name"] == "Python 3 (base)"


def test_a_second_run_probes_and_changes_nothing(world, run_module):
    world["envs"].mkdir()
    one_run(run_module, args_for(world))
    calls = len(uv_calls(world))
    result = one_run(run_module, args_for(world))
    assert not result["changed"] and not result["built"] and result["reason"] == ""
    assert len(uv_calls(world)) == calls


def test_a_new_package_syncs_the_same_venv(world, run_module):
    world["envs"].mkdir()
    one_run(run_module, args_for(world))
    marker = world["envs"] / "base" / "bin" / "marker"
    marker.touch()
    result = one_run(run_module, args_for(world, packages=("six==1.17.0", "ipykernel==7.4.0", "idna==3.10")))
    assert result["changed"] and result["built"] and not result["recreated"]
    assert result["reason"] == "its spec changed"
    assert marker.exists()
    assert "idna==3.10" in (world["envs"] / "base" / ".mlbox-freeze.txt").read_text()


def test_a_broken_interpreter_recreates_the_venv(world, run_module):
    world["envs"].mkdir()
    one_run(run_module, args_for(world))
    os.unlink(world["envs"] / "base" / "bin" / "python")
    result = one_run(run_module, args_for(world))
    assert result["recreated"] and result["reason"] == "its interpreter is missing or wrong"
    assert os.path.exists(world["envs"] / "base" / "bin" / "python")


def test_kernel_and_hook_are_removed_when_switched_off(world, run_module):
    world["envs"].mkdir()
    one_run(run_module, args_for(world))
    result = one_run(run_module, args_for(world, kernel=False, user_site=""))
    assert result["changed"] and not result["built"]
    assert not (world["kernels"] / "base").exists()
    assert not os.path.exists(os.path.join(purelib_of(world["envs"] / "base"), "_mlbox_user_site.pth"))


def test_another_environments_kernel_is_left_alone(world, run_module):
    world["envs"].mkdir()
    (world["kernels"] / "base").mkdir(parents=True)
    (world["kernels"] / "base" / "kernel.json").write_text(json.dumps({"metadata": {"mlbox_env": "/elsewhere"}}))
    one_run(run_module, args_for(world, kernel=False))
    assert (world["kernels"] / "base" / "kernel.json").exists()


def test_a_kernel_without_ipykernel_fails_and_says_what_to_add(world, run_module):
    world["envs"].mkdir()
    result = one_run(run_module, args_for(world, packages=("six==1.17.0",)))
    assert result["failed"]
    assert "has kernel: true but ipykernel is not installed in it: add ipykernel==7.4.0" in result["msg"]


def test_uv_failure_names_the_environment_masks_credentials_and_keeps_no_spec(world, run_module):
    world["envs"].mkdir()
    result = one_run(run_module, args_for(world, packages=("unsolvable==1.0",)))
    assert result["failed"]
    assert "uv could not resolve the requirements of the environment base" in result["msg"]
    assert "https://***@pypi.example.org/simple" in result["msg"] and SECRET not in json.dumps(result)
    # The spec is written last: the next run builds again.
    assert not (world["envs"] / "base" / ".mlbox-spec.json").exists()


def test_check_mode_says_a_build_is_due_and_writes_nothing(world, run_module):
    world["envs"].mkdir()
    result = one_run(run_module, args_for(world), check_mode=True)
    assert result["changed"] and result["built"]
    assert uv_calls(world) == [] and list(world["envs"].iterdir()) == [] and not world["kernels"].exists()


def test_a_lock_file_is_installed_as_it_is_with_hashes(world, run_module):
    world["envs"].mkdir()
    lock = "six==1.17.0 \\\n    --hash=sha256:00\nipykernel==7.4.0\n"
    result = one_run(run_module, args_for(world, lock=lock, requirements=[]))
    assert result["built"]
    env = world["envs"] / "base"
    assert (env / ".mlbox-requirements.txt").read_text() == lock and not (env / ".mlbox-requirements.in").exists()
    sync = next(c["args"] for c in uv_calls(world) if c["args"][:2] == ["pip", "sync"])
    assert "--require-hashes" in sync
    assert [c["args"][:2] for c in uv_calls(world)].count(["pip", "compile"]) == 0


def test_plan_reads_a_built_environment_and_resolves_a_changed_one(world, run_module):
    world["envs"].mkdir()
    one_run(run_module, args_for(world))
    calls = len(uv_calls(world))
    plan = {"plan": True, "python_version": "3.12", "platform": "x86_64-manylinux_2_28"}
    same = one_run(run_module, args_for(world, **plan))
    assert same["resolved"] == {"six": "1.17.0", "ipykernel": "7.4.0"} and same["resolved_from"] == "environment"
    assert not same["changed"] and len(uv_calls(world)) == calls
    changed = one_run(run_module, args_for(world, packages=("idna==3.10",), **plan))
    assert changed["resolved"] == {"idna": "3.10"} and changed["resolved_from"] == "uv"
    compile_args = uv_calls(world)[-1]["args"]
    assert compile_args[-1] == "-" and "--python-platform" in compile_args and "x86_64-manylinux_2_28" in compile_args
    locked = one_run(run_module, args_for(world, lock="Torch==2.9.1 --hash=sha256:00\n", **plan))
    assert locked["resolved"] == {"torch": "2.9.1"} and locked["resolved_from"] == "lock"
    assert not os.path.exists(world["envs"] / "other")


def two_envs(world, **second):
    """base, then other (its item overridden by `second`), in one module call."""
    args = args_for(world)
    args["environments"].append(args_for(world, name="other", **second)["environments"][0])
    return args


def test_one_call_builds_what_changed_and_leaves_the_rest(world, run_module):
    world["envs"].mkdir()
    run_module(python_env.main, args_for(world))
    calls = len(uv_calls(world))
    result = run_module(python_env.main, two_envs(world))
    base, other = result["environments"]
    assert result["changed"] and not base["changed"] and not base["built"]
    assert other["changed"] and other["built"] and other["reason"] == "it does not exist"
    assert result["msg"] == "built: other (it does not exist); left as they are: base"
    # Only the new environment ran uv.
    assert all(str(world["envs"] / "other") in " ".join(c["args"]) for c in uv_calls(world)[calls:])
    again = run_module(python_env.main, two_envs(world))
    assert not again["changed"] and [env["built"] for env in again["environments"]] == [False, False]


def test_a_failure_names_its_environment_and_returns_those_before_it(world, run_module):
    world["envs"].mkdir()
    result = run_module(python_env.main, two_envs(world, packages=("unsolvable==1.0",)))
    assert result["failed"] and "the environment other" in result["msg"]
    assert [env["name"] for env in result["environments"]] == ["base"]
    assert result["environments"][0]["built"] and SECRET not in json.dumps(result)
    assert (world["envs"] / "base" / ".mlbox-spec.json").exists()


def test_each_environments_secret_environment_is_hidden_from_the_result(world, run_module):
    world["envs"].mkdir()
    result = run_module(python_env.main, two_envs(world, uv_secret_env={"HTTPS_PROXY": "http://p:pr0xy-pw@proxy:3128"}))
    assert not result.get("failed") and "invocation" in result
    assert SECRET not in json.dumps(result) and "pr0xy-pw" not in json.dumps(result)


def test_the_same_name_twice_is_refused_before_anything_runs(world, run_module):
    args = args_for(world)
    args["environments"].append(dict(args["environments"][0], path=str(world["tmp"] / "elsewhere" / "base")))
    result = run_module(python_env.main, args)
    assert result["failed"] and "base is given more than once" in result["msg"]
    assert uv_calls(world) == []


def test_plan_answers_for_each_environment(world, run_module):
    world["envs"].mkdir()
    run_module(python_env.main, args_for(world))
    plan = {"plan": True, "platform": "x86_64-manylinux_2_28"}
    args = two_envs(world, packages=("idna==3.10",), python_version="3.12", **plan)
    args.update(plan)
    result = run_module(python_env.main, args)
    assert result["resolved"] == {"base": {"six": "1.17.0", "ipykernel": "7.4.0"}, "other": {"idna": "3.10"}}
    assert [env["resolved_from"] for env in result["environments"]] == ["environment", "uv"]
    assert not result["changed"] and not (world["envs"] / "other").exists()
    assert result["msg"] == "to build: other (it does not exist); left as they are: base"


def test_plan_needs_a_python_version_only_to_resolve(world, run_module):
    world["envs"].mkdir()
    result = run_module(python_env.main, args_for(world, plan=True, platform="x86_64-manylinux_2_28"))
    assert result["failed"] and "base has no python_version" in result["msg"]


@pytest.mark.parametrize(("probe", "recorded", "expected"), [
    ({"prefix": "/e", "version": "3.12.3"}, {"python_source": "system", "python": "3.12", "x": 1}, (False, False)),
    ({"prefix": "/e", "version": "3.12.3"}, {"python_source": "system", "python": "3.12", "x": 2}, (False, True)),
    ({"prefix": "/e", "version": "3.12.3"}, {"python_source": "uv", "python": "3.12", "x": 1}, (True, True)),
    ({"prefix": "/e", "version": "3.11.9"}, {"python_source": "system", "python": "3.12", "x": 1}, (True, True)),
    ({"prefix": "/other", "version": "3.12.3"}, {"python_source": "system", "python": "3.12", "x": 1}, (True, True)),
    ({"prefix": None, "version": None}, None, (True, True)),
])
def test_decide(probe, recorded, expected):
    spec = {"python_source": "system", "python": "3.12", "x": 1}
    assert pe.decide(probe, recorded, spec, "/e", "3.12")[:2] == expected


def test_version_prefix_is_by_component():
    # 3.1 asked for: 3.12 is not it.
    assert pe.decide({"prefix": "/e", "version": "3.12.3"}, {}, {}, "/e", "3.1")[0]


def test_pins_reads_compile_output_and_lock_files():
    text = "# header\nNumPy==2.4.6\n    # via -r x\ntensorflow[and-cuda]==2.20.0 \\\n    --hash=sha256:ab\n-e ./local\n"
    assert pe.pins(text) == {"numpy": "2.4.6", "tensorflow": "2.20.0"}
