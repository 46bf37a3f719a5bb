"""validate_inputs' shape check (module_utils/input_shapes.py): what validate_argument_spec passes only as a
converted copy is refused, naming the input, never its value."""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.mlinabox.stack.plugins.module_utils.input_shapes import shape_problems

SPEC = {
    "users": {"type": "list", "elements": "str"},
    "name": {"type": "str"},
    "home": {"type": "path"},
    "options": {"type": "dict"},
    "port": {"type": "int"},
    "envs": {"type": "list", "elements": "dict", "options": {
        "name": {"type": "str"},
        "packages": {"type": "list", "elements": "str"},
        "settings": {"type": "dict", "options": {"url": {"type": "str"}}},
    }},
    "anything": {"type": "raw"},
}


def test_what_validate_argument_spec_passes_but_the_role_cannot_read_is_refused():
    given = {"users": "alice,bob", "name": {"secret": "s3cr3t-value"}, "home": ["/a"], "options": "k=v",
             "envs": [{"name": ["x"], "packages": "numpy", "settings": {"url": {"u": 1}}}, "base"]}
    # The spec's own check passes all of it (as converted copies)...
    assert ArgumentSpecValidator(SPEC).validate(dict(given, envs=given["envs"][:1])).error_messages == []
    # ...the role would read the variables as they are.
    assert shape_problems(SPEC, given) == [
        "envs[0].name is a list, but it must be a string.",
        "envs[0].packages is a string, but it must be a list (one item per line as '- item', or [item, item]).",
        "envs[0].settings.url is a mapping, but it must be a string.",
        "envs[1] is a string, but it must be a mapping.",
        "home is a list, but it must be a string.",
        "name is a mapping, but it must be a string.",
        "options is a string, but it must be a mapping (key: value).",
        "users is a string, but it must be a list (one item per line as '- item', or [item, item]).",
    ]
    assert "s3cr3t" not in " ".join(shape_problems(SPEC, given))


def test_list_elements_of_the_wrong_shape_are_named_by_index():
    assert shape_problems(SPEC, {"users": ["alice", {"key": "log-level"}, ["x"]]}) == [
        "users[1] is a mapping, but it must be a string.",
        "users[2] is a list, but it must be a string.",
    ]


def test_right_shapes_numbers_for_strings_nulls_missing_and_raw_pass():
    given = {"users": ["alice"], "name": 3.12, "home": "/srv", "options": {"a": 1}, "port": "8888",
             "envs": [{"name": "base", "packages": ["numpy==2.3.5"], "settings": {"url": "https://x"}}],
             "anything": {"x": [1]}}
    assert shape_problems(SPEC, given) == []
    assert shape_problems(SPEC, {"users": None, "options": None}) == []
    assert shape_problems(SPEC, {}) == []
    assert shape_problems({}, {"users": "x"}) == []
