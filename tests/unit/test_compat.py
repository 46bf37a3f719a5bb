# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The compatibility checks (compat.py) against the matrix (compat_matrix.py): every rule with passing and failing
cases, the warnings, the helpers, and the tables' own consistency and citations."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from ansible_collections.mlinabox.stack.plugins.module_utils import compat, compat_matrix
from ansible_collections.mlinabox.stack.plugins.module_utils.compat import (
    architecture_for_cc,
    check_plan,
    cuda_from_variant,
    driver_satisfies,
    java_major,
    newest_cuda_for_driver,
    nvidia_repo_arch,
    nvidia_repo_distro,
    nvidia_repo_path,
)
from ansible_collections.mlinabox.stack.plugins.module_utils.compat_matrix import MATRIX

TODAY = datetime.date(2026, 11, 26)


def gpu(architecture, address, cc=None):
    return {"pci_address": address, "architecture": architecture, "compute_capability": cc}


KEPLER = gpu("kepler", "0000:04:00.0", "3.7")
MAXWELL = gpu("maxwell", "0000:06:00.0")  # no exact compute capability: the range 5.0-5.x decides
PASCAL = gpu("pascal", "0000:3b:00.0", "6.0")
VOLTA = gpu("volta", "0000:5e:00.0", "7.0")
TURING = gpu("turing", "0000:86:00.0", "7.5")
AMPERE = gpu("ampere", "0000:01:00.0", "8.0")
HOPPER = gpu("hopper", "0000:18:00.0", "9.0")
BLACKWELL = gpu("blackwell", "0000:17:00.0", "10.0")


def run(plan):
    return check_plan(plan, today=TODAY)


