# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The python_stack role's checks of its inputs that its argument spec cannot express (tasks/preflight.yml, for
JupyterLab too): one message per problem, each naming the variable and the fix.

Values that may hold credentials (index URLs, the JupyterLab password and token) are never shown as they are:
URLs lose their user:password@, the password and the token are not shown at all.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping

from ansible_collections.mlinabox.stack.plugins.module_utils import input_checks

try:
    from ansible.module_utils.datatag import native_type_name
except ImportError:  # ansible-core before 2.19 has no tagged types: type_debug was the class name
    def native_type_name(value):
        return type(value).__name__

# The inputs that must be mappings, and those that must be lists. The argument spec turns a string into a
# one-item list ("numpy==2.4.6" passes as a list) but leaves the variable a string: the role would then read it
# character by character.
DICT_INPUTS = ("python_stack_uv_environment", "python_stack_jupyter_extra_config")
LIST_INPUTS = ("python_stack_envs", "python_stack_find_links", "python_stack_base_packages",
               "python_stack_pytorch_packages", "python_stack_tensorflow_packages")
SOURCE_INPUTS = ("python_stack_index_url", "python_stack_torch_index_base", "python_stack_python_install_mirror")
# The last part of a PyTorch index URL (<python_stack_torch_index_base>/<variant>).
TORCH_VARIANT = re.compile(r"^(cpu|cu[0-9]{3}|rocm[0-9.]+|xpu)\Z")
PYTHON_VERSION = re.compile(r"^([0-9]+\.[0-9]+(\.[0-9]+)?)?\Z")
PYTHON_MIN_VERSION = re.compile(r"^[0-9]+\.[0-9]+\Z")
# Paths the role creates, writes or reads as root on the target, in the order they are checked; the optional
# ones may be "".
PATH_INPUTS = ("python_stack_tools_dir", "python_stack_envs_dir", "python_stack_uv_cache_dir",
               "python_stack_python_install_dir", "python_stack_kernels_dir", "python_stack_jupyter_token_file",
               "python_stack_jupyter_root_dir", "python_stack_jupyter_certfile", "python_stack_jupyter_keyfile")
OPTIONAL_PATHS = ("python_stack_jupyter_root_dir", "python_stack_jupyter_certfile", "python_stack_jupyter_keyfile")
OR_NONE = ', or "" for none'
OR_DEFAULT = ', or "" for the default'

LOOPBACK = ("127.0.0.1", "::1", "localhost")
PASSWORD_HASH = re.compile(r"^(argon2|sha1|sha256|sha512):[^\s]+\Z")
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,}\Z")
JUPYTERLAB = re.compile(r"^\s*jupyterlab\s*(\[|=|@)")
HASH_IT = 'python -c "from jupyter_server.auth import passwd; print(passwd())"'


def _truncate(text, length=80, end="...", leeway=5):
    """Jinja's truncate filter with its defaults: whole words, up to `leeway` characters over the length."""
    if len(text) <= length + leeway:
        return text
    return text[: length - len(end)].rsplit(" ", 1)[0] + end


def _env_names(envs):
    """The names of the environment items (items that are not mappings are python_env_problems' to report)."""
    return [env.get("name") for env in envs if isinstance(env, Mapping)] if input_checks.is_list(envs) else []


def _type_problems(inputs):
    problems = []
    for name in LIST_INPUTS + DICT_INPUTS:
        value = inputs[name]
        if name in DICT_INPUTS:
            if isinstance(value, Mapping):
                continue
            kind = "mapping ({key: value, ...})"
        else:
            if input_checks.is_list(value):
                continue
            kind = 'YAML list ([a, b] or one "- item" a line)'
        problems.append(f"{name} is {input_checks.to_json(_truncate(input_checks.mask_userinfo(str(value))))}, a "
                        f"{native_type_name(value)}: write it as a {kind}.")
    return problems


def _version_problems(inputs):
    problems = []
    for name in ("python_stack_torch_variant", "python_stack_torch_variant_gpu"):
        value = inputs[name]
        if not TORCH_VARIANT.match(str(value)) and not (name == "python_stack_torch_variant" and value == "auto"):
            problems.append(f"{name} is {input_checks.to_json(value)}: use auto, cpu, cuXYZ (such as cu126, cu128, "
                            "cu130), rocmX.Y or xpu, the last part of a PyTorch index URL "
                            f"({input_checks.mask_userinfo(str(inputs['python_stack_torch_index_base']))}/<variant>).")
    version = inputs["python_stack_python_version"]
    if not PYTHON_VERSION.match(str(version)):
        problems.append(f"python_stack_python_version is {input_checks.to_json(version)}: use \"\" (the "
                        "distribution's python3) or "
                        'X.Y such as "3.12" (X.Y.Z with python_stack_python_source: uv).')
    min_version = inputs["python_stack_python_min_version"]
    if not PYTHON_MIN_VERSION.match(str(min_version)):
        problems.append(f'python_stack_python_min_version is {input_checks.to_json(min_version)}: use X.Y such as '
                        '"3.11".')
    # A uv-managed Python is downloaded by version: the environments that set no python need the role's.
    envs = inputs["python_stack_envs"]
    if (inputs["python_stack_python_source"] != "system" and not str(version) and input_checks.is_list(envs)
            and any(env.get("python", "") == "" for env in envs if isinstance(env, Mapping))):
        problems.append("python_stack_python_version is \"\" with python_stack_python_source 'uv': a uv-managed "
                        'Python needs a version, in python_stack_python_version (such as "3.12") or in each '
                        "environment's python.")
    return problems


