# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Documentation fragments for the attributes that several modules share."""

from __future__ import annotations


class ModuleDocFragment:
    # A facts module (gpu_facts, stack_facts): it reads the host, returns ansible_facts and changes nothing.
    # Use: extends_documentation_fragment: [mlinabox.stack.attributes.facts]
    FACTS = r"""
attributes:
  check_mode:
    description: Can run in check mode and return the same facts.
    support: full
  diff_mode:
    description: Makes no changes, so there is no diff.
    support: none
  facts:
    description: Returns facts under C(ansible_facts).
    support: full
"""