# (rule, plan, None for a pass or the expected part of an error). Every rule that check_plan can
# run has at least one passing and one failing case (test_every_rule_has_cases).
CASES = [
    # CUDA against the driver minimum
    ("cuda_driver", {"cuda_version": "12.8", "driver_branch": "580"}, None),
    ("cuda_driver", {"cuda_version": "12.2", "driver_branch": 535}, None),
    ("cuda_driver", {"cuda_version": "11.4", "driver_branch": "470.63.01"}, None),
    ("cuda_driver", {"cuda_version": "13.2.1", "driver_branch": "595"}, None),
    (
        "cuda_driver",
        {"cuda_version": "13.0", "driver_branch": "535"},
        "CUDA 13.0 needs driver branch >= 580, driver_branch is 535: raise driver_branch or choose CUDA <= 12.2",
    ),
    (
        "cuda_driver",
        {"cuda_version": "12.2", "driver_branch": "470"},
        "CUDA 12.2 needs driver branch >= 535, driver_branch is 470",
    ),
    (
        "cuda_driver",
        {"cuda_version": "11.4", "driver_branch": "450.80.01"},
        "CUDA 11.4 needs driver version >= 470.42.01, driver_branch is 450.80.01",
    ),
    # the driver branch against each GPU's architecture
    ("gpu_driver_branch", {"gpus": [KEPLER], "driver_branch": "470"}, None),
    ("gpu_driver_branch", {"gpus": [PASCAL, VOLTA], "driver_branch": "580"}, None),
    ("gpu_driver_branch", {"gpus": [BLACKWELL], "driver_branch": "580"}, None),
    ("gpu_driver_branch", {"gpus": [AMPERE, HOPPER], "driver_branch": "595"}, None),
    (
        "gpu_driver_branch",
        {"gpus": [KEPLER], "driver_branch": "535"},
        "driver_branch 535 does not support kepler GPU 0000:04:00.0 (the last branch for kepler is R470): "
        "set driver_branch to 470 or older",
    ),
    ("gpu_driver_branch", {"gpus": [VOLTA], "driver_branch": "595"}, "the last branch for volta is R580"),
    ("gpu_driver_branch", {"gpus": [MAXWELL], "driver_branch": "620"}, "maxwell GPU 0000:06:00.0"),
    (
        "gpu_driver_branch",
        {"gpus": [BLACKWELL], "driver_branch": "535"},
        "blackwell GPU 0000:17:00.0 needs CUDA >= 12.8 and so driver branch >= 570, driver_branch is 535",
    ),
    # the driver flavour against the GPUs
    ("gpu_driver_flavour", {"gpus": [TURING, AMPERE], "driver_flavour": "open"}, None),
    ("gpu_driver_flavour", {"gpus": [PASCAL], "driver_flavour": "proprietary"}, None),
    ("gpu_driver_flavour", {"gpus": [BLACKWELL], "driver_flavour": "open"}, None),
    (
        "gpu_driver_flavour",
        {"gpus": [PASCAL, TURING], "driver_flavour": "open"},
        "driver_flavour open does not support pascal GPU 0000:3b:00.0 (the open kernel modules need Turing or newer): "
        "set driver_flavour to proprietary",
    ),
    ("gpu_driver_flavour", {"gpus": [MAXWELL], "driver_flavour": "open"}, "does not support maxwell GPU"),
    (
        "gpu_driver_flavour",
        {"gpus": [BLACKWELL], "driver_flavour": "proprietary"},
        "driver_flavour proprietary does not support blackwell GPU 0000:17:00.0",
    ),
    # CUDA against the GPUs' architecture
    ("gpu_cuda", {"gpus": [VOLTA], "cuda_version": "12.9"}, None),
    ("gpu_cuda", {"gpus": [KEPLER], "cuda_version": "11.4"}, None),
    ("gpu_cuda", {"gpus": [BLACKWELL], "cuda_version": "12.8"}, None),
    ("gpu_cuda", {"gpus": [HOPPER], "cuda_version": "13.2"}, None),
    (
        "gpu_cuda",
        {"gpus": [PASCAL], "cuda_version": "13.0"},
        "CUDA 13.0 does not support pascal GPU 0000:3b:00.0 (the last CUDA for pascal is 12.x): choose CUDA <= 12.9",
    ),
    ("gpu_cuda", {"gpus": [KEPLER], "cuda_version": "12.2"}, "the last CUDA for kepler is 11.x): choose CUDA <= 11.8"),
    (
        "gpu_cuda",
        {"gpus": [BLACKWELL], "cuda_version": "12.6"},
        "CUDA 12.6 does not support blackwell GPU 0000:17:00.0 (they need CUDA >= 12.8)",
    ),
    # cuDNN against CUDA
    ("cudnn_cuda", {"cudnn_version": "9.10.2", "cuda_version": "12.8"}, None),
    ("cudnn_cuda", {"cudnn_version": "8.2.4.15", "cuda_version": "11.4"}, None),
    ("cudnn_cuda", {"cudnn_version": "8.9.7", "cuda_version": "12.2"}, None),
    ("cudnn_cuda", {"cudnn_version": "9.0.0", "cuda_version": "11.8"}, None),
    ("cudnn_cuda", {"cudnn_version": "9.17.0", "cuda_version": "13.0"}, None),
    (
        "cudnn_cuda",
        {"cudnn_version": "9.10.2", "cuda_version": "13.0"},
        "cuDNN 9.10.2 supports CUDA 11.8 or 12.0-12.9, cuda_version is 13.0: choose cuDNN 9.12-9.x for CUDA 13.0, "
        "or a CUDA in 11.8 or 12.0-12.9",
    ),
    # CUDA 13 builds of cuDNN start at 9.12 (nvidia-cudnn-cu13's first release is 9.12.0.46); 9.11 is CUDA 12 only.
    ("cudnn_cuda", {"cudnn_version": "9.12.0", "cuda_version": "13.0"}, None),
    ("cudnn_cuda", {"cudnn_version": "9.14.0", "cuda_version": "12.8"}, None),
    ("cudnn_cuda", {"cudnn_version": "9.11.0", "cuda_version": "12.9"}, None),
    (
        "cudnn_cuda",
        {"cudnn_version": "9.11.1", "cuda_version": "13.0"},
        "cuDNN 9.11.1 supports CUDA 12.0-12.9, cuda_version is 13.0: choose cuDNN 9.12-9.x for CUDA 13.0, "
        "or a CUDA in 12.0-12.9",
    ),
    ("cudnn_cuda", {"cudnn_version": "9.11.0", "cuda_version": "11.8"}, "choose cuDNN 8.9.7 or 9.0-9.10 for CUDA 11.8"),
    ("cudnn_cuda", {"cudnn_version": "8.9.7", "cuda_version": "12.4"}, "cuDNN 8.9.7 supports CUDA 11.x or 12.0-12.2"),
    ("cudnn_cuda", {"cudnn_version": "9.17.1", "cuda_version": "11.8"}, "choose cuDNN 8.9.7 or 9.0-9.10 for CUDA 11.8"),
    ("cudnn_cuda", {"cudnn_version": "8.2.4.15", "cuda_version": "12.2"}, "cuDNN 8.2.4.15 supports CUDA 11.4,"),
    # cuDNN against the GPUs' compute capability
    ("cudnn_gpu", {"cudnn_version": "9.17.0", "gpus": [TURING, AMPERE]}, None),
    (
        "cudnn_gpu",
        {"cudnn_version": "9.17.0", "gpus": [VOLTA, TURING]},
        "cuDNN 9.17.0 needs compute capability >= 7.5, volta GPU 0000:5e:00.0 has 7.0: choose cuDNN 9.0-9.10",
    ),
    ("cudnn_gpu", {"cudnn_version": "9.17.0", "gpus": [MAXWELL]}, "maxwell GPU 0000:06:00.0 has 5.0-5.x"),
    # 9.10.2 is the last cuDNN for Maxwell, Pascal and Volta: 9.11 on needs compute capability >= 7.5.
    ("cudnn_gpu", {"cudnn_version": "9.11.0", "gpus": [TURING]}, None),
    (
        "cudnn_gpu",
        {"cudnn_version": "9.11.0", "gpus": [VOLTA]},
        "cuDNN 9.11.0 needs compute capability >= 7.5, volta GPU 0000:5e:00.0 has 7.0: choose cuDNN 9.0-9.10",
    ),
    ("cudnn_gpu", {"cudnn_version": "9.14.0", "gpus": [PASCAL]}, "pascal GPU 0000:3b:00.0 has 6.0"),
    # the torch version's wheel variants
    ("torch_variant", {"torch_version": "2.9.1", "torch_cuda": "cu128"}, None),
    ("torch_variant", {"torch_version": "2.12.0", "torch_cuda": "cu132"}, None),
    ("torch_variant", {"torch_version": "2.7.1", "torch_cuda": "cu118"}, None),
    ("torch_variant", {"torch_version": "2.9.1+cu130"}, None),
    ("torch_variant", {"torch_version": "2.13.0", "torch_cuda": "cpu"}, None),
    (
        "torch_variant",
        {"torch_version": "2.12.0", "torch_cuda": "cu128"},
        "torch 2.12.0 publishes cu126, cu130, cu132 and cpu wheels, torch_cuda is cu128: choose one of them",
    ),
    ("torch_variant", {"torch_version": "2.8.0", "torch_cuda": "cu130"}, "torch 2.8.0 publishes cu126, cu128, cu129"),
    ("torch_variant", {"torch_version": "2.10.0+cu129"}, "torch_cuda is cu129"),
    # torch against Python
    ("torch_python", {"torch_version": "2.9.1", "python_version": "3.12"}, None),
    ("torch_python", {"torch_version": "2.14.0", "python_version": "3.14.1"}, None),
    (
        "torch_python",
        {"torch_version": "2.10.0", "python_version": "3.9"},
        "torch 2.10.0 supports Python 3.10-3.14, python_version is 3.9: choose Python 3.10-3.14",
    ),
    ("torch_python", {"torch_version": "2.12.0", "python_version": "3.15"}, "python_version is 3.15"),
    # Requires-Python and cpXY tags of the wheels on PyPI: 2.7-2.8 >=3.9 (cp39-cp313), 2.15.0 >=3.11 (cp311-cp315).
    ("torch_python", {"torch_version": "2.8.0", "python_version": "3.9"}, None),
    ("torch_python", {"torch_version": "2.7.1", "python_version": "3.14"}, "torch 2.7.1 supports Python 3.9-3.13"),
    ("torch_python", {"torch_version": "2.15.0", "python_version": "3.11"}, None),
    ("torch_python", {"torch_version": "2.15.0", "python_version": "3.15"}, None),
    (
        "torch_python",
        {"torch_version": "2.15.0", "python_version": "3.10"},
        "torch 2.15.0 supports Python 3.11-3.15, python_version is 3.10: choose Python 3.11-3.15",
    ),
    # the torch CUDA variant against the driver
    ("torch_cuda_driver", {"torch_cuda": "cu128", "driver_branch": "580"}, None),
    ("torch_cuda_driver", {"torch_cuda": "cu126", "driver_branch": "560"}, None),
    (
        "torch_cuda_driver",
        {"torch_cuda": "cu130", "driver_branch": "570"},
        "torch_cuda cu130 (CUDA 13.0) needs driver branch >= 580, driver_branch is 570: raise driver_branch or "
        "choose a torch_cuda variant for CUDA <= 12.8",
    ),
    (
        "torch_cuda_driver",
        {"torch_cuda": "cu126", "driver_branch": "470"},
        "torch_cuda cu126 (CUDA 12.6) needs driver branch >= 560",
    ),
    # the torch CUDA variant against the GPUs
    ("torch_cuda_gpu", {"torch_cuda": "cu126", "gpus": [PASCAL, VOLTA, MAXWELL]}, None),
    ("torch_cuda_gpu", {"torch_cuda": "cu130", "gpus": [HOPPER, TURING]}, None),
    ("torch_cuda_gpu", {"torch_cuda": "cu128", "gpus": [BLACKWELL]}, None),
    (
        "torch_cuda_gpu",
        {"torch_cuda": "cu128", "gpus": [PASCAL]},
        "torch_cuda cu128 (CUDA 12.8) wheels have no kernels for pascal GPU 0000:3b:00.0 (cu126 is the last variant "
        "for pascal): choose torch_cuda cu126",
    ),
    ("torch_cuda_gpu", {"torch_cuda": "cu130", "gpus": [VOLTA]}, "no kernels for volta GPU 0000:5e:00.0"),
    (
        "torch_cuda_gpu",
        {"torch_cuda": "cu126", "gpus": [BLACKWELL]},
        "torch_cuda cu126 (CUDA 12.6) does not support blackwell GPU 0000:17:00.0 (they need CUDA >= 12.8)",
    ),
    # TensorFlow against CUDA, cuDNN, the driver and Python
    ("tensorflow_cuda", {"tensorflow_version": "2.18.0", "cuda_version": "12.5"}, None),
    ("tensorflow_cuda", {"tensorflow_version": "2.16.1", "cuda_version": "12.3"}, None),
    ("tensorflow_cuda", {"tensorflow_version": "2.20.0", "cuda_version": "12.8"}, None),
    (
        "tensorflow_cuda",
        {"tensorflow_version": "2.18.0", "cuda_version": "13.0"},
        "tensorflow 2.18.0 is built for CUDA 12.5, cuda_version is 13.0: choose CUDA 12.x (>= 12.5)",
    ),
    (
        "tensorflow_cuda",
        {"tensorflow_version": "2.16", "cuda_version": "11.8"},
        "built for CUDA 12.3, cuda_version is 11.8",
    ),
    ("tensorflow_cudnn", {"tensorflow_version": "2.18.0", "cudnn_version": "9.3.0"}, None),
    ("tensorflow_cudnn", {"tensorflow_version": "2.17.0", "cudnn_version": "8.9.7"}, None),
    ("tensorflow_cudnn", {"tensorflow_version": "2.21.0", "cudnn_version": "9.10.2"}, None),
    (
        "tensorflow_cudnn",
        {"tensorflow_version": "2.18.0", "cudnn_version": "8.9.7"},
        "tensorflow 2.18.0 needs cuDNN 9.x >= 9.3, cudnn_version is 8.9.7: choose cuDNN 9.x >= 9.3",
    ),
    (
        "tensorflow_cudnn",
        {"tensorflow_version": "2.19.0", "cudnn_version": "9.1.0"},
        "needs cuDNN 9.x >= 9.3, cudnn_version is 9.1.0",
    ),
    ("tensorflow_cudnn", {"tensorflow_version": "2.16.1", "cudnn_version": "9.3.0"}, "needs cuDNN 8.x >= 8.9"),
    ("tensorflow_driver", {"tensorflow_version": "2.18.0", "driver_branch": "580"}, None),
    (
        "tensorflow_driver",
        {"tensorflow_version": "2.18.0", "driver_branch": "470"},
        "tensorflow 2.18.0 (CUDA 12.5) needs driver branch >= 555, driver_branch is 470",
    ),
    ("tensorflow_python", {"tensorflow_version": "2.21.0", "python_version": "3.12"}, None),
    (
        "tensorflow_python",
        {"tensorflow_version": "2.21.0", "python_version": "3.14"},
        "tensorflow 2.21.0 supports Python 3.10-3.13, python_version is 3.14: choose Python 3.10-3.13",
    ),
    ("tensorflow_python", {"tensorflow_version": "2.21.0", "python_version": "3.9"}, "python_version is 3.9"),
    # RAPIDS against Python, CUDA, the driver and compute capability
    ("rapids_python", {"rapids_version": "26.10", "python_version": "3.12"}, None),
    ("rapids_python", {"rapids_version": "26.10.00", "python_version": "3.14"}, None),
    (
        "rapids_python",
        {"rapids_version": "26.10", "python_version": "3.10"},
        "RAPIDS 26.10 supports Python 3.11-3.14, python_version is 3.10: choose Python 3.11-3.14",
    ),
    ("rapids_cuda", {"rapids_version": "26.10", "cuda_version": "12.8"}, None),
    ("rapids_cuda", {"rapids_version": "26.10", "cuda_version": "13.3"}, None),
    (
        "rapids_cuda",
        {"rapids_version": "26.10", "cuda_version": "12.0"},
        "RAPIDS 26.10 supports CUDA 12.2-12.9 or 13.0-13.3, cuda_version is 12.0: choose CUDA 12.2-12.9 or 13.0-13.3",
    ),
    ("rapids_cuda", {"rapids_version": "26.10", "cuda_version": "11.8"}, "cuda_version is 11.8"),
    ("rapids_cuda", {"rapids_version": "26.10", "cuda_version": "13.4"}, "cuda_version is 13.4"),
    ("rapids_driver_gpu", {"rapids_version": "26.10", "driver_branch": "535", "gpus": [VOLTA]}, None),
    (
        "rapids_driver_gpu",
        {"rapids_version": "26.10", "cuda_version": "13.0", "driver_branch": "580", "gpus": [TURING]},
        None,
    ),
    (
        "rapids_driver_gpu",
        {"rapids_version": "26.10", "driver_branch": "470"},
        "RAPIDS 26.10 (cu12) needs driver branch >= 535, driver_branch is 470: raise driver_branch to 535 or newer",
    ),
    (
        "rapids_driver_gpu",
        {"rapids_version": "26.10", "gpus": [PASCAL]},
        "RAPIDS 26.10 (cu12) needs compute capability >= 7.0, pascal GPU 0000:3b:00.0 has 6.0",
    ),
    (
        "rapids_driver_gpu",
        {"rapids_version": "26.10", "cuda_version": "13.0", "gpus": [VOLTA]},
        "RAPIDS 26.10 (cu13) needs compute capability >= 7.5, volta GPU 0000:5e:00.0 has 7.0",
    ),
    (
        "rapids_driver_gpu",
        {"rapids_version": "26.10", "cuda_version": "13.0", "driver_branch": "575"},
        "RAPIDS 26.10 (cu13) needs driver branch >= 580, driver_branch is 575",
    ),
    # H2O against Java (the table's rows: each h2o.jar's own range, docs/evidence/h2o-java.md)
    ("h2o_java", {"h2o_version": "3.46.0.12", "java_version": "17"}, None),
    ("h2o_java", {"h2o_version": "3.46.0.12", "java_version": "1.8"}, None),
    ("h2o_java", {"h2o_version": "3.34.0.8", "java_version": "11.0.12"}, None),
    ("h2o_java", {"h2o_version": "3.46.0.12", "java_version": "11"}, None),
    (
        "h2o_java",
        {"h2o_version": "3.34.0.8", "java_version": "17"},
        "H2O 3.34.0.8 supports Java 8-15, java_version is 17: choose Java 8-15 or H2O 3.46.0.12",
    ),
    (
        "h2o_java",
        {"h2o_version": "3.46.0.12", "java_version": "21"},
        "H2O 3.46.0.12 supports Java 8-17, java_version is 21: choose Java 8-17",
    ),
    ("h2o_java", {"h2o_version": "3.46.0.12", "java_version": "1.7"}, "java_version is 1.7"),
    # the distribution and architecture against NVIDIA's repository
    ("nvidia_repo_arch", {"architecture": "x86_64", "cuda_version": "12.8"}, None),
    ("nvidia_repo_arch", {"architecture": "aarch64", "driver_branch": "580"}, None),
    (
        "nvidia_repo_arch",
        {"architecture": "ppc64le", "cuda_version": "12.8"},
        "NVIDIA's CUDA repository publishes x86_64 and sbsa (arm64) packages, architecture is ppc64le",
    ),
    ("nvidia_repo_distro", {"distribution": "Ubuntu", "distribution_version": "24.04", "cuda_version": "13.2"}, None),
    ("nvidia_repo_distro", {"distribution": "Ubuntu", "distribution_version": "22.04", "cuda_version": "12.8"}, None),
    ("nvidia_repo_distro", {"distribution": "Debian", "distribution_version": "12", "cudnn_version": "9.10.2"}, None),
    ("nvidia_repo_distro", {"distribution": "Debian", "distribution_version": "13.1", "driver_branch": "580"}, None),
    ("nvidia_repo_distro", {"distribution": "Ubuntu", "distribution_version": "20.04", "cuda_version": "13.1"}, None),
    (
        "nvidia_repo_distro",
        {"distribution": "Ubuntu", "distribution_version": "20.04", "cuda_version": "13.2"},
        "NVIDIA's ubuntu2004 repository stops at CUDA 13.1, cuda_version is 13.2: choose CUDA <= 13.1",
    ),
    (
        "nvidia_repo_distro",
        {"distribution": "Debian", "distribution_version": "11", "driver_branch": "535"},
        "NVIDIA's CUDA repository has no directory for Debian 11",
    ),
    (
        "nvidia_repo_distro",
        {"distribution": "Fedora", "distribution_version": "42", "cuda_version": "12.8"},
        "no directory for Fedora 42",
    ),
]


