# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The filters python_stack_problems and python_stack_jupyter_problems (python_stack's preflight checks), with the
role's defaults, regular expressions and managed traits read from roles/python_stack. tests/integration/
bad_input_python_stack.yml runs the same messages through the role."""

from __future__ import annotations

import datetime

import jinja2
import pytest
from ansible_collections.mlinabox.stack.plugins.filter.python_stack_checks import (
    FilterModule,
    python_stack_jupyter_problems,
    python_stack_problems,
)
from conftest import assert_one_problem, role_yaml

VARS = role_yaml("python_stack", "vars/main.yml")
DEFAULTS = role_yaml("python_stack")
ENVS = [{"name": "base", "packages": ["numpy==2.4.6", "jupyterlab==4.6.6"]},
        {"name": "pytorch", "packages": ["torch==2.14.1"]},
        {"name": "tensorflow", "packages": ["tensorflow-cpu==2.21.0"]}]
INPUTS = ("python_stack_find_links", "python_stack_base_packages", "python_stack_pytorch_packages",
          "python_stack_tensorflow_packages", "python_stack_uv_environment", "python_stack_jupyter_extra_config",
          "python_stack_torch_variant", "python_stack_torch_variant_gpu", "python_stack_torch_index_base",
          "python_stack_python_version", "python_stack_python_min_version", "python_stack_python_source",
          "python_stack_index_url", "python_stack_python_install_mirror", "python_stack_allow_insecure_index",
          "python_stack_shell_env", "python_stack_tools_dir", "python_stack_envs_dir", "python_stack_uv_cache_dir",
          "python_stack_python_install_dir", "python_stack_kernels_dir", "python_stack_jupyter_token_file",
          "python_stack_jupyter_root_dir", "python_stack_jupyter_certfile", "python_stack_jupyter_keyfile")
JUPYTER_INPUTS = ("python_stack_jupyter_ip", "python_stack_jupyter_password", "python_stack_jupyter_token",
                  "python_stack_jupyter_user", "python_stack_jupyter_port", "python_stack_jupyter_env",
                  "python_stack_jupyter_certfile", "python_stack_jupyter_keyfile", "python_stack_jupyter_extra_config")
HASH_IT = 'python -c "from jupyter_server.auth import passwd; print(passwd())"'


def problems(**overrides):
    """python_stack_problems over the role's defaults (the environments: ENVS) and overrides."""
    inputs = {name: DEFAULTS[name] for name in INPUTS}
    inputs["python_stack_envs"] = ENVS
    inputs.update(overrides)
    url_regex = jinja2.Template(VARS["__python_stack_url_regex"]).render(
        python_stack_allow_insecure_index=inputs["python_stack_allow_insecure_index"])
    return python_stack_problems(inputs, {"url_regex": url_regex, "path_regex": VARS["__python_stack_path_regex"],
                                          "userinfo_regex": VARS["__python_stack_userinfo_regex"]})


def jupyter_problems(**overrides):
    inputs = {name: DEFAULTS[name] for name in JUPYTER_INPUTS}
    inputs["python_stack_envs"] = ENVS
    inputs.update(overrides)
    return python_stack_jupyter_problems(inputs, {"managed_traits": VARS["__python_stack_jupyter_managed_traits"]})


def test_the_filters_are_registered():
    assert set(FilterModule().filters()) == {"python_stack_problems", "python_stack_jupyter_problems"}


def test_the_defaults_have_no_problem():
    assert problems() == []
    assert jupyter_problems() == []


