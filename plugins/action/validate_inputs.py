# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""validate_inputs: ansible.builtin.validate_argument_spec, then the inputs' shapes as the role reads them
(module_utils/input_shapes.py): a value that the spec's check passes only as a converted copy is refused."""

from __future__ import annotations

from ansible.plugins.action.validate_argument_spec import ActionModule as ValidateArgumentSpec
from ansible.utils.vars import combine_vars
from ansible_collections.mlinabox.stack.plugins.module_utils.input_shapes import shape_problems


class ActionModule(ValidateArgumentSpec):
    def get_args_from_task_vars(self, argument_spec, task_vars):
        # The inputs as the base class templates them for its check: kept for the shape check (templated once).
        self._inputs = super().get_args_from_task_vars(argument_spec, task_vars)
        return self._inputs

    def run(self, tmp=None, task_vars=None):
        self._inputs = {}
        result = super().run(tmp, task_vars)
        if result.get("failed"):
            return result
        given = combine_vars(self._inputs, self._task.args.get("provided_arguments") or {})
        problems = shape_problems(self._task.args["argument_spec"], given)
        if problems:
            result.update(failed=True, argument_errors=problems,
                          msg="Validation of arguments failed: " + " ".join(problems) + " Nothing was changed.")
            return result
        result["msg"] = "The inputs match the argument spec, as the role reads them."
        return result
