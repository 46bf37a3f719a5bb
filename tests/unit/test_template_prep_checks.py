# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The filter template_prep_problems (the template_prep role's checks of its inputs), with the role's defaults read
from roles/template_prep/defaults/main.yml. tests/integration/bad_input_template_prep.yml runs the same messages
through the role."""

from __future__ import annotations

import pytest
from ansible_collections.mlinabox.stack.plugins.filter.template_prep_checks import (
    FilterModule,
    template_prep_problems,
)
from conftest import assert_one_problem, role_yaml

DEFAULTS = role_yaml("template_prep")
INPUTS = {"template_prep_confirm": True, "template_prep_profile": "current",
          "template_prep_remove_authorized_keys_for": [],
          "template_prep_clean_paths": DEFAULTS["template_prep_clean_paths"],
          "template_prep_home_files": DEFAULTS["template_prep_home_files"]}
REFUSED = ("is refused: 'path' must be an absolute, normalised directory (no '.', '..', '//' or control character) "
           "without wildcards, and a system directory such as / or /etc cannot be emptied with the pattern '*'; name "
           "the entries to remove in 'patterns'.")


def problems(**overrides):
    return template_prep_problems({**INPUTS, **overrides})


def test_defaults_and_good_settings_have_no_problem():
    assert problems() == []
    assert problems(template_prep_confirm="yes", template_prep_profile="seed-2021",
                    template_prep_clean_paths=[{"path": "/etc", "patterns": ["x.conf"]},
                                               {"path": "/srv/scratch", "patterns": ["*"]}],
                    template_prep_home_files=[".cache/pip", ".bash_history", "..x"]) == []


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"template_prep_confirm": False},
     "template_prep makes this machine a template: it deletes its SSH host keys, machine-id, shell histories, caches "
     "and logs, so run it only on a VM that is about to be shut down and kept as an image. template_prep_confirm is "
     "false: set it to true (-e template_prep_confirm=true), or build the image with mlbox_image_build=true (as the "
     "Packer template does)."),
    ({"template_prep_confirm": "false", "template_prep_remove_authorized_keys_for": ["packer", "ubuntu"]},
     "shell histories, caches and logs and the authorized_keys of packer, ubuntu, so run it only"),
    ({"template_prep_profile": "../etc"},
     "template_prep_profile is '../etc', which is not a profile name (letters, digits, '.', '_' or '-', for example "
     "current, cpu or seed-2021)."),
    ({"template_prep_profile": "cpu\n"}, "template_prep_profile is 'cpu\n', which is not a profile name"),
    ({"template_prep_clean_paths": [{"path": "/etc", "patterns": ["*"]}]},
     f"template_prep_clean_paths[0] (/etc) {REFUSED}"),
    ({"template_prep_clean_paths": [{"path": "/var/tmp/../../etc", "patterns": ["*"]}]},
     "template_prep_clean_paths[0] (/var/tmp/../../etc) is refused: 'path' must be an absolute, normalised directory"),
    ({"template_prep_clean_paths": [{"path": "//etc", "patterns": ["*"]}]}, "template_prep_clean_paths[0] (//etc)"),
    ({"template_prep_clean_paths": [{"path": "/var/./tmp", "patterns": ["x"]}]}, "(/var/./tmp) is refused"),
    ({"template_prep_clean_paths": [{"path": "/var/tmp/", "patterns": ["x"]}]}, "(/var/tmp/) is refused"),
    ({"template_prep_clean_paths": [{"path": "/var/t*", "patterns": ["x"]}]}, "(/var/t*) is refused"),
    ({"template_prep_clean_paths": [{"path": "var/tmp", "patterns": ["x"]}]}, "(var/tmp) is refused"),
    ({"template_prep_clean_paths": [{"path": "/var/tmp\tx", "patterns": ["x"]}]}, "is refused"),
    ({"template_prep_clean_paths": [{"path": "/var/tmp", "patterns": []}]}, "(/var/tmp) is refused"),
    ({"template_prep_clean_paths": [{"path": "/var/lib", "patterns": ["a", "*"]}]}, "(/var/lib) is refused"),
    ({"template_prep_home_files": [".bash_history", ".ssh"]},
     "template_prep_home_files has '.ssh': each entry is a name relative to a home directory, without wildcards, and "
     "not .ssh, .config or .local as a whole (authorized keys have their own setting, "
     "template_prep_remove_authorized_keys_for)."),
    ({"template_prep_home_files": ["/etc/passwd"]}, "template_prep_home_files has '/etc/passwd'"),
    ({"template_prep_home_files": ["*"]}, "template_prep_home_files has '*'"),
    ({"template_prep_home_files": ["../x"]}, "template_prep_home_files has '../x'"),
    ({"template_prep_home_files": ["."]}, "template_prep_home_files has '.'"),
])
def test_each_rule_names_the_problem(overrides, expected):
    found = problems(**overrides)
    assert_one_problem(found, expected)


def test_every_problem_is_reported():
    found = problems(template_prep_confirm=False, template_prep_profile="",
                     template_prep_clean_paths=[{"path": "/", "patterns": ["*"]}, {"path": "/x", "patterns": ["y"]},
                                                {"path": "/etc", "patterns": ["*"]}],
                     template_prep_home_files=[".ssh", ".cache", ".config"])
    assert [message.split(" ")[0] for message in found] == [
        "template_prep", "template_prep_profile", "template_prep_clean_paths[0]", "template_prep_clean_paths[2]",
        "template_prep_home_files", "template_prep_home_files"]


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"template_prep_confirm": None}, "template_prep_confirm is false"),
    ({"template_prep_confirm": False, "template_prep_remove_authorized_keys_for": "packer"}, "caches and logs, so"),
    ({"template_prep_profile": ["cpu"]}, "template_prep_profile is '['cpu']', which is not a profile name"),
    ({"template_prep_clean_paths": {"path": "/tmp"}}, "template_prep_clean_paths is a dict, not a list"),
    ({"template_prep_clean_paths": ["/tmp"]}, "template_prep_clean_paths[0] is a string, not a dict"),
    ({"template_prep_clean_paths": [{"path": "/tmp", "patterns": "*"}]},
     "template_prep_clean_paths[0].patterns is a string, not a list"),
    ({"template_prep_clean_paths": [{"patterns": ["x"]}]}, "template_prep_clean_paths[0] (no path) is refused"),
    ({"template_prep_clean_paths": [{"path": 5, "patterns": ["x"]}]}, "template_prep_clean_paths[0] (5) is refused"),
    ({"template_prep_home_files": ".ssh"}, "template_prep_home_files is a string, not a list"),
    ({"template_prep_home_files": [None]}, "template_prep_home_files has 'None'"),
])
def test_wrong_types_are_reported_not_raised(overrides, expected):
    found = problems(**overrides)
    assert_one_problem(found, expected)


def test_filter_is_registered():
    assert FilterModule().filters() == {"template_prep_problems": template_prep_problems}