def _case_id(case):
    rule, plan, expected = case
    return f"{rule}-{'fail' if expected else 'pass'}-" + "-".join(
        str(value) for key, value in sorted(plan.items()) if key != "gpus"
    )


@pytest.mark.parametrize("case", CASES, ids=[_case_id(case) for case in CASES])
def test_rule(case):
    rule, plan, expected = case
    result = run(plan)
    assert rule in result["checks"]
    if expected is None:
        assert result["errors"] == []
        assert result["ok"] is True
    else:
        assert result["ok"] is False
        assert any(expected in error for error in result["errors"]), result["errors"]


def _rules_in_source():
    source = Path(compat.__file__).read_text()
    return set(re.findall(r'result\.ran\("(\w+)"\)', source))


WARNING_ONLY_RULES = {"driver_branch"}


def test_every_rule_has_cases():
    rules = _rules_in_source()
    assert len(rules) >= 20
    passing = {rule for rule, _plan, expected in CASES if expected is None}
    failing = {rule for rule, _plan, expected in CASES if expected is not None}
    assert rules - WARNING_ONLY_RULES <= passing, "rules without a passing case"
    assert rules - WARNING_ONLY_RULES <= failing, "rules without a failing case"
    assert {rule for rule, _plan, _expected in CASES} <= rules, "cases name a rule that does not exist"


