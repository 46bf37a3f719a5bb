# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""stack_facts: the parsers, the collectors against fixture trees, the module (with dpkg-query
patched, and with the real dpkg-query against a fixture status file where it is installed)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from ansible_collections.mlinabox.stack.plugins.module_utils import dpkg, stack
from ansible_collections.mlinabox.stack.plugins.modules import stack_facts

STACK = Path(__file__).parent / "fixtures" / "stack"
DPKG = STACK / "dpkg"
DPKG_QUERY = "/usr/bin/dpkg-query"

# Absolute links cannot be committed (ansible-test sanity rejects links that leave the tree):
# the tests add them to a copy of each tree.
LINKS = {
    "root-current": {
        "/usr/local/cuda": "/etc/alternatives/cuda",
        "/etc/alternatives/cuda": "/usr/local/cuda-12.8",
        "/usr/local/cuda-12": "/etc/alternatives/cuda-12",
        "/etc/alternatives/cuda-12": "/usr/local/cuda-12.8",
        "/usr/local/cuda-13": "/usr/local/cuda-13.0",
        "/etc/alternatives/java": "/usr/lib/jvm/java-17-openjdk-amd64/bin/java",
    },
    "root-seed": {
        "/usr/local/cuda": "cuda-11.4",
        "/etc/alternatives/java": "/usr/lib/jvm/java-11-openjdk-amd64/bin/java",
        "/usr/lib/jvm/java-1.11.0-openjdk-amd64": "java-11-openjdk-amd64",
    },
    "root-debian12": {},
    "root-empty": {},
}

# dpkg's status field for each db:Status-Abbrev used in the listings
STATUS = {
    "ii": "install ok installed",
    "hi": "hold ok installed",
    "rc": "deinstall ok config-files",
    "iU": "install ok unpacked",
}


def write_dpkg_status(root, listing):
    """A dpkg database under root/var/lib/dpkg holding the packages of a dpkg-query listing."""
    admin = root / "var" / "lib" / "dpkg"
    (admin / "info").mkdir(parents=True, exist_ok=True)
    (admin / "updates").mkdir(exist_ok=True)
    stanzas = []
    for line in listing.splitlines():
        name, version, abbrev = line.split("\t")
        if abbrev.strip() == "un":
            continue
        stanzas.append(
            f"Package: {name}\nStatus: {STATUS[abbrev.strip()]}\nPriority: optional\nSection: misc\n"
            f"Maintainer: Fixture <fixture@example.invalid>\nArchitecture: amd64\nVersion: {version}\n"
            f"Description: {name}\n"
        )
    (admin / "status").write_text("\n".join(stanzas))


@pytest.fixture
def make_root(tmp_path):
    """make_root('root-current', 'current') -> a copy of the tree with its links and dpkg database."""

    def make(tree, listing=None):
        root = tmp_path / tree
        shutil.copytree(STACK / tree, root, symlinks=True)
        for link, target in LINKS[tree].items():
            path = root / link.lstrip("/")
            path.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(target, path)
        if listing:
            write_dpkg_status(root, (DPKG / f"{listing}.txt").read_text())
        return root

    return make


def packages_of(listing):
    return dpkg.installed((DPKG / f"{listing}.txt").read_text())


# ---------------------------------------------------------------------------------------------
# Parsers
# ---------------------------------------------------------------------------------------------


def test_parse_dpkg_query_counts_installed_and_held_only():
    packages = packages_of("current")
    assert packages["docker-ce"] == {"version": "5:28.5.1-1~ubuntu.24.04~noble", "held": False}
    assert packages["nvidia-open"] == {"version": "580.95.05-0ubuntu1", "held": True}
    assert "nvidia-driver-535" not in packages  # rc: removed, configuration left
    assert "docker.io" not in packages  # un: not installed
    assert "google-chrome-stable" not in packages_of("debian12")  # iU: unpacked, not configured
    lines = (DPKG / "current.txt").read_text().splitlines()
    assert len(packages) == len(lines) - 2 == 31


