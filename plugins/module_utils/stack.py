# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What is installed: parsers for version files, and collectors that read a
filesystem tree under a root prefix ("/" on a real host, a fixture tree in tests).

Nothing here runs a program or imports an installed package: versions come from dpkg, version
files and package metadata (*.dist-info/METADATA, conda-meta/*.json). Every collector returns None
when its component is not installed. Standard library only: runs on the target (Python 3.8+).
"""

from __future__ import annotations

import glob
import json
import os
import re

from ansible_collections.mlinabox.stack.plugins.module_utils.versions import (
    debian_upstream_version,
    try_parse_version,
)

# --------------------------------------------------------------------------------------------
# Parsers (pure). dpkg-query's output is read by module_utils/dpkg.py (dpkg.installed).
# --------------------------------------------------------------------------------------------


def select_packages(packages, pattern):
    """The packages whose name matches the regular expression `pattern` (whole name)."""
    regex = re.compile(pattern)
    return {name: info for name, info in sorted(packages.items()) if regex.fullmatch(name)}


def first_package(packages, patterns):
    """(name, info) of an installed package matching the first pattern that matches any; among
    several matches (nvidia-utils-535 and nvidia-utils-580 after an upgrade) the newest version."""
    for pattern in patterns:
        found = select_packages(packages, pattern)
        if found:
            name = max(found, key=lambda item: (_upstream_tuple(found[item]["version"]), item))
            return name, found[name]
    return None, None


def _upstream_tuple(version):
    return try_parse_version(debian_upstream_version(version)) or (0,)


def parse_nvidia_proc_version(text):
    """/proc/driver/nvidia/version -> (version, 'open' | 'proprietary' | None).

    'NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.95.05  Release Build ...' is the
    open module; 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.183.01  ...' the proprietary.
    """
    for line in (text or "").splitlines():
        if not line.startswith("NVRM version:"):
            continue
        match = re.search(r"Kernel Module(?: for \S+)?\s+(\d+(?:\.\d+)+)", line)
        version = match.group(1) if match else None
        flavour = "open" if "Open Kernel Module" in line else "proprietary"
        return version, flavour
    return None, None


def flavour_from_taint(taint):
    """/sys/module/nvidia/taint -> flavour. The proprietary module taints the kernel with 'P'
    (proprietary licence); the open module (Dual MIT/GPL) does not."""
    if taint is None:
        return None
    return "proprietary" if "P" in taint else "open"


def parse_cuda_version_json(text):
    """/usr/local/cuda-X.Y/version.json -> '12.8.1' (None when unreadable)."""
    try:
        data = json.loads(text)
    except (TypeError, ValueError):
        return None
    cuda = data.get("cuda") if isinstance(data, dict) else None
    version = cuda.get("version") if isinstance(cuda, dict) else None
    return str(version) if version else None


def parse_cuda_version_txt(text):
    """/usr/local/cuda-X.Y/version.txt (CUDA 11.0 and older layouts) 'CUDA Version 11.4.4'."""
    match = re.search(r"CUDA Version\s+(\d+(?:\.\d+)+)", text or "")
    return match.group(1) if match else None


def parse_cudnn_header(text):
    """cudnn_version.h -> '9.10.2' from CUDNN_MAJOR/MINOR/PATCHLEVEL."""
    parts = []
    for name in ("CUDNN_MAJOR", "CUDNN_MINOR", "CUDNN_PATCHLEVEL"):
        match = re.search(r"#define\s+" + name + r"\s+(\d+)", text or "")
        if not match:
            break
        parts.append(match.group(1))
    return ".".join(parts) if len(parts) >= 2 else None


def parse_key_values(text, separator="="):
    """pyvenv.cfg and /usr/lib/jvm/*/release lines 'key = value' / KEY="value" -> dict."""
    values = {}
    for line in (text or "").splitlines():
        key, sep, value = line.partition(separator)
        if sep and key.strip() and not key.lstrip().startswith("#"):
            values[key.strip()] = value.strip().strip('"')
    return values


def parse_metadata(text):
    """A *.dist-info/METADATA (or PKG-INFO) file -> (Name, Version) from its header block."""
    name = version = None
    for line in (text or "").splitlines():
        if not line.strip():
            break
        key, sep, value = line.partition(":")
        if not sep:
            continue
        if key == "Name" and name is None:
            name = value.strip()
        elif key == "Version" and version is None:
            version = value.strip()
    return name, version


def normalise_name(name):
    """PEP 503: 'Scikit_Learn' -> 'scikit-learn'."""
    return re.sub(r"[-_.]+", "-", name).lower()


# --------------------------------------------------------------------------------------------
# Filesystem helpers: every path is a target path ("/usr/local/cuda") read under `root`.
# --------------------------------------------------------------------------------------------

def in_root(root, path):
    return os.path.join(root, path.lstrip("/"))


def read_file(root, path):
    try:
        with open(in_root(root, path)) as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return None


def resolve_link(root, path, limit=40):
    """Follow the symbolic links of target path `path` inside `root` (an absolute link target is
    taken relative to `root`, not to the controller's /). Returns the final target path, or None
    when it does not exist. Only links at the last path component are followed, which is what the
    alternatives system (/usr/local/cuda, /etc/alternatives/java) needs."""
    current = os.path.normpath(path)
    for _step in range(limit):
        full = in_root(root, current)
        if not os.path.islink(full):
            return current if os.path.exists(full) else None
        target = os.readlink(full)
        if not os.path.isabs(target):
            target = os.path.join(os.path.dirname(current), target)
        current = os.path.normpath(target)
    return None


def _glob(root, pattern):
    """Target paths matching `pattern` under `root`, sorted."""
    prefix = in_root(root, "/")
    return sorted("/" + os.path.relpath(match, prefix) for match in glob.glob(in_root(root, pattern)))


# --------------------------------------------------------------------------------------------
# Collectors. `packages` is parse_dpkg_query's result; `warnings` collects non-fatal problems.
# --------------------------------------------------------------------------------------------

_DRIVER_PACKAGES = (
    r"nvidia-driver(-\d+)?(-server)?(-open)?",
    r"nvidia-open(-\d+)?",
    r"cuda-drivers(-\d+)?",
    r"nvidia-dkms-\d+(-server)?(-open)?",
    r"nvidia-kernel-(open-)?dkms",
    r"nvidia-open-kernel-dkms",
    r"nvidia-kernel-source-\d+(-server)?(-open)?",
    r"nvidia-kernel-common-\d+(-server)?",
    r"libnvidia-compute-\d+(-server)?",
    r"libcuda1",
    r"nvidia-utils-\d+(-server)?",
    r"nvidia-driver-cuda",
    r"nvidia-driver-pinning-\d+",
)

# Where the userspace driver version is read from, most precise first.
_DRIVER_VERSION_SOURCES = (
    r"libnvidia-compute-\d+(-server)?",
    r"libcuda1",
    r"nvidia-driver-\d+(-server)?(-open)?",
    r"nvidia-driver",
    r"nvidia-utils-\d+(-server)?",
    r"cuda-drivers-\d+",
    r"cuda-drivers",
    r"nvidia-open-\d+",
    r"nvidia-open",
)

_OPEN_MARKERS = (
    r"nvidia-open(-\d+)?",
    r"nvidia-kernel-open-dkms",
    r"nvidia-open-kernel-dkms",
    r"nvidia-(driver|dkms|kernel-source)-\d+(-server)?-open",
)
_PROPRIETARY_MARKERS = (
    r"cuda-drivers(-\d+)?",
    r"nvidia-kernel-dkms",
    r"nvidia-(driver|dkms|kernel-source)-\d+(-server)?",
)


def _any_package(packages, patterns):
    return any(select_packages(packages, pattern) for pattern in patterns)


def collect_nvidia_driver(root, packages):
    """The NVIDIA driver: userspace version from dpkg, kernel module version from
    /proc/driver/nvidia/version or /sys/module/nvidia/version, flavour from the module's taint,
    the /proc banner or the package names."""
    driver_packages = {}
    for pattern in _DRIVER_PACKAGES:
        driver_packages.update(select_packages(packages, pattern))
    proc_version, proc_flavour = parse_nvidia_proc_version(read_file(root, "/proc/driver/nvidia/version"))
    sys_version = (read_file(root, "/sys/module/nvidia/version") or "").strip() or None
    taint = read_file(root, "/sys/module/nvidia/taint")
    module_version = proc_version or sys_version
    loaded = module_version is not None or os.path.isdir(in_root(root, "/sys/module/nvidia"))
    if not driver_packages and not loaded:
        return None
    _name, info = first_package(packages, _DRIVER_VERSION_SOURCES)
    version = debian_upstream_version(info["version"]) if info else module_version
    flavour = flavour_from_taint(taint.strip() if taint is not None else None) or proc_flavour
    if flavour is None:
        if _any_package(packages, _OPEN_MARKERS):
            flavour = "open"
        elif _any_package(packages, _PROPRIETARY_MARKERS):
            flavour = "proprietary"
    parsed = try_parse_version(version)
    return {
        "version": version,
        "branch": parsed[0] if parsed else None,
        "kernel_module_version": module_version,
        "kernel_module_loaded": loaded,
        "kernel_module_mismatch": bool(version and module_version and version != module_version),
        "flavour": flavour,
        "packages": driver_packages,
    }


def _cuda_dir_version(root, path):
    version = parse_cuda_version_json(read_file(root, path + "/version.json"))
    return version or parse_cuda_version_txt(read_file(root, path + "/version.txt"))


def _major_minor(version):
    parsed = try_parse_version(version)
    return ".".join(str(part) for part in parsed[:2]) if parsed else None


def collect_cuda(root, packages):
    """CUDA toolkits: /usr/local/cuda-X.Y directories (version.json / version.txt), the
    cuda-toolkit-X-Y packages, Debian's nvidia-cuda-toolkit; the default is the /usr/local/cuda
    link's target. A directory installed from NVIDIA's component packages without the
    cuda-toolkit-X-Y metapackage (cuda-nvcc-X-Y, cuda-cudart-X-Y, ...) has package None, and those
    components are its packages."""
    toolkit_packages = select_packages(packages, r"cuda-toolkit(-\d+-\d+)?|nvidia-cuda-toolkit")
    toolkits = []
    for path in _glob(root, "/usr/local/cuda-*"):
        match = re.match(r"^cuda-(\d+\.\d+)$", os.path.basename(path))
        if not match or os.path.islink(in_root(root, path)) or not os.path.isdir(in_root(root, path)):
            continue
        package = "cuda-toolkit-" + match.group(1).replace(".", "-")
        if package not in packages:
            toolkit_packages.update(select_packages(packages, r"cuda-[a-z0-9-]+-" + match.group(1).replace(".", "-")))
        toolkits.append({
            "version": _cuda_dir_version(root, path) or match.group(1),
            "path": path,
            "package": package if package in packages else None,
        })
    seen = {toolkit["package"] for toolkit in toolkits}
    for name, info in toolkit_packages.items():
        versioned = re.match(r"^cuda-toolkit-\d+-\d+$", name) is not None
        if name in seen or not (versioned or name == "nvidia-cuda-toolkit"):
            continue
        upstream = info["version"].split(":")[-1]
        if name == "nvidia-cuda-toolkit" and "~" in upstream:
            upstream = upstream.split("~", 1)[1]  # Debian: 11.8.89~11.8.0-5~deb12u1
        toolkits.append({
            "version": debian_upstream_version(upstream),
            "path": "/usr/lib/nvidia-cuda-toolkit" if name == "nvidia-cuda-toolkit" else None,
            "package": name,
        })
    default_path = resolve_link(root, "/usr/local/cuda")
    default = None
    if default_path is not None:
        for toolkit in toolkits:
            if toolkit["path"] == default_path:
                default = toolkit
        if default is None and os.path.isdir(in_root(root, default_path)):
            version = _cuda_dir_version(root, default_path)
            if version:
                default = {"version": version, "path": default_path, "package": None}
                toolkits.append(default)
    if not toolkits:
        return None
    toolkits.sort(key=lambda toolkit: try_parse_version(toolkit["version"]) or (0,))
    return {
        "versions": sorted({_major_minor(toolkit["version"]) for toolkit in toolkits}, key=try_parse_version),
        "default": _major_minor(default["version"]) if default else None,
        "default_version": default["version"] if default else None,
        "default_path": default_path if default else None,
        "toolkits": toolkits,
        "packages": toolkit_packages,
    }


_CUDNN_HEADERS = (
    "/usr/include/cudnn_version*.h",
    "/usr/include/*/cudnn_version*.h",
    "/usr/local/cuda/include/cudnn_version.h",
)


def collect_cudnn(root, packages):
    """cuDNN from its packages (libcudnn9-cuda-12, libcudnn8, ...) or cudnn_version*.h."""
    cudnn_packages = select_packages(packages, r"(lib)?cudnn\d*(-dev|-headers|-samples)?(-cuda-\d+)?")
    name, info = first_package(packages, (r"libcudnn\d+-cuda-\d+", r"libcudnn\d+"))
    version = debian_upstream_version(info["version"]) if info else None
    cuda = None
    if name:
        match = re.search(r"-cuda-(\d+)$", name)
        if match:
            cuda = match.group(1)
        else:
            match = re.search(r"\+cuda(\d+(?:\.\d+)*)", info["version"])
            cuda = match.group(1) if match else None
    header = None
    for pattern in _CUDNN_HEADERS:
        for path in _glob(root, pattern):
            header_version = parse_cudnn_header(read_file(root, path))
            if header_version:
                header = path
                version = version or header_version
                break
        if header:
            break
    if version is None:
        return None
    return {"version": version, "cuda": cuda, "header": header, "packages": cudnn_packages}


def _read_daemon_json(root, warnings):
    text = read_file(root, "/etc/docker/daemon.json")
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError as error:
        warnings.append(f"/etc/docker/daemon.json is not valid JSON: {error}")
        return None
    return data if isinstance(data, dict) else None


def collect_docker(root, packages, warnings):
    """Docker CE (docker-ce) or the distribution's docker.io; runtimes from daemon.json."""
    docker_packages = select_packages(
        packages,
        r"docker-ce(-cli|-rootless-extras)?|containerd\.io|docker-(buildx|compose)-plugin"
        r"|docker\.io|containerd|runc|docker-compose",
    )
    edition, info = first_package(packages, (r"docker-ce", r"docker\.io"))
    if info is None:
        return None
    daemon = _read_daemon_json(root, warnings) or {}
    runtimes = daemon.get("runtimes")
    return {
        "version": debian_upstream_version(info["version"]),
        "edition": edition,
        "runtimes": sorted(runtimes) if isinstance(runtimes, dict) else [],
        "default_runtime": daemon.get("default-runtime"),
        "packages": docker_packages,
    }


def collect_nvidia_container_toolkit(root, packages):
    """NVIDIA Container Toolkit (or the 2021-era nvidia-docker2) and its CDI specs."""
    toolkit_packages = select_packages(
        packages,
        r"nvidia-container-toolkit(-base)?|libnvidia-container-tools|libnvidia-container1"
        r"|nvidia-docker2|nvidia-container-runtime",
    )
    name, info = first_package(
        packages, (r"nvidia-container-toolkit", r"nvidia-container-toolkit-base", r"nvidia-docker2")
    )
    if info is None:
        return None
    cdi = [path for path in ("/etc/cdi/nvidia.yaml", "/var/run/cdi/nvidia.yaml", "/run/cdi/nvidia.yaml")
           if os.path.isfile(in_root(root, path))]
    return {
        "version": debian_upstream_version(info["version"]),
        "package": name,
        "cdi_specs": cdi,
        "packages": toolkit_packages,
    }


def _env_site_packages(env_path):
    paths = []
    for pattern in ("lib/python*/site-packages", "lib64/python*/site-packages"):
        for path in sorted(glob.glob(os.path.join(env_path, pattern))):
            real = os.path.realpath(path)
            if real not in [os.path.realpath(seen) for seen in paths]:
                paths.append(path)
    return paths


def _env_python_packages(env_path):
    packages = {}
    for site in _env_site_packages(env_path):
        for meta in sorted([
            *glob.glob(os.path.join(site, "*.dist-info", "METADATA")),
            *glob.glob(os.path.join(site, "*.egg-info", "PKG-INFO")),
            *[path for path in glob.glob(os.path.join(site, "*.egg-info")) if os.path.isfile(path)],
        ]):
            try:
                with open(meta, encoding="utf-8", errors="replace") as handle:
                    name, version = parse_metadata(handle.read(65536))
            except OSError:
                continue
            if name and version:
                packages[normalise_name(name)] = version
    return packages


def _conda_packages(env_path):
    packages = {}
    for path in sorted(glob.glob(os.path.join(env_path, "conda-meta", "*.json"))):
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("name") and data.get("version"):
            packages[normalise_name(str(data["name"]))] = str(data["version"])
    return packages


def collect_python_envs(root, env_root):
    """Every Python environment directly under `env_root`: venvs (pyvenv.cfg, uv's or venv's) and
    conda environments (conda-meta/). Packages come from their metadata, never by importing."""
    base = in_root(root, env_root)
    if not os.path.isdir(base):
        return None
    envs = {}
    for name in sorted(os.listdir(base)):
        path = os.path.join(base, name)
        if not os.path.isdir(path):
            continue
        config_text = None
        try:
            with open(os.path.join(path, "pyvenv.cfg")) as handle:
                config_text = handle.read()
        except OSError:
            pass
        if config_text is not None:
            config = parse_key_values(config_text)
            kind = "venv"
            python = config.get("version_info") or config.get("version")
            packages = _env_python_packages(path)
        elif os.path.isdir(os.path.join(path, "conda-meta")):
            kind = "conda"
            packages = _conda_packages(path)
            packages.update({key: value for key, value in _env_python_packages(path).items() if key not in packages})
            python = packages.get("python")
        else:
            continue
        if not python:
            sites = _env_site_packages(path)
            match = re.search(r"python(\d+\.\d+)", sites[0]) if sites else None
            python = match.group(1) if match else None
        envs[name] = {
            "path": os.path.join(env_root, name),
            "kind": kind,
            "python_version": python,
            "packages": packages,
        }
    return envs or None


def _envs_with(envs, names, preferred):
    """[(env_name, env)] of the environments that have any of the packages `names`, the
    environment called `preferred` first."""
    found = [(name, env) for name, env in sorted((envs or {}).items()) if any(pkg in env["packages"] for pkg in names)]
    found.sort(key=lambda item: item[0] != preferred)
    return found


def collect_h2o(root, envs):
    """H2O-3 from the `h2o` package of a Python environment (the one called h2o first) and the
    h2o.jar it bundles."""
    found = _envs_with(envs, ("h2o",), "h2o")
    if not found:
        return None
    env_name, env = found[0]
    jars = _glob(root, env["path"] + "/lib/python*/site-packages/h2o/backend/bin/h2o.jar")
    return {"version": env["packages"]["h2o"], "env": env_name, "jar": jars[0] if jars else None}


_RAPIDS_PACKAGES = ("cudf", "cuml", "cugraph", "cuvs", "dask-cudf", "rmm")


def collect_rapids(envs):
    """RAPIDS (cuDF, cuML, ...) from pip wheels (cudf-cu12, cuml-cu13, ...) or conda packages."""
    names = [prefix + suffix for prefix in _RAPIDS_PACKAGES for suffix in ("", "-cu11", "-cu12", "-cu13")]
    found = _envs_with(envs, names, "rapids")
    if not found:
        return None
    env_name, env = found[0]
    rapids = {name: version for name, version in env["packages"].items() if name in names}
    variant = None
    for name in rapids:
        match = re.search(r"-(cu\d+)$", name)
        if match:
            variant = match.group(1)
    cudf = next((version for name, version in sorted(rapids.items()) if name.startswith("cudf")), None)
    cuml = next((version for name, version in sorted(rapids.items()) if name.startswith("cuml")), None)
    return {
        "version": cudf or cuml or min(rapids.values()),
        "cudf": cudf,
        "cuml": cuml,
        "cuda_variant": variant,
        "env": env_name,
        "packages": rapids,
    }


def collect_chrome(packages):
    name, info = first_package(packages, (r"google-chrome-stable", r"google-chrome-(beta|unstable)"))
    if info is None:
        return None
    return {"version": debian_upstream_version(info["version"]), "package": name, "held": info["held"]}


def collect_editor(packages):
    """The desktop editor: VS Code (package `code`), or Atom on an old (2021) host."""
    for package, name in (("code", "vscode"), ("code-insiders", "vscode-insiders"), ("atom", "atom")):
        if package in packages:
            return {"name": name, "package": package, "version": debian_upstream_version(packages[package]["version"])}
    return None


def _java_major(version):
    parsed = try_parse_version(version)
    if not parsed:
        return None
    return parsed[1] if parsed[0] == 1 and len(parsed) > 1 else parsed[0]


_JAVA_VERSION_SOURCES = (
    r"openjdk-\d+-jre-headless",
    r"openjdk-\d+-jdk-headless",
    r"openjdk-\d+-jre",
    r"openjdk-\d+-jdk",
    r"temurin-\d+-jdk",
)


def collect_java(root, packages):
    """Java runtimes under /usr/lib/jvm (their `release` files); the default is where
    /etc/alternatives/java points."""
    java_packages = select_packages(packages, r"(openjdk-\d+|default|temurin-\d+)-(jre|jdk)(-headless)?")
    runtimes = []
    for release in _glob(root, "/usr/lib/jvm/*/release"):
        home = os.path.dirname(release)
        if os.path.islink(in_root(root, home)):
            continue
        version = parse_key_values(read_file(root, release)).get("JAVA_VERSION")
        if version:
            runtimes.append({"home": home, "version": version, "major": _java_major(version)})
    default = None
    java = resolve_link(root, "/etc/alternatives/java") or resolve_link(root, "/usr/bin/java")
    if java is not None:
        for runtime in runtimes:
            if java.startswith(runtime["home"] + "/"):
                default = runtime
    if default is None and runtimes:
        default = max(runtimes, key=lambda runtime: try_parse_version(runtime["version"]) or (0,))
    if default is None:
        _name, info = first_package(packages, _JAVA_VERSION_SOURCES)
        if info is None:
            return None
        version = debian_upstream_version(info["version"])
        default = {"home": None, "version": version, "major": _java_major(version)}
    return {
        "version": default["version"],
        "major": default["major"],
        "home": default["home"],
        "runtimes": runtimes,
        "packages": java_packages,
    }


def collect(root, env_root, packages, warnings):
    """What is installed, as the stack_facts module returns it (ansible_facts mlbox_stack): `packages` as
    dpkg.installed() gives them; notes for the user go to `warnings`."""
    envs = collect_python_envs(root, env_root)
    return {
        "nvidia_driver": collect_nvidia_driver(root, packages),
        "cuda": collect_cuda(root, packages),
        "cudnn": collect_cudnn(root, packages),
        "docker": collect_docker(root, packages, warnings),
        "nvidia_container_toolkit": collect_nvidia_container_toolkit(root, packages),
        "python_envs": envs,
        "h2o": collect_h2o(root, envs),
        "rapids": collect_rapids(envs),
        "chrome": collect_chrome(packages),
        "editor": collect_editor(packages),
        "java": collect_java(root, packages),
    }