# ---------------------------------------------------------------------------------------------
# Warnings: end of life, unknown values, unverified entries, minor-version compatibility.
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plan", "expected_warning"),
    [
        ({"driver_branch": "535"}, "driver branch R535 reached end of life in 2026-06"),
        ({"driver_branch": "470"}, "driver branch R470 reached end of life: choose a supported branch (580, 595, 620)"),
        ({"driver_branch": "600"}, "driver branch 600 is not in the branch table"),
        ({"driver_branch": "590"}, "driver branch R590 reached end of life: choose a supported branch (580, 595, 620)"),
        ({"driver_branch": "590"}, "driver branch R590: R590's kind (new feature) and end of life are not confirmed"),
        ({"driver_branch": "610"}, "driver branch R610 reached end of life in 2026-08"),
        ({"cuda_version": "12.8", "driver_branch": "535"}, "runs only under CUDA minor-version compatibility"),
        (
            {"cuda_version": "13.3", "driver_branch": "580"},
            "CUDA 13.3 needs driver branch >= 610 for full support, driver_branch is 580",
        ),
        (
            {"cuda_version": "13.4", "driver_branch": "580"},
            "CUDA 13.4 is not in the driver table: only the CUDA 13.x minimum",
        ),
        (
            {"cuda_version": "14.0", "driver_branch": "620"},
            "CUDA 14.0 is not in the driver table: its driver minimum was not checked",
        ),
        ({"torch_version": "2.16.0", "torch_cuda": "cu132"}, "torch 2.16.0 is not in the PyTorch table"),
        ({"torch_version": "1.9.0", "torch_cuda": "cu111"}, "torch 1.9.0 is not in the PyTorch table"),
        ({"torch_cuda": "rocm6.4"}, "torch_cuda rocm6.4 is not a variant this check knows"),
        ({"torch_cuda": "cpu", "gpus": [AMPERE]}, "torch_cuda is cpu on a host with 1 NVIDIA GPU(s)"),
        ({"tensorflow_version": "2.5.0", "cuda_version": "11.4"}, "tensorflow 2.5.0 is not in the TensorFlow table"),
        ({"tensorflow_version": "2.18.0", "cuda_version": "12.3"}, "prefer CUDA >= 12.5"),
        (
            {"tensorflow_version": "2.20.0", "python_version": "3.12"},
            "the Python versions of tensorflow 2.20.0 are not in the table",
        ),
        ({"cudnn_version": "10.0.0", "cuda_version": "13.0"}, "cuDNN 10.0.0 is not in the cuDNN table"),
        (
            {"rapids_version": "21.08", "python_version": "3.9"},
            "RAPIDS 21.08 is not in the RAPIDS table (26.10): not checked",
        ),
        (
            {"gpus": [gpu("unknown", "0000:01:00.0")], "driver_branch": "580"},
            "GPU 0000:01:00.0 has architecture unknown",
        ),
        ({"gpus": ["a string"]}, "gpus[0] is not a dict"),
        (
            {"distribution": "Debian", "distribution_version": "n/a", "cuda_version": "12.8"},
            "distribution_version 'n/a' is not a version",
        ),
    ],
)
def test_warnings(plan, expected_warning):
    result = run(plan)
    assert result["errors"] == []
    assert any(expected_warning in warning for warning in result["warnings"]), result["warnings"]


