#!/usr/bin/python
# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: vendor_apt
short_description: Add vendor apt repositories and resolve package pins in a private apt state
version_added: "0.2.0"
description:
  - For each repository, downloads its key (or reads O(repositories[].key_file)), checks that a primary key with
    the pinned fingerprint is in it (in Python, no gpg) and keeps that key alone.
  - Reads every repository with its key in a private apt state (its own sources, keyrings, lists and cache under
    a temporary directory); nothing under C(/etc/apt) changes for that. With O(distribution_sources=true) the
    host's own sources (without those of the repositories given here) are read too, for distribution packages.
  - Resolves each pin of O(packages) against what the repositories have. A pin is an upstream version (the
    index supplies the packaging suffix, for example C(29.0.0) -> C(5:29.0.0-1~debian.12~bookworm)), a full apt
    version, or a glob. A pin that does not resolve fails the module before any change, naming the variable,
    what was asked and the nearest versions the repository has.
  - With O(simulate=true), simulates the installation of every package (C(apt-get -s install)) and returns the
    plan, every package that would be installed, upgraded, downgraded or removed, with its version, the
    repository it comes from and its download size.
  - With O(state=present), and only when all of the above succeeded, writes each repository's keyring and deb822
    source, and puts the package lists it read into apt's lists, so that no further C(apt-get update) is needed.
author:
  - ML in a Box developers (@mlinabox)
options:
  repositories:
    description: The vendor repositories.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The source's name; its file is C(/etc/apt/sources.list.d/<name>.sources).
        type: str
        required: true
      title:
        description: The repository's name in messages (default O(repositories[].name)).
        type: str
      uri:
        description: The repository's URI (a mirror keeps the vendor's layout).
        type: str
        required: true
      suites:
        description: The suites; C([/]) (the default) is a flat repository.
        type: list
        elements: str
        default: [/]
      components:
        description: The components (none for a flat repository).
        type: list
        elements: str
        default: []
      architectures:
        description: The architectures to read (default apt's own).
        type: list
        elements: str
        default: []
      key_url:
        description: Where to download the signing key (armored or binary). One of this and O(repositories[].key_file).
        type: str
      key_file:
        description: A key file on the host, instead of O(repositories[].key_url).
        type: path
      key_fingerprint:
        description: The primary key's fingerprint (40 or 64 hexadecimal digits, spaces allowed).
        type: str
        required: true
      keyring:
        description: Where the verified key is kept (armored for a name ending in C(.asc), binary otherwise).
        type: path
        required: true
      variables:
        description:
          - The names of the variables that set C(uri), C(key_url) and C(key_fingerprint), for messages.
        type: dict
        default: {}
  packages:
    description: The packages to resolve (and, with O(simulate), to plan).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The package name.
        type: str
        required: true
      version:
        description:
          - The pin. An upstream version (C(2.1.5)), a full apt version (C(1.19.0-1)) or a glob
            (C(8.2.4.15-*+cuda11.4)).
          - Empty or missing takes the candidate apt would choose (only with O(simulate)).
        type: str
      repository:
        description: The O(repositories[].name) the package must come from (default any source read).
        type: str
      variable:
        description: The variable that sets the pin, for messages.
        type: str
  state:
    description:
      - C(present) writes the keyrings and sources after everything resolved. C(resolved) writes nothing.
    type: str
    choices: [present, resolved]
    default: present
  distribution_sources:
    description: Read the host's other apt sources too (for distribution packages and dependencies).
    type: bool
    default: false
  simulate:
    description: Simulate the installation of O(packages) and return the plan (with dependencies and sizes).
    type: bool
    default: false
  install_recommends:
    description: Whether the simulated installation takes recommended packages (as apt does by default).
    type: bool
    default: true
  fail_on_unresolved:
    description: Fail when a pin does not resolve or the simulation fails; false returns them in RV(unresolved).
    type: bool
    default: true
  preferences:
    description:
      - apt preferences files the run will write or remove before it installs (for example a driver branch pin), by
        file name under C(/etc/apt/preferences.d), the text a file will hold (an empty string for a file the run
        removes). They replace the host's files of the same name in the private apt state only (for the resolution
        and the simulation); this module never writes them.
    type: dict
    default: {}
  cache:
    description:
      - An apt-cacher-ng cache, C(http://host:port), through which every repository and key is read and written to
        the sources (C(https://host/path) becomes C(<cache>/HTTPS///host/path), C(http://host/path)
        C(<cache>/host/path)). The key's fingerprint and the repository's signatures are still checked here, so the
        cache is not trusted. Empty (the default) reads them directly.
    type: str
    default: ""
  apt_root:
    description:
      - The host's apt configuration and state (C(<apt_root>/etc/apt), C(<apt_root>/var/lib/apt/lists)); for tests.
    type: path
    default: /
attributes:
  check_mode:
    description: Downloads, reads and resolves as in a real run, writes nothing, and reports what would change.
    support: full
  diff_mode:
    description: No diff.
    support: none
notes:
  - Runs C(apt-get) and C(apt-cache) with C(LANG=C), the host's apt configuration (proxy, preferences) and its
    dpkg status, but with private sources, lists and cache. The key is downloaded with Ansible's URL handling,
    which honours the play's C(http_proxy) and C(https_proxy).
  - Removing a repository is its role's uninstall step.
seealso:
  - module: ansible.builtin.deb822_repository
  - module: ansible.builtin.apt
"""

EXAMPLES = r"""
- name: Add Docker's repository and resolve the pinned versions
  mlinabox.stack.vendor_apt:
    repositories:
      - name: docker
        title: Docker CE
        uri: https://download.docker.com/linux/debian
        suites: [bookworm]
        components: [stable]
        architectures: [amd64]
        key_url: https://download.docker.com/linux/debian/gpg
        key_fingerprint: 9DC8 5822 9FC7 DD38 854A  E2D8 8D81 803C 0EBF CD88
        keyring: /etc/apt/keyrings/docker.asc
        variables: {uri: docker_repo_url, key_url: docker_repo_key_url, key_fingerprint: docker_repo_key_fingerprint}
    packages:
      - {name: docker-ce, version: "29.0.0", repository: docker, variable: docker_version}
      - {name: containerd.io, version: "2.1.5", repository: docker, variable: docker_containerd_version}
  register: docker_repo

- name: Install what resolved
  ansible.builtin.apt:
    name: "{{ docker_repo.versions | dict2items | map(attribute='key')
              | zip(docker_repo.versions.values()) | map('join', '=') }}"

