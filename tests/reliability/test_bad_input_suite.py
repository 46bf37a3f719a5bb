"""The bad-input suite, as `make reliability` runs it: every case of tests/integration/bad_input*.yml (the
suite `make test` runs, with its own test function) and of tests/reliability/bad_input_site_order.yml, in a
rel- container. Each must fail with its message, report no change, and leave /etc, /usr/local and dpkg's
status byte-identical.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import rel_container
from test_bad_input import CASES
from test_bad_input import test_bad_input_fails_before_any_change as check_bad_input

HERE = Path(__file__).resolve().parent
SITE_ORDER = yaml.safe_load((HERE / "bad_input_site_order.yml").read_text())


@pytest.fixture(scope="module")
def container():
    with rel_container("badinput") as name:
        yield name


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_bad_input(container, case, tmp_path, record_property):
    record_property("outcome", f"rejected with: {case['expect']}")
    check_bad_input(container, case, tmp_path)


# A fresh container for each: a case that fails after a change would leave it behind for the next one.
@pytest.mark.parametrize("case", SITE_ORDER, ids=[case["name"] for case in SITE_ORDER])
def test_site_rejects_before_any_role(case, tmp_path, record_property):
    record_property("outcome", f"rejected with: {case['expect']}")
    with rel_container("siteorder") as container:
        check_bad_input(container, case, tmp_path)