def _source_problems(inputs, settings):
    """Package sources: https:// URLs (http:// only with python_stack_allow_insecure_index), without spaces (uv's
    UV_EXTRA_INDEX_URL is space-separated) or commas (UV_FIND_LINKS is comma-separated). Wheelhouses may also be
    absolute directories on the target, the Python mirror a file:///directory; the index and the mirror may be ""
    (the default). Shown without their user:password@."""
    url = re.compile(settings["url_regex"])
    path = re.compile(settings["path_regex"])
    file_url = re.compile("^file://" + settings["path_regex"][1:])
    sources = [(name, inputs[name]) for name in SOURCE_INPUTS]
    if input_checks.is_list(inputs["python_stack_find_links"]):
        sources += [(f"python_stack_find_links[{index}]", link)
                    for index, link in enumerate(inputs["python_stack_find_links"])]
    insecure = (" (http:// is allowed with python_stack_allow_insecure_index: true, which this run has)"
                if inputs["python_stack_allow_insecure_index"]
                else " (plain http:// only with python_stack_allow_insecure_index: true)")
    problems = []
    for name, value in sources:
        text = str(value)
        empty_ok = name in ("python_stack_index_url", "python_stack_python_install_mirror")
        dir_ok = name.startswith("python_stack_find_links[")
        file_ok = name == "python_stack_python_install_mirror"
        if ((not text and empty_ok) or url.match(text) or (dir_ok and path.match(text))
                or (file_ok and file_url.match(text))):
            continue
        problems.append(
            f"{name} is {input_checks.to_json(input_checks.mask_userinfo(text))}: use an https:// URL{insecure} "
            "without spaces or commas"
            f"{', or an absolute, normalised directory on the target' if dir_ok else ''}"
            f"{', or file:///absolute/directory' if file_ok else ''}{OR_DEFAULT if empty_ok else ''}; "
            "other schemes (file:, ftp:, ...) and relative paths are refused.")
    return problems


def _name_problems(inputs):
    envs = inputs["python_stack_envs"]
    if not input_checks.is_list(envs):
        return []
    names = _env_names(envs)
    problems = []
    # Names are directories and kernel names: compared as text.
    repeated = [name for name, count in Counter(str(name) for name in names).items() if count > 1]
    if repeated:
        problems.append(f"python_stack_envs lists an environment name more than once ({', '.join(repeated)}): give "
                        "each environment its own name.")
    shell_env = inputs["python_stack_shell_env"]
    if str(shell_env) and shell_env not in names:
        problems.append(f"python_stack_shell_env is {input_checks.to_json(shell_env)}, which is not one of "
                        f"python_stack_envs ({', '.join(str(name) for name in names)}): name the environment that "
                        "login shells get "
                        'first on PATH, or set it to "" to leave PATH alone.')
    return problems


def _path_problems(inputs, settings):
    """Absolute and normalised: no //, no . or .. part, no trailing /, no whitespace or control character."""
    path = re.compile(settings["path_regex"])
    problems = []
    for name in PATH_INPUTS:
        text = str(inputs[name])
        optional = name in OPTIONAL_PATHS
        if (not text and optional) or path.match(text):
            continue
        problems.append(f"{name} is {input_checks.to_json(text)}: use an absolute, normalised path (it starts with /, "
                        f"has no '.', '..', '//' or trailing '/', no whitespace){OR_NONE if optional else ''}.")
    return problems


def python_stack_problems(inputs, settings):
    """One message for each problem of the python_stack role's inputs, in the order preflight checked them.

    inputs: the python_stack_* variables the checks read (by their names). settings: the role's regular
    expressions url_regex and path_regex (vars/main.yml; python_env_problems reads the same). A URL is shown
    without its user:password@ (input_checks.mask_userinfo). The environment items themselves are
    python_env_problems' (tasks/preflight.yml and env.yml); this reads only their names and their python.
    """
    return (_type_problems(inputs) + _version_problems(inputs) + _source_problems(inputs, settings)
            + _name_problems(inputs) + _path_problems(inputs, settings))


def _extra_traits(section, prefix):
    """(path, trait name) of every trait that python_stack_jupyter_extra_config sets. A key that starts with an
    upper-case letter is a class section (traitlets also nests them: ServerApp.IdentityProvider.token, and dots
    them: "ServerApp.token"); any other is a trait."""
    for key, value in section.items():
        path = f"{prefix}.{key}"
        name = str(key).rsplit(".", maxsplit=1)[-1]
        if isinstance(value, Mapping) and name[:1].isupper():
            yield from _extra_traits(value, path)
        else:
            yield path, name


