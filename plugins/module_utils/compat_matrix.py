# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The compatibility matrix of the stack: versions, ranges and vendor facts, as data.

`MATRIX` is the one place to update when NVIDIA, PyTorch, TensorFlow, RAPIDS or H2O publish
something new. Each table cites its primary source next to its rows (all checked 2026-12-04):
- cuda_min_driver: NVIDIA's CUDA Toolkit release notes, table "CUDA Toolkit and Corresponding Driver
  Versions" (https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/index.html and the per-release
  copies under https://docs.nvidia.com/cuda/archive/<version>/cuda-toolkit-release-notes/), cross-checked
  against the driver in each GA runfile's name (cuda_<version>_<driver>_linux.run);
- cuda_major_min_driver: NVIDIA's CUDA minor version compatibility table
  (https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html);
- architectures: NVIDIA's "CUDA Toolkit, Driver, and Architecture Matrix"
  (https://docs.nvidia.com/datacenter/tesla/drivers/cuda-toolkit-driver-and-architecture-matrix.html);
  torch_max_cuda from shared/FACTS.md (not rechecked here);
- driver_branches: NVIDIA's data centre driver lifecycle, "Supported Drivers and CUDA Toolkit Versions"
  (https://docs.nvidia.com/datacenter/tesla/drivers/<branch>/supported-drivers-and-cuda-toolkit-versions.html),
  cited per row;
- cudnn: NVIDIA's cuDNN support matrix
  (https://docs.nvidia.com/deeplearning/cudnn/latest/support-matrix/index.html) and the nvidia-cudnn-cu11/
  -cu12/-cu13 wheels NVIDIA publishes on PyPI, cited per row;
- torch: the torch wheels on PyPI (their Requires-Python, cpXY tags, torch/version.py and Requires-Dist);
  the CUDA variants published on download.pytorch.org could not be read from here: per row;
- tensorflow: shared/FACTS.md (TensorFlow's tested build configurations), not rechecked here;
- rapids: the cudf-cu12 26.10 wheel's METADATA on PyPI (Requires-Python, numpy, pandas) and shared/FACTS.md
  (CUDA, driver and compute capability per variant);
- h2o: see the comment at that table;
- nvidia_repo: shared/FACTS.md (NVIDIA's repository directories), not rechecked here (the repository is
  not reachable from where this was written).

Conventions of the tables:
- versions are strings and compared numerically (see versions.py); a range (first, last) is
  inclusive at the precision of its ends: ("12.2", "12.9") holds 12.9.1, ("11", "11") is 11.x,
  None is an open end;
- an entry with an "unverified" text (for torch rows, "unverified_variants") is not confirmed by a
  primary source: the checks still run, but a conflict with it is reported as a warning (with that
  text), never as an error.

The checks that read these tables are in compat.py, the PCI device ID table in gpu.py. Data only, no
logic. Standard library only: runs on the target (Python 3.8+).
"""

from __future__ import annotations

# What several architectures of MATRIX["architectures"] share (sources at that table).
# Maxwell, Pascal and Volta: R580 is their last driver branch and CUDA 12.x their last CUDA; proprietary
# kernel modules only; PyTorch's cu126 wheels are the last with their kernels.
_LAST_ON_R580 = {
    "max_driver_branch": 580,
    "cuda": (None, "12"),
    "open_kernel": False,
    "proprietary": True,
    "torch_max_cuda": "12.6",
}
# Turing, Ampere, Ada and Hopper: current driver branches, every CUDA in the tables, either flavour.
_CURRENT = {
    "max_driver_branch": None,
    "cuda": (None, None),
    "open_kernel": True,
    "proprietary": True,
}

MATRIX = {
    # Minimum Linux driver for each CUDA toolkit (full support, including the newest features): the GA row
    # of "CUDA Toolkit and Corresponding Driver Versions" in the CUDA release notes (see the module
    # docstring), which is the driver of the GA runfile: cuda_13.0.0_580.65.06_linux.run,
    # cuda_13.1.0_590.44.01_linux.run, cuda_13.2.0_595.45.04_linux.run, cuda_13.3.0_610.43.02_linux.run.
    "cuda_min_driver": {
        "11.4": "470.42.01",
        "11.8": "520.61.05",
        "12.0": "525.60.13",
        "12.1": "530.30.02",
        "12.2": "535.54.03",
        "12.3": "545.23.06",
        "12.4": "550.54.14",
        "12.5": "555.42.02",
        "12.6": "560.28.03",
        "12.8": "570.26",
        "12.9": "575.51.03",
        "13.0": "580.65.06",
        "13.1": "590.44.01",
        "13.2": "595.45.04",
        # 13.3: from the GA runfile's name (cuda_13.3.0_610.43.02_linux.run under
        # https://developer.download.nvidia.com/compute/cuda/13.3.0/local_installers/); the release notes
        # table itself was not readable from here. Below it CUDA 13.3 still runs under minor-version
        # compatibility, so a wrong value here gives a warning, never an error.
        "13.3": "610.43.02",
    },
    # Minor-version compatibility: any toolkit of a CUDA major runs on this driver, without the
    # newest features. Below it the toolkit does not run at all. Source: "CUDA Toolkit 11.x, 12.x, and
    # 13.x Minimum and Maximum Required Driver Versions" (13.x >= 580, 12.x >= 525, 11.x >= 450),
    # https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html.
    "cuda_major_min_driver": {
        "11": "450.80.02",
        "12": "525.60.13",
        "13": "580",
    },
    # GPU architectures, oldest first. cc: compute capabilities (lowest, highest);
    # max_driver_branch: the last driver branch (None: current branches); cuda: the CUDA toolkits
    # that support it; open_kernel / proprietary: the driver flavours that drive it;
    # torch_max_cuda: the newest PyTorch CUDA wheel variant that still has its kernels.
    # The PCI device ID table that maps a GPU to these names is in gpu.py. Source of cc, last driver and
    # CUDA: https://docs.nvidia.com/datacenter/tesla/drivers/cuda-toolkit-driver-and-architecture-matrix.html
    # (checked 2026-12-04: Kepler R470/CUDA 11.x; Maxwell, Pascal, Volta R580/CUDA 12.x; Blackwell from
    # CUDA 12.8); the flavours and torch_max_cuda from shared/FACTS.md.
    "architectures": {
        "kepler": {
            "cc": ("3.5", "3.7"),
            "max_driver_branch": 470,
            "cuda": (None, "11"),
            "open_kernel": False,
            "proprietary": True,
        },
        "maxwell": {"cc": ("5.0", "5"), **_LAST_ON_R580},
        "pascal": {"cc": ("6.0", "6"), **_LAST_ON_R580},
        "volta": {"cc": ("7.0", "7.0"), **_LAST_ON_R580},
        "turing": {"cc": ("7.5", "7.5"), **_CURRENT},
        "ampere": {"cc": ("8.0", "8.7"), **_CURRENT},
        "ada": {"cc": ("8.9", "8.9"), **_CURRENT},
        "hopper": {"cc": ("9.0", "9.0"), **_CURRENT},
        # FACTS.md: open kernel modules "required in practice" for Blackwell; treated as required.
        "blackwell": {
            "cc": ("10.0", "12"),
            "max_driver_branch": None,
            "cuda": ("12.8", None),
            "open_kernel": True,
            "proprietary": False,
        },
    },
    # Driver branches. end_of_life: "YYYY-MM" (end of that month), or "ended" without a date.
    # A branch missing here gets a warning, not an error. Sources (checked 2026-12-04): NVIDIA's
    # "Supported Drivers and CUDA Toolkit Versions" in the data centre driver documentation:
    # .../datacenter/tesla/drivers/620/supported-drivers-and-cuda-toolkit-versions.html lists R580
    # (long-term, June 2028), R595 (production, March 2027) and R620 (long-term, September 2029);
    # .../drivers/615/supported-drivers-and-cuda-toolkit-versions.html lists R535 (long-term, June 2026)
    # and R610 (new feature, August 2026). New feature branches are short-lived (the 620 page lists only
    # long-term and production branches). The branches that ended earlier are from shared/FACTS.md.
    "driver_branches": {
        470: {"kind": "long-term", "end_of_life": "ended", "note": "the last branch for Kepler"},
        525: {"kind": "production", "end_of_life": "ended"},
        535: {"kind": "long-term", "end_of_life": "2026-06"},
        550: {"kind": "production", "end_of_life": "ended"},
        560: {"kind": "new feature", "end_of_life": "ended"},
        565: {"kind": "new feature", "end_of_life": "ended"},
        570: {"kind": "production", "end_of_life": "ended"},
        575: {"kind": "new feature", "end_of_life": "ended"},
        580: {"kind": "long-term", "end_of_life": "2028-06", "note": "the last branch for Maxwell, Pascal and Volta"},
        # R590: NVIDIA's forum "Current graphics driver releases" called 590.48.01 the new feature branch
        # release; it is absent from the 615 and 620 lifecycle tables, so it has ended, but no NVIDIA page
        # read here gives its kind or end-of-life date for data centre drivers.
        590: {
            "kind": "new feature",
            "end_of_life": "ended",
            "unverified": "R590's kind (new feature) and end of life are not confirmed by NVIDIA's lifecycle tables",
        },
        595: {"kind": "production", "end_of_life": "2027-03"},
        610: {"kind": "new feature", "end_of_life": "2026-08"},
        620: {"kind": "long-term", "end_of_life": "2029-09"},
    },
    # cuDNN releases and the CUDA toolkits they are built for; min_cc: lowest compute capability.
    # Sources (checked 2026-12-04): the cuDNN support matrix
    # (https://docs.nvidia.com/deeplearning/cudnn/latest/support-matrix/index.html) lists 9.10.2 for CUDA
    # 11.8 and 12.0-12.9 with compute capability 5.0 and up, set apart as the release for Maxwell, Pascal
    # and Volta, and 9.17.0 for CUDA 12.0-12.9 and 13.0-13.1 with compute capability 7.5 and up; the 8.2.x
    # matrix (https://docs.nvidia.com/deeplearning/cudnn/archives/cudnn-822/support-matrix/index.html)
    # lists CUDA 11.4. NVIDIA's cuDNN wheels on PyPI: nvidia-cudnn-cu13 starts at 9.12.0.46 (no CUDA 13
    # build before 9.12); nvidia-cudnn-cu12 has 9.11.0.98 and 9.11.1.4. 9.11 is the first release after
    # 9.10.2, the last for compute capability < 7.5 (the per-release support matrices of 9.11-9.16 were
    # not readable from here).
    "cudnn": [
        {"cudnn": ("8.2.4", "8.2.4"), "cuda": [("11.4", "11.4")], "note": "seed-2021: libcudnn8=8.2.4.15-1+cuda11.4"},
        {"cudnn": ("8.9.7", "8.9.7"), "cuda": [("11", "11"), ("12.0", "12.2")], "note": "8.9.7 is the last 8.x"},
        {
            "cudnn": ("9.0", "9.10"),
            "cuda": [("11.8", "11.8"), ("12.0", "12.9")],
            "note": "9.10.2 is the last for CUDA 11 and for Maxwell, Pascal and Volta",
        },
        {"cudnn": ("9.11", "9.11"), "cuda": [("12.0", "12.9")], "min_cc": "7.5", "note": "CUDA 12 builds only"},
        # 9.x only: a cuDNN 10 is not in this table (a warning) until its support matrix is read.
        {"cudnn": ("9.12", "9"), "cuda": [("12", "13")], "min_cc": "7.5", "note": "CUDA 13 builds from 9.12 on"},
    ],
    # PyTorch wheels: the CUDA variants published for each release (cpu always exists) and the
    # Python versions. Python: the cpXY tags and Requires-Python of the torch wheels on PyPI (checked
    # 2026-12-04): 2.7-2.8 cp39-cp313 (>=3.9), 2.9-2.14 cp310-cp314 (>=3.10), 2.15.0 cp311-cp315 (>=3.11).
    # Variants: shared/FACTS.md (download.pytorch.org is not reachable from here); the Linux wheel on
    # PyPI is one of them (its torch/version.py): 2.14.1 is 2.14.1+cu130, 2.15.0 is 2.15.0+cu132 (it
    # requires cuda-toolkit==13.2.2 and nvidia-cudnn-cu13==9.26.0.51).
    "torch": [
        {"torch": ("2.7", "2.7"), "variants": ("cu118", "cu126", "cu128"), "python": ("3.9", "3.13")},
        {"torch": ("2.8", "2.8"), "variants": ("cu126", "cu128", "cu129"), "python": ("3.9", "3.13")},
        {"torch": ("2.9", "2.11"), "variants": ("cu126", "cu128", "cu130"), "python": ("3.10", "3.14")},
        {"torch": ("2.12", "2.14"), "variants": ("cu126", "cu130", "cu132"), "python": ("3.10", "3.14")},
        # 2.15: Python from the wheels (Requires-Python >=3.11); cu132 from the PyPI wheel; cu126 and cu130
        # assumed to be carried over from 2.14 (unverified: warnings only).
        {
            "torch": ("2.15", "2.15"),
            "variants": ("cu126", "cu130", "cu132"),
            "python": ("3.11", "3.15"),
            "unverified_variants": "the CUDA variants of torch 2.15 other than cu132 (its PyPI wheel) are unverified "
            "(assumed to be those of 2.14)",
        },
    ],
    # TensorFlow: the CUDA and cuDNN it is built against (pip `tensorflow[and-cuda]` brings them as
    # nvidia-*-cu12 wheels) and the Python versions (None: not checked). Source: shared/FACTS.md
    # (TensorFlow's tested build configurations), not rechecked on 2026-12-04. The and-cuda extra exists
    # from 2.14.0 on (tensorflow 2.14.0's METADATA: Provides-Extra: and-cuda; 2.13.1 has no extras).
    "tensorflow": [
        {"tensorflow": ("2.16", "2.17"), "cuda": "12.3", "cudnn": "8.9", "python": None},
        {"tensorflow": ("2.18", "2.20"), "cuda": "12.5", "cudnn": "9.3", "python": None},
        {"tensorflow": ("2.21", "2.21"), "cuda": "12.5", "cudnn": "9.3", "python": ("3.10", "3.13")},
    ],
    # RAPIDS (pip cudf-cu12 / cudf-cu13 ...): Python, and per wheel variant the CUDA range, the
    # driver branch and the lowest compute capability. Python: cudf_cu12-26.10.2 (PyPI) METADATA
    # Requires-Python >=3.11, wheel tag cp311-abi3; it also pins numpy>=2.0,<3.0 and pandas>=3.0.0,<3.1.0.
    # CUDA, driver and compute capability: shared/FACTS.md (RAPIDS platform support), not rechecked here.
    "rapids": [
        {
            "rapids": ("26.10", "26.10"),
            "python": ("3.11", "3.14"),
            "variants": {
                "cu12": {"cuda": ("12.2", "12.9"), "min_driver": "535", "min_cc": "7.0"},
                "cu13": {"cuda": ("13.0", "13.3"), "min_driver": "580", "min_cc": "7.5"},
            },
        },
    ],
    # H2O-3: the Java majors each release's own h2o.jar accepts, read from the artefact itself:
    # water.JavaVersionSupport.MIN/MAX_SUPPORTED_JAVA_VERSION (javap -constants; the jar from the PyPI
    # sdist h2o/backend/bin/h2o.jar; commands and output in docs/evidence/h2o-java.md). Outside this
    # range the server refuses to start ("Only Java versions 8-17 are supported") unless it is given
    # -allow_unsupported_java (the h2o role's h2o_allow_unsupported_java). One row per release read;
    # a release not listed is reported as unchecked, never guessed.
    "h2o": [
        {"h2o": ("3.46.0.12", "3.46.0.12"), "java": ("8", "17")},
        {"h2o": ("3.34.0.8", "3.34.0.8"), "java": ("8", "15")},
    ],
    # NVIDIA's CUDA apt repository: <base>/<distro>/<arch>/. last_cuda: the newest CUDA published
    # for that distro (None: current).
    "nvidia_repo": {
        "distros": {
            "ubuntu2004": {"last_cuda": "13.1"},
            "ubuntu2204": {"last_cuda": None},
            "ubuntu2404": {"last_cuda": None},
            "debian12": {"last_cuda": None},
            "debian13": {"last_cuda": None},
        },
        "architectures": {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "sbsa", "arm64": "sbsa"},
    },
}

ARCHITECTURES = MATRIX["architectures"]
