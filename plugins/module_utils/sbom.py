# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Versions and licences of everything installed, as the box's manifest and a CycloneDX SBOM.

Parsers (Debian machine-readable copyright files, Python package metadata),
licence normalisation to SPDX, package URLs, and the builders of the two documents. The readers
at the end read a filesystem tree under a root prefix ("/" on a host, a fixture tree in tests).
Nothing here runs a program or imports an installed package. Standard library only: runs on the
target (Python 3.8+).

A licence is kept in CycloneDX's own shape, a "licence choice": either a list of
{"license": {"id": <SPDX id>}} / {"license": {"name": <text>, "url": ...}} objects, or a list of
exactly one {"expression": <SPDX expression>}; an empty list when nothing is known.
"""

from __future__ import annotations

import copy
import email.parser
import glob
import json
import os
import re
from urllib.parse import quote

CYCLONEDX_SCHEMAS = {
    "1.5": "http://cyclonedx.org/schema/bom-1.5.schema.json",
    "1.6": "http://cyclonedx.org/schema/bom-1.6.schema.json",
}

# --------------------------------------------------------------------------------------------
# SPDX identifiers. Only identifiers listed here (or built by _GNU_TERM) are ever emitted as "id";
# the unit tests check every one against the SPDX list vendored with the CycloneDX schema.
# --------------------------------------------------------------------------------------------

_SPDX_IDS = (
    "0BSD", "AFL-2.1", "AGPL-1.0-only", "AGPL-1.0-or-later", "AGPL-3.0-only", "AGPL-3.0-or-later", "Apache-1.1",
    "Apache-2.0", "Artistic-1.0", "Artistic-1.0-Perl", "Artistic-2.0", "BSD-1-Clause", "BSD-2-Clause",
    "Beerware", "BSD-3-Clause", "BSD-4-Clause", "BSL-1.0", "CC-BY-3.0", "CC-BY-4.0", "CC-BY-SA-3.0", "CC-BY-SA-4.0",
    "CC0-1.0", "CNRI-Python", "curl", "EPL-1.0", "EPL-2.0", "EUPL-1.2", "FSFAP", "FSFUL", "FSFULLR", "FTL",
    "GFDL-1.1-only",
    "GFDL-1.1-or-later", "GFDL-1.2-only", "GFDL-1.2-or-later", "GFDL-1.3-only", "GFDL-1.3-or-later",
    "GPL-1.0-only", "GPL-1.0-or-later", "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0-only",
    "GPL-3.0-or-later", "HPND", "IJG", "ISC", "LGPL-2.0-only", "LGPL-2.0-or-later", "LGPL-2.1-only",
    "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later", "Latex2e", "Libpng", "MIT", "MIT-0", "MIT-CMU",
    "MPL-1.1", "MPL-2.0", "OFL-1.1", "OpenSSL", "PSF-2.0", "Python-2.0", "TCL", "Unicode-DFS-2016", "Unlicense",
    "UPL-1.0", "WTFPL", "X11", "Zlib", "ZPL-2.1",
)
_SPDX_CANONICAL = {spdx.lower(): spdx for spdx in _SPDX_IDS}

# Debian copyright-format short names that are not already SPDX identifiers (case-insensitive).
_DEBIAN_SHORT_NAMES = {
    "expat": "MIT",
    "apache-2": "Apache-2.0",
    "psf-2": "PSF-2.0",
    "cc0": "CC0-1.0",
    "zope-2.1": "ZPL-2.1",
    "ofl-1.1": "OFL-1.1",
    "sil-ofl-1.1": "OFL-1.1",
    "boost-1.0": "BSL-1.0",
    "artistic-2": "Artistic-2.0",
    "bsd-2": "BSD-2-Clause",
    "bsd-3": "BSD-3-Clause",
}

# GPL-2, GPL-2+, LGPL-2.1+, AGPL-3, GFDL-1.3+ ... (Debian) -> GPL-2.0-only, GPL-2.0-or-later, ...
_GNU_TERM = re.compile(r"^(A?GPL|LGPL|GFDL)-?(\d+(?:\.\d+)?)(\+)?$", re.IGNORECASE)
_GNU_VERSIONS = {
    "GPL": ("1.0", "2.0", "3.0"),
    "LGPL": ("2.0", "2.1", "3.0"),
    "AGPL": ("1.0", "3.0"),
    "GFDL": ("1.1", "1.2", "1.3"),
}

# Debian "<licence> with <name> exception" -> SPDX exception (for GNU licences only).
_WITH_TERM = re.compile(r"^(\S+)\s+with\s+(.+?)(?:\s+exception)?$", re.IGNORECASE)
_EXCEPTIONS = {
    "linux-syscall-note": ("Linux-syscall-note", None),
    "autoconf": ("Autoconf-exception-2.0", "GPL-2"),
    "autoconf-3": ("Autoconf-exception-3.0", "GPL-3"),
    "bison": ("Bison-exception-2.2", None),
    "classpath": ("Classpath-exception-2.0", None),
    "gcc-exception-3.1": ("GCC-exception-3.1", "GPL-3"),
    "gcc runtime library": ("GCC-exception-3.1", "GPL-3"),
}
SPDX_EXCEPTIONS = tuple(sorted({value[0] for value in _EXCEPTIONS.values()}))

# Values of a Python package's free-text License field that name one licence unambiguously.
_LICENSE_TEXT_ALIASES = {
    "mit license": "MIT",
    "the mit license": "MIT",
    "mit license (mit)": "MIT",
    "bsd 3-clause": "BSD-3-Clause",
    "bsd 3-clause license": "BSD-3-Clause",
    "3-clause bsd": "BSD-3-Clause",
    "3-clause bsd license": "BSD-3-Clause",
    "new bsd": "BSD-3-Clause",
    "new bsd license": "BSD-3-Clause",
    "modified bsd": "BSD-3-Clause",
    "bsd 2-clause": "BSD-2-Clause",
    "bsd 2-clause license": "BSD-2-Clause",
    "2-clause bsd": "BSD-2-Clause",
    "simplified bsd": "BSD-2-Clause",
    "apache 2": "Apache-2.0",
    "apache 2.0": "Apache-2.0",
    "apache-2": "Apache-2.0",
    "apache2": "Apache-2.0",
    "apache license 2.0": "Apache-2.0",
    "apache license, version 2.0": "Apache-2.0",
    "apache license version 2.0": "Apache-2.0",
    "apache software license 2.0": "Apache-2.0",
    "asl 2.0": "Apache-2.0",
    "mpl 2.0": "MPL-2.0",
    "mozilla public license 2.0": "MPL-2.0",
    "mozilla public license 2.0 (mpl 2.0)": "MPL-2.0",
    "psf": "PSF-2.0",
    "psf license": "PSF-2.0",
    "python software foundation license": "PSF-2.0",
    "isc license": "ISC",
    "isc license (iscl)": "ISC",
    "the unlicense": "Unlicense",
    "cc0 1.0 universal": "CC0-1.0",
    "gplv2+": "GPL-2.0-or-later",
    "gplv3+": "GPL-3.0-or-later",
    "lgplv2+": "LGPL-2.0-or-later",
    "lgplv3+": "LGPL-3.0-or-later",
}

# Trove classifiers (after "License :: ") that name one licence and version unambiguously. "BSD
# License", "Apache Software License" and the like say no version or variant: they stay names.
_CLASSIFIERS = {
    "OSI Approved :: MIT License": "MIT",
    "OSI Approved :: MIT No Attribution License (MIT-0)": "MIT-0",
    "OSI Approved :: ISC License (ISCL)": "ISC",
    "OSI Approved :: Mozilla Public License 1.1 (MPL 1.1)": "MPL-1.1",
    "OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "OSI Approved :: Python Software Foundation License": "PSF-2.0",
    "OSI Approved :: The Unlicense (Unlicense)": "Unlicense",
    "OSI Approved :: zlib/libpng License": "Zlib",
    "OSI Approved :: Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    "OSI Approved :: Eclipse Public License 1.0 (EPL-1.0)": "EPL-1.0",
    "OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
    "OSI Approved :: European Union Public Licence 1.2 (EUPL 1.2)": "EUPL-1.2",
    "OSI Approved :: Historical Permission Notice and Disclaimer (HPND)": "HPND",
    "OSI Approved :: Universal Permissive License (UPL)": "UPL-1.0",
    "OSI Approved :: GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "OSI Approved :: GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    "OSI Approved :: GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "OSI Approved :: GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    "OSI Approved :: GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.0-only",
    "OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
    "OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    "OSI Approved :: GNU Affero General Public License v3": "AGPL-3.0-only",
    "OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
    "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
}

_OPERATOR = re.compile(r"\s+(or|and)\s+", re.IGNORECASE)


def spdx_id(text):
    """The canonical SPDX identifier for `text` when it is one we know ('mit' -> 'MIT'), else None."""
    return _SPDX_CANONICAL.get((text or "").strip().lower())


def debian_term_to_spdx(term):
    """One Debian copyright-format short name -> SPDX identifier, or None.

    'GPL-2+' -> 'GPL-2.0-or-later', 'LGPL-2.1' -> 'LGPL-2.1-only', 'Expat' -> 'MIT',
    'BSD-3-clause' -> 'BSD-3-Clause'; 'GPL-2+ with OpenSSL exception', 'public-domain' -> None.
    """
    term = (term or "").strip()
    with_match = _WITH_TERM.match(term)
    if with_match:
        base = debian_term_to_spdx(with_match.group(1))
        key = with_match.group(2).strip().lower()
        if base and base.startswith("GPL-3") and key == "autoconf":
            key = "autoconf-3"
        exception, needs = _EXCEPTIONS.get(key, (None, None))
        if base is None or exception is None or (needs and not base.startswith(needs)):
            return None
        return f"{base} WITH {exception}"
    match = _GNU_TERM.match(term)
    if match:
        family = match.group(1).upper()
        version = match.group(2) if "." in match.group(2) else match.group(2) + ".0"
        if version not in _GNU_VERSIONS[family]:
            return None
        return "{}-{}-{}".format(family, version, "or-later" if match.group(3) else "only")
    return spdx_id(term) or _DEBIAN_SHORT_NAMES.get(term.lower())


def _expression(text, term_to_spdx):
    """'A or B and C' -> 'A' OR 'B' AND 'C' with each term mapped, or None when a term does not map
    or the precedence is unclear (commas mixed with both operators)."""
    text = (text or "").strip().rstrip(",").strip()
    if not text:
        return None
    parts = _OPERATOR.split(text)
    operators = {part.lower() for part in parts[1::2]}
    if "," in text and len(operators) > 1:
        return None
    out = []
    for index, part in enumerate(parts):
        if index % 2:
            out.append(part.upper())
            continue
        mapped = term_to_spdx(part.strip().strip(",").strip("()").strip())
        if mapped is None:
            return None
        out.append(mapped)
    return " ".join(out)


def debian_licence_to_spdx(text):
    """A Debian licence field ('GPL-2+ or Artistic-2.0') -> SPDX expression or identifier, or None."""
    return _expression(text, debian_term_to_spdx)


def licence_text_to_spdx(text):
    """A free-text licence (a Python package's License field, a conda package's "license") that is
    an SPDX identifier or expression of identifiers we know, or a common alias -> SPDX; else None."""
    text = (text or "").strip()
    if not text or "\n" in text:
        return None
    alias = _LICENSE_TEXT_ALIASES.get(text.lower())
    if alias:
        return alias
    return _expression(text, spdx_id)


def classifier_to_spdx(classifier):
    """'License :: OSI Approved :: MIT License' -> 'MIT'; ambiguous classifiers -> None."""
    return _CLASSIFIERS.get(classifier[len("License :: "):]) if classifier.startswith("License :: ") else None


def _single_or_expression(spdx):
    if " " in spdx:
        return [{"expression": spdx}]
    return [{"license": {"id": spdx}}]


def _dedupe(items):
    seen = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def licences_from_debian(names):
    """Licence choice for a package from the licence fields of its DEP-5 copyright file.

    When every field maps to SPDX, one identifier or one expression joining them with AND (the
    files of a package are under all of them); otherwise one licence object per field: an SPDX id
    where it maps, else the Debian short name as the licence name.
    """
    names = _dedupe([name for name in names if name])
    if not names:
        return []
    mapped = [debian_licence_to_spdx(name) for name in names]
    if all(mapped):
        unique = _dedupe(mapped)
        if len(unique) == 1:
            return _single_or_expression(unique[0])
        return [{"expression": " AND ".join(f"({m})" if " " in m else m for m in unique)}]
    result = []
    for name, spdx in zip(names, mapped):
        entry = {"license": {"id": spdx}} if spdx and " " not in spdx else {"license": {"name": name}}
        if entry not in result:
            result.append(entry)
    return result


def licences_from_python(meta):
    """Licence choice for a Python distribution from its metadata, most precise first:

    1. License-Expression (PEP 639): an SPDX expression as declared;
    2. the License field when it is an SPDX identifier/expression or a common alias ("MIT",
       "Apache 2.0"): the author's own words, more precise than a classifier;
    3. License :: classifiers: SPDX ids where unambiguous, else the classifier's name;
    4. the License field's first line as a licence name.
    """
    expression = (meta.get("license_expression") or "").strip()
    if expression:
        single = spdx_id(expression)
        return [{"license": {"id": single}}] if single else [{"expression": expression}]
    text = (meta.get("license") or "").strip()
    first_line = text.splitlines()[0].strip() if text else ""
    spdx = licence_text_to_spdx(text)
    if spdx:
        return _single_or_expression(spdx)
    result = []
    for classifier in meta.get("classifiers") or []:
        if not classifier.startswith("License :: ") or classifier.strip() == "License :: OSI Approved":
            continue
        mapped = classifier_to_spdx(classifier)
        entry = {"license": {"id": mapped}} if mapped else {"license": {"name": classifier.split(" :: ")[-1]}}
        if entry not in result:
            result.append(entry)
    if result:
        return result
    if first_line and first_line.upper() not in ("UNKNOWN", "NONE"):
        return [{"license": {"name": first_line[:200]}}]
    return []


def licences_from_text(text):
    """Licence choice for a free-text licence (conda's "license" field)."""
    spdx = licence_text_to_spdx(text)
    if spdx:
        return _single_or_expression(spdx)
    text = (text or "").strip()
    return [{"license": {"name": text.splitlines()[0][:200]}}] if text else []


def licence_display(choice):
    """A licence choice as one line for people: 'MIT', 'GPL-2.0-or-later OR Artistic-2.0',
    'NVIDIA CUDA Toolkit EULA', 'Expat, public-domain'."""
    if not choice:
        return ""
    if "expression" in choice[0]:
        return choice[0]["expression"]
    return ", ".join(entry["license"].get("id") or entry["license"].get("name", "") for entry in choice)


# --------------------------------------------------------------------------------------------
# Parsers.
# --------------------------------------------------------------------------------------------


def _deb822_paragraphs(text):
    """deb822 text -> list of {lower-case field: value} (continuation lines joined with newlines)."""
    paragraphs, current, key = [], {}, None
    for line in (text or "").splitlines():
        if not line.strip():
            if current:
                paragraphs.append(current)
            current, key = {}, None
            continue
        if line.startswith("#"):
            continue
        if line[0] in " \t":
            if key is not None:
                current[key] += "\n" + line.strip()
            continue
        field, sep, value = line.partition(":")
        if not sep:
            continue
        key = field.strip().lower()
        current[key] = value.strip()
    if current:
        paragraphs.append(current)
    return paragraphs


def parse_copyright(text):
    """A /usr/share/doc/<package>/copyright file -> the licence short names of a machine-readable
    (DEP-5) file, in order of appearance and without repeats, or None when the file is not
    machine-readable. Only the header and Files paragraphs count: stand-alone License paragraphs
    just hold the texts of licences named elsewhere."""
    paragraphs = _deb822_paragraphs(text)
    if not paragraphs or not re.search(r"copyright-format|dep-?5", paragraphs[0].get("format", ""), re.IGNORECASE):
        return None
    names = []
    for index, paragraph in enumerate(paragraphs):
        if "license" not in paragraph or (index > 0 and "files" not in paragraph):
            continue
        short = paragraph["license"].split("\n", 1)[0].strip()
        if short and short not in names:
            names.append(short)
    return names


def parse_python_metadata(text):
    """A *.dist-info/METADATA or PKG-INFO -> {name, version, license_expression, license, classifiers}."""
    message = email.parser.HeaderParser().parsestr(text or "")

    def field(key):
        value = message.get(key)
        return str(value).strip() if value is not None else None

    return {
        "name": field("Name"),
        "version": field("Version"),
        "license_expression": field("License-Expression"),
        "license": field("License"),
        "classifiers": [str(value).strip() for value in (message.get_all("Classifier") or [])],
    }


def parse_freeze(text):
    """`uv pip freeze` / `pip freeze` output -> {normalised name: version} of its name==version lines."""
    pinned = {}
    for raw in (text or "").splitlines():
        name, sep, version = raw.split("#", 1)[0].strip().partition("==")
        if sep and name.strip():
            pinned[normalise_name(name)] = version.strip()
    return pinned


def parse_os_release(text):
    values = {}
    for line in (text or "").splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() and not key.startswith("#"):
            values[key.strip()] = value.strip().strip("\"'")
    return values


def normalise_name(name):
    """PEP 503: 'Scikit_Learn' -> 'scikit-learn'."""
    return re.sub(r"[-_.]+", "-", name).lower()


# --------------------------------------------------------------------------------------------
# Package URLs (https://github.com/package-url/purl-spec).
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Licence rules for packages without a machine-readable copyright file (vendor packages).
# --------------------------------------------------------------------------------------------


class RuleError(ValueError):
    pass


def compile_rules(rules):
    """Validate and compile licence rules [{packages: regex, id | name | expression, url}].
    Raises RuleError naming the item at fault."""
    compiled = []
    for index, rule in enumerate(rules or []):
        if not isinstance(rule, dict) or not rule.get("packages"):
            raise RuleError(f"item {index} has no 'packages' regular expression")
        kinds = [key for key in ("id", "name", "expression") if rule.get(key)]
        if len(kinds) != 1:
            raise RuleError("item {} ({}) needs exactly one of id, name or expression".format(index, rule["packages"]))
        try:
            pattern = re.compile(rule["packages"])
        except re.error as error:
            raise RuleError("item {}: {!r} is not a valid regular expression: {}".format(
                index, rule["packages"], error)) from None
        if rule.get("expression"):
            choice = [{"expression": rule["expression"]}]
        else:
            licence = {"id": rule["id"]} if rule.get("id") else {"name": rule["name"]}
            if rule.get("url"):
                licence["url"] = rule["url"]
            choice = [{"license": licence}]
        compiled.append((pattern, choice))
    return compiled


def rule_licences(name, compiled_rules):
    """The licence choice of the first rule whose regex matches the whole package name."""
    for pattern, choice in compiled_rules:
        if pattern.fullmatch(name):
            return copy.deepcopy(choice)
    return []


# --------------------------------------------------------------------------------------------
# Readers: target paths read under `root`.
# --------------------------------------------------------------------------------------------


def in_root(root, path):
    return os.path.join(root, path.lstrip("/"))


def read_text(root, path, limit=None):
    try:
        with open(in_root(root, path), encoding="utf-8", errors="replace") as handle:
            return handle.read(limit) if limit else handle.read()
    except OSError:
        return None


def read_json(path):
    """A JSON file on the host (not under a root) -> its value, or None when missing or invalid."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def apt_licences(root, packages, compiled_rules):
    """Add 'licences' and 'licence_source' (dep5, rule or None) to each apt package: its DEP-5
    copyright file first, else the first matching rule."""
    cache = {}
    for package in packages:
        name = package["name"]
        if name not in cache:
            names = parse_copyright(read_text(root, f"/usr/share/doc/{name}/copyright"))
            choice = licences_from_debian(names) if names else []
            source = "dep5" if choice else None
            if not choice:
                choice = rule_licences(name, compiled_rules)
                source = "rule" if choice else None
            cache[name] = (choice, source)
        choice, source = cache[name]
        package["licences"] = copy.deepcopy(choice)
        package["licence_source"] = source
    return packages


def _site_packages(env_path):
    found = []
    for pattern in ("lib/python*/site-packages", "lib64/python*/site-packages"):
        for path in sorted(glob.glob(os.path.join(env_path, pattern))):
            if os.path.realpath(path) not in [os.path.realpath(seen) for seen in found]:
                found.append(path)
    return found


def read_env_packages(env_path):
    """Every distribution of a venv (dist-info / egg-info metadata) or conda environment
    (conda-meta/*.json, plus pip-installed dist-infos), by normalised name:
    {name: {name, display_name, version, licences, kind: pypi | conda}}."""
    packages = {}
    for path in sorted(glob.glob(os.path.join(env_path, "conda-meta", "*.json"))):
        data = read_json(path)
        if isinstance(data, dict) and data.get("name") and data.get("version"):
            name = normalise_name(str(data["name"]))
            packages[name] = {
                "name": name,
                "display_name": str(data["name"]),
                "version": str(data["version"]),
                "licences": licences_from_text(str(data.get("license") or "")),
                "kind": "conda",
            }
    for site in _site_packages(env_path):
        metas = sorted([
            *glob.glob(os.path.join(site, "*.dist-info", "METADATA")),
            *glob.glob(os.path.join(site, "*.egg-info", "PKG-INFO")),
            *[path for path in glob.glob(os.path.join(site, "*.egg-info")) if os.path.isfile(path)],
        ])
        for meta_path in metas:
            try:
                with open(meta_path, encoding="utf-8", errors="replace") as handle:
                    meta = parse_python_metadata(handle.read(262144))
            except OSError:
                continue
            if not meta["name"] or not meta["version"]:
                continue
            name = normalise_name(meta["name"])
            if name in packages and packages[name]["kind"] == "conda":
                continue
            packages[name] = {
                "name": name,
                "display_name": meta["name"],
                "version": meta["version"],
                "licences": licences_from_python(meta),
                "kind": "pypi",
            }
    return dict(sorted(packages.items()))


def read_envs(root, stack_envs):
    """The packages of every environment that stack_facts found, and its freeze file.
    -> {env: {path, kind, python_version, packages, freeze}} (freeze: {name: version} or None)."""
    envs = {}
    for env_name, env in sorted((stack_envs or {}).items()):
        path = in_root(root, env["path"])
        freeze_text = read_text(root, env["path"] + "/.mlbox-freeze.txt")
        envs[env_name] = {
            "path": env["path"],
            "kind": env.get("kind"),
            "python_version": env.get("python_version"),
            "packages": read_env_packages(path),
            "freeze": parse_freeze(freeze_text) if freeze_text is not None else None,
            "user_packages": user_packages_dir(path, env_name),
        }
    return envs


# python_stack's hook (roles/python_stack/files/mlbox_user_site.py) in an environment's site-packages.
USER_SITE_HOOK = "_mlbox_user_site.pth"


def user_packages_dir(path, env_name):
    """Where users' own packages of the environment go, when python_stack lets them add any; else None.
    They are each user's, not the environment's: the manifest names the place, never their contents."""
    for site_packages in glob.glob(os.path.join(path, "lib", "python*", "site-packages")):
        if os.path.isfile(os.path.join(site_packages, USER_SITE_HOOK)):
            return f"~/.local/share/mlbox/envs/{env_name}"
    return None


def freeze_mismatches(envs):
    """Lines of the freeze files that disagree with the installed metadata."""
    problems = []
    for env_name, env in envs.items():
        if env["freeze"] is None:
            continue
        for name, version in sorted(env["freeze"].items()):
            installed = env["packages"].get(name)
            if installed is None:
                problems.append(f"{env_name}: {name}=={version} is in .mlbox-freeze.txt but not installed")
            elif installed["version"] != version:
                problems.append("{}: .mlbox-freeze.txt has {}=={}, the installed metadata {}".format(
                    env_name, name, version, installed["version"]))
    return problems


# --------------------------------------------------------------------------------------------
# The documents.
# --------------------------------------------------------------------------------------------

KEY_PACKAGE_LABELS = {
    "numpy": "NumPy",
    "pandas": "pandas",
    "matplotlib": "Matplotlib",
    "scikit-learn": "scikit-learn",
    "jupyterlab": "JupyterLab",
    "torch": "PyTorch",
    "torchvision": "torchvision",
    "tensorflow": "TensorFlow",
    "tensorflow-cpu": "TensorFlow (CPU)",
    "ipykernel": "IPython kernel",
}

COMPONENT_NAMES = (
    ("nvidia_driver", "NVIDIA driver"),
    ("cuda", "CUDA toolkit"),
    ("cudnn", "cuDNN"),
    ("docker", "Docker"),
    ("nvidia_container_toolkit", "NVIDIA Container Toolkit"),
    ("python_envs", "Python environments"),
    ("h2o", "H2O-3"),
    ("rapids", "RAPIDS"),
    ("java", "Java"),
    ("chrome", "Google Chrome"),
    ("editor", "Editor (VS Code)"),
)


def _upstream(version):
    """Debian version -> upstream part: '1:2.36-9+deb12u8' -> '2.36'."""
    version = version.split(":", 1)[-1]
    return version.rsplit("-", 1)[0] if "-" in version else version


def _package_licence(apt_by_name, names):
    choices = []
    for name in names:
        package = apt_by_name.get(name)
        if package:
            text = licence_display(package["licences"])
            if text and text not in choices:
                choices.append(text)
    return "; ".join(choices)


def _row(key, name, version, **fields):
    """A row of the table: key, name, version, licence, notes, source."""
    return {"key": key, "name": name, "version": version or "", "licence": fields.get("licence") or "",
            "notes": fields.get("notes") or "", "source": fields.get("source") or "apt"}


def _driver_notes(driver):
    notes = [f"{driver['flavour']} kernel modules"] if driver.get("flavour") else []
    if driver.get("kernel_module_version"):
        notes.append(f"loaded module {driver['kernel_module_version']}")
    else:
        notes.append("kernel module not loaded")
    if driver.get("kernel_module_mismatch"):
        notes.append("reboot pending")
    packages = driver.get("packages") or {}
    if packages and all(info.get("held") for info in packages.values()):
        notes.append("packages held")
    return "; ".join(notes)


def _cuda_row(cuda, apt_by_name):
    toolkits = cuda.get("toolkits") or []
    version = cuda.get("default_version") or (toolkits[-1]["version"] if toolkits else "")
    notes = []
    if len(cuda.get("versions") or []) > 1:
        notes.append("installed: " + ", ".join(cuda["versions"]))
    if cuda.get("default_path"):
        notes.append("default " + cuda["default_path"])
    return _row("cuda", "CUDA toolkit", version, notes="; ".join(notes),
                licence=_package_licence(apt_by_name, sorted(cuda.get("packages") or {})))


def _count(number, noun):
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _env_rows(envs, key_packages):
    rows = []
    for env_name, env in envs.items():
        source = "env:" + env_name
        rows.append(_row("python_env", f"Python environment {env_name}", env.get("python_version"), source=source,
                         notes=f"{_count(len(env['packages']), 'package')} in {env['path']}"))
        for key in key_packages:
            package = env["packages"].get(normalise_name(key))
            if package:
                rows.append(_row("python_package", KEY_PACKAGE_LABELS.get(package["name"], package["display_name"]),
                                 package["version"], licence=licence_display(package["licences"]),
                                 notes=f"environment {env_name}", source=source))
    return rows


def _rapids_row(rapids, envs):
    env_packages = (envs.get(rapids.get("env")) or {}).get("packages", {})
    licence = "; ".join(_dedupe([licence_display(env_packages[name]["licences"])
                                 for name in sorted(rapids.get("packages") or {}) if name in env_packages]))
    notes = f"environment {rapids.get('env')}"
    if rapids.get("cuda_variant"):
        notes += "; " + rapids["cuda_variant"]
    return _row("rapids", "RAPIDS", rapids.get("version"), licence=licence, notes=notes,
                source=f"env:{rapids.get('env')}")


_EDITOR_LABELS = {"vscode": "Visual Studio Code", "vscode-insiders": "Visual Studio Code Insiders", "atom": "Atom"}


def build_components(stack, apt, envs, key_packages, os_info):
    """The rows of the "software included" table, for what is installed only, in the seed README's
    order. Returns (rows, names of the components that are not installed)."""
    stack = stack or {}
    envs = envs or {}
    apt_by_name = {package["name"]: package for package in apt}

    def licence_of(*names):
        return _package_licence(apt_by_name, [name for name in names if name])

    rows = [_row("os", "Operating system", os_info.get("version"), licence="various (see the SBOM)",
                 notes=f"{os_info.get('pretty_name', '')} ({os_info.get('architecture', '')})", source="os-release")]
    driver = stack.get("nvidia_driver")
    if driver:
        rows.append(_row("nvidia_driver", "NVIDIA driver", driver.get("version"), notes=_driver_notes(driver),
                         licence=licence_of(*sorted(driver.get("packages") or {}))))
    if stack.get("cuda"):
        rows.append(_cuda_row(stack["cuda"], apt_by_name))
    cudnn = stack.get("cudnn")
    if cudnn:
        rows.append(_row("cudnn", "cuDNN", cudnn.get("version"),
                         licence=licence_of(*sorted(cudnn.get("packages") or {})),
                         notes=f"for CUDA {cudnn['cuda']}" if cudnn.get("cuda") else ""))
    docker = stack.get("docker")
    if docker:
        runtimes = ["runtimes: " + ", ".join(docker["runtimes"])] if docker.get("runtimes") else []
        notes = [docker.get("edition") or "", *runtimes]
        rows.append(_row("docker", "Docker", docker.get("version"), licence=licence_of(docker.get("edition")),
                         notes="; ".join(note for note in notes if note)))
    toolkit = stack.get("nvidia_container_toolkit")
    if toolkit:
        rows.append(_row("nvidia_container_toolkit", "NVIDIA Container Toolkit", toolkit.get("version"),
                         licence=licence_of(toolkit.get("package")),
                         notes=("CDI: " + ", ".join(toolkit["cdi_specs"])) if toolkit.get("cdi_specs") else ""))
    pythons = [package for package in apt if re.fullmatch(r"python3\.\d+", package["name"])]
    if pythons:
        python = max(pythons, key=lambda package: int(package["name"][len("python3."):]))
        rows.append(_row("python", "Python (system)", _upstream(python["version"]),
                         licence=licence_display(python["licences"]), notes=f"/usr/bin/python3 ({python['name']})"))
    rows.extend(_env_rows(envs, key_packages))
    h2o = stack.get("h2o")
    if h2o:
        package = (envs.get(h2o.get("env")) or {}).get("packages", {}).get("h2o") or {}
        rows.append(_row("h2o", "H2O-3", h2o.get("version"), licence=licence_display(package.get("licences")),
                         notes=f"environment {h2o.get('env')}", source=f"env:{h2o.get('env')}"))
    if stack.get("rapids"):
        rows.append(_rapids_row(stack["rapids"], envs))
    java = stack.get("java")
    if java:
        rows.append(_row("java", "Java", java.get("version"), notes=java.get("home"),
                         licence=licence_of(*sorted(java.get("packages") or {}))))
    chrome = stack.get("chrome")
    if chrome:
        rows.append(_row("chrome", "Google Chrome", chrome.get("version"), licence=licence_of(chrome.get("package")),
                         notes="held" if chrome.get("held") else ""))
    editor = stack.get("editor")
    if editor:
        rows.append(_row("editor", _EDITOR_LABELS.get(editor.get("name"), editor.get("name")), editor.get("version"),
                         licence=licence_of(editor.get("package"))))
    missing = [name for key, name in COMPONENT_NAMES if not stack.get(key)]
    return rows, missing


def _apt_keys(apt):
    counts = {}
    for package in apt:
        counts[package["name"]] = counts.get(package["name"], 0) + 1
    return ["{}:{}".format(p["name"], p["arch"]) if counts[p["name"]] > 1 else p["name"] for p in apt]


def os_info_from_release(release, debian_version=None, architecture=None):
    version = release.get("VERSION_ID", "")
    if release.get("ID") == "debian" and debian_version and re.match(r"^\d+(\.\d+)*$", debian_version.strip()):
        version = debian_version.strip()
    return {
        "id": release.get("ID", ""),
        "version_id": release.get("VERSION_ID", ""),
        "version": version,
        "codename": release.get("VERSION_CODENAME", ""),
        "pretty_name": release.get("PRETTY_NAME", ""),
        "architecture": architecture or "",
    }


def build_sbom(*, host, profile, tool_version, os_info, apt, envs, spec_version="1.6"):
    """The CycloneDX document, with serialNumber and metadata.timestamp left None (see finalise)."""
    namespace = os_info.get("id") or "debian"
    distro = "{}-{}".format(namespace, os_info.get("version_id")) if os_info.get("version_id") else ""
    components = []
    for package in apt:
        purl = deb_purl(package["name"], package["version"], package["arch"], namespace, distro)
        component = {"type": "library", "bom-ref": purl, "name": package["name"], "version": package["version"],
                     "purl": purl}
        if package.get("licences"):
            component["licenses"] = package["licences"]
        properties = [{"name": "mlbox:package:manager", "value": "apt"}]
        if package["source"] != package["name"] or package["source_version"] != package["version"]:
            properties.append({"name": "mlbox:deb:source",
                               "value": "{} {}".format(package["source"], package["source_version"])})
        if package.get("held"):
            properties.append({"name": "mlbox:deb:held", "value": "true"})
        if package.get("licence_source"):
            properties.append({"name": "mlbox:licence:source", "value": package["licence_source"]})
        component["properties"] = properties
        components.append(component)
    for env_name, env in envs.items():
        for package in env["packages"].values():
            if package["kind"] == "conda":
                purl = conda_purl(package["name"], package["version"])
            else:
                purl = pypi_purl(package["name"], package["version"])
            component = {"type": "library", "bom-ref": f"{purl}#env={env_name}",
                         "name": package["name"], "version": package["version"], "purl": purl}
            if package["licences"]:
                component["licenses"] = package["licences"]
            properties = [
                {"name": "mlbox:package:manager", "value": "pip" if package["kind"] == "pypi" else "conda"},
                {"name": "mlbox:python:env", "value": env_name},
                {"name": "mlbox:python:env-path", "value": env["path"]},
            ]
            if package["licences"]:
                properties.append({"name": "mlbox:licence:source", "value": "metadata"})
            component["properties"] = properties
            components.append(component)
    box_properties = [{"name": "mlbox:profile", "value": profile}]
    for key in ("pretty_name", "architecture"):
        if os_info.get(key):
            box_properties.append({"name": "mlbox:os:" + key.replace("_", "-"), "value": os_info[key]})
    return {
        "$schema": CYCLONEDX_SCHEMAS[spec_version],
        "bomFormat": "CycloneDX",
        "specVersion": spec_version,
        "serialNumber": None,
        "version": 1,
        "metadata": {
            "timestamp": None,
            "tools": {"components": [{
                "type": "application",
                "group": "mlinabox",
                "name": "stack",
                "version": tool_version,
                "description": "Ansible collection mlinabox.stack, role manifest",
            }]},
            "component": {
                "type": "operating-system",
                "bom-ref": "box:" + host,
                "name": host,
                "version": profile,
                "description": f"ML in a Box, profile {profile}",
                "properties": box_properties,
            },
        },
        "components": components,
    }


def build_manifest(*, host, profile, tool_version, os_info, stack, apt, envs, key_packages, sbom_path, sbom):
    """The plain-JSON manifest, with 'generated' left None (see finalise)."""
    rows, missing = build_components(stack, apt, envs, key_packages, os_info)
    apt_packages = {}
    for key, package in zip(_apt_keys(apt), apt):
        apt_packages[key] = {
            "version": package["version"],
            "arch": package["arch"],
            "source": package["source"],
            "licence": licence_display(package.get("licences")),
        }
    python_envs = {}
    for env_name, env in envs.items():
        python_envs[env_name] = {
            "path": env["path"],
            "kind": env["kind"],
            "python_version": env["python_version"],
            "freeze_file": env["freeze"] is not None,
            "user_packages": env.get("user_packages"),
            "packages": {name: {"version": package["version"], "licence": licence_display(package["licences"])}
                         for name, package in env["packages"].items()},
        }
    return {
        "format": "mlbox-manifest",
        "format_version": 1,
        "host": host,
        "profile": profile,
        "generated": None,
        "collection_version": tool_version,
        "os": os_info,
        "components": rows,
        "not_installed": missing,
        "python_envs": python_envs,
        "apt_packages": apt_packages,
        "sbom": {
            "path": sbom_path,
            "format": "CycloneDX {}".format(sbom["specVersion"]),
            "serial_number": sbom["serialNumber"],
            "components": len(sbom["components"]),
            "with_licence": sum(1 for component in sbom["components"] if component.get("licenses")),
        },
    }


def _without(doc, paths):
    doc = copy.deepcopy(doc)
    for path in paths:
        node = doc
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
            if node is None:
                break
        if isinstance(node, dict):
            node.pop(path[-1], None)
    return doc


SBOM_VOLATILE = (("serialNumber",), ("metadata", "timestamp"))
MANIFEST_VOLATILE = (("generated",), ("sbom", "serial_number"))


def same_content(new, previous, volatile):
    """Whether two documents are equal apart from their volatile fields (timestamps, serial)."""
    return isinstance(previous, dict) and _without(new, volatile) == _without(previous, volatile)


def finalise_sbom(sbom, previous, timestamp, serial):
    """Fill serialNumber and timestamp: the previous document's when nothing else changed (the
    same BOM, so the same serial and date), else the new ones. Returns (sbom, changed)."""
    if same_content(sbom, previous, SBOM_VOLATILE) and previous.get("serialNumber"):
        sbom["serialNumber"] = previous["serialNumber"]
        sbom["metadata"]["timestamp"] = previous.get("metadata", {}).get("timestamp") or timestamp
        return sbom, False
    sbom["serialNumber"] = serial
    sbom["metadata"]["timestamp"] = timestamp
    return sbom, True


def finalise_manifest(manifest, sbom, previous, timestamp):
    manifest["sbom"]["serial_number"] = sbom["serialNumber"]
    if same_content(manifest, previous, MANIFEST_VOLATILE) and previous.get("generated") and (
            previous.get("sbom", {}).get("serial_number") == sbom["serialNumber"]):
        manifest["generated"] = previous["generated"]
        return manifest, False
    manifest["generated"] = timestamp
    return manifest, True
