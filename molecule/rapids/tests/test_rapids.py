"""State the rapids role leaves on Debian 12 without a GPU (molecule scenario `rapids`).

Converge resolved two plans (rapids_install: plan) and kept them in /root/rapids-plan-<variant>.json; nothing but
uv may be installed, and the skipped run (no GPU, no image build) must have built nothing.
"""

from __future__ import annotations

import json

import pytest

SERIES = "26.10."


def plan(host, variant: str) -> dict:
    return json.loads(host.file(f"/root/rapids-plan-{variant}.json").content_string)


@pytest.mark.parametrize(
    ("variant", "libraries"),
    [("cu12", ["cudf", "cuml"]), ("cu13", ["cudf", "cuml", "cugraph"])],
)
def test_plan_pins_the_libraries_to_the_series(host, variant, libraries):
    resolved = plan(host, variant)
    for library in libraries:
        assert resolved[f"{library}-{variant}"].startswith(SERIES), resolved
        # The wheels' own libraries come in the same variant.
        assert resolved[f"lib{library}-{variant}"].startswith(SERIES), resolved
    other = "cu13" if variant == "cu12" else "cu12"
    assert not [name for name in resolved if name.endswith(f"-{other}")]
    assert resolved["ipykernel"] == "7.4.0"
    # RAPIDS 26.10 needs NumPy 2.
    assert resolved["numpy"].startswith("2.")


def test_plan_installs_nothing_but_uv(host):
    assert host.file("/opt/mlbox/tools/bin/uv").is_file
    assert not host.file("/opt/mlbox/envs/rapids").exists
    assert not host.file("/usr/local/share/jupyter/kernels/rapids").exists
    assert not host.run("find / -xdev -name 'cudf*' -path '*site-packages*' -print -quit").stdout.strip()


def test_plan_downloaded_metadata_only(host):
    # The cudf, cuml and NVIDIA library wheels are gigabytes; the plan reads their metadata only.
    size_kib = int(host.check_output("du -sk /var/cache/mlbox/uv").split()[0])
    assert size_kib < 200 * 1024
