# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""compat_check on the controller: the check reads only its options (versions, the GPUs gpu_facts found), so
it needs no round trip to the host. Same options, result and messages as the module (module_utils/compat.py)."""

from __future__ import annotations

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible_collections.mlinabox.stack.plugins.module_utils.compat import ARGUMENT_SPEC, verdict

display = Display()


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _validation, params = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        found = verdict(params)
        for warning in found.pop("warnings"):
            display.warning(warning)
        result.update(found)
        return result
