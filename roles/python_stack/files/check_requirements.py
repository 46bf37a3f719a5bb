# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Parse requirement strings in full (PEP 508: name, extras, version or URL, environment markers), on the controller.

Usage: check_requirements.py JSON, where JSON is a list of [name, packages] pairs, one per item of
python_stack_envs, in order; messages name each requirement python_stack_envs[i].packages[j] (environment name).
Prints a JSON list of one sentence per requirement that does not parse, and exits 0 either way (the role's
preflight asserts on the list). Runs with the controller's Python (ansible_playbook_python), which has
`packaging`, a dependency of ansible-core; the target may lack it.
"""

import json
import sys

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement


def problems(envs):
    found = []
    pairs = [(f"python_stack_envs[{env}].packages[{index}] (environment {name})", str(text))
             for env, (name, packages) in enumerate(envs) for index, text in enumerate(packages)]
    for where, text in pairs:
        try:
            requirement = Requirement(text)
            # A marker that parses but names an unknown variable fails only when evaluated.
            if requirement.marker is not None:
                requirement.marker.evaluate(default_environment())
        except InvalidRequirement as error:
            detail = (str(error).splitlines() or ["?"])[0]
            found.append(f"{where} is '{text}', which is not a valid requirement (PEP 508): {detail}")
        except Exception as error:  # an evaluation error of any kind comes from the user's marker
            found.append(f"{where} is '{text}', whose environment marker cannot be evaluated: {error}")
    return found


if __name__ == "__main__":
    print(json.dumps(problems(json.loads(sys.argv[1]))))
