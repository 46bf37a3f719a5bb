# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The filter rapids_problems (the rapids role's input checks, its `inputs` entry point), with the role's defaults
read from roles/rapids/defaults/main.yml. tests/integration/bad_input_rapids_h2o.yml and bad_input_site.yml run
the same messages through the role."""

from __future__ import annotations

import pytest
from ansible_collections.mlinabox.stack.plugins.filter.rapids_checks import rapids_problems
from conftest import assert_one_problem, role_yaml

DEFAULTS = role_yaml("rapids")
INPUTS = {key: DEFAULTS[key] for key in (
    "rapids_version", "rapids_cuda_version", "rapids_driver_version", "rapids_libraries", "rapids_extra_libraries",
    "rapids_extra_packages", "rapids_extra_index_urls")}


def problems(**inputs):
    return rapids_problems({**INPUTS, **inputs}, {"variant": "cu13"})


def test_valid_inputs_have_no_problem():
    assert problems() == []
    assert problems(rapids_cuda_version=12.8, rapids_driver_version="580.95.05", rapids_extra_libraries=["cugraph"],
                    rapids_extra_index_urls=["https://tok@pypi.example.com:65535/simple", "http://[::1]:8080/x",
                                             "http://10.0.0.1/simple"]) == []
    assert problems(rapids_driver_version=535, rapids_extra_index_urls=[]) == []


@pytest.mark.parametrize(("inputs", "expected"), [
    ({"rapids_version": "26.10.2"},
     "rapids_version is '26.10.2': use a release series YY.MM such as \"26.10\" (the libraries are pinned to "
     "<name>-cuXX==YY.MM.*)."),
    ({"rapids_version": "26.10\n"}, "rapids_version is '26.10\n': use a release series"),
    ({"rapids_cuda_version": "13"},
     "rapids_cuda_version is '13': use the CUDA version the wheels are for, such as \"12.8\" or \"13.0\" (quoted)."),
    ({"rapids_driver_version": "58"},
     "rapids_driver_version is '58': use a driver branch such as 580, a version such as 580.95.05, or \"\" for the "
     "running driver."),
    ({"rapids_extra_index_urls": "https://pypi.nvidia.com https://mirror.example.com/simple"},
     'rapids_extra_index_urls is the string "https://pypi.nvidia.com https://mirror.example.com/simple", not a list: '
     'give a YAML list, one item each, such as rapids_extra_index_urls: ["https://pypi.nvidia.com", '
     '"https://mirror.example.com/simple"]. The list inputs must be lists.'),
    ({"rapids_libraries": []},
     "rapids_libraries is empty: list the RAPIDS libraries to install, at least [cudf, cuml], or turn the role off."),
    ({"rapids_libraries": ["cudf-cu12", "cuml"], "rapids_extra_libraries": ["cuGraph"]},
     "rapids_libraries / rapids_extra_libraries name cuGraph, cudf-cu12: give plain library names such as cudf, cuml "
     "or cugraph, without version or -cuXX suffix (the role adds -cu13==26.10.*)."),
    ({"rapids_extra_index_urls": ["file:///srv/wheels", "https://pypi.nvidia.com\n"]},
     'rapids_extra_index_urls has "file:///srv/wheels", "https://pypi.nvidia.com\\n": use plain https:// (or a '
     "mirror's http://) index URLs, with a host, an optional port 1-65535 and a path, and no spaces, newlines or "
     "other characters outside printable ASCII (file:// is not accepted), such as https://pypi.nvidia.com, or [] for "
     "PyPI alone."),
    ({"rapids_extra_index_urls": ["https://pypi.example.com:0/simple"]},
     'rapids_extra_index_urls has "https://pypi.example.com:0/simple"'),
    ({"rapids_extra_index_urls": ["https:///simple"]}, 'rapids_extra_index_urls has "https:///simple"'),
    ({"rapids_extra_index_urls": ["https://pypi.example.com:65536/simple"]}, "rapids_extra_index_urls has"),
    ({"rapids_extra_index_urls": ["https://pypi.example.com/a b"]}, "rapids_extra_index_urls has"),
])
def test_each_rule_names_the_problem(inputs, expected):
    found = problems(**inputs)
    assert_one_problem(found, expected)


def test_independent_problems_are_all_reported():
    found = problems(rapids_version="26", rapids_cuda_version="x", rapids_driver_version="1",
                     rapids_extra_libraries=["cudf-cu13"], rapids_extra_index_urls=["pypi.nvidia.com"],
                     rapids_extra_packages="pandas==3.0.6")
    assert [message.split(" ")[0] for message in found] == [
        "rapids_version", "rapids_cuda_version", "rapids_driver_version", "rapids_extra_packages", "rapids_libraries",
        "rapids_extra_index_urls"]


@pytest.mark.parametrize("inputs", [
    {"rapids_libraries": "cudf cuml", "rapids_extra_index_urls": "https://pypi.nvidia.com"},
    {"rapids_version": 26.1, "rapids_cuda_version": None, "rapids_driver_version": None},
    {"rapids_libraries": [None, 3], "rapids_extra_index_urls": [None, {"url": "x"}]},
    {"rapids_extra_libraries": {"a": 1}},
])
def test_wrong_types_are_reported_without_an_exception(inputs):
    assert problems(**inputs)


def test_a_string_list_skips_the_rules_that_read_it():
    found = problems(rapids_libraries="cudf-cu12 cuml", rapids_extra_index_urls="pypi.nvidia.com")
    assert len(found) == 1
    assert found[0].startswith('rapids_libraries is the string "cudf-cu12 cuml", not a list')