def test_parse_dpkg_query_tolerates_noise():
    assert dpkg.installed("garbage\n\tno-name\tii \nok\t1.0\tii \nshort\t1\ti\n") == {
        "ok": {"version": "1.0", "held": False}
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.95.05  Release Build  "
            "(dvs-builder@U22-I3-AF03-09-1)  Thu Sep 18 20:52:16 UTC 2025\n",
            ("580.95.05", "open"),
        ),
        (
            "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.183.01  Sun May 12 19:39:15 UTC 2024\n",
            ("535.183.01", "proprietary"),
        ),
        (
            "NVRM version: NVIDIA UNIX x86_64 Kernel Module  470.63.01  Tue Aug  3 20:44:16 UTC 2021\n",
            ("470.63.01", "proprietary"),
        ),
        ("NVRM version: NVIDIA UNIX Open Kernel Module for aarch64  580.95.05  Release Build\n", ("580.95.05", "open")),
        ("", (None, None)),
        (None, (None, None)),
    ],
)
def test_parse_nvidia_proc_version(text, expected):
    assert stack.parse_nvidia_proc_version(text) == expected


@pytest.mark.parametrize(
    ("taint", "expected"), [("POE", "proprietary"), ("PO", "proprietary"), ("OE", "open"), ("O", "open"), (None, None)]
)
def test_flavour_from_taint(taint, expected):
    assert stack.flavour_from_taint(taint) == expected


def test_version_file_parsers():
    assert (
        stack.parse_cuda_version_json((STACK / "root-current/usr/local/cuda-12.8/version.json").read_text()) == "12.8.1"
    )
    assert stack.parse_cuda_version_json("not json") is None
    assert stack.parse_cuda_version_json('{"cuda": "12.8"}') is None
    assert stack.parse_cuda_version_txt("CUDA Version 10.2.89\n") == "10.2.89"
    header = (STACK / "root-current/usr/include/x86_64-linux-gnu/cudnn_version_v9.h").read_text()
    assert stack.parse_cudnn_header(header) == "9.10.2"
    assert stack.parse_cudnn_header("#define CUDNN_MAJOR 9\n") is None


def test_metadata_and_config_parsers():
    text = "Metadata-Version: 2.1\nName: scikit-learn\nVersion: 1.7.2\n\nName: body\n"
    assert stack.parse_metadata(text) == ("scikit-learn", "1.7.2")
    assert stack.parse_key_values("home = /usr/bin\nversion_info = 3.12.3\n# comment = x\n") == {
        "home": "/usr/bin",
        "version_info": "3.12.3",
    }
    assert stack.parse_key_values('JAVA_VERSION="1.8.0_292"\n')["JAVA_VERSION"] == "1.8.0_292"
    assert stack.normalise_name("Scikit_Learn") == "scikit-learn"
    assert stack.normalise_name("cudf.cu12") == "cudf-cu12"


def test_resolve_link_stays_inside_root(make_root):
    root = make_root("root-current")
    assert stack.resolve_link(str(root), "/usr/local/cuda") == "/usr/local/cuda-12.8"
    assert stack.resolve_link(str(root), "/etc/alternatives/java") == "/usr/lib/jvm/java-17-openjdk-amd64/bin/java"
    assert stack.resolve_link(str(root), "/usr/local/missing") is None
    os.symlink("loop-b", root / "loop-a")
    os.symlink("loop-a", root / "loop-b")
    assert stack.resolve_link(str(root), "/loop-a") is None


# ---------------------------------------------------------------------------------------------
# The module, per fixture host
# ---------------------------------------------------------------------------------------------


def facts_for(run_module, fake_commands, fake_bin_paths, root, listing, *, check_mode=False):
    fake_bin_paths["dpkg-query"] = DPKG_QUERY
    text = (DPKG / f"{listing}.txt").read_text()
    fake_commands.add(lambda args: args[0] == DPKG_QUERY, (0, text, ""))
    result = run_module(stack_facts.main, {"root": str(root)}, check_mode=check_mode)
    assert result["changed"] is False
    return result["ansible_facts"]["mlbox_stack"]


