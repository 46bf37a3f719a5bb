# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Running and parsing `nvidia-smi --query-gpu` (standard library only, Python 3.8+)."""

from __future__ import annotations

import csv
import re

QUERY_FIELDS = ("index", "name", "uuid", "pci.bus_id", "driver_version", "compute_cap", "memory.total")

# Drivers before R510 (the 470 era) do not know compute_cap: nvidia-smi answers
# 'Field "compute_cap" is not a valid field to query.' and the query is repeated without it.
FIELDS_WITHOUT_COMPUTE_CAP = tuple(field for field in QUERY_FIELDS if field != "compute_cap")

_MISSING = ("", "n/a", "[n/a]", "[not supported]", "[unknown error]", "[insufficient permissions]", "[gpu is lost]")


def query_command(binary, fields=QUERY_FIELDS):
    """The argument list of the query."""
    return [binary, "--query-gpu=" + ",".join(fields), "--format=csv,noheader,nounits"]


def rejects_field(output, field="compute_cap"):
    """True when nvidia-smi's output says that `field` is not a valid query field."""
    return bool(re.search(r'"?' + re.escape(field) + r'"? is not a valid field', output or ""))


def normalise_bus_id(bus_id):
    """nvidia-smi '00000000:3B:00.0' (8-digit domain, upper case) -> sysfs '0000:3b:00.0'.
    Returns the lower-cased input when it is not a PCI address."""
    text = (bus_id or "").strip().lower()
    match = re.match(r"^([0-9a-f]+):([0-9a-f]{1,2}):([0-9a-f]{1,2})\.([0-7])$", text)
    if not match:
        return text
    domain, bus, device, function = match.groups()
    return f"{int(domain, 16):04x}:{int(bus, 16):02x}:{int(device, 16):02x}.{function}"


def _value(text):
    text = (text or "").strip()
    return None if text.lower() in _MISSING else text


def _int(text):
    text = _value(text)
    if text is None:
        return None
    match = re.match(r"^(\d+)", text)
    return int(match.group(1)) if match else None


def parse_query_output(text, fields=QUERY_FIELDS):
    """Rows of `nvidia-smi --query-gpu=<fields> --format=csv,noheader,nounits` as dicts with
    index, name, uuid, pci_address (sysfs form), driver_version, compute_capability, memory_mib.

    Lines with another number of values (nvidia-smi prints warnings such as an infoROM notice on
    stdout) are skipped.
    """
    rows = []
    lines = [line for line in (text or "").splitlines() if line.strip()]
    for values in csv.reader(lines, skipinitialspace=True):
        if len(values) != len(fields):
            continue
        raw = dict(zip(fields, values))
        if not _value(raw.get("pci.bus_id")):
            continue
        rows.append({
            "index": _int(raw.get("index")),
            "name": _value(raw.get("name")),
            "uuid": _value(raw.get("uuid")),
            "pci_address": normalise_bus_id(raw.get("pci.bus_id")),
            "driver_version": _value(raw.get("driver_version")),
            "compute_capability": _value(raw.get("compute_cap")),
            "memory_mib": _int(raw.get("memory.total")),
        })
    return rows


def failure_message(rc, stdout, stderr):
    """A one-line reason for a failed nvidia-smi run."""
    lines = [line.strip() for line in ((stderr or "") + "\n" + (stdout or "")).splitlines() if line.strip()]
    reason = lines[0] if lines else "no output"
    return f"nvidia-smi failed (rc={rc}): {reason}"


def run_query(run_command, binary):
    """Run the query through `run_command(args) -> (rc, stdout, stderr)`, retrying without
    compute_cap for old drivers. Returns (rows, driver_version, error message or None)."""
    fields = QUERY_FIELDS
    rc, out, err = run_command(query_command(binary, fields))
    if rejects_field(f"{out}\n{err}"):  # whatever the exit code
        fields = FIELDS_WITHOUT_COMPUTE_CAP
        rc, out, err = run_command(query_command(binary, fields))
    if rc != 0:
        return [], None, failure_message(rc, out, err)
    rows = parse_query_output(out, fields)
    versions = [row["driver_version"] for row in rows if row["driver_version"]]
    return rows, (versions[0] if versions else None), None
