# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Parsing nvidia-smi output of several driver generations, and the compute_cap fallback."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible_collections.mlinabox.stack.plugins.module_utils.nvidia_smi import (
    FIELDS_WITHOUT_COMPUTE_CAP,
    QUERY_FIELDS,
    failure_message,
    normalise_bus_id,
    parse_query_output,
    query_command,
    rejects_field,
    run_query,
)

OUTPUTS = Path(__file__).parent / "fixtures" / "nvidia-smi"


def read(name):
    return (OUTPUTS / name).read_text()


def test_query_command_is_the_documented_query():
    assert query_command("/usr/bin/nvidia-smi") == [
        "/usr/bin/nvidia-smi",
        "--query-gpu=index,name,uuid,pci.bus_id,driver_version,compute_cap,memory.total",
        "--format=csv,noheader,nounits",
    ]
    assert "compute_cap" not in query_command("nvidia-smi", FIELDS_WITHOUT_COMPUTE_CAP)[1]


@pytest.mark.parametrize(
    ("bus_id", "expected"),
    [
        ("00000000:01:00.0", "0000:01:00.0"),
        ("00000000:3B:00.0", "0000:3b:00.0"),
        ("00000001:AF:1F.7", "0001:af:1f.7"),
        ("0000:01:00.0", "0000:01:00.0"),
        (" 00000000:DB:00.0 ", "0000:db:00.0"),
        ("not an address", "not an address"),
    ],
)
def test_normalise_bus_id(bus_id, expected):
    assert normalise_bus_id(bus_id) == expected


def test_parse_535_single_gpu():
    assert parse_query_output(read("535-t4.csv")) == [
        {
            "index": 0,
            "name": "Tesla T4",
            "uuid": "GPU-2f7b9c41-5e0a-b3d8-6c12-9e4a7d0f1b53",
            "pci_address": "0000:00:04.0",
            "driver_version": "535.183.01",
            "compute_capability": "7.5",
            "memory_mib": 15360,
        }
    ]


def test_parse_580_eight_gpus():
    rows = parse_query_output(read("580-hgx-h100x8.csv"))
    assert [row["index"] for row in rows] == list(range(8))
    assert [row["pci_address"] for row in rows] == [
        f"0000:{bus}:00.0" for bus in ("18", "2a", "3a", "5d", "9a", "ab", "ba", "db")
    ]
    assert {(row["name"], row["driver_version"], row["compute_capability"], row["memory_mib"]) for row in rows} == {
        ("NVIDIA H100 80GB HBM3", "580.95.05", "9.0", 81559)
    }
    assert len({row["uuid"] for row in rows}) == 8


def test_parse_skips_the_warning_line_of_a_mixed_host():
    rows = parse_query_output(read("580-mixed.csv"))
    assert [(row["pci_address"], row["compute_capability"]) for row in rows] == [
        ("0000:3b:00.0", "6.0"),
        ("0000:5e:00.0", "7.0"),
        ("0000:86:00.0", "7.5"),
        ("0000:af:00.0", "8.6"),
    ]


def test_parse_470_output_without_compute_cap():
    rows = parse_query_output(read("470-k80.csv"), FIELDS_WITHOUT_COMPUTE_CAP)
    assert [(row["pci_address"], row["name"], row["driver_version"], row["compute_capability"]) for row in rows] == [
        ("0000:04:00.0", "Tesla K80", "470.63.01", None),
        ("0000:05:00.0", "Tesla K80", "470.63.01", None),
    ]
    # Read with the full field list the 6-value lines do not fit and are skipped, not misread.
    assert parse_query_output(read("470-k80.csv"), QUERY_FIELDS) == []


def test_parse_not_available_values():
    text = "0, NVIDIA A100-SXM4-40GB, [N/A], 00000000:01:00.0, 580.95.05, [Not Supported], [N/A]\n"
    [row] = parse_query_output(text)
    assert (row["uuid"], row["compute_capability"], row["memory_mib"]) == (None, None, None)


@pytest.mark.parametrize("name", ["failed-no-driver.txt", "no-devices.txt", "470-rejects-compute-cap.txt"])
def test_error_outputs_parse_to_nothing(name):
    assert parse_query_output(read(name)) == []


def test_rejects_field():
    assert rejects_field(read("470-rejects-compute-cap.txt"))
    assert not rejects_field(read("failed-no-driver.txt"))
    assert not rejects_field(read("535-t4.csv"))


def test_failure_message():
    assert failure_message(9, read("failed-no-driver.txt"), "") == (
        "nvidia-smi failed (rc=9): NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. "
        "Make sure that the latest NVIDIA driver is installed and running."
    )
    assert failure_message(6, "No devices were found\n", "") == "nvidia-smi failed (rc=6): No devices were found"
    assert failure_message(1, "", "") == "nvidia-smi failed (rc=1): no output"


class Recorder:
    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = []

    def __call__(self, args):
        self.calls.append(args)
        return self.answers.pop(0)


def test_run_query_retries_without_compute_cap_on_a_470_driver():
    run = Recorder((2, read("470-rejects-compute-cap.txt"), ""), (0, read("470-k80.csv"), ""))
    rows, driver, error = run_query(run, "nvidia-smi")
    assert error is None
    assert driver == "470.63.01"
    assert len(rows) == 2
    assert "compute_cap" in run.calls[0][1]
    assert "compute_cap" not in run.calls[1][1]


def test_run_query_retries_even_when_the_rejection_exits_0():
    run = Recorder((0, read("470-rejects-compute-cap.txt"), ""), (0, read("470-k80.csv"), ""))
    rows, _driver, _error = run_query(run, "nvidia-smi")
    assert len(rows) == 2


def test_run_query_once_on_a_current_driver():
    run = Recorder((0, read("580-mixed.csv"), ""))
    rows, driver, error = run_query(run, "nvidia-smi")
    assert (len(rows), driver, error, len(run.calls)) == (4, "580.95.05", None, 1)


def test_run_query_failure():
    run = Recorder((9, read("failed-no-driver.txt"), ""))
    rows, driver, error = run_query(run, "nvidia-smi")
    assert rows == []
    assert driver is None
    assert error.startswith("nvidia-smi failed (rc=9): NVIDIA-SMI has failed")