KEYS = {
    "nvidia_driver",
    "cuda",
    "cudnn",
    "docker",
    "nvidia_container_toolkit",
    "python_envs",
    "h2o",
    "rapids",
    "chrome",
    "editor",
    "java",
}


@pytest.mark.parametrize("check_mode", [False, True], ids=["run", "check"])
def test_current_host(check_mode, make_root, run_module, fake_commands, fake_bin_paths):
    root = make_root("root-current")
    facts = facts_for(run_module, fake_commands, fake_bin_paths, root, "current", check_mode=check_mode)
    assert set(facts) == KEYS
    driver = facts["nvidia_driver"]
    assert {key: value for key, value in driver.items() if key != "packages"} == {
        "version": "580.95.05",
        "branch": 580,
        "kernel_module_version": "580.95.05",
        "kernel_module_loaded": True,
        "kernel_module_mismatch": False,
        "flavour": "open",
    }
    assert sorted(driver["packages"]) == [
        "libnvidia-compute-580",
        "nvidia-dkms-580-open",
        "nvidia-driver-580-open",
        "nvidia-kernel-common-580",
        "nvidia-kernel-source-580-open",
        "nvidia-open",
        "nvidia-utils-580",
    ]
    assert all(package["held"] for package in driver["packages"].values())
    assert facts["cuda"] == {
        "versions": ["12.8", "13.0"],
        "default": "12.8",
        "default_version": "12.8.1",
        "default_path": "/usr/local/cuda-12.8",
        "toolkits": [
            {"version": "12.8.1", "path": "/usr/local/cuda-12.8", "package": "cuda-toolkit-12-8"},
            {"version": "13.0.2", "path": "/usr/local/cuda-13.0", "package": "cuda-toolkit-13-0"},
        ],
        "packages": {
            "cuda-toolkit-12-8": {"version": "12.8.1-1", "held": True},
            "cuda-toolkit-13-0": {"version": "13.0.2-1", "held": True},
        },
    }
    assert facts["cudnn"] == {
        "version": "9.10.2.21",
        "cuda": "12",
        "header": "/usr/include/x86_64-linux-gnu/cudnn_version_v9.h",
        "packages": {
            "cudnn9-cuda-12": {"version": "9.10.2.21-1", "held": True},
            "libcudnn9-cuda-12": {"version": "9.10.2.21-1", "held": True},
            "libcudnn9-dev-cuda-12": {"version": "9.10.2.21-1", "held": True},
        },
    }
    docker = facts["docker"]
    assert (docker["version"], docker["edition"], docker["runtimes"], docker["default_runtime"]) == (
        "28.5.1",
        "docker-ce",
        ["nvidia"],
        None,
    )
    assert sorted(docker["packages"]) == [
        "containerd.io",
        "docker-buildx-plugin",
        "docker-ce",
        "docker-ce-cli",
        "docker-compose-plugin",
    ]
    toolkit = facts["nvidia_container_toolkit"]
    assert (toolkit["version"], toolkit["package"], toolkit["cdi_specs"]) == (
        "1.19.0",
        "nvidia-container-toolkit",
        ["/etc/cdi/nvidia.yaml"],
    )
    assert len(toolkit["packages"]) == 4
    envs = facts["python_envs"]
    assert sorted(envs) == ["datascience", "h2o", "rapids"]  # not-an-env and notes.txt are skipped
    assert envs["datascience"] == {
        "path": "/opt/mlbox/envs/datascience",
        "kind": "venv",
        "python_version": "3.12.3",
        "packages": {
            "jinja2": "3.1.6",
            "jupyterlab": "4.4.10",
            "numpy": "2.3.4",
            "pandas": "2.3.3",
            "scikit-learn": "1.7.2",
            "tensorflow": "2.20.0",
            "torch": "2.9.1+cu128",
        },
    }
    assert envs["rapids"]["python_version"] == "3.12.3"  # from a `python -m venv` pyvenv.cfg
    assert facts["h2o"] == {
        "version": "3.46.0.12",
        "env": "h2o",
        "jar": "/opt/mlbox/envs/h2o/lib/python3.12/site-packages/h2o/backend/bin/h2o.jar",
    }
    assert facts["rapids"] == {
        "version": "26.10.0",
        "cudf": "26.10.0",
        "cuml": "26.10.0",
        "cuda_variant": "cu12",
        "env": "rapids",
        "packages": {"cudf-cu12": "26.10.0", "cuml-cu12": "26.10.0", "rmm-cu12": "26.10.0"},
    }
    assert facts["chrome"] == {"version": "142.0.7444.59", "package": "google-chrome-stable", "held": False}
    assert facts["editor"] == {"name": "vscode", "package": "code", "version": "1.105.1"}
    assert facts["java"] == {
        "version": "17.0.16",
        "major": 17,
        "home": "/usr/lib/jvm/java-17-openjdk-amd64",
        "runtimes": [{"home": "/usr/lib/jvm/java-17-openjdk-amd64", "version": "17.0.16", "major": 17}],
        "packages": {"openjdk-17-jre-headless": {"version": "17.0.16+8~us1-0ubuntu1~24.04.1", "held": False}},
    }
    assert fake_commands.calls[0]["args"][1] == f"--admindir={root}/var/lib/dpkg"
    assert fake_commands.calls[0]["kwargs"]["environ_update"] == {"LANG": "C", "LC_ALL": "C"}