- name: Plan a run without changing anything (with distribution packages and dependencies)
  mlinabox.stack.vendor_apt:
    repositories: "{{ all_repositories }}"
    packages: "{{ all_packages }}"
    state: resolved
    distribution_sources: true
    simulate: true
"""

RETURN = r"""
versions:
  description: The resolved apt version of each pinned package.
  returned: always
  type: dict
  sample: {docker-ce: "5:29.0.0-1~debian.12~bookworm", containerd.io: "2.1.5-1~debian.12~bookworm"}
available:
  description: Every version each requested package has in the sources read (newest first), by package.
  returned: always
  type: dict
requested:
  description:
    - The packages as given, each with C(name), C(version) (the pin), C(repository), C(variable) and C(resolved),
      the resolved pin, the version the plan installs, or the installed version (empty when none of these).
  returned: always
  type: list
  elements: dict
unresolved:
  description: The pins that did not resolve (only with O(fail_on_unresolved=false)), each with its message.
  returned: always
  type: list
  elements: dict
plan:
  description:
    - With O(simulate), what apt would do, in order, each with C(action) (install, upgrade, downgrade, reinstall,
      remove), C(package), C(version), C(current), C(release), C(arch), C(size) (bytes, or null) and C(requested).
  returned: always
  type: list
  elements: dict
download_size:
  description: The sum of the plan's download sizes in bytes.
  returned: always
  type: int
simulation_error:
  description: apt's message when the simulation failed (only with O(fail_on_unresolved=false)).
  returned: always
  type: str
repositories:
  description:
    - Each repository with C(name), C(title), C(uri) (without credentials), C(suites), C(components), C(source_file),
      C(keyring), C(fingerprint) and C(changed).
  returned: always
  type: list
  elements: dict
lists_pending:
  description:
    - True in check mode when a keyring or source of O(state=present) is not yet in place as given. The real run
      writes it and puts the lists it read into apt's; until then apt on the host does not know the packages of
      that repository, or knows them from another source, and cannot judge their install.
  returned: always
  type: bool