def test_valid_settings_have_no_problem():
    assert problems(python_stack_python_source="uv", python_stack_python_version="3.12.4",
                    python_stack_torch_variant="rocm6.4", python_stack_torch_variant_gpu="xpu",
                    python_stack_index_url="https://u:p@mirror.example/simple",
                    python_stack_python_install_mirror="file:///srv/python-mirror",
                    python_stack_find_links=["/srv/wheels", "https://wheels.example/"], python_stack_shell_env="",
                    python_stack_jupyter_root_dir="/srv/notebooks") == []
    assert problems(python_stack_allow_insecure_index=True, python_stack_index_url="http://mirror.example/simple") == []
    assert jupyter_problems(python_stack_jupyter_ip="0.0.0.0", python_stack_jupyter_password="argon2:$argon2id$v=19$x",
                            python_stack_jupyter_token="a" * 16, python_stack_jupyter_user="_alice-2",
                            python_stack_jupyter_port="1024", python_stack_jupyter_certfile="/etc/c.pem",
                            python_stack_jupyter_keyfile="/etc/k.pem",
                            python_stack_jupyter_extra_config={"LabApp": {"collaborative": True},
                                                               "ServerApp": {"max_body_size": 1}}) == []


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"python_stack_find_links": "/srv/wheelhouse"},
     'python_stack_find_links is "/srv/wheelhouse", a str: write it as a YAML list ([a, b] or one "- item" a line).'),
    ({"python_stack_envs": {"name": "base"}},
     "python_stack_envs is \"{'name': 'base'}\", a dict: write it as a YAML list"),
    ({"python_stack_jupyter_extra_config": "ip=0.0.0.0"},
     'python_stack_jupyter_extra_config is "ip=0.0.0.0", a str: write it as a mapping ({key: value, ...}).'),
    ({"python_stack_uv_environment": "HTTPS_PROXY=http://u:secret@proxy:3128"},
     'python_stack_uv_environment is "HTTPS_PROXY=http://***@proxy:3128", a str: write it as a mapping'),
    ({"python_stack_base_packages": " ".join(["numpy==2.4.6"] * 10)},
     'python_stack_base_packages is "' + " ".join(["numpy==2.4.6"] * 5) + '...", a str:'),
    ({"python_stack_torch_variant": "cuda12"},
     'python_stack_torch_variant is "cuda12": use auto, cpu, cuXYZ (such as cu126, cu128, cu130), rocmX.Y or xpu, the '
     "last part of a PyTorch index URL (https://download.pytorch.org/whl/<variant>)."),
    ({"python_stack_torch_variant": "cpu\n"}, 'python_stack_torch_variant is "cpu\\n": use auto, cpu'),
    ({"python_stack_torch_variant_gpu": "auto"}, 'python_stack_torch_variant_gpu is "auto": use auto, cpu'),
    ({"python_stack_python_version": "3.11\n"},
     'python_stack_python_version is "3.11\\n": use "" (the distribution\'s python3) or X.Y such as "3.12" (X.Y.Z '
     "with python_stack_python_source: uv)."),
    ({"python_stack_python_min_version": "3.11.1"},
     'python_stack_python_min_version is "3.11.1": use X.Y such as "3.11".'),
    ({"python_stack_python_source": "uv"},
     "python_stack_python_version is \"\" with python_stack_python_source 'uv': a uv-managed Python needs a version, "
     'in python_stack_python_version (such as "3.12") or in each environment\'s python.'),
    ({"python_stack_index_url": "http://alice:s3cret@mirror.example/simple"},
     'python_stack_index_url is "http://***@mirror.example/simple": use an https:// URL (plain http:// only with '
     'python_stack_allow_insecure_index: true) without spaces or commas, or "" for the default; other schemes '
     "(file:, ftp:, ...) and relative paths are refused."),
    ({"python_stack_allow_insecure_index": True, "python_stack_index_url": "file:///srv/pypi"},
     'python_stack_index_url is "file:///srv/pypi": use an https:// URL (http:// is allowed with '
     "python_stack_allow_insecure_index: true, which this run has) without spaces or commas"),
    ({"python_stack_torch_index_base": "http://download.pytorch.org/whl"},
     'python_stack_torch_index_base is "http://download.pytorch.org/whl": use an https:// URL (plain http:// only '
     "with python_stack_allow_insecure_index: true) without spaces or commas; other schemes"),
    ({"python_stack_python_install_mirror": "file://srv/mirror"},
     'python_stack_python_install_mirror is "file://srv/mirror": use an https:// URL (plain http:// only with '
     'python_stack_allow_insecure_index: true) without spaces or commas, or file:///absolute/directory, or "" for the '
     "default; other schemes"),
    ({"python_stack_find_links": ["/srv/ok", "wheels"]},
     'python_stack_find_links[1] is "wheels": use an https:// URL (plain http:// only with '
     "python_stack_allow_insecure_index: true) without spaces or commas, or an absolute, normalised directory on the "
     "target; other schemes"),
    ({"python_stack_envs": [*ENVS, {"name": "pytorch"}, {"name": "base"}]},
     "python_stack_envs lists an environment name more than once (base, pytorch): give each environment its own "
     "name."),
    ({"python_stack_shell_env": "conda"},
     'python_stack_shell_env is "conda", which is not one of python_stack_envs (base, pytorch, tensorflow): name the '
     'environment that login shells get first on PATH, or set it to "" to leave PATH alone.'),
    ({"python_stack_tools_dir": "opt/mlbox/tools"},
     'python_stack_tools_dir is "opt/mlbox/tools": use an absolute, normalised path (it starts with /, has no \'.\', '
     "'..', '//' or trailing '/', no whitespace)."),
    ({"python_stack_uv_cache_dir": "/var/cache/mlbox/uv/"}, 'python_stack_uv_cache_dir is "/var/cache/mlbox/uv/"'),
    ({"python_stack_envs_dir": "/opt/mlbox/../envs"}, 'python_stack_envs_dir is "/opt/mlbox/../envs"'),
    ({"python_stack_jupyter_keyfile": "key.pem"},
     'python_stack_jupyter_keyfile is "key.pem": use an absolute, normalised path (it starts with /, has no \'.\', '
     "'..', '//' or trailing '/', no whitespace), or \"\" for none."),
])
def test_each_rule(overrides, expected):
    found = problems(**overrides)
    assert_one_problem(found, expected)