def test_seed_2021_host(make_root, run_module, fake_commands, fake_bin_paths):
    facts = facts_for(run_module, fake_commands, fake_bin_paths, make_root("root-seed"), "seed-2021")
    driver = facts["nvidia_driver"]
    assert (driver["version"], driver["branch"], driver["kernel_module_version"], driver["flavour"]) == (
        "470.63.01",
        470,
        "470.63.01",
        "proprietary",
    )
    assert "cuda-drivers-470" in driver["packages"]
    cuda = facts["cuda"]
    assert (cuda["versions"], cuda["default"], cuda["default_path"]) == (
        ["10.2", "11.4"],
        "11.4",
        "/usr/local/cuda-11.4",
    )
    assert [toolkit["version"] for toolkit in cuda["toolkits"]] == ["10.2.89", "11.4.2"]  # version.txt and version.json
    assert (facts["cudnn"]["version"], facts["cudnn"]["cuda"]) == ("8.2.4.15", "11.4")
    assert (facts["docker"]["version"], facts["docker"]["default_runtime"]) == ("20.10.8", "nvidia")
    toolkit = facts["nvidia_container_toolkit"]
    assert (toolkit["version"], toolkit["package"], toolkit["cdi_specs"]) == ("1.5.1", "nvidia-container-toolkit", [])
    assert "nvidia-docker2" in toolkit["packages"]
    envs = facts["python_envs"]
    assert envs["rapids"]["kind"] == "conda"
    assert envs["rapids"]["python_version"] == "3.8.10"
    assert envs["py39"]["python_version"] == "3.9.5"
    assert envs["py39"]["packages"]["matplotlib"] == "3.4.3"  # a legacy *.egg-info file
    assert envs["py39"]["packages"]["torch"] == "1.9.0+cu111"
    assert facts["rapids"] == {
        "version": "21.08.02",
        "cudf": "21.08.02",
        "cuml": "21.08.02",
        "cuda_variant": None,
        "env": "rapids",
        "packages": {"cudf": "21.08.02", "cuml": "21.08.02"},
    }
    assert facts["h2o"] == {"version": "3.34.0.1", "env": "py39", "jar": None}
    assert facts["editor"] == {"name": "atom", "package": "atom", "version": "1.58.0"}
    assert facts["chrome"]["version"] == "93.0.4577.63"
    java = facts["java"]
    assert (java["version"], java["major"], java["home"]) == ("11.0.11", 11, "/usr/lib/jvm/java-11-openjdk-amd64")
    # java-1.11.0-openjdk-amd64 is a link to java-11: listed once
    assert [(runtime["home"], runtime["major"]) for runtime in java["runtimes"]] == [
        ("/usr/lib/jvm/java-11-openjdk-amd64", 11),
        ("/usr/lib/jvm/java-8-openjdk-amd64", 8),
    ]


