# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The filter python_env_problems (python_stack's checks of environment items), with the role's own regular
expressions and defaults read from roles/python_stack/vars/main.yml. tests/integration/bad_input_python_stack.yml
runs the same messages through the role."""

from __future__ import annotations

import jinja2
import pytest
from ansible_collections.mlinabox.stack.plugins.filter.python_envs import python_env_problems
from conftest import role_yaml

VARS = role_yaml("python_stack", "vars/main.yml")
DEFAULTS = VARS["__python_stack_env_defaults"]


def settings(**overrides):
    allow_insecure = overrides.pop("allow_insecure_index", False)
    url_regex = jinja2.Template(VARS["__python_stack_url_regex"]).render(
        python_stack_allow_insecure_index=allow_insecure)
    values = {"python_source": "system", "offline": False, "index_url": "", "index_cache": {},
              "allow_insecure_index": allow_insecure, "pinned_regex": VARS["__python_stack_pinned_regex"],
              "url_regex": url_regex, "path_regex": VARS["__python_stack_path_regex"],
              "userinfo_regex": VARS["__python_stack_userinfo_regex"]}
    values.update(overrides)
    return values


def problems(*envs, list_name="python_stack_envs", **overrides):
    return python_env_problems(list(envs), DEFAULTS, settings(**overrides), list_name)


def test_valid_items_have_no_problem(tmp_path):
    lock = tmp_path / "lock.txt"
    lock.write_text("six==1.17.0 --hash=sha256:00\n")
    assert problems({"name": "base", "packages": ["numpy==2.4.6", "cudf-cu12==26.10.*", "x @ https://h/x.whl"]},
                    {"name": "locked", "lock_file": str(lock)},
                    {"name": "py", "python": "3.12", "packages": ["six==1.17.0 ; python_version >= '3.11'"],
                     "index_url": "https://u:p@idx.example/simple", "find_links": ["/srv/wheels"]}) == []


@pytest.mark.parametrize(("item", "overrides", "expected"), [
    ({"name": "base", "packages": "numpy==2.4.6"}, {},
     "Environment 'base' (python_stack_envs[0]) is invalid: python_stack_envs[0].packages is \"numpy==2.4.6\", not a "
     "list"),
    ({"name": "../etc", "packages": ["six==1.17.0"]}, {}, "its name must be letters, digits, '.', '_' or '-'"),
    ({"name": "b", "python": "3", "packages": ["six==1.17.0"]}, {}, 'python is "3"; use X.Y such as "3.12"'),
    ({"name": "b", "packages": ["numpy", "pandas>=3", "six==1.17.0\n"]}, {},
     'not pinned: "numpy", "pandas>=3", "six==1.17.0\\n".'),
    ({"name": "b", "packages": ["torch @ https://u:secret@files.example/t.whl"]}, {},
     "python_stack_envs[0].packages has a URL with credentials (torch @ https://***@files.example/t.whl)"),
    ({"name": "b", "packages": ["six==1.17.0"], "index_url": "ftp://u:secret@mirror.example/simple"}, {},
     "refused: ftp://***@mirror.example/simple."),
    ({"name": "b", "packages": ["six==1.17.0"], "find_links": ["file:///srv/wheels"]}, {},
     "(find_links may also be absolute, normalised directories on the target); refused: file:///srv/wheels."),
    ({"name": "b", "packages": ["six==1.17.0"], "index_url": "http://idx.example/simple"}, {},
     "must be https:// URLs (http:// only with python_stack_allow_insecure_index: true) without"),
    ({"name": "b", "packages": ["six==1.17.0"], "extra_index_urls": ["https://other.example/simple"]},
     {"index_cache": {"https://pypi.org/simple": "http://cache:3141/root/pypi/+simple/"}},
     "it reads https://other.example/simple, which the fleet's package cache does not serve"),
    ({"name": "b"}, {}, "it has neither packages nor a lock_file."),
    ({"name": "b", "lock_file": "locks/b.txt"}, {},
     "its lock_file 'locks/b.txt' is a relative path: give the absolute path on the controller (such as "
     '"{{ playbook_dir }}/locks/b.txt").'),
    ({"name": "b", "lock_file": "/nonexistent/requirements.txt"}, {},
     "its lock_file '/nonexistent/requirements.txt' is not a file on the controller."),
    ({"name": "b", "python": "3.12.1", "packages": ["six==1.17.0"]}, {},
     "python '3.12.1' names a patch release, which only python_stack_python_source: uv can honour"),
])
def test_each_rule_names_the_problem(item, overrides, expected):
    found = problems({"name": "ok", "packages": ["six==1.17.0"]}, item, **overrides)
    assert len(found) == 1
    assert expected.replace("python_stack_envs[0]", "python_stack_envs[1]") in found[0]
    assert "secret" not in found[0]


def test_first_problem_only_and_items_named_by_place():
    found = problems({"name": "../x", "packages": ["numpy"]}, list_name="")
    assert found == ["Environment '../x' (python_stack_env) is invalid: its name must be letters, digits, '.', '_' or "
                     "'-' (it is a directory and a kernel name)."]


def test_offline_items_skip_the_cache_rule_and_insecure_is_opt_in():
    cache = {"https://pypi.org/simple": "http://cache:3141/root/pypi/+simple/"}
    item = {"name": "b", "packages": ["six==1.17.0"], "extra_index_urls": ["https://other.example/simple"]}
    assert problems({**item, "offline": True}, index_cache=cache) == []
    assert problems(item, offline=True, index_cache=cache) == []
    assert problems({"name": "b", "packages": ["six==1.17.0"], "index_url": "http://idx.example/simple"},
                    allow_insecure_index=True) == []
    assert problems({"name": "b", "python": "3.12.1", "packages": ["six==1.17.0"]}, python_source="uv") == []