def test_every_problem_is_reported_in_order():
    found = problems(python_stack_find_links="wheels", python_stack_torch_variant="gpu",
                     python_stack_python_min_version="3", python_stack_index_url="ftp://mirror.example/simple",
                     python_stack_shell_env="conda", python_stack_kernels_dir="kernels",
                     python_stack_jupyter_root_dir="x")
    assert [message.split(" is ")[0] for message in found] == [
        "python_stack_find_links", "python_stack_torch_variant", "python_stack_python_min_version",
        "python_stack_index_url", "python_stack_shell_env", "python_stack_kernels_dir", "python_stack_jupyter_root_dir"]


def test_a_uv_managed_python_is_fine_where_every_environment_names_one():
    assert problems(python_stack_python_source="uv", python_stack_envs=[{"name": "base", "python": "3.12"}]) == []


def test_credentials_are_never_shown():
    found = problems(python_stack_torch_variant="x", python_stack_torch_index_base="https://u:TorchPw@m.example/whl",
                     python_stack_find_links=["ftp://u:LinkPw@m.example/w"],
                     python_stack_python_install_mirror="ftp://u:MirrorPw@m.example/p",
                     python_stack_uv_environment="HTTPS_PROXY=http://u:ProxyPw@proxy:3128")
    assert len(found) == 4
    text = " ".join(found)
    for secret in ("TorchPw", "LinkPw", "MirrorPw", "ProxyPw"):
        assert secret not in text
    assert "(https://***@m.example/whl/<variant>)" in text


@pytest.mark.parametrize("value", [None, 3, 3.5, True, datetime.date(2026, 1, 1), ["a"], {"a": 1}])
def test_wrong_types_are_reported_not_raised(value):
    overrides = {name: value for name in INPUTS}
    overrides["python_stack_envs"] = value
    found = problems(**overrides)
    assert found
    assert all(isinstance(message, str) for message in found)


@pytest.mark.parametrize("value", [None, 3, "x", ["a", 1], {"a": {"b": 1}}])
def test_wrong_types_in_the_jupyter_settings_are_reported_not_raised(value):
    overrides = {name: value for name in JUPYTER_INPUTS}
    overrides["python_stack_envs"] = value
    found = jupyter_problems(**overrides)
    assert found
    assert all(isinstance(message, str) for message in found)