@pytest.mark.parametrize("branch", ["580", "595", "620"])
def test_supported_branch_gives_no_warning(branch):
    # R620: long-term, end of life September 2029 (NVIDIA's 620 lifecycle table), no longer unverified.
    assert run({"driver_branch": branch}) == {"ok": True, "errors": [], "warnings": [], "checks": ["driver_branch"]}


def test_torch_python_is_checked_for_every_release():
    # Every torch row has its Python range (from the wheels on PyPI): no "not in the table" warning.
    for version in ("2.7.1", "2.8.0", "2.9.1", "2.14.1", "2.15.0"):
        assert run({"torch_version": version, "python_version": "3.12"})["warnings"] == [], version


def test_end_of_life_depends_on_the_date():
    assert run({"driver_branch": "535"})["warnings"]
    assert check_plan({"driver_branch": "535"}, today=datetime.date(2026, 6, 30))["warnings"] == []


def test_unverified_entry_gives_warning_not_error():
    result = run({"torch_version": "2.15.0", "torch_cuda": "cu128"})
    assert result["errors"] == []
    assert any(
        "torch 2.15.0 publishes cu126, cu130, cu132" in warning
        and "not enforced: the CUDA variants of torch 2.15" in warning
        for warning in result["warnings"]
    ), result["warnings"]
    assert run({"torch_version": "2.15.0", "torch_cuda": "cu130"})["warnings"] == []
    # cu132 is verified (the PyPI wheel is 2.15.0+cu132); the Python range is verified: an error, not a warning.
    assert run({"torch_version": "2.15.0", "torch_cuda": "cu132"})["warnings"] == []
    result = run({"torch_version": "2.15.0", "torch_cuda": "cu132", "python_version": "3.10"})
    assert result["errors"] and not result["warnings"]


