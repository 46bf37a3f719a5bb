# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Package URLs (https://github.com/package-url/purl-spec) of Debian, PyPI and conda packages, as the
CycloneDX SBOM names its components. Standard library only: runs on the target (Python 3.8+).
"""

from __future__ import annotations

from urllib.parse import quote


def _purl_quote(text):
    return quote(str(text), safe="")


def deb_purl(name, version, arch, namespace, distro):
    """pkg:deb/debian/curl@7.88.1-10%2Bdeb12u8?arch=amd64&distro=debian-12"""
    qualifiers = [(key, value) for key, value in (("arch", arch), ("distro", distro)) if value]
    purl = f"pkg:deb/{_purl_quote(namespace)}/{_purl_quote(name)}@{_purl_quote(version)}"
    if qualifiers:
        purl += "?" + "&".join(f"{key}={_purl_quote(value)}" for key, value in qualifiers)
    return purl


def pypi_purl(name, version):
    """pkg:pypi/scikit-learn@1.9.1: the name lower-cased with '_' as '-', as the purl spec says."""
    return "pkg:pypi/{}@{}".format(_purl_quote(name.lower().replace("_", "-")), _purl_quote(version))


def conda_purl(name, version):
    return f"pkg:conda/{_purl_quote(name.lower())}@{_purl_quote(version)}"
