# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The rapids role's checks of the inputs that its argument spec cannot express (its `inputs` entry point, which
site.yml also runs before any role changes the host): one message per problem, naming the variable and the fix.

Strings are read as Ansible's match test reads them (str()). A list input given as a string is reported, and the
rules that read that list are skipped. An index URL's user info (a token) is shown as ***@."""

from __future__ import annotations

import re

from ansible_collections.mlinabox.stack.plugins.module_utils import input_checks

SERIES = re.compile(r"^[0-9]{2}\.[0-9]{2}\Z")
CUDA = re.compile(r"^[0-9]+\.[0-9]+(\.[0-9]+)?\Z")
DRIVER = re.compile(r"^[0-9]{3}(\.[0-9]+)*\Z")
LIBRARY = re.compile(r"^[a-z][a-z0-9_-]*[a-z0-9]\Z")
# A library named with its wheel variant (cudf-cu12): the role adds that itself.
VARIANT_SUFFIX = re.compile(r".*-cu[0-9]+\Z")

LIST_INPUTS = ("rapids_libraries", "rapids_extra_libraries", "rapids_extra_packages", "rapids_extra_index_urls")


def _version_problems(inputs):
    version, cuda, driver = (str(inputs.get(key)) for key in
                             ("rapids_version", "rapids_cuda_version", "rapids_driver_version"))
    problems = []
    if not SERIES.match(version):
        problems.append(f"rapids_version is '{version}': use a release series YY.MM such as \"26.10\" (the libraries "
                        "are pinned to <name>-cuXX==YY.MM.*).")
    if not CUDA.match(cuda):
        problems.append(f"rapids_cuda_version is '{cuda}': use the CUDA version the wheels are for, such as \"12.8\" "
                        'or "13.0" (quoted).')
    if inputs.get("rapids_driver_version") != "" and not DRIVER.match(driver):
        problems.append(f"rapids_driver_version is '{driver}': use a driver branch such as 580, a version such as "
                        '580.95.05, or "" for the running driver.')
    return problems


def _library_problems(inputs, facts):
    """The libraries (at least one, plain names) and the indexes."""
    libraries, extra = inputs.get("rapids_libraries"), inputs.get("rapids_extra_libraries")
    problems = []
    if input_checks.is_list(libraries) and not libraries:
        problems.append("rapids_libraries is empty: list the RAPIDS libraries to install, at least [cudf, cuml], or "
                        "turn the role off.")
    if input_checks.is_list(libraries) and input_checks.is_list(extra):
        names = [str(name) for name in [*libraries, *extra]]
        bad = ([name for name in names if not LIBRARY.match(name)]
               + [name for name in names if VARIANT_SUFFIX.match(name)])
        if bad:
            problems.append(f"rapids_libraries / rapids_extra_libraries name {', '.join(bad)}: give plain library "
                            "names such as cudf, cuml or cugraph, without version or -cuXX suffix (the role adds "
                            f"-{facts.get('variant')}=={inputs.get('rapids_version')}.*).")
    urls = inputs.get("rapids_extra_index_urls")
    # An index URL is a plain https (or, for a mirror, http) URL; its user info (a token) is shown as ***@.
    bad_urls = [url for url in urls if not input_checks.PLAIN_URL.match(str(url))] if input_checks.is_list(urls) else []
    if bad_urls:
        problems.append(
            f"rapids_extra_index_urls has {', '.join(input_checks.json_masked(url) for url in bad_urls)}: use plain "
            "https:// (or a mirror's http://) index URLs, with a host, an optional port 1-65535 and a path, and no "
            "spaces, newlines or other characters outside printable ASCII (file:// is not accepted), such as "
            "https://pypi.nvidia.com, or [] for PyPI alone.")
    return problems


def rapids_problems(inputs, facts):
    """One message for each problem of the rapids role's inputs; an empty list when there is none.

    inputs: the role's variables the rules read (rapids_version, rapids_cuda_version, rapids_driver_version,
    rapids_libraries, rapids_extra_libraries, rapids_extra_packages, rapids_extra_index_urls). facts: variant, the
    wheel variant that the role derives from rapids_cuda_version (cu12, cu13).
    """
    problems = _version_problems(inputs)
    lists = input_checks.not_lists(inputs, LIST_INPUTS, "one item each")
    if lists:
        problems.append(lists)
    return problems + _library_problems(inputs, facts)


class FilterModule:
    def filters(self):
        return {"rapids_problems": rapids_problems}