"""

import glob
import os
import re
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import fetch_url
from ansible_collections.mlinabox.stack.plugins.module_utils.apt_state import (
    KeyFormatError,
    apt_cache_problem,
    failing_repositories,
    keyring_bytes,
    list_file_prefix,
    name_stem,
    nearest_siblings,
    nearest_versions,
    normalise_fingerprint,
    parse_dpkg_status,
    parse_madison,
    parse_print_uris,
    parse_simulation,
    resolve_pin,
    select_key,
    size_of,
    sort_debian_versions,
    uri_problem,
    via_apt_cache,
)
from ansible_collections.mlinabox.stack.plugins.module_utils.binaries import C_LOCALE
from ansible_collections.mlinabox.stack.plugins.module_utils.files import replace_file
from ansible_collections.mlinabox.stack.plugins.module_utils.input_checks import mask_userinfo


def source_text(repo, keyring):
    """A deb822 source for `repo` whose signature is checked with `keyring`: the same fields, in the same order,
    as ansible.builtin.deb822_repository writes them (its sorted option names), so that a source it wrote is
    taken over without a change."""
    fields = [
        ("Architectures", " ".join(repo["architectures"])),
        ("Components", " ".join(repo["components"])),
        ("X-Repolib-Name", repo["name"]),
        ("Signed-By", keyring),
        ("Suites", " ".join(repo["suites"])),
        ("Types", "deb"),
        ("URIs", repo["uri"]),
    ]
    return "".join(f"{name}: {value}\n" for name, value in fields if value)


def variable(repo, key, default):
    return repo["variables"].get(key) or default


def in_repository(entries, repo):
    """apt-cache madison's (version, where) entries that come from `repo` (all of them when it is None)."""
    return [entry for entry in entries if repo is None or entry[1].startswith(repo["uri"])]


