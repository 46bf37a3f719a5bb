"""The filter python_requirement_problems: every requirement of python_stack_envs parsed on the controller."""

from __future__ import annotations

import pytest
from ansible_collections.mlinabox.stack.plugins.filter.python_envs import python_requirement_problems


def test_valid_requirements_of_every_form_pass():
    envs = [{"name": "base", "packages": ["numpy==2.3.4", "pandas[performance]>=2.3,<3",
                                          "torch @ https://files.example/torch-2.9.1-cp311-none-linux_x86_64.whl",
                                          'tomli==2.2.1; python_version < "3.11"']},
            {"name": "empty"}, {"name": "none", "packages": []}]
    assert python_requirement_problems(envs) == []


@pytest.mark.parametrize(("text", "expected"), [
    ("numpy==", "python_stack_envs[1].packages[0] (environment tf) is 'numpy==', which is not a valid requirement "
                "(PEP 508): "),
    ("pandas>=2;;", "which is not a valid requirement (PEP 508)"),
    ('six==1.17.0; python_versio < "3"', "which is not a valid requirement (PEP 508)"),
    ("my pkg==1", "is 'my pkg==1', which is not a valid requirement"),
    ('six==1.17.0; os_name ~= "posix"', "whose environment marker cannot be evaluated: Undefined"),
])
def test_each_bad_requirement_is_named(text, expected):
    envs = [{"name": "base", "packages": ["numpy==2.3.4"]}, {"name": "tf", "packages": [text, "six==1.17.0"]}]
    found = python_requirement_problems(envs)
    assert len(found) == 1 and expected in found[0], found


def test_every_bad_requirement_is_reported_and_wrong_shapes_are_left_to_the_item_checks():
    envs = [{"name": "a", "packages": ["x==", "y=="]}, "not a mapping", {"name": "b", "packages": "z=="}, 7]
    found = python_requirement_problems(envs)
    assert [message.split(" is ")[0] for message in found] == [
        "python_stack_envs[0].packages[0] (environment a)", "python_stack_envs[0].packages[1] (environment a)"]
    assert python_requirement_problems("not a list") == []
