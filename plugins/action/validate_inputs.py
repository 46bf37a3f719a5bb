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
    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        if result.get("failed"):
            return result
        spec = self._task.args["argument_spec"]
        given = combine_vars(self.get_args_from_task_vars(spec, task_vars),
                             self._task.args.get("provided_arguments") or {})
        problems = shape_problems(spec, given)
        if problems:
            result.update(failed=True, argument_errors=problems,
                          msg="Validation of arguments failed: " + " ".join(problems) + " Nothing was changed.")
            return result
        result["msg"] = "The inputs match the argument spec, as the role reads them."
        return result