class VendorApt:
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.root = self.params["apt_root"]
        self.etc = os.path.join(self.root, "etc/apt")
        self.lists = os.path.join(self.root, "var/lib/apt/lists")
        self.repos = []
        problem = apt_cache_problem(self.params["cache"])
        if problem:
            module.fail_json(msg=f"The apt cache {self.params['cache']!r} {problem}. Nothing was changed.")
        for given in self.params["repositories"]:
            repo = dict(given)
            repo["title"] = repo.get("title") or repo["name"]
            repo["uri"] = repo["uri"].rstrip("/")
            repo["source_file"] = os.path.join(self.etc, "sources.list.d", repo["name"] + ".sources")
            repo["fingerprint"] = normalise_fingerprint(repo["key_fingerprint"])
            for key in ("uri", "key_url"):
                problem = uri_problem(repo[key]) if repo.get(key) else ""
                if problem:
                    module.fail_json(msg=f"{variable(repo, key, key)} of {repo['title']} ({mask_userinfo(repo[key])}) "
                                         f"{problem}. Nothing was changed.")
                if repo.get(key):
                    repo[key] = via_apt_cache(repo[key], self.params["cache"])
            self.repos.append(repo)
        for name in self.params["preferences"]:
            if not re.match(r"^[A-Za-z0-9_.-]+$", name) or ("." in name and not name.endswith(".pref")):
                module.fail_json(msg=f"preferences: {name!r} is not a file name apt reads from preferences.d (letters, "
                                     "digits, '_', '-' and '.', no extension or .pref).")
        self.tmp = None
        self.apt_get = module.get_bin_path("apt-get", required=True)
        self.apt_cache = module.get_bin_path("apt-cache", required=True)

    # ---------------------------------------------------------------- the private apt state
    def options(self):
        return [
            "-o", "Dir::Etc::SourceList=" + os.path.join(self.tmp, "sources.list"),
            "-o", "Dir::Etc::SourceParts=" + os.path.join(self.tmp, "sources.list.d"),
            "-o", "Dir::State::Lists=" + os.path.join(self.tmp, "lists"),
            "-o", "Dir::Cache=" + os.path.join(self.tmp, "cache"),
            "-o", "Dir::Etc::Preferences=" + os.path.join(self.etc, "preferences"),
            "-o", "Dir::Etc::PreferencesParts=" + os.path.join(self.tmp, "preferences.d"),
            "-o", "Dir::State::status=" + os.path.join(self.root, "var/lib/dpkg/status"),
            "-o", "Debug::NoLocking=true",
            "-o", "APT::Sandbox::User=root",
            "-o", "Acquire::Languages=none",
            *self.cache_options(),
        ]

    def cache_options(self):
        """With a cache, the host's own http:// sources are read through it too (as preflight_apt_cache will make
        apt do), even before preflight has written that setting: a host behind the cache may reach nothing else."""
        cache = self.params["cache"].rstrip("/")
        if not cache:
            return []
        host = cache.split("://", 1)[1].rsplit(":", 1)[0]
        return ["-o", "Acquire::http::Proxy=" + cache + "/", "-o", "Acquire::http::Proxy::" + host + "=DIRECT"]

    def run(self, argv):
        return self.module.run_command(argv, environ_update=dict(C_LOCALE, DEBIAN_FRONTEND="noninteractive"))

    def fail(self, msg, **extra):
        self.cleanup()
        self.module.fail_json(msg=msg, changed=False, **extra)

    def cleanup(self):
        if self.tmp and os.path.isdir(self.tmp):
            shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp = None

    # ---------------------------------------------------------------- keys
    def read_key(self, repo):
        title = repo["title"]
        if repo.get("key_file"):
            try:
                with open(repo["key_file"], "rb") as handle:
                    return handle.read()
            except OSError as err:
                self.fail(f"Could not read the key file {repo['key_file']} for {title}: {err}. Nothing was changed.")
        if not repo.get("key_url"):
            self.fail(f"{title}: neither key_url nor key_file is set.")
        response, info = fetch_url(self.module, repo["key_url"], timeout=30)
        if response is None or info.get("status") != 200:
            self.fail(
                f"Could not download the key of {title} from {variable(repo, 'key_url', 'key_url')} "
                f"({mask_userinfo(repo['key_url'])}): {info.get('msg', 'no answer')}. Check the URL, the network and "
                "the proxy (the download honours the play's http_proxy/https_proxy environment). Nothing was changed."
            )
        return response.read()

    def verify_key(self, repo, data):
        title, fpr, fpr_var = repo["title"], repo["fingerprint"], variable(repo, "key_fingerprint", "key_fingerprint")
        url_var = variable(repo, "key_url", "key_url")
        if not (len(fpr) in (40, 64) and all(c in "0123456789ABCDEF" for c in fpr)):
            self.fail(f"{fpr_var} is {repo['key_fingerprint']!r}, which is not a full fingerprint (40 or 64 "
                      "hexadecimal digits, spaces allowed). Nothing was changed.")
        where = mask_userinfo(repo.get("key_url") or repo.get("key_file") or "")
        try:
            key, found = select_key(data, fpr)
        except KeyFormatError as err:
            self.fail(f"The key of {title} from {url_var} ({where}) is not an OpenPGP public key: {err}. "
                      f"Nothing was changed. Check {url_var}.")
        if key is None:
            self.fail(
                f"The key of {title} from {url_var} ({where}) has the primary key fingerprint(s) {', '.join(found)}, "
                f"but {fpr_var} is {fpr}. The key was not installed and nothing was changed. Check {url_var}, or set "
                f"{fpr_var} to the fingerprint that the repository's owner publishes."
            )
        return key

    # ---------------------------------------------------------------- sources and lists
    def host_source_files(self):
        """The host's source files, without those of the repositories here (by file or by URI)."""
        uris = [repo["uri"] for repo in self.repos]
        own = [repo["source_file"] for repo in self.repos]
        files = [os.path.join(self.etc, "sources.list")]
        files += sorted(glob.glob(os.path.join(self.etc, "sources.list.d", "*.list")))
        files += sorted(glob.glob(os.path.join(self.etc, "sources.list.d", "*.sources")))
        kept = []
        for path in files:
            if path in own or not os.path.isfile(path):
                continue
            with open(path, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
            if any(uri in text for uri in uris):
                continue
            kept.append(path)
        return kept

    def prepare(self):
        self.tmp = tempfile.mkdtemp(prefix="mlbox-apt.")
        for sub in ("sources.list.d", "preferences.d", "keys", "lists/partial", "cache/archives/partial"):
            os.makedirs(os.path.join(self.tmp, sub))
        # The host's preferences, with those the run will write or remove in their place.
        host_parts = os.path.join(self.etc, "preferences.d")
        for name in sorted(os.listdir(host_parts)) if os.path.isdir(host_parts) else []:
            if os.path.isfile(os.path.join(host_parts, name)) and name not in self.params["preferences"]:
                shutil.copyfile(os.path.join(host_parts, name), os.path.join(self.tmp, "preferences.d", name))
        for name, text in self.params["preferences"].items():
            if text:
                with open(os.path.join(self.tmp, "preferences.d", name), "w", encoding="utf-8") as handle:
                    handle.write(text if text.endswith("\n") else text + "\n")
        with open(os.path.join(self.tmp, "sources.list"), "w", encoding="utf-8") as handle:
            handle.write("")
        if self.params["distribution_sources"]:
            for index, path in enumerate(self.host_source_files()):
                name = os.path.basename(path)
                if path == os.path.join(self.etc, "sources.list"):
                    shutil.copyfile(path, os.path.join(self.tmp, "sources.list"))
                else:
                    shutil.copyfile(path, os.path.join(self.tmp, "sources.list.d", f"{index:02d}-{name}"))
        for repo in self.repos:
            trial_key = os.path.join(self.tmp, "keys", repo["name"] + ".gpg")
            with open(trial_key, "wb") as handle:
                handle.write(repo["key"])
            with open(os.path.join(self.tmp, "sources.list.d", "vendor-{}.sources".format(repo["name"])), "w",
                      encoding="utf-8") as handle:
                handle.write(source_text(repo, trial_key))
        # The host's lists for the same sources make the update a conditional fetch (If-Modified-Since).
        self.copy_lists(self.lists, os.path.join(self.tmp, "lists"), everything=self.params["distribution_sources"])

    def copy_lists(self, source_dir, dest_dir, everything=False):
        if not os.path.isdir(source_dir):
            return
        prefixes = tuple(list_file_prefix(repo["uri"]) for repo in self.repos)
        for name in os.listdir(source_dir):
            path = os.path.join(source_dir, name)
            if name == "lock" or not os.path.isfile(path) or not (everything or name.startswith(prefixes)):
                continue
            target = os.path.join(dest_dir, name)
            if os.path.isfile(target) and os.path.getsize(target) == os.path.getsize(path):
                with open(target, "rb") as old, open(path, "rb") as new:
                    if old.read() == new.read():
                        continue
            shutil.copy2(path, target)

    def update(self):
        argv = [self.apt_get, "update", "-q", *self.options(), "-o", "APT::Update::Error-Mode=any"]
        rc, out, err = self.run(argv)
        if rc == 0:
            return
        lines = [line.strip() for line in err.splitlines()]
        problems = " ".join(line for line in lines if line[:2] in ("E:", "W:")) or err.strip()
        named = failing_repositories(err + out, [repo["uri"] for repo in self.repos])
        messages = [
            f"{repo['title']} at {mask_userinfo(repo['uri'])} ({' '.join(repo['suites'] + repo['components'])}) "
            f"could not be read with the key {repo['fingerprint']}. Check {variable(repo, 'uri', 'its URI')} "
            f"(and the network or proxy); if the repository is signed by another key, set "
            f"{variable(repo, 'key_url', 'key_url')} and {variable(repo, 'key_fingerprint', 'key_fingerprint')} "
            "to that key."
            for repo in self.repos if repo["uri"] in named
        ] or ["The host's apt sources could not be read (check the distribution mirror and the proxy)."]
        self.fail(" ".join(messages) + " apt said: " + problems + " Nothing under /etc/apt was changed.",
                  apt_stderr=err)

    # ---------------------------------------------------------------- pins
    def resolve(self):
        packages = self.params["packages"]
        repos = dict((repo["name"], repo) for repo in self.repos)
        names = sorted(set(pkg["name"] for pkg in packages))
        available = {}
        if names:
            rc, out, err = self.run([self.apt_cache, *self.options(), "madison", *names])
            if rc != 0 and not out:
                self.fail(f"apt-cache madison failed: {err.strip()}")
            available = parse_madison(out)
        versions, unresolved, listing = {}, [], {}
        for pkg in packages:
            name, pin = pkg["name"], (pkg.get("version") or "").strip()
            repo = repos.get(pkg.get("repository")) if pkg.get("repository") else None
            if pkg.get("repository") and repo is None:
                self.fail(f"packages: {name} names the repository {pkg['repository']}, which is not among the "
                          "repositories.")
            entries = in_repository(available.get(name, []), repo)
            found = sort_debian_versions(set(version for version, _where in entries), reverse=True)
            listing[name] = found
            where = ("{} ({})".format(repo["title"], mask_userinfo(repo["uri"]))) if repo else "the apt sources read"
            what = pkg.get("variable") or ("the pin of " + name)
            if not found:
                siblings = self.siblings(name, repo)
                family = ", ".join(f"{version} ({sibling})" for sibling, version in siblings)
                family_note = f"; the nearest versions there are {family}." if family else "."
                unresolved.append({
                    "package": name, "version": pin, "variable": pkg.get("variable"),
                    "nearest": [f"{sibling}={version}" for sibling, version in siblings],
                    "msg": f"{what}: {where} has no package {name}{family_note}",
                })
                continue
            if not pin:
                continue
            resolved = resolve_pin(pin, found)
            if resolved is None:
                nearest = nearest_versions(pin, found)
                unresolved.append({
                    "package": name, "version": pin, "variable": pkg.get("variable"), "nearest": nearest,
                    "msg": f"{what}: {name}={pin} is not in {where}; the nearest versions there are "
                           f"{', '.join(nearest)} ({len(found)} in all).",
                })
                continue
            versions[name] = resolved
        return versions, unresolved, listing

    def siblings(self, name, repo):
        """The packages of the same family as a missing one (cuda-toolkit-12-9: cuda-toolkit-12-8, -13-0), nearest
        first, with their newest versions (in `repo` when one is named)."""
        stem = name_stem(name)
        if stem is None:
            return []
        rc, out, _err = self.run([self.apt_cache, *self.options(), "pkgnames", stem + "-"])
        names = sorted(set(line.strip() for line in out.splitlines() if name_stem(line.strip()) == stem))[:200]
        if rc != 0 or not names:
            return []
        _rc, out, _err = self.run([self.apt_cache, *self.options(), "madison", *names])
        newest = {}
        for sibling, entries in parse_madison(out).items():
            versions = set(version for version, _where in in_repository(entries, repo))
            if versions:
                newest[sibling] = sort_debian_versions(versions, reverse=True)[0]
        return nearest_siblings(name, newest)

    def installed(self):
        try:
            with open(os.path.join(self.root, "var/lib/dpkg/status"), encoding="utf-8", errors="replace") as handle:
                return parse_dpkg_status(handle.read())
        except OSError:
            return {}

    def requested(self, versions, plan):
        """The packages as asked, each with the version the run would leave: the resolved pin, what the plan
        installs, or what is installed."""
        installed, planned = self.installed(), dict((row["package"], row["version"]) for row in plan)
        rows = []
        for pkg in self.params["packages"]:
            name = pkg["name"]
            resolved = versions.get(name) or planned.get(name) or installed.get(name, {}).get("version", "")
            rows.append(dict(name=name, version=pkg.get("version") or "", repository=pkg.get("repository") or "",
                             variable=pkg.get("variable") or "", resolved=resolved))
        return rows

    def simulate(self, versions):
        # An unpinned package that is installed stays as it is (as ansible.builtin.apt's state: present leaves it);
        # apt-get install would upgrade it.
        installed = self.installed()
        requested = []
        for pkg in self.params["packages"]:
            if pkg["name"] not in versions and pkg["name"] in installed:
                continue
            spec = pkg["name"] + ("=" + versions[pkg["name"]] if pkg["name"] in versions else "")
            if spec not in requested:
                requested.append(spec)
        if not requested:
            return [], None
        common = [self.apt_get, "install", "-y", "--allow-downgrades", "--allow-change-held-packages",
                  "-o", "APT::Install-Recommends=" + ("true" if self.params["install_recommends"] else "false")]
        rc, out, err = self.run([*common[:2], "-s", "-q", *common[2:], *self.options(), *requested])
        if rc != 0:
            lines = [line.strip() for line in (out + "\n" + err).splitlines()
                     if line.strip() and not line.startswith(("Reading", "Building", "NOTE", "This is only"))]
            return [], "apt cannot install {} together: {}".format(", ".join(requested), " ".join(lines[-12:]))
        plan = parse_simulation(out)
        if not plan:
            # Everything asked for is installed at the version asked: nothing to download, nothing to size.
            return [], None
        rc, out, _err = self.run([*common, "--print-uris", "-qq", *self.options(), *requested])
        sizes = parse_print_uris(out) if rc == 0 else {}
        asked = set(spec.split("=", 1)[0] for spec in requested)
        for row in plan:
            row["size"] = size_of(sizes, row["package"], row["version"]) if row["action"] != "remove" else None
            row["requested"] = row["package"] in asked
        return plan, None

    # ---------------------------------------------------------------- writing
    def write(self, path, data, mode):
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                if handle.read() == data:
                    return False
        if not self.module.check_mode:
            parent = os.path.dirname(path)
            if not os.path.isdir(parent):
                os.makedirs(parent, 0o755)
            replace_file(path, data, mode)
        return True

    @staticmethod
    def describe(repo, changed):
        return dict(name=repo["name"], title=repo["title"], uri=mask_userinfo(repo["uri"]), suites=repo["suites"],
                    components=repo["components"], source_file=repo["source_file"], keyring=repo["keyring"],
                    fingerprint=repo["fingerprint"], changed=changed)

    def install_sources(self):
        results = []
        for repo in self.repos:
            changed = self.write(repo["keyring"], keyring_bytes(repo["key"], repo["keyring"]), 0o644)
            source = source_text(repo, repo["keyring"]).encode("utf-8")
            changed = self.write(repo["source_file"], source, 0o644) or changed
            results.append(self.describe(repo, changed))
        if not self.module.check_mode:
            # The lists that the trial read are apt's cache for these sources: apt needs no update to use them.
            os.makedirs(self.lists, exist_ok=True)
            self.copy_lists(os.path.join(self.tmp, "lists"), self.lists)
        return results

    def main(self):
        for repo in self.repos:
            repo["key"] = self.verify_key(repo, self.read_key(repo))
        self.prepare()
        try:
            self.update()
            versions, unresolved, listing = self.resolve()
            plan, simulation_error = [], None
            if self.params["simulate"] and not unresolved:
                plan, simulation_error = self.simulate(versions)
            result = dict(changed=False, versions=versions, available=listing, unresolved=unresolved, plan=plan,
                          requested=self.requested(versions, plan),
                          download_size=sum(row.get("size") or 0 for row in plan),
                          simulation_error=simulation_error or "", repositories=[])
            if (unresolved or simulation_error) and self.params["fail_on_unresolved"]:
                messages = [item["msg"] for item in unresolved] + ([simulation_error] if simulation_error else [])
                self.fail("Nothing was changed: " + " ".join(messages), **dict(
                    (key, value) for key, value in result.items() if key != "changed"))
            if self.params["state"] == "present" and not unresolved and not simulation_error:
                result["repositories"] = self.install_sources()
                result["changed"] = any(item["changed"] for item in result["repositories"])
            else:
                result["repositories"] = [self.describe(repo, False) for repo in self.repos]
            result["lists_pending"] = self.module.check_mode and result["changed"]
            return result
        finally:
            self.cleanup()


def main():
    repo_spec = dict(
        name=dict(type="str", required=True),
        title=dict(type="str"),
        uri=dict(type="str", required=True),
        suites=dict(type="list", elements="str", default=["/"]),
        components=dict(type="list", elements="str", default=[]),
        architectures=dict(type="list", elements="str", default=[]),
        key_url=dict(type="str", no_log=False),
        key_file=dict(type="path"),
        key_fingerprint=dict(type="str", required=True, no_log=False),
        keyring=dict(type="path", required=True, no_log=False),
        variables=dict(type="dict", default={}),
    )
    package_spec = dict(
        name=dict(type="str", required=True),
        version=dict(type="str"),
        repository=dict(type="str"),
        variable=dict(type="str"),
    )
    module = AnsibleModule(
        argument_spec=dict(
            repositories=dict(type="list", elements="dict", options=repo_spec, default=[]),
            packages=dict(type="list", elements="dict", options=package_spec, default=[]),
            state=dict(type="str", choices=["present", "resolved"], default="present"),
            distribution_sources=dict(type="bool", default=False),
            simulate=dict(type="bool", default=False),
            install_recommends=dict(type="bool", default=True),
            fail_on_unresolved=dict(type="bool", default=True),
            preferences=dict(type="dict", default={}),
            cache=dict(type="str", default=""),
            apt_root=dict(type="path", default="/"),
        ),
        supports_check_mode=True,
    )
    module.exit_json(**VendorApt(module).main())


if __name__ == "__main__":
    main()