@pytest.mark.parametrize(
    ("plan", "expected_error"),
    [
        ({"cuda_version": "twelve"}, "cuda_version 'twelve' is not a version: use a numeric version such as 12.8"),
        ({"driver_branch": "latest"}, "driver_branch 'latest' is not a version"),
        ({"java_version": "jdk"}, "java_version 'jdk' is not a version"),
    ],
)
def test_invalid_versions_are_errors(plan, expected_error):
    errors = run(plan)["errors"]
    assert any(error.startswith(expected_error) for error in errors), errors


def test_gpu_without_architecture_uses_compute_capability():
    result = run({"gpus": [{"pci_address": "0000:3b:00.0", "compute_capability": "6.1"}], "driver_flavour": "open"})
    assert result["errors"] == [
        "driver_flavour open does not support pascal GPU 0000:3b:00.0 (the open kernel modules need Turing or newer): "
        "set driver_flavour to proprietary"
    ]


def test_gpus_of_one_architecture_are_named_together():
    second = gpu("pascal", "0000:5e:00.0", "6.0")
    result = run({"gpus": [PASCAL, second], "cuda_version": "13.0"})
    assert result["errors"] == [
        "CUDA 13.0 does not support pascal GPUs 0000:3b:00.0, 0000:5e:00.0 (the last CUDA for pascal is 12.x): "
        "choose CUDA <= 12.9"
    ]


def test_rapids_without_cuda_accepts_a_variant_that_fits():
    # Volta has compute capability 7.0: cu13 (7.5) does not fit, cu12 (7.0) does.
    assert run({"rapids_version": "26.10", "driver_branch": "580", "gpus": [VOLTA]})["errors"] == []


def test_empty_plan_checks_nothing():
    assert run({}) == {"ok": True, "errors": [], "warnings": [], "checks": []}


def test_nothing_from_nvidia_planned_skips_repository_checks():
    result = run(
        {"distribution": "Fedora", "distribution_version": "42", "architecture": "ppc64le", "python_version": "3.12"}
    )
    assert result == {"ok": True, "errors": [], "warnings": [], "checks": []}


# ---------------------------------------------------------------------------------------------
# Whole stacks: the profiles' combinations are accepted, a broken one is rejected with every error.
# ---------------------------------------------------------------------------------------------