def test_debian_distribution_packages_before_the_reboot(make_root, run_module, fake_commands, fake_bin_paths):
    facts = facts_for(run_module, fake_commands, fake_bin_paths, make_root("root-debian12"), "debian12")
    driver = facts["nvidia_driver"]
    assert {key: value for key, value in driver.items() if key != "packages"} == {
        "version": "535.247.01",
        "branch": 535,
        "kernel_module_version": None,
        "kernel_module_loaded": False,
        "kernel_module_mismatch": False,
        "flavour": "proprietary",  # nvidia-kernel-dkms; the removed open package does not count
    }
    assert facts["cuda"]["toolkits"] == [
        {"version": "11.8.0", "path": "/usr/lib/nvidia-cuda-toolkit", "package": "nvidia-cuda-toolkit"}
    ]
    assert (facts["cuda"]["versions"], facts["cuda"]["default"]) == (["11.8"], None)
    assert (facts["docker"]["version"], facts["docker"]["edition"], facts["docker"]["runtimes"]) == (
        "20.10.24",
        "docker.io",
        [],
    )
    assert facts["chrome"] is None  # unpacked only
    assert facts["java"]["version"] == "17.0.16"
    for key in ("cudnn", "nvidia_container_toolkit", "python_envs", "h2o", "rapids", "editor"):
        assert facts[key] is None, key


@pytest.mark.parametrize("check_mode", [False, True], ids=["run", "check"])
def test_empty_host_gives_nulls_without_error(check_mode, make_root, run_module, fake_commands, fake_bin_paths):
    facts = facts_for(
        run_module, fake_commands, fake_bin_paths, make_root("root-empty"), "minimal", check_mode=check_mode
    )
    assert facts == dict.fromkeys(KEYS)


def test_without_dpkg_query(make_root, run_module, fake_commands, fake_bin_paths):
    result = run_module(stack_facts.main, {"root": str(make_root("root-current"))})
    facts = result["ansible_facts"]["mlbox_stack"]
    assert fake_commands.calls == []
    assert result["dpkg_query_path"] is None
    # what the files alone tell
    assert facts["nvidia_driver"]["version"] == "580.95.05"  # from the kernel module
    assert facts["nvidia_driver"]["packages"] == {}
    assert facts["cuda"]["default"] == "12.8"
    assert facts["cudnn"]["version"] == "9.10.2"  # from the header
    assert facts["java"]["version"] == "17.0.16"
    assert facts["rapids"]["version"] == "26.10.0"
    for key in ("docker", "nvidia_container_toolkit", "chrome", "editor"):
        assert facts[key] is None, key


def test_failing_dpkg_query_warns(make_root, run_module, fake_commands, fake_bin_paths, warnings_of):
    fake_bin_paths["dpkg-query"] = DPKG_QUERY
    fake_commands.add(lambda args: True, (2, "", "dpkg-query: error: parsing file '/var/lib/dpkg/status'"))
    result = run_module(stack_facts.main, {"root": str(make_root("root-empty"))})
    assert result["ansible_facts"]["mlbox_stack"] == dict.fromkeys(KEYS)
    assert warnings_of(result) == [
        "dpkg-query failed (rc=2): dpkg-query: error: parsing file '/var/lib/dpkg/status'; "
        "package-based entries are empty"
    ]


def test_explicit_dpkg_query_must_exist(run_module, fake_bin_paths, tmp_path):
    result = run_module(stack_facts.main, {"root": str(tmp_path), "dpkg_query": str(tmp_path / "nope")})
    assert result["failed"] is True
    assert result["msg"] == f"dpkg_query={tmp_path / 'nope'} is not an executable file"


