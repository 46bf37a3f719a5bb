"""tests/reliability/security_classes.yml names cases that exist: a bad-input case of the tables, or a test of
tests/reliability/test_security.py with its parameter (a renamed case would silently drop out of the report)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CLASSES = yaml.safe_load((REPO / "tests" / "reliability" / "security_classes.yml").read_text())
TABLE_CASES = {case["name"] for table in (REPO / "tests" / "integration").glob("bad_input*.yml")
               for case in yaml.safe_load(table.read_text())}
SECURITY = (REPO / "tests" / "reliability" / "test_security.py").read_text()
ENTRIES = [entry for item in CLASSES for entry in item["cases"]]


def test_every_class_has_cases_and_a_fix():
    assert len(CLASSES) == 8
    for item in CLASSES:
        assert item["class"] and len(item["fix"]) > 40 and len(item["cases"]) >= 3, item["class"]


@pytest.mark.parametrize("entry", ENTRIES, ids=[str(e) for e in ENTRIES])
def test_case_exists(entry):
    if isinstance(entry, str):
        assert entry in TABLE_CASES, f"no bad-input case named {entry!r}"
        return
    function, _sep, param = entry["security"].partition("[")
    assert f"def {function}(" in SECURITY, f"no test {function} in test_security.py"
    if param:
        assert f'("{param.rstrip("]")}"' in SECURITY, f"no parameter {param.rstrip(']')!r} in test_security.py"