def test_environment_items_that_are_not_mappings_are_left_to_python_env_problems():
    assert problems(python_stack_envs=["name=base", {"name": "base"}]) == []
    assert jupyter_problems(python_stack_envs=["name=base", {"name": "base", "packages": "jupyterlab==4.6.6"}]) == []


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"python_stack_jupyter_ip": "0.0.0.0"},
     "python_stack_jupyter_ip is '0.0.0.0', which is not a loopback address, and python_stack_jupyter_password is "
     f"empty: set python_stack_jupyter_password to a hashed password ({HASH_IT}), ideally with "
     "python_stack_jupyter_certfile/keyfile, or keep 127.0.0.1 and reach JupyterLab through an SSH tunnel."),
    ({"python_stack_jupyter_password": "hunter2"},
     "python_stack_jupyter_password is not a hashed password (argon2:... or sha1:...): never put the plain password "
     f"there; hash it with {HASH_IT}."),
    ({"python_stack_jupyter_token": "tooshort"},
     "python_stack_jupyter_token is not a usable token (8 characters; not shown): leave it empty (one is generated "
     "and kept in python_stack_jupyter_token_file) or use 16 or more letters, digits, '-' or '_'."),
    ({"python_stack_jupyter_user": "root"},
     'python_stack_jupyter_user is "root": JupyterLab runs as a normal user: use a user name (lower-case letters, '
     "digits, '_' or '-'), not root."),
    ({"python_stack_jupyter_user": "alice\n"}, 'python_stack_jupyter_user is "alice\\n": JupyterLab runs as'),
    ({"python_stack_jupyter_port": 1023},
     "python_stack_jupyter_port is 1023: JupyterLab runs as the unprivileged user jupyter and can only listen on "
     "1024-65535 (the default is 8888); for port 80 or 443 put a reverse proxy in front of it."),
    ({"python_stack_jupyter_port": 65536}, "python_stack_jupyter_port is 65536: JupyterLab runs as"),
    ({"python_stack_jupyter_env": "gpu"},
     'python_stack_jupyter_env is "gpu", which is not one of python_stack_envs (base, pytorch, tensorflow): name the '
     "environment JupyterLab runs from."),
    ({"python_stack_jupyter_env": "pytorch"},
     "python_stack_jupyter_env is 'pytorch', whose packages do not install jupyterlab: add jupyterlab==<version> to "
     "that environment's packages (or its lock_file), or point python_stack_jupyter_env at an environment that has "
     "it."),
    ({"python_stack_jupyter_certfile": "/etc/ssl/certs/jupyter.pem"},
     'python_stack_jupyter_certfile is "/etc/ssl/certs/jupyter.pem" and python_stack_jupyter_keyfile is "": set both '
     "(HTTPS) or neither."),
    ({"python_stack_jupyter_extra_config": {"IdentityProvider": {"token": ""}}},
     "python_stack_jupyter_extra_config.IdentityProvider.token is set, but python_stack_jupyter_extra_config may not "
     "set 'token' (under any class): the role sets it; use python_stack_jupyter_token (empty generates one into "
     "python_stack_jupyter_token_file) instead."),
    ({"python_stack_jupyter_extra_config": {"ServerApp": {"trust_xheaders": True}}},
     "python_stack_jupyter_extra_config.ServerApp.trust_xheaders is set, but python_stack_jupyter_extra_config may "
     "not set 'trust_xheaders' (under any class): it widens access to JupyterLab or weakens its authentication, which "
     "the role does not allow; reach JupyterLab through an SSH tunnel, or set python_stack_jupyter_ip with a hashed "
     "python_stack_jupyter_password and python_stack_jupyter_certfile/keyfile."),
    ({"python_stack_jupyter_extra_config": {"ServerApp": {"IdentityProvider": {"token": ""}}}},
     "python_stack_jupyter_extra_config.ServerApp.IdentityProvider.token is set"),
    ({"python_stack_jupyter_extra_config": {"ServerApp.allow_remote_access": True}},
     "python_stack_jupyter_extra_config.ServerApp.allow_remote_access is set"),
    ({"python_stack_jupyter_extra_config": {"ServerApp": {"tornado_settings": {"xsrf_cookies": False}}}},
     "python_stack_jupyter_extra_config.ServerApp.tornado_settings is set"),
])
def test_each_jupyter_rule(overrides, expected):
    found = jupyter_problems(**overrides)
    assert_one_problem(found, expected)


def test_an_environment_with_a_lock_file_or_extras_installs_jupyterlab():
    assert jupyter_problems(python_stack_envs=[{"name": "base", "lock_file": "/locks/base.txt"}]) == []
    assert jupyter_problems(python_stack_envs=[{"name": "base", "packages": [" jupyterlab[x] ==4.6.6"]}]) == []
    assert jupyter_problems(python_stack_envs=[{"name": "base", "packages": ["jupyterlab-git==0.51.2"]}])


def test_every_jupyter_problem_is_reported_and_no_secret_shown():
    found = jupyter_problems(python_stack_jupyter_ip="10.0.0.1", python_stack_jupyter_token="short-TokenSecret!",
                             python_stack_jupyter_user="root", python_stack_jupyter_port=80,
                             python_stack_jupyter_env="gpu", python_stack_jupyter_keyfile="/k.pem",
                             python_stack_jupyter_extra_config={"NotebookApp": {"allow_origin": "*", "port": 1},
                                                                "lower": {"token": "x"}, "lower.token": "x"})
    assert [message.split(" ")[0] for message in found] == [
        "python_stack_jupyter_ip", "python_stack_jupyter_token", "python_stack_jupyter_user",
        "python_stack_jupyter_port", "python_stack_jupyter_env", "python_stack_jupyter_certfile",
        "python_stack_jupyter_extra_config.NotebookApp.allow_origin",
        "python_stack_jupyter_extra_config.NotebookApp.port",
        "python_stack_jupyter_extra_config.lower.token"]
    assert "TokenSecret" not in " ".join(found)
    assert "python_stack_jupyter_port is 80: JupyterLab runs as the unprivileged user root" in found[3]
    password = jupyter_problems(python_stack_jupyter_ip="0.0.0.0", python_stack_jupyter_password="PlainPassword1")
    assert len(password) == 1
    assert "PlainPassword1" not in password[0]
