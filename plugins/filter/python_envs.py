# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The python_stack role's environment items (python_stack_envs, python_stack_env): the checks its argument spec
cannot express (one message per invalid item, naming the item, the key and what to write instead), and what the
python_env module gets for each item (python_env_args)."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping

from ansible_collections.mlinabox.stack.plugins.filter.package_cache import index_via_cache, indexes_not_cached
from ansible_collections.mlinabox.stack.plugins.module_utils import input_checks

try:  # ansible-core depends on packaging; ansible-test's import check runs without it
    from packaging.markers import default_environment
    from packaging.requirements import InvalidRequirement, Requirement
except ImportError:  # pragma: no cover
    default_environment = InvalidRequirement = Requirement = None

LIST_KEYS = ("packages", "extra_index_urls", "find_links")
PYTHON = re.compile(r"^([0-9]+\.[0-9]+(\.[0-9]+)?)?\Z")
PYTHON_X_Y = re.compile(r"^([0-9]+\.[0-9]+)?\Z")


def _problem(item, where, rules):
    """The first problem of one item (every key filled in), or None. A URL is shown without its user:password@."""
    not_lists = [key for key in LIST_KEYS if not input_checks.is_list(item.get(key))]
    if not_lists:
        key = not_lists[0]
        return (f"{where}.{key} is {input_checks.json_masked(str(item[key]))}, not a list: write it as a YAML list "
                '([a, b] or one "- item" a line).')
    if not input_checks.SIMPLE_NAME.match(str(item["name"])):
        return "its name must be letters, digits, '.', '_' or '-' (it is a directory and a kernel name)."
    python = str(item["python"])
    if not PYTHON.match(python):
        return (f'python is {input_checks.to_json(item["python"])}; use X.Y such as "3.12", or "" for '
                "python_stack_python_version.")
    packages = [str(package) for package in item["packages"]]
    unpinned = [package for package in packages if not rules["pinned"].match(package)]
    if unpinned:
        return ("each top-level package must be pinned (name==version, a release series name==X.Y.*, name===version "
                f"or name @ URL); not pinned: {', '.join(input_checks.json_masked(package) for package in unpinned)}.")
    with_credentials = [input_checks.mask_userinfo(package) for package in packages
                        if rules["userinfo"].search(package)]
    if with_credentials:
        return (f"{where}.packages has a URL with credentials ({', '.join(with_credentials)}), which would be written "
                "to world-readable files (.mlbox-requirements.in, the freeze): serve the wheel from an index "
                "(index_url may hold credentials) or a wheelhouse directory instead.")
    indexes = ([item["index_url"]] if item["index_url"] else []) + list(item["extra_index_urls"])
    bad = [url for url in indexes if not rules["url"].match(url)]
    bad += [link for link in item["find_links"] if not rules["url"].match(link) and not rules["path"].match(link)]
    if bad:
        insecure = "" if rules["allow_insecure"] else " (http:// only with python_stack_allow_insecure_index: true)"
        return (f"{where}.index_url, extra_index_urls and find_links must be https:// URLs{insecure} without spaces or "
                "commas (find_links may also be absolute, normalised directories on the target); refused: "
                f"{', '.join(input_checks.mask_userinfo(url) for url in bad)}.")
    offline = rules["offline"] if item["offline"] is None else item["offline"]
    if not offline:
        uncached = indexes_not_cached([item["index_url"] or rules["index_url"], *item["extra_index_urls"]],
                                      rules["index_cache"])
        if uncached:
            return (f"it reads {', '.join(input_checks.mask_userinfo(url) for url in uncached)}, which the fleet's "
                    "package cache does not serve (python_stack_index_cache, set from package_cache_pypi_indexes when "
                    "package_cache_host is set): add the index to package_cache_pypi_indexes, for the cache host and "
                    "its clients.")
    lock = item["lock_file"]
    if not packages and not lock:
        return "it has neither packages nor a lock_file."
    if lock and not lock.startswith("/"):
        return (f"its lock_file '{lock}' is a relative path: give the absolute path on the controller (such as "
                f'"{{{{ playbook_dir }}}}/locks/{item["name"]}.txt").')
    if lock and not os.path.isfile(lock):
        return f"its lock_file '{lock}' is not a file on the controller."
    if rules["python_source"] != "uv" and not PYTHON_X_Y.match(python):
        return (f"python '{python}' names a patch release, which only python_stack_python_source: uv can honour; "
                "use X.Y with the system Python.")
    return None


def python_env_problems(envs, defaults, settings, list_name=""):
    """One message for each invalid item of envs, each item read over defaults.

    settings: the role's settings the rules need (python_source, offline, index_url, index_cache,
    allow_insecure_index) and its regular expressions (pinned, url, path; userinfo finds a package URL with
    credentials). list_name: the list the items come from (items are then named list_name[i]); empty for the one
    item python_stack_env.
    """
    rules = {
        "pinned": re.compile(settings["pinned_regex"]),
        "url": re.compile(settings["url_regex"]),
        "path": re.compile(settings["path_regex"]),
        "userinfo": re.compile(settings["userinfo_regex"]),
        "allow_insecure": bool(settings["allow_insecure_index"]),
        "offline": bool(settings["offline"]),
        "index_url": settings["index_url"],
        "index_cache": settings["index_cache"],
        "python_source": settings["python_source"],
    }
    problems = []
    for index, env in enumerate(envs):
        item = {**defaults, **env}
        where = f"{list_name}[{index}]" if list_name else "python_stack_env"
        problem = _problem(item, where, rules)
        if problem:
            problems.append(f"Environment '{item.get('name')}' ({where}) is invalid: {problem}")
    return problems


