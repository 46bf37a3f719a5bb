# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""python_env_args: what the python_env module gets for each environment item of the python_stack role."""

from __future__ import annotations

import hashlib
import json

import yaml
from ansible_collections.mlinabox.stack.plugins.filter.python_envs import python_env_args
from conftest import REPO_ROOT

DEFAULTS = yaml.safe_load((REPO_ROOT / "roles/python_stack/vars/main.yml").read_text())["__python_stack_env_defaults"]
LOCK = "/controller/locks/pinned.txt"


def settings(**overrides):
    values = dict(defaults=DEFAULTS, envs_dir="/opt/mlbox/envs", python_source="system", python_version="",
                  host_python="3.11.2", offline=False, index_url="", index_cache={}, find_links=[],
                  user_packages=True, pip_version="25.3", python_install_mirror="", uv_environment={},
                  locks={LOCK: "six==1.17.0 \\\n    --hash=sha256:00\n"})
    values.update(overrides)
    return values


def test_a_plain_item_gets_pip_the_system_python_and_no_index():
    [args] = python_env_args([{"name": "base", "packages": ["PyYAML==6.0.2", " numpy==2.3.0 "]}], settings())
    assert args["path"] == "/opt/mlbox/envs/base"
    assert args["requirements"] == ["PyYAML==6.0.2", "numpy==2.3.0", "pip==25.3"]
    # Sorted without regard to case, as the spec's template sorted it: specs written before compare equal.
    assert args["spec"]["packages"] == ["numpy==2.3.0", "pip==25.3", "PyYAML==6.0.2"]
    assert args["interpreter"] == "/usr/bin/python3" and args["python_request"] == ""
    assert args["python_version"] == "3.11" and args["uv_secret_env"] == {} and args["index_args"] == []
    assert args["spec"] == {"format": 1, "name": "base", "owner": "python_stack", "python_source": "system",
                            "python": "", "packages": args["spec"]["packages"], "index_url": "",
                            "extra_index_urls": [], "find_links": [], "offline": False, "lock_sha256": ""}


def test_an_item_that_pins_pip_or_brings_a_lock_gets_no_pip_of_the_role():
    pinned, locked = python_env_args([{"name": "a", "packages": ["pip==24.0"]}, {"name": "b", "lock_file": LOCK}],
                                     settings())
    assert pinned["requirements"] == ["pip==24.0"]
    assert locked["requirements"] == [] and locked["lock"].startswith("six==1.17.0")
    assert locked["spec"]["lock_sha256"] == hashlib.sha256(locked["lock"].encode()).hexdigest()


def test_credentials_reach_only_the_secret_environment():
    index = "https://user:pa/ss@idx.example/simple"
    extra = "https://k:s@extra.example/simple"
    proxy = {"HTTPS_PROXY": "http://u:p@proxy:3128"}
    [args] = python_env_args([{"name": "x", "packages": ["six==1.17.0"], "index_url": index,
                               "extra_index_urls": [extra]}],
                             settings(uv_environment=proxy, python_install_mirror="file:///mirror"))
    assert args["uv_secret_env"] == {"UV_PYTHON_INSTALL_MIRROR": "file:///mirror", "HTTPS_PROXY": proxy["HTTPS_PROXY"],
                                     "UV_INDEX_URL": index, "UV_EXTRA_INDEX_URL": extra}
    # A '/' in a password no longer shows the rest of it (the regular expression the role used stopped there).
    assert args["spec"]["index_url"] == "https://***@idx.example/simple"
    assert args["spec"]["extra_index_urls"] == ["https://***@extra.example/simple"]
    public = {key: value for key, value in args.items() if key != "uv_secret_env"}
    assert "pa/ss" not in json.dumps(public) and "k:s" not in json.dumps(public)


def test_offline_reads_only_the_wheelhouse():
    [args] = python_env_args([{"name": "x", "packages": ["six==1.17.0"], "index_url": "https://idx.example/simple"}],
                             settings(offline=True, find_links=["/srv/wheelhouse"]))
    assert args["uv_env"] == {"UV_OFFLINE": "1"} and args["index_args"] == ["--no-index"]
    assert args["uv_secret_env"] == {"UV_FIND_LINKS": "/srv/wheelhouse"}
    assert args["spec"]["index_url"] == "" and args["spec"]["offline"] is True


def test_the_package_cache_serves_the_indexes_and_the_spec_keeps_the_upstream_ones():
    cache = {"": "http://cache:3141/root/pypi/+simple/", "https://e.example/simple": "http://cache:3141/e/+simple/"}
    [args] = python_env_args([{"name": "x", "packages": ["six==1.17.0"], "extra_index_urls": ["https://e.example/simple"]}],
                             settings(index_cache=cache))
    assert args["uv_secret_env"] == {"UV_INDEX_URL": cache[""], "UV_EXTRA_INDEX_URL": cache["https://e.example/simple"]}
    assert args["spec"]["index_url"] == "" and args["spec"]["extra_index_urls"] == ["https://e.example/simple"]


def test_the_python_asked_for_decides_the_interpreter():
    uv, system = (python_env_args([{"name": "x", "python": "3.12.4", "packages": ["six==1.17.0"]}],
                                  settings(python_source=source))[0] for source in ("uv", "system"))
    assert uv["interpreter"] == "3.12.4" and system["interpreter"] == "/usr/bin/python3.12"
    assert uv["python_version"] == system["python_version"] == "3.12"
    [role] = python_env_args([{"name": "y", "packages": ["six==1.17.0"]}], settings(python_version="3.13"))
    assert role["python_request"] == "3.13" and role["spec"]["python"] == "3.13"
