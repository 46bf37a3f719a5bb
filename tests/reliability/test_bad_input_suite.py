"""The bad-input suite, as `make reliability` runs it: every case of tests/integration/bad_input*.yml (the
suite `make test` runs, with its own test function), in a rel- container. Each must fail with its message,
report no change, and leave /etc, /usr/local and dpkg's status byte-identical. (The site.yml cases for roles
that run late are in tests/integration/bad_input_site.yml, since site.yml checks every role's inputs first.)
"""

from __future__ import annotations

import pytest
from conftest import rel_container
from test_bad_input import CASES
from test_bad_input import test_bad_input_fails_before_any_change as check_bad_input


@pytest.fixture(scope="module")
def container():
    with rel_container("badinput") as name:
        yield name


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_bad_input(container, case, tmp_path, record_property):
    record_property("outcome", f"rejected with: {case['expect']}")
    check_bad_input(container, case, tmp_path)
