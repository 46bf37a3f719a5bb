"""After `make box`: the artifacts on the controller describe the box as it is.

    .venv/bin/python tests/harness/check_box_artifacts.py <artifacts dir of the box> <container name>

Checks that manifest.json, manifest.md, sbom.cdx.json, verify.json and verify.md are there, that the SBOM
is valid against the vendored CycloneDX schema, and that every apt and Python package in the SBOM has the
version that dpkg and each environment's own interpreter report inside the container. Exit 0 when all hold.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "schemas"))
import validate_cyclonedx

DOCUMENTS = ("manifest.json", "manifest.md", "sbom.cdx.json", "verify.json", "verify.md")
METADATA = ("import importlib.metadata as m, json, re; print(json.dumps("
            "{re.sub(r'[-_.]+', '-', d.metadata['Name']).lower(): d.version for d in m.distributions()}))")


def in_box(container: str, *argv: str) -> str:
    return subprocess.run(["docker", "exec", container, *argv], check=True, capture_output=True, text=True).stdout


def prop(component: dict, name: str) -> str | None:
    return next((p["value"] for p in component.get("properties", []) if p["name"] == name), None)


def problems(artifacts: Path, container: str) -> list[str]:
    missing = [doc for doc in DOCUMENTS if not (artifacts / doc).is_file()]
    if missing:
        return [f"missing in {artifacts}: {', '.join(missing)}"]
    sbom = json.loads((artifacts / "sbom.cdx.json").read_text())
    found = [f"SBOM: {error}" for error in validate_cyclonedx.errors(sbom)]

    dpkg = {}
    for line in in_box(container, "dpkg-query", "--show",
                       "--showformat=${Package}\t${Version}\t${db:Status-Abbrev}\n").splitlines():
        name, version, status = line.split("\t")
        if status.strip() in ("ii", "hi"):
            dpkg[name] = version
    envs: dict[str, dict[str, str]] = {}
    apt_names: set[str] = set()
    python_count = 0
    for component in sbom["components"]:
        manager = prop(component, "mlbox:package:manager")
        if manager == "apt":
            name = component["name"]
            apt_names.add(name)
            if dpkg.get(name) != component["version"]:
                found.append(f"apt {name}: SBOM {component['version']}, dpkg {dpkg.get(name)}")
        elif manager == "pip":
            python_count += 1
            path = prop(component, "mlbox:python:env-path")
            if path not in envs:
                envs[path] = json.loads(in_box(container, f"{path}/bin/python", "-c", METADATA))
            name = re.sub(r"[-_.]+", "-", component["name"]).lower()
            if envs[path].get(name) != component["version"]:
                found.append(f"pip {name} in {path}: SBOM {component['version']}, installed {envs[path].get(name)}")
    if python_count == 0:
        found.append("the SBOM lists no Python package")
    if set(dpkg) != apt_names:
        found.append(f"installed but not in the SBOM: {sorted(set(dpkg) - apt_names)[:20]}; "
                     f"in the SBOM but not installed: {sorted(apt_names - set(dpkg))[:20]}")
    print(f"{artifacts}: SBOM valid, {len(apt_names)} apt and {python_count} Python packages checked against the box"
          if not found else f"{artifacts}: {len(found)} problem(s)")
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    found = problems(Path(argv[0]), argv[1])
    for problem in found[:40]:
        print("  " + problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