def python_stack_jupyter_problems(inputs, settings):
    """One message for each problem of the JupyterLab settings, in the order preflight checked them.

    inputs: the python_stack_jupyter_* variables the checks read, and python_stack_envs. settings:
    managed_traits, the jupyter_server traits that python_stack_jupyter_extra_config may not set (under any
    class), each with what to use instead ("": nothing, the role does not allow it). Neither the password nor the
    token is ever shown.
    """
    problems = []
    ip = inputs["python_stack_jupyter_ip"]
    password = str(inputs["python_stack_jupyter_password"])
    token = str(inputs["python_stack_jupyter_token"])
    user = inputs["python_stack_jupyter_user"]
    port = inputs["python_stack_jupyter_port"]
    jupyter_env = inputs["python_stack_jupyter_env"]
    envs = inputs["python_stack_envs"]
    certfile = inputs["python_stack_jupyter_certfile"]
    keyfile = inputs["python_stack_jupyter_keyfile"]
    extra_config = inputs["python_stack_jupyter_extra_config"]

    if ip not in LOOPBACK and not password:
        problems.append(
            f"python_stack_jupyter_ip is '{ip}', which is not a loopback address, and python_stack_jupyter_password "
            f"is empty: set python_stack_jupyter_password to a hashed password ({HASH_IT}), ideally with "
            "python_stack_jupyter_certfile/keyfile, or keep 127.0.0.1 and reach JupyterLab through an SSH tunnel.")
    if password and not PASSWORD_HASH.match(password):
        problems.append("python_stack_jupyter_password is not a hashed password (argon2:... or sha1:...): never put "
                        f"the plain password there; hash it with {HASH_IT}.")
    if token and not TOKEN.match(token):
        problems.append(f"python_stack_jupyter_token is not a usable token ({len(token)} characters; not shown): "
                        "leave it empty (one is generated and kept in python_stack_jupyter_token_file) or use 16 or "
                        "more letters, digits, '-' or '_'.")
    if not input_checks.USER_NAME.match(str(user)) or user == "root":
        problems.append(f"python_stack_jupyter_user is {input_checks.to_json(user)}: JupyterLab runs as a normal user: "
                        "use a user name (lower-case letters, digits, '_' or '-'), not root.")
    if not 1024 <= input_checks.to_int(port) <= 65535:
        problems.append(f"python_stack_jupyter_port is {port}: JupyterLab runs as the unprivileged user {user} and "
                        "can only listen on 1024-65535 (the default is 8888); for port 80 or 443 put a reverse proxy "
                        "in front of it.")

    names = _env_names(envs)
    if jupyter_env not in names:
        problems.append(f"python_stack_jupyter_env is {input_checks.to_json(jupyter_env)}, which is not one of "
                        f"python_stack_envs ({', '.join(str(name) for name in names)}): name the environment "
                        "JupyterLab runs from.")
    else:
        item = next(env for env in envs if isinstance(env, Mapping) and env.get("name") == jupyter_env)
        packages = item.get("packages", [])
        # Packages that are not a list are python_env_problems' to report.
        if (input_checks.is_list(packages) and not str(item.get("lock_file") or "")
                and not any(JUPYTERLAB.match(str(package)) for package in packages)):
            problems.append(
                f"python_stack_jupyter_env is '{jupyter_env}', whose packages do not install jupyterlab: add "
                "jupyterlab==<version> to that environment's packages (or its lock_file), or point "
                "python_stack_jupyter_env at an environment that has it.")

    if bool(str(certfile)) != bool(str(keyfile)):
        problems.append(f"python_stack_jupyter_certfile is {input_checks.to_json(certfile)} and "
                        f"python_stack_jupyter_keyfile is {input_checks.to_json(keyfile)}: set both (HTTPS) or "
                        "neither.")

    # extra_config is merged over the role's settings: it must not undo them. One that is not a mapping is
    # python_stack_problems' to report.
    if isinstance(extra_config, Mapping):
        managed = settings["managed_traits"]
        for path, name in _extra_traits(extra_config, "python_stack_jupyter_extra_config"):
            if name not in managed:
                continue
            if managed[name]:
                why = f"the role sets it; use {managed[name]} instead."
            else:
                why = ("it widens access to JupyterLab or weakens its authentication, which the role does not allow; "
                       "reach JupyterLab through an SSH tunnel, or set python_stack_jupyter_ip with a hashed "
                       "python_stack_jupyter_password and python_stack_jupyter_certfile/keyfile.")
            problems.append(f"{path} is set, but python_stack_jupyter_extra_config may not set '{name}' (under any "
                            f"class): {why}")
    return problems


class FilterModule:
    def filters(self):
        return {"python_stack_problems": python_stack_problems,
                "python_stack_jupyter_problems": python_stack_jupyter_problems}