def test_broken_daemon_json_warns(make_root, run_module, fake_commands, fake_bin_paths, warnings_of):
    root = make_root("root-current")
    (root / "etc/docker/daemon.json").write_text("{ not json")
    fake_bin_paths["dpkg-query"] = DPKG_QUERY
    fake_commands.add(lambda args: True, (0, (DPKG / "current.txt").read_text(), ""))
    result = run_module(stack_facts.main, {"root": str(root)})
    docker = result["ansible_facts"]["mlbox_stack"]["docker"]
    assert (docker["version"], docker["runtimes"]) == ("28.5.1", [])
    [warning] = warnings_of(result)
    assert warning.startswith("/etc/docker/daemon.json is not valid JSON:")


def test_upgraded_driver_before_reboot_is_a_mismatch(make_root):
    packages = packages_of("current")
    packages["libnvidia-compute-580"] = {"version": "580.105.08-0ubuntu1", "held": True}
    driver = stack.collect_nvidia_driver(str(make_root("root-current")), packages)
    assert (driver["version"], driver["kernel_module_version"], driver["kernel_module_mismatch"]) == (
        "580.105.08",
        "580.95.05",
        True,
    )


def test_cuda_from_component_packages(tmp_path):
    """Recorded on an H200 VM (docs/gpu-host.md): CUDA 13.0 from NVIDIA's component packages (cuda-nvcc-13-0,
    cuda-cudart-13-0, ...) without the cuda-toolkit-13-0 metapackage, behind the alternatives link."""
    packages = packages_of("h200-vm")
    (tmp_path / "usr/local/cuda-13.0").mkdir(parents=True)
    (tmp_path / "etc/alternatives").mkdir(parents=True)
    os.symlink("/usr/local/cuda-13.0", tmp_path / "etc/alternatives/cuda")
    os.symlink("/etc/alternatives/cuda", tmp_path / "usr/local/cuda")
    cuda = stack.collect_cuda(str(tmp_path), packages)
    assert cuda["toolkits"] == [{"version": "13.0", "path": "/usr/local/cuda-13.0", "package": None}]
    assert (cuda["default"], cuda["default_path"]) == ("13.0", "/usr/local/cuda-13.0")
    components = sorted(cuda["packages"])
    assert len(components) == 29
    assert {"cuda-nvcc-13-0", "cuda-cudart-13-0", "cuda-compat-13-0", "cuda-libraries-13-0"} <= set(components)
    assert all(name.startswith("cuda-") and name.endswith("-13-0") for name in components)  # no cuDNN, NCCL, config


def test_env_root_option(make_root, run_module, fake_bin_paths, tmp_path):
    root = make_root("root-current")
    shutil.move(str(root / "opt/mlbox/envs"), str(root / "srv-envs"))
    result = run_module(stack_facts.main, {"root": str(root), "env_root": "/srv-envs"})
    envs = result["ansible_facts"]["mlbox_stack"]["python_envs"]
    assert sorted(envs) == ["datascience", "h2o", "rapids"]
    assert envs["h2o"]["path"] == "/srv-envs/h2o"


@pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="dpkg-query is not installed")
@pytest.mark.parametrize(
    ("tree", "listing"), [("root-current", "current"), ("root-seed", "seed-2021"), ("root-debian12", "debian12")]
)
def test_real_dpkg_query_reads_the_fixture_database(tree, listing, make_root, run_module):
    """The command line is right: the real dpkg-query, pointed at a database written from the
    listing, gives the same packages as the recorded listing."""
    root = make_root(tree, listing)
    command = dpkg.query_command(shutil.which("dpkg-query"), str(root / "var/lib/dpkg"))
    done = subprocess.run(
        command, capture_output=True, text=True, check=True, env=dict(os.environ, LANG="C", LC_ALL="C")
    )
    assert dpkg.installed(done.stdout) == packages_of(listing)
    result = run_module(stack_facts.main, {"root": str(root)})
    assert result["dpkg_query_path"] == shutil.which("dpkg-query")
    facts = result["ansible_facts"]["mlbox_stack"]
    assert (
        facts["nvidia_driver"]["packages"] == stack.collect_nvidia_driver(str(root), packages_of(listing))["packages"]
    )
