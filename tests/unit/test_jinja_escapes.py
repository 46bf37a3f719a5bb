"""No Jinja string literal with a newline escape ('\\n') or a doubled backslash inside a YAML block scalar (> or |).

YAML keeps the backslash of a block scalar as it is, and Ansible escapes backslashes in the Jinja expressions of
its templates: `{{ x | join('\\n') }}` in a `>-` block joins with a backslash and an n, not a newline. (It wrote
mlbox-info with the shebang `#!/usr/bin/python3\\n...` on one line once.) In a double-quoted YAML string YAML turns
the escape into the character first, which is what is meant. A regular expression in a block scalar takes single
backslashes (`'java\\.version = (\\S+)'`, `'\\1'`): a doubled one reaches the regex engine doubled and matches a
backslash, so `'java\\\\.version'` never matched (h2o's Java check failed on it once) and `'\\\\s+'` collapsed no
whitespace.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
FILES = sorted(path for top in ("roles", "playbooks") for path in (REPO / top).rglob("*.yml"))
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
ESCAPE = re.compile(r"""(['"])(?:(?!\1).)*\\(n|\\)(?:(?!\1).)*\1""", re.S)


def block_scalars(node):
    if isinstance(node, yaml.ScalarNode):
        if node.style in (">", "|"):
            yield node
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from block_scalars(item)
    elif isinstance(node, yaml.MappingNode):
        for _key, value in node.value:
            yield from block_scalars(value)


def test_the_check_sees_the_mistake():
    node = yaml.compose("x: >-\n  {{ a | join('\\n') }}\ny: \"{{ a | join('\\n') }}\"\n"
                        "z: >-\n  {{ a | regex_search('java\\\\.version') }}\n"
                        "w: >-\n  {{ a | regex_search('java\\.v') }}\n")
    found = [scalar for scalar in block_scalars(node) if any(ESCAPE.search(j) for j in JINJA.findall(scalar.value))]
    assert [scalar.start_mark.line for scalar in found] == [0, 3]


@pytest.mark.parametrize("path", FILES, ids=[str(path.relative_to(REPO)) for path in FILES])
def test_no_backslash_escape_in_jinja_of_a_block_scalar(path):
    found = []
    for document in yaml.compose_all(path.read_text()):
        for scalar in block_scalars(document):
            for expression in JINJA.findall(scalar.value):
                if ESCAPE.search(expression):
                    found.append(f"line {scalar.start_mark.line + 1}: {expression[:80]}")
    assert not found, found