def python_requirement_problems(envs):
    """Each requirement of python_stack_envs parsed in full (PEP 508: name, extras, version or URL, environment
    markers) on the controller, with `packaging` (a dependency of ansible-core; the target may lack it): one sentence
    per requirement that does not parse, or whose marker cannot be evaluated, naming python_stack_envs[i].packages[j]
    and its environment. Items that are not mappings, and packages that are not lists, are python_env_problems'."""
    found = []
    for env, item in enumerate(envs if input_checks.is_list(envs) else []):
        packages = item.get("packages", []) if isinstance(item, Mapping) else []
        for index, text in enumerate(packages if input_checks.is_list(packages) else []):
            where = f"python_stack_envs[{env}].packages[{index}] (environment {item.get('name')})"
            try:
                requirement = Requirement(str(text))
                # A marker that parses but names an unknown variable fails only when evaluated.
                if requirement.marker is not None:
                    requirement.marker.evaluate(default_environment())
            except InvalidRequirement as error:
                detail = (str(error).splitlines() or ["?"])[0]
                found.append(f"{where} is '{text}', which is not a valid requirement (PEP 508): {detail}")
            except Exception as error:  # an evaluation error of any kind comes from the user's marker
                found.append(f"{where} is '{text}', whose environment marker cannot be evaluated: {error}")
    return found


def _x_y(version):
    """3.12.1 -> 3.12; anything else as it is."""
    return re.sub(r"^([0-9]+\.[0-9]+).*$", r"\1", version)


def python_env_args(envs, settings):
    """One python_env `environments` item for each environment item of envs (checked by python_env_problems), each
    read over settings["defaults"]: its directory, the spec it is built from (a change rebuilds it; URLs without
    their user:password@, which are no reason to rebuild), its Python, its requirements or lock file, and how uv
    finds packages for it (uv_secret_env: the indexes, wheelhouses, Python mirror and proxies, which may hold
    credentials and reach uv only through the module's no_log option).

    settings: the role's values (envs_dir, python_source, python_version, host_python (the Python a plan resolves
    for where the item and the role name none), offline, index_url, index_cache, find_links, user_packages,
    pip_version, python_install_mirror, uv_environment) and locks ({lock_file: its content, read on the
    controller}).
    """
    args = []
    for env in envs:
        item = {**settings["defaults"], **env}
        offline = bool(settings["offline"] if item["offline"] is None else item["offline"])
        python = item["python"] or settings["python_version"]
        index_url = item["index_url"] or settings["index_url"]
        find_links = list(settings["find_links"]) + list(item["find_links"])
        lock = settings["locks"][item["lock_file"]] if item["lock_file"] else ""
        packages = [package.strip() for package in item["packages"]]
        # pip comes too where users add packages of their own, unless the item pins pip itself or brings a lock
        # file (which must then hold pip).
        if (settings["user_packages"] and not item["lock_file"]
                and not any(re.match(r"(?i)pip[ \t]*[=@\[;]", package) for package in packages)):
            packages.append("pip==" + settings["pip_version"])
        cache = settings["index_cache"]
        mirror = settings["python_install_mirror"]
        secret = {"UV_PYTHON_INSTALL_MIRROR": mirror} if mirror else {}
        secret.update(settings["uv_environment"])
        if (index_url or cache) and not offline:
            secret["UV_INDEX_URL"] = index_via_cache(index_url, cache)
        if item["extra_index_urls"] and not offline:
            secret["UV_EXTRA_INDEX_URL"] = " ".join(index_via_cache(url, cache) for url in item["extra_index_urls"])
        if find_links:
            secret["UV_FIND_LINKS"] = ",".join(find_links)
        args.append({
            "path": f"{settings['envs_dir']}/{item['name']}",
            "spec": {
                "format": 1,
                "name": item["name"],
                "owner": item["owner"],
                "python_source": settings["python_source"],
                "python": python,
                # Sorted as Jinja's sort did when the spec was a template (case-insensitive): older specs compare equal.
                "packages": sorted(packages, key=str.lower),
                "index_url": "" if offline else input_checks.mask_userinfo(index_url),
                "extra_index_urls": [] if offline else input_checks.mask_userinfo(list(item["extra_index_urls"])),
                "find_links": input_checks.mask_userinfo(find_links),
                "offline": offline,
                "lock_sha256": hashlib.sha256(lock.encode("utf-8")).hexdigest() if item["lock_file"] else "",
            },
            "python_request": python,
            # What `uv venv --python` gets: the version for uv-managed Pythons, the system's interpreter otherwise.
            "interpreter": python if settings["python_source"] == "uv" else "/usr/bin/python" + (_x_y(python) or "3"),
            "python_version": _x_y(python or settings["host_python"]),
            "requirements": packages,
            "lock": lock,
            "uv_env": {"UV_OFFLINE": "1"} if offline else {},
            "uv_secret_env": secret,
            # Offline: no index at all, only the wheelhouse (uv has no environment variable for --no-index).
            "index_args": ["--no-index"] if offline else [],
            "kernel": bool(item["kernel"]),
            "kernel_display_name": item["kernel_display_name"],
        })
    return args


class FilterModule:
    def filters(self):
        return {"python_env_args": python_env_args,
                "python_env_problems": python_env_problems,
                "python_requirement_problems": python_requirement_problems}
