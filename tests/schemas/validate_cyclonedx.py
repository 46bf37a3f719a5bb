# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Validate a CycloneDX JSON SBOM against the vendored schema (offline), with jsonschema.

    .venv/bin/python tests/schemas/validate_cyclonedx.py artifacts/<host>/sbom.cdx.json

The schema files in cyclonedx/ refer to each other by relative URL; they are registered under both
the URL those references resolve to and their own $id, so nothing is fetched.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path

import jsonschema
from referencing import Registry, Resource

SCHEMA_DIR = Path(__file__).resolve().parent / "cyclonedx"
BASE = "http://cyclonedx.org/schema/"


@cache
def registry() -> Registry:
    resources = []
    for name in ("spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json"):
        contents = json.loads((SCHEMA_DIR / name).read_text())
        resource = Resource.from_contents(contents)
        resources += [(BASE + name, resource), (contents["$id"], resource)]
    return Registry().with_resources(resources)


@cache
def spdx_ids() -> frozenset[str]:
    """The SPDX licence identifiers the schema accepts as a licence "id"."""
    return frozenset(json.loads((SCHEMA_DIR / "spdx.SNAPSHOT.schema.json").read_text())["enum"])


def validator(spec_version: str) -> jsonschema.Draft7Validator:
    schema = json.loads((SCHEMA_DIR / f"bom-{spec_version}.SNAPSHOT.schema.json").read_text())
    return jsonschema.Draft7Validator(schema, registry=registry(),
                                      format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def errors(document: dict) -> list[str]:
    """Schema violations of a CycloneDX document (its specVersion picks the schema), as text."""
    found = validator(str(document.get("specVersion")))
    return [f"{'/'.join(str(part) for part in error.absolute_path)}: {error.message}"
            for error in found.iter_errors(document)]


def main(paths: list[str]) -> int:
    status = 0
    for path in paths:
        try:
            problems = errors(json.loads(Path(path).read_text()))
        except (OSError, ValueError) as error:
            print(f"{path}: cannot read a JSON document: {error}")
            status = 2
            continue
        for problem in problems[:50]:
            print(f"{path}: {problem}")
        if problems:
            status = max(status, 1)
        else:
            print(f"{path}: valid")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