CURRENT = {
    "distribution": "Ubuntu",
    "distribution_version": "24.04",
    "architecture": "x86_64",
    "gpus": [AMPERE, HOPPER],
    "driver_branch": "580",
    "driver_flavour": "open",
    "cuda_version": "12.8",
    "cudnn_version": "9.10.2",
    "python_version": "3.12",
    "torch_version": "2.9.1",
    "torch_cuda": "cu128",
    "tensorflow_version": "2.21.0",
    "rapids_version": "26.10",
    "h2o_version": "3.46.0.12",
    "java_version": "17",
}

SEED_2021 = {
    "distribution": "Ubuntu",
    "distribution_version": "20.04",
    "architecture": "x86_64",
    "gpus": [TURING],
    "driver_branch": "470.82.01",
    "driver_flavour": "proprietary",
    "cuda_version": "11.4",
    "cudnn_version": "8.2.4.15",
    "python_version": "3.9",
    "torch_version": "1.9.1",
    "tensorflow_version": "2.5.1",
    "rapids_version": "21.08",
    "h2o_version": "3.34.0.8",
    "java_version": "11",
}

CPU = {
    "distribution": "Debian",
    "distribution_version": "13",
    "architecture": "x86_64",
    "python_version": "3.12",
    "torch_version": "2.9.1",
    "torch_cuda": "cpu",
    "h2o_version": "3.46.0.12",
    "java_version": "17",
}


def test_current_profile_is_compatible():
    result = run(CURRENT)
    assert result["errors"] == []
    assert result["warnings"] == []
    assert len(result["checks"]) >= 18


def test_seed_profile_is_compatible_with_warnings_for_versions_outside_the_tables():
    result = run(SEED_2021)
    assert result["errors"] == []
    joined = "\n".join(result["warnings"])
    for expected in ("R470 reached end of life", "torch 1.9.1", "tensorflow 2.5.1", "RAPIDS 21.08"):
        assert expected in joined


def test_cpu_profile_is_compatible():
    assert run(CPU) == {
        "ok": True,
        "errors": [],
        "warnings": [],
        "checks": ["torch_variant", "torch_python", "h2o_java"],
    }


def test_broken_stack_reports_every_error():
    plan = dict(CURRENT, gpus=[PASCAL, AMPERE], driver_branch="595", cuda_version="13.0", torch_cuda="cu130")
    errors = run(plan)["errors"]
    assert errors == [
        "driver_branch 595 does not support pascal GPU 0000:3b:00.0 (the last branch for pascal is R580): "
        "set driver_branch to 580 or older",
        "driver_flavour open does not support pascal GPU 0000:3b:00.0 (the open kernel modules need Turing or newer): "
        "set driver_flavour to proprietary",
        "CUDA 13.0 does not support pascal GPU 0000:3b:00.0 (the last CUDA for pascal is 12.x): choose CUDA <= 12.9",
        "cuDNN 9.10.2 supports CUDA 11.8 or 12.0-12.9, cuda_version is 13.0: choose cuDNN 9.12-9.x for CUDA 13.0, "
        "or a CUDA in 11.8 or 12.0-12.9",
        "torch_cuda cu130 (CUDA 13.0) wheels have no kernels for pascal GPU 0000:3b:00.0 (cu126 is the last variant "
        "for pascal): choose torch_cuda cu126",
        "tensorflow 2.21.0 is built for CUDA 12.5, cuda_version is 13.0: choose CUDA 12.x (>= 12.5) or another "
        "tensorflow",
        "RAPIDS 26.10 (cu13) needs compute capability >= 7.5, pascal GPU 0000:3b:00.0 has 6.0: use GPUs with compute "
        "capability >= 7.5",
    ]


# ---------------------------------------------------------------------------------------------
# Helpers and the tables themselves.
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("distribution", "version", "expected"),
    [
        ("Ubuntu", "20.04", "ubuntu2004"),
        ("Ubuntu", "22.04", "ubuntu2204"),
        ("Ubuntu", "24.04", "ubuntu2404"),
        ("ubuntu", "24.04.3", "ubuntu2404"),
        ("Debian", "12", "debian12"),
        ("Debian", "12.7", "debian12"),
        ("Debian", "13", "debian13"),
        ("Debian", "n/a", None),
        ("Ubuntu", "24", None),
        ("Fedora", "42", None),
    ],
)
def test_nvidia_repo_distro(distribution, version, expected):
    assert nvidia_repo_distro(distribution, version) == expected


@pytest.mark.parametrize(
    ("architecture", "expected"),
    [
        ("x86_64", "x86_64"),
        ("amd64", "x86_64"),
        ("aarch64", "sbsa"),
        ("arm64", "sbsa"),
        ("ARM64", "sbsa"),
        ("ppc64le", None),
        (None, None),
    ],
)
def test_nvidia_repo_arch(architecture, expected):
    assert nvidia_repo_arch(architecture) == expected


@pytest.mark.parametrize(
    ("distribution", "version", "architecture", "expected"),
    [
        ("Ubuntu", "24.04", "x86_64", "ubuntu2404/x86_64"),
        ("Ubuntu", "22.04", "aarch64", "ubuntu2204/sbsa"),
        ("Debian", "12", "amd64", "debian12/x86_64"),
        ("Debian", "13", "x86_64", "debian13/x86_64"),
        ("Ubuntu", "20.04", "x86_64", "ubuntu2004/x86_64"),
        ("Debian", "11", "x86_64", None),
        ("Ubuntu", "24.04", "riscv64", None),
    ],
)
def test_nvidia_repo_path(distribution, version, architecture, expected):
    assert nvidia_repo_path(distribution, version, architecture) == expected


