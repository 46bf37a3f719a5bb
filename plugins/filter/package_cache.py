# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters that route downloads through the fleet's package cache (roles/package_cache)."""

from __future__ import annotations

from ansible_collections.mlinabox.stack.plugins.module_utils.apt_state import apt_cache_problem, via_apt_cache

PYPI = "https://pypi.org/simple"


def apt_via_cache(uri, cache=""):
    """An apt repository's URI as the apt cache `cache` serves it (unchanged when `cache` is empty)."""
    problem = apt_cache_problem(cache)
    if problem:
        # A ValueError, not AnsibleFilterError: importing ansible.errors in this module would load the controller's
        # display, which changes how the unit tests of the modules see their warnings. Ansible shows the message.
        raise ValueError(f"apt_via_cache: the cache {cache!r} {problem}")
    return via_apt_cache(str(uri), cache)


def index_key(url):
    """How an index URL is looked up in a cache's table: PyPI for an empty URL, no trailing slash."""
    return (str(url or "").strip() or PYPI).rstrip("/")


def index_via_cache(url, routes=None):
    """A Python package index URL as the cache serves it: `routes` maps upstream index URLs (compared without a
    trailing slash; an empty URL is PyPI) to the cache's URL for each. A URL the table lacks is returned as it is
    (python_stack's checks refuse that before anything changes); with no table, the URL is returned as it is."""
    if not routes:
        return url
    table = {index_key(upstream): cached for upstream, cached in dict(routes).items()}
    return table.get(index_key(url), url)


def indexes_not_cached(urls, routes=None):
    """The index URLs among `urls` that `routes` has no cache for, as index_key writes them (an empty URL is PyPI);
    [] when there is no table at all (no cache: every index is read directly)."""
    if not routes:
        return []
    table = {index_key(upstream) for upstream in dict(routes)}
    return [index_key(url) for url in urls if index_key(url) not in table]


class FilterModule:
    def filters(self):
        return {"apt_via_cache": apt_via_cache, "index_via_cache": index_via_cache,
                "indexes_not_cached": indexes_not_cached}
