"""Unit tests of the filters that route downloads through the fleet's package cache."""

from __future__ import annotations

import pytest
from ansible_collections.mlinabox.stack.plugins.filter import package_cache

ROUTES = {"https://pypi.org/simple/": "http://c:3141/index/", "https://download.pytorch.org/whl/cpu": "http://c:3143/index/"}


@pytest.mark.parametrize("url, expected", [
    ("", "http://c:3141/index/"),
    ("https://pypi.org/simple", "http://c:3141/index/"),
    ("https://download.pytorch.org/whl/cpu/", "http://c:3143/index/"),
    ("https://pypi.nvidia.com", "https://pypi.nvidia.com"),
])
def test_index_via_cache(url, expected):
    assert package_cache.index_via_cache(url, ROUTES) == expected
    assert package_cache.index_via_cache(url, {}) == url


def test_indexes_not_cached():
    urls = ["", "https://download.pytorch.org/whl/cpu/", "https://pypi.nvidia.com/"]
    assert package_cache.indexes_not_cached(urls, ROUTES) == ["https://pypi.nvidia.com"]
    assert package_cache.indexes_not_cached(urls, {"https://pypi.nvidia.com": "x"}) == [
        "https://pypi.org/simple", "https://download.pytorch.org/whl/cpu"]
    assert package_cache.indexes_not_cached(urls, {}) == []


def test_apt_via_cache_routes_https_through_the_remap():
    assert (package_cache.apt_via_cache("https://dl.google.com/linux/chrome/deb/", "http://c:3142")
            == "http://c:3142/HTTPS///dl.google.com/linux/chrome/deb/")


def test_apt_via_cache_refuses_a_cache_that_is_not_host_and_port():
    with pytest.raises(ValueError, match="is not an apt cache's address"):
        package_cache.apt_via_cache("http://deb.debian.org/debian", "https://c:3142")


def test_the_filters_are_registered():
    assert set(package_cache.FilterModule().filters()) == {"apt_via_cache", "index_via_cache", "indexes_not_cached"}