@pytest.mark.parametrize(
    ("variant", "expected"),
    [
        ("cu126", "12.6"),
        ("cu118", "11.8"),
        ("cu130", "13.0"),
        ("cu132", "13.2"),
        ("CU128", "12.8"),
        ("cpu", None),
        ("rocm6.4", None),
    ],
)
def test_cuda_from_variant(variant, expected):
    assert cuda_from_variant(variant) == expected


@pytest.mark.parametrize(("version", "expected"), [("1.8.0_292", 8), ("8", 8), ("17.0.12", 17), (21, 21), ("11", 11)])
def test_java_major(version, expected):
    assert java_major(version) == expected


@pytest.mark.parametrize(
    ("cc", "expected"),
    [
        ("3.7", "kepler"),
        ("5.2", "maxwell"),
        ("6.1", "pascal"),
        ("7.0", "volta"),
        ("7.5", "turing"),
        ("8.6", "ampere"),
        ("8.9", "ada"),
        ("9.0", "hopper"),
        ("10.0", "blackwell"),
        ("12.0", "blackwell"),
        ("7.2", None),
        ("", None),
    ],
)
def test_architecture_for_cc(cc, expected):
    assert architecture_for_cc(cc) == expected


@pytest.mark.parametrize(
    ("driver", "minimum", "expected"),
    [
        ("580", "580.65.06", True),
        ("575", "580.65.06", False),
        ("535.54.03", "535.54.03", True),
        ("535.54.02", "535.54.03", False),
        (595, "570.26", True),
    ],
)
def test_driver_satisfies(driver, minimum, expected):
    assert driver_satisfies(driver, minimum) is expected


@pytest.mark.parametrize(
    ("driver", "expected"),
    [("470", "11.4"), ("535", "12.2"), ("570", "12.8"), ("580", "13.0"), ("595", "13.2"), ("450", None)],
)
def test_newest_cuda_for_driver(driver, expected):
    assert newest_cuda_for_driver(driver) == expected


def test_driver_table_grows_with_cuda():
    # A newer CUDA never needs an older driver: catches a typo in MATRIX["cuda_min_driver"].
    rows = sorted(MATRIX["cuda_min_driver"].items(), key=lambda item: tuple(int(p) for p in item[0].split(".")))
    minimums = [tuple(int(part) for part in minimum.split(".")) for _cuda, minimum in rows]
    assert minimums == sorted(minimums)
    for cuda, minimum in rows:
        major_minimum = MATRIX["cuda_major_min_driver"][cuda.split(".")[0]]
        assert driver_satisfies(minimum, major_minimum), cuda


def test_architectures_cover_the_facts():
    table = MATRIX["architectures"]
    assert list(table) == ["kepler", "maxwell", "pascal", "volta", "turing", "ampere", "ada", "hopper", "blackwell"]
    assert [name for name, arch in table.items() if not arch["open_kernel"]] == ["kepler", "maxwell", "pascal", "volta"]
    assert {name: arch["max_driver_branch"] for name, arch in table.items() if arch["max_driver_branch"]} == {
        "kepler": 470,
        "maxwell": 580,
        "pascal": 580,
        "volta": 580,
    }
    assert table["blackwell"]["cuda"] == ("12.8", None)
    assert not table["blackwell"]["proprietary"]


def test_unverified_entries_are_marked_in_the_source():
    # What no primary source confirmed (checked 2026-12-04) is marked; what one did is not.
    assert [branch for branch, entry in MATRIX["driver_branches"].items() if entry.get("unverified")] == [590]
    assert [row["torch"] for row in MATRIX["torch"] if row.get("unverified_variants")] == [("2.15", "2.15")]
    assert not any(row.get("unverified") for row in MATRIX["torch"])


def test_every_table_cites_its_source():
    doc = compat_matrix.__doc__
    assert "Its source is shared/FACTS.md" not in doc
    assert "checked 2026-12-04" in doc
    for table in MATRIX:
        assert f"- {table}:" in doc, table
    source = Path(compat_matrix.__file__).read_text()
    for url in (
        "https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/index.html",
        "https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html",
        "https://docs.nvidia.com/deeplearning/cudnn/latest/support-matrix/index.html",
        "drivers/620/supported-drivers-and-cuda-toolkit-versions.html",
    ):
        assert url in source, url


def test_the_new_rows():
    # CUDA 13.x driver minimums: the GA rows of the release notes table (the GA runfiles' drivers).
    assert {cuda: MATRIX["cuda_min_driver"][cuda] for cuda in ("13.0", "13.1", "13.2", "13.3")} == {
        "13.0": "580.65.06",
        "13.1": "590.44.01",
        "13.2": "595.45.04",
        "13.3": "610.43.02",
    }
    branches = MATRIX["driver_branches"]
    assert (branches[610]["kind"], branches[610]["end_of_life"]) == ("new feature", "2026-08")
    assert (branches[620]["kind"], branches[620]["end_of_life"]) == ("long-term", "2029-09")
    assert branches[590]["kind"] == "new feature"
