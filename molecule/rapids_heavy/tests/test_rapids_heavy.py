"""State the rapids role leaves in an image-build run without a GPU (molecule scenario `rapids_heavy`)."""

from __future__ import annotations

import json

ENV = "/opt/mlbox/envs/rapids"
PYTHON = f"{ENV}/bin/python"
# The distribution's python3 per Debian release (the environment's by default; the 26.10 wheels are cp311-abi3).
PYTHON_OF_RELEASE = {"bookworm": "3.11", "trixie": "3.13"}


def freeze(host) -> dict:
    lines = host.file(f"{ENV}/.mlbox-freeze.txt").content_string.splitlines()
    return dict(line.split("==", 1) for line in lines if "==" in line)


def test_rapids_wheels_for_cuda_12(host):
    packages = freeze(host)
    assert packages["cudf-cu12"].startswith("26.10.")
    assert packages["cuml-cu12"].startswith("26.10.")
    assert packages["ipykernel"] == "7.4.0"
    assert [name for name in packages if name.startswith("nvidia-") and name.endswith("-cu12")]
    assert not [name for name in packages if name.endswith("-cu13")]


def test_environment_python_is_the_distributions(host):
    codename = host.system_info.codename
    assert codename in PYTHON_OF_RELEASE, f"no expected Python for Debian {codename}"
    version = "import sys; print('%d.%d' % sys.version_info[:2])"
    assert host.check_output(f'/usr/bin/python3 -c "{version}"') == PYTHON_OF_RELEASE[codename]
    assert host.check_output(f'{PYTHON} -c "{version}"') == PYTHON_OF_RELEASE[codename]


def test_spec_and_kernel(host):
    spec = json.loads(host.file(f"{ENV}/.mlbox-spec.json").content_string)
    assert spec["owner"] == "rapids"
    assert "cudf-cu12==26.10.*" in spec["packages"]
    kernel = json.loads(host.file("/usr/local/share/jupyter/kernels/rapids/kernel.json").content_string)
    assert kernel["display_name"] == "RAPIDS"
    assert kernel["argv"][0] == PYTHON


def test_packages_are_importable_without_touching_a_gpu(host):
    # The distributions are complete: their metadata and the modules' files are in place (importing cudf
    # itself needs a CUDA driver, which an image build does not have).
    code = (
        "import importlib.util as u, importlib.metadata as m; "
        "print(all(u.find_spec(n) for n in ('cudf', 'cuml', 'cupy', 'rmm')), m.version('cudf-cu12'))"
    )
    result = host.run(f'{PYTHON} -c "{code}"')
    assert result.rc == 0, result.stderr
    found, version = result.stdout.split()
    assert found == "True"
    assert version.startswith("26.10.")


def test_verification_skipped_without_gpu(host):
    outcome = json.loads(host.file("/root/rapids-verify.json").content_string)
    assert outcome["status"] == "skipped"
    assert outcome["detail"] == "no GPU: verification skipped"
