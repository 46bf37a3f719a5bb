# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Licences as CycloneDX wants them: SPDX normalisation, the licences of Debian and Python packages,
and the licence rules for packages without a machine-readable copyright file.

Debian's machine-readable (DEP-5) copyright files, the licence fields of Python package metadata and
conda's free text are mapped to SPDX identifiers and expressions where that is unambiguous, and kept as
names otherwise. Standard library only: runs on the target (Python 3.8+).

A licence is kept in CycloneDX's own shape, a "licence choice": either a list of
{"license": {"id": <SPDX id>}} / {"license": {"name": <text>, "url": ...}} objects, or a list of
exactly one {"expression": <SPDX expression>}; an empty list when nothing is known.
"""

from __future__ import annotations

import copy
import re

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
# Debian's machine-readable copyright files (DEP-5).
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
