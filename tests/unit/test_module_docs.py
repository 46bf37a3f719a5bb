"""Every module's DOCUMENTATION, EXAMPLES and RETURN parse as YAML (ansible-doc, validate-modules and the
collection's documentation fail on a module whose text does not; a ': ' inside a plain list item is enough)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

MODULES = sorted((Path(__file__).resolve().parents[2] / "plugins" / "modules").glob("*.py"))


NAMES = ("DOCUMENTATION", "EXAMPLES", "RETURN")


def doc_strings(path):
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") in NAMES:
            yield node.targets[0].id, node.value.value


@pytest.mark.parametrize("path", MODULES, ids=[path.stem for path in MODULES])
def test_module_documentation_is_yaml(path):
    found = dict(doc_strings(path))
    assert set(found) == set(NAMES)
    for name, text in found.items():
        try:
            yaml.safe_load(text)
        except yaml.YAMLError as error:
            pytest.fail(f"{path.name} {name}: {error}")
    assert yaml.safe_load(found["DOCUMENTATION"])["module"] == path.stem
