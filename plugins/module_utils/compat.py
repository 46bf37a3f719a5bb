# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The checks of a planned stack against the compatibility matrix, and the helpers that read it.

The tables themselves, with the primary source of each, are `MATRIX` in compat_matrix.py: the one place
to update when NVIDIA, PyTorch, TensorFlow, RAPIDS or H2O publish something new.

`check_plan(plan)` runs every rule whose inputs are present and returns errors and warnings, each
naming the values in conflict and a fix. Standard library only: runs on the target (Python 3.8+).
"""

from __future__ import annotations

import datetime
import re

from ansible_collections.mlinabox.stack.plugins.module_utils.compat_matrix import ARCHITECTURES, MATRIX
from ansible_collections.mlinabox.stack.plugins.module_utils.versions import (
    compare_versions,
    describe_range,
    parse_version,
    try_parse_version,
    version_at_least,
    version_in_range,
    version_string,
)

# --------------------------------------------------------------------------------------------
# Small pure helpers, also used by gpu.py, the modules and the roles' filters.
# --------------------------------------------------------------------------------------------


def nvidia_repo_distro(distribution, version):
    """NVIDIA's repository directory name for a distribution.

    ('Ubuntu', '24.04') -> 'ubuntu2404'; ('Debian', '12') and ('Debian', '12.7') -> 'debian12'.
    None for other distributions or an unparsable version. Whether NVIDIA publishes that
    directory is MATRIX['nvidia_repo']['distros'] (see nvidia_repo_path).
    """
    name = str(distribution or "").strip().lower()
    parsed = try_parse_version(version)
    if parsed is None:
        return None
    if name == "ubuntu" and len(parsed) >= 2:
        return f"ubuntu{parsed[0]}{parsed[1]:02d}"
    if name == "debian":
        return f"debian{parsed[0]}"
    return None


def nvidia_repo_arch(architecture):
    """x86_64/amd64 -> 'x86_64'; aarch64/arm64 -> 'sbsa'; None for anything else."""
    return MATRIX["nvidia_repo"]["architectures"].get(str(architecture or "").strip().lower())


def nvidia_repo_path(distribution, version, architecture):
    """'ubuntu2404/x86_64', or None when NVIDIA publishes no such directory."""
    distro = nvidia_repo_distro(distribution, version)
    arch = nvidia_repo_arch(architecture)
    if distro not in MATRIX["nvidia_repo"]["distros"] or arch is None:
        return None
    return f"{distro}/{arch}"


def architecture_for_cc(compute_capability):
    """The architecture whose compute capability range holds `compute_capability`, or None."""
    parsed = try_parse_version(compute_capability)
    if parsed is None:
        return None
    for name, arch in ARCHITECTURES.items():
        if version_in_range(parsed, *arch["cc"]):
            return name
    return None


def cuda_from_variant(variant):
    """'cu126' -> '12.6', 'cu118' -> '11.8', 'cu130' -> '13.0'; None for 'cpu' or other forms."""
    match = re.match(r"^cu(\d+)(\d)$", str(variant or "").strip().lower())
    if not match:
        return None
    return f"{int(match.group(1))}.{match.group(2)}"


def java_major(version):
    """'1.8.0_292' -> 8, '8' -> 8, '17.0.12' -> 17, 21 -> 21."""
    parsed = parse_version(version)
    if parsed[0] == 1 and len(parsed) > 1:
        return parsed[1]
    return parsed[0]


def driver_branch_of(version):
    """'580.95.05' -> 580; 535 -> 535."""
    return parse_version(version)[0]


def min_driver_for_cuda(cuda_version):
    """(minimum driver for full support or None, minimum driver of the CUDA major or None)."""
    cuda = parse_version(cuda_version)
    exact = MATRIX["cuda_min_driver"].get(version_string(cuda[:2]))
    major = MATRIX["cuda_major_min_driver"].get(str(cuda[0]))
    return exact, major


def driver_satisfies(driver, minimum):
    """True when `driver` meets `minimum`.

    A bare branch (580) meets a minimum of its own branch or an older one (the branch's current
    release is assumed); a full version (535.54.03) is compared in full.
    """
    driver_tuple = parse_version(driver)
    if len(driver_tuple) == 1:
        return driver_tuple[0] >= parse_version(minimum)[0]
    return version_at_least(driver_tuple, minimum)


def newest_cuda_for_driver(driver, within=(None, None)):
    """The newest CUDA of the driver table that `driver` fully supports (any driver when None),
    optionally within a CUDA range (first, last); None when there is none."""
    best = None
    for cuda, minimum in MATRIX["cuda_min_driver"].items():
        if not version_in_range(cuda, *within):
            continue
        if driver is not None and not driver_satisfies(driver, minimum):
            continue
        if best is None or compare_versions(cuda, best) > 0:
            best = cuda
    return best


def _end_of_life_passed(end_of_life, today):
    if end_of_life == "ended":
        return True
    year, month = (int(part) for part in end_of_life.split("-"))
    return (today.year, today.month) > (year, month)


def _table_row(result, table, version, *, what, title, unchecked):
    """The row of MATRIX[table] whose range of `table` versions holds `version`; None, after a warning that
    names the table's ranges and what was not checked, when no row does."""
    rows = MATRIX[table]
    for row in rows:
        if version_in_range(version, *row[table]):
            return row
    ranges = ", ".join(describe_range(*row[table]) for row in rows)
    result.warn(f"{what} is not in the {title} table ({ranges}): {unchecked}")
    return None


# --------------------------------------------------------------------------------------------
# The checks. Each _rule_* runs when its inputs are present and records its name in `checks`.
# --------------------------------------------------------------------------------------------

_VERSION_OPTIONS = {
    # option: an example for the message about a value that is not a version
    "driver_branch": "580",
    "cuda_version": "12.8",
    "cudnn_version": "9.10.2",
    "python_version": "3.12",
    "torch_version": "2.9.1",
    "tensorflow_version": "2.20",
    "rapids_version": "26.10",
    "h2o_version": "3.46.0.12",
    "java_version": "17",
    "distribution_version": "24.04",
}


class _Result:
    def __init__(self):
        self.errors = []
        self.warnings = []
        self.checks = []

    def ran(self, rule):
        if rule not in self.checks:
            self.checks.append(rule)

    def error(self, message, unverified=None):
        """An error; a warning instead when the table entry behind it is unverified."""
        if unverified:
            self.warnings.append(f"{message} (not enforced: {unverified})")
        else:
            self.errors.append(message)

    def warn(self, message):
        self.warnings.append(message)


class _Plan:
    """The normalised options: version strings (None when not given), gpus, flavour, ..."""

    def __init__(self, result, options):
        for key in _VERSION_OPTIONS:
            setattr(self, key, _version_input(result, options, key))
        self.driver = self.driver_branch
        self.cuda = self.cuda_version
        self.cudnn = self.cudnn_version
        self.python = self.python_version
        self.distribution = options.get("distribution")
        self.architecture = options.get("architecture")
        self.flavour = options.get("driver_flavour")
        self.gpus = _normalise_gpus(result, options.get("gpus"))
        self.torch_cuda = str(options.get("torch_cuda") or "").strip().lower() or None
        if self.torch_cuda is None and self.torch_version and "+" in self.torch_version:
            self.torch_cuda = self.torch_version.split("+", 1)[1].lower()  # a local version: 2.9.1+cu128


def check_plan(options, today=None):
    """Check a planned stack.

    `options` holds the compat_check options; any may be missing or None. `today` (a
    datetime.date, default today) dates the end-of-life warnings. Returns
    {'ok': bool, 'errors': [...], 'warnings': [...], 'checks': [names of the rules that ran]}.
    """
    result = _Result()
    plan = _Plan(result, options)
    _rule_cuda_driver(result, plan)
    _rule_driver_branch(result, plan, today or datetime.date.today())
    _rule_gpu_driver(result, plan)
    _rule_gpu_flavour(result, plan)
    _rule_gpu_cuda(result, plan)
    _rule_cudnn(result, plan)
    _rule_torch(result, plan)
    _rule_tensorflow(result, plan)
    _rule_rapids(result, plan)
    _rule_h2o(result, plan)
    _rule_nvidia_repo(result, plan)
    return {"ok": not result.errors, "errors": result.errors, "warnings": result.warnings, "checks": result.checks}


def _version_input(result, options, key):
    value = options.get(key)
    if value is None or not str(value).strip():
        return None
    if try_parse_version(value) is None:
        message = f"{key} {value!r} is not a version: use a numeric version such as {_VERSION_OPTIONS[key]}"
        if key == "distribution_version":
            # A testing release's facts read "n/a": not the user's mistake.
            result.warn(f"{message}; the repository checks were skipped")
        else:
            result.errors.append(message)
        return None
    return str(value).strip()


def _normalise_gpus(result, raw_gpus):
    """[{'where', 'architecture', 'cc'}] from mlbox_gpus-like dicts."""
    gpus = []
    for position, raw in enumerate(raw_gpus or []):
        if not isinstance(raw, dict):
            result.warn(f"gpus[{position}] is not a dict (an element of mlbox_gpus): ignored")
            continue
        where = str(raw.get("pci_address") or raw.get("name") or f"#{position}")
        cc = try_parse_version(raw.get("compute_capability"))
        cc = version_string(cc) if cc else None
        arch = str(raw.get("architecture") or "unknown").lower()
        if arch not in ARCHITECTURES and cc is not None:
            arch = architecture_for_cc(cc) or arch
        if arch not in ARCHITECTURES:
            result.warn(f"GPU {where} has architecture {arch}: the checks that depend on the GPU skip it")
        gpus.append({"where": where, "architecture": arch, "cc": cc})
    return gpus


def _gpu_label(gpus):
    """'pascal GPU 0000:3b:00.0' or 'pascal GPUs 0000:3b:00.0, 0000:5e:00.0'."""
    plural = "s" if len(gpus) > 1 else ""
    return f"{gpus[0]['architecture']} GPU{plural} " + ", ".join(gpu["where"] for gpu in gpus)


def _gpus_by_arch(gpus, include_unknown=False):
    """[(architecture, [gpu, ...])], oldest architecture first; architectures missing from the
    table only with include_unknown (then last)."""
    order = list(ARCHITECTURES)
    groups = {}
    for gpu in gpus:
        if gpu["architecture"] in ARCHITECTURES or include_unknown:
            groups.setdefault(gpu["architecture"], []).append(gpu)

    def position(name):
        return (order.index(name), name) if name in order else (len(order), name)

    return [(name, groups[name]) for name in sorted(groups, key=position)]


def _gpu_cc_text(gpu):
    if gpu["cc"]:
        return gpu["cc"]
    arch = ARCHITECTURES.get(gpu["architecture"])
    return describe_range(*arch["cc"]) if arch else "an unknown compute capability"


def _cc_verdict(gpu, min_cc):
    """'ok', 'fail' or 'unknown': `gpu` against a minimum compute capability. Without an exact
    compute capability the architecture's range decides when it lies wholly on one side."""
    if gpu["cc"] is not None:
        return "ok" if version_at_least(gpu["cc"], min_cc) else "fail"
    arch = ARCHITECTURES.get(gpu["architecture"])
    if arch is None:
        return "unknown"
    lowest, highest = arch["cc"]
    if version_at_least(lowest, min_cc):
        return "ok"
    if not version_in_range(min_cc, None, highest):
        return "fail"
    return "unknown"


def _check_gpus_cc(result, gpus, min_cc, what, fix):
    for name, group in _gpus_by_arch(gpus, include_unknown=True):
        failing = [gpu for gpu in group if _cc_verdict(gpu, min_cc) == "fail"]
        unsure = [gpu for gpu in group if _cc_verdict(gpu, min_cc) == "unknown"]
        if failing:
            has = "/".join(sorted({_gpu_cc_text(gpu) for gpu in failing}))
            result.error(f"{what} needs compute capability >= {min_cc}, {_gpu_label(failing)} has {has}: {fix}")
        if unsure and name in ARCHITECTURES:
            result.warn(
                f"{what} needs compute capability >= {min_cc}; the exact compute capability of "
                f"{_gpu_label(unsure)} is unknown"
            )


def _check_cuda_driver(result, what, cuda, driver, fix):
    """A CUDA version against the planned driver.

    `what` names the CUDA in messages ("CUDA 13.0", "torch_cuda cu130 (CUDA 13.0)"); `fix` is the
    alternative to a newer driver, with {} for the newest CUDA the driver fully supports. Below the
    CUDA major's minimum is an error; between it and the toolkit's own minimum (CUDA minor-version
    compatibility) a warning.
    """
    exact, major_min = min_driver_for_cuda(cuda)
    by_branch = len(parse_version(driver)) == 1
    kind = "branch" if by_branch else "version"

    def shown(minimum):
        return str(driver_branch_of(minimum)) if by_branch else minimum

    best = newest_cuda_for_driver(driver)
    alternative = fix.format(best) if best else "choose a newer driver: no CUDA in the table runs on it"
    if major_min is None:
        result.warn(
            f"{what} is not in the driver table: its driver minimum was not checked against driver_branch {driver}"
        )
        return
    if not driver_satisfies(driver, major_min):
        result.error(
            f"{what} needs driver {kind} >= {shown(exact or major_min)}, driver_branch is {driver}: "
            f"raise driver_branch or {alternative}"
        )
        return
    if exact is None:
        major = parse_version(cuda)[0]
        result.warn(
            f"{what} is not in the driver table: only the CUDA {major}.x minimum (driver >= {major_min}) was checked"
        )
        return
    if not driver_satisfies(driver, exact):
        result.warn(
            f"{what} needs driver {kind} >= {shown(exact)} for full support, driver_branch is {driver}: it runs only "
            f"under CUDA minor-version compatibility (driver >= {major_min}), without the newest features; "
            f"raise driver_branch to {shown(exact)} or {alternative}"
        )


def _python_checked(result, what, row, python, other=None):
    """python_version against the Python range of a table row (torch, tensorflow, rapids): an error when it
    is outside, naming `other` as the alternative to another Python. Returns whether the check ran: not when
    the row has no Python range (a warning)."""
    if row["python"] is None:
        result.warn(f"the Python versions of {what} are not in the table: python_version {python} was not checked")
        return False
    if not version_in_range(python, *row["python"]):
        pythons = describe_range(*row["python"])
        fix = f"choose Python {pythons} or {other}" if other else f"choose Python {pythons}"
        result.error(f"{what} supports Python {pythons}, python_version is {python}: {fix}")
    return True


def _arch_cuda_problem(name, cuda_tuple):
    """None, or ('max' | 'min', bound) when a CUDA version is outside an architecture's range."""
    first, last = ARCHITECTURES[name]["cuda"]
    if last is not None and not version_in_range(cuda_tuple, None, last):
        return "max", last
    if first is not None and not version_in_range(cuda_tuple, first, None):
        return "min", first
    return None


def _rule_cuda_driver(result, plan):
    cuda, driver = plan.cuda, plan.driver
    if cuda is None or driver is None:
        return
    result.ran("cuda_driver")
    _check_cuda_driver(result, f"CUDA {cuda}", cuda, driver, "choose CUDA <= {}")


def _rule_driver_branch(result, plan, today):
    driver = plan.driver
    if driver is None:
        return
    result.ran("driver_branch")
    branch = driver_branch_of(driver)
    table = MATRIX["driver_branches"]
    supported = ", ".join(
        str(name) for name, info in sorted(table.items()) if not _end_of_life_passed(info["end_of_life"], today)
    )
    entry = table.get(branch)
    if entry is None:
        result.warn(
            f"driver branch {branch} is not in the branch table (supported: {supported}): "
            "check its support status with NVIDIA"
        )
        return
    if _end_of_life_passed(entry["end_of_life"], today):
        when = "" if entry["end_of_life"] == "ended" else f" in {entry['end_of_life']}"
        result.warn(
            f"driver branch R{branch} reached end of life{when}: choose a supported branch ({supported}) "
            "unless your GPUs need this one"
        )
    if entry.get("unverified"):
        result.warn(f"driver branch R{branch}: {entry['unverified']}")


def _rule_gpu_driver(result, plan):
    gpus, driver = plan.gpus, plan.driver
    if driver is None or not gpus:
        return
    result.ran("gpu_driver_branch")
    branch = driver_branch_of(driver)
    for name, group in _gpus_by_arch(gpus):
        arch = ARCHITECTURES[name]
        last = arch["max_driver_branch"]
        if last is not None and branch > last:
            result.error(
                f"driver_branch {driver} does not support {_gpu_label(group)} (the last branch for {name} is R{last}): "
                f"set driver_branch to {last} or older"
            )
        min_cuda = arch["cuda"][0]
        minimum = min_driver_for_cuda(min_cuda)[0] if min_cuda else None
        if minimum is not None and not driver_satisfies(driver, minimum):
            needed = driver_branch_of(minimum)
            result.error(
                f"{_gpu_label(group)} needs CUDA >= {min_cuda} and so driver branch >= {needed}, "
                f"driver_branch is {driver}: raise driver_branch to {needed} or newer"
            )


def _rule_gpu_flavour(result, plan):
    gpus, flavour = plan.gpus, plan.flavour
    if not flavour or not gpus:
        return
    result.ran("gpu_driver_flavour")
    for name, group in _gpus_by_arch(gpus):
        arch = ARCHITECTURES[name]
        if flavour == "open" and not arch["open_kernel"]:
            result.error(
                f"driver_flavour open does not support {_gpu_label(group)} (the open kernel modules need Turing "
                "or newer): set driver_flavour to proprietary"
            )
        if flavour == "proprietary" and not arch["proprietary"]:
            result.error(
                f"driver_flavour proprietary does not support {_gpu_label(group)} (they need the open kernel "
                "modules): set driver_flavour to open"
            )


def _rule_gpu_cuda(result, plan):
    gpus, cuda = plan.gpus, plan.cuda
    if cuda is None or not gpus:
        return
    result.ran("gpu_cuda")
    for name, group in _gpus_by_arch(gpus):
        problem = _arch_cuda_problem(name, parse_version(cuda))
        if problem is None:
            continue
        kind, bound = problem
        if kind == "max":
            last = describe_range(bound, bound)
            newest = newest_cuda_for_driver(None, (None, bound)) or last
            result.error(
                f"CUDA {cuda} does not support {_gpu_label(group)} (the last CUDA for {name} is {last}): "
                f"choose CUDA <= {newest}"
            )
        else:
            result.error(
                f"CUDA {cuda} does not support {_gpu_label(group)} (they need CUDA >= {bound}): choose CUDA >= {bound}"
            )


def _rule_cudnn(result, plan):
    cudnn, cuda, gpus = plan.cudnn, plan.cuda, plan.gpus
    if cudnn is None:
        return
    table = MATRIX["cudnn"]
    row = _table_row(result, "cudnn", cudnn, what=f"cuDNN {cudnn}", title="cuDNN",
                     unchecked="its CUDA and GPU support were not checked")
    if row is None:
        return
    supported = " or ".join(describe_range(*cuda_range) for cuda_range in row["cuda"])
    if cuda is not None:
        result.ran("cudnn_cuda")
        if not any(version_in_range(cuda, *cuda_range) for cuda_range in row["cuda"]):
            others = [
                describe_range(*other["cudnn"])
                for other in table
                if any(version_in_range(cuda, *cuda_range) for cuda_range in other["cuda"])
            ]
            fix = f"choose cuDNN {' or '.join(others)} for CUDA {cuda}, or " if others else "choose "
            result.error(f"cuDNN {cudnn} supports CUDA {supported}, cuda_version is {cuda}: {fix}a CUDA in {supported}")
    if row.get("min_cc") and gpus:
        result.ran("cudnn_gpu")
        older = [describe_range(*other["cudnn"]) for other in table if not other.get("min_cc")]
        _check_gpus_cc(result, gpus, row["min_cc"], f"cuDNN {cudnn}", f"choose cuDNN {older[-1]}")


def _rule_torch(result, plan):
    torch_version, torch_cuda, python = plan.torch_version, plan.torch_cuda, plan.python
    row = None
    unverified = None
    if torch_version is not None:
        row = _table_row(result, "torch", torch_version, what=f"torch {torch_version}", title="PyTorch",
                         unchecked="its CUDA variants and Python were not checked")
        if row is not None:
            unverified = row.get("unverified_variants")
    variant_cuda = None
    if torch_cuda == "cpu":
        if plan.gpus:
            result.warn(
                f"torch_cuda is cpu on a host with {len(plan.gpus)} NVIDIA GPU(s): PyTorch will not use them; "
                "choose a cuXXX variant"
            )
    elif torch_cuda is not None:
        variant_cuda = cuda_from_variant(torch_cuda)
        if variant_cuda is None:
            result.warn(
                f"torch_cuda {torch_cuda} is not a variant this check knows (cu126, cu128, cu130, cpu, ...): "
                "not checked"
            )
    if row is not None and (torch_cuda == "cpu" or variant_cuda is not None):
        result.ran("torch_variant")
        if torch_cuda != "cpu" and torch_cuda not in row["variants"]:
            result.error(
                f"torch {torch_version} publishes {', '.join(row['variants'])} and cpu wheels, torch_cuda is "
                f"{torch_cuda}: choose one of them or another torch version",
                unverified,
            )
    if row is not None and python is not None and _python_checked(
            result, f"torch {torch_version}", row, python, "another torch version"):
        result.ran("torch_python")
    if variant_cuda is None:
        return
    what = f"torch_cuda {torch_cuda} (CUDA {variant_cuda})"
    if plan.driver is not None:
        result.ran("torch_cuda_driver")
        _check_cuda_driver(result, what, variant_cuda, plan.driver, "choose a torch_cuda variant for CUDA <= {}")
    if plan.gpus:
        result.ran("torch_cuda_gpu")
        _check_torch_cuda_gpus(result, what, variant_cuda, plan.gpus)


def _check_torch_cuda_gpus(result, what, variant_cuda, gpus):
    cuda_tuple = parse_version(variant_cuda)
    for name, group in _gpus_by_arch(gpus):
        torch_max = ARCHITECTURES[name].get("torch_max_cuda")
        if torch_max is not None and compare_versions(cuda_tuple, torch_max) > 0:
            last_variant = "cu" + torch_max.replace(".", "")
            result.error(
                f"{what} wheels have no kernels for {_gpu_label(group)} ({last_variant} is the last variant for "
                f"{name}): choose torch_cuda {last_variant}"
            )
            continue
        problem = _arch_cuda_problem(name, cuda_tuple)
        if problem is not None:
            kind, bound = problem
            needed = f"<= {describe_range(bound, bound)}" if kind == "max" else f">= {bound}"
            result.error(
                f"{what} does not support {_gpu_label(group)} (they need CUDA {needed}): "
                f"choose a torch_cuda variant for CUDA {needed}"
            )


def _rule_tensorflow(result, plan):
    tensorflow, cuda, cudnn, driver, python = (
        plan.tensorflow_version, plan.cuda, plan.cudnn, plan.driver, plan.python
    )
    if tensorflow is None:
        return
    row = _table_row(result, "tensorflow", tensorflow, what=f"tensorflow {tensorflow}", title="TensorFlow",
                     unchecked="its CUDA, cuDNN and Python were not checked")
    if row is None:
        return
    built_cuda = parse_version(row["cuda"])
    if cuda is not None:
        result.ran("tensorflow_cuda")
        planned = parse_version(cuda)
        if planned[0] != built_cuda[0]:
            result.error(
                f"tensorflow {tensorflow} is built for CUDA {row['cuda']}, cuda_version is {cuda}: choose CUDA "
                f"{built_cuda[0]}.x (>= {row['cuda']}) or another tensorflow"
            )
        elif compare_versions(planned, built_cuda) < 0:
            result.warn(
                f"tensorflow {tensorflow} is built for CUDA {row['cuda']}, cuda_version is {cuda}: prefer CUDA "
                f">= {row['cuda']} (or tensorflow[and-cuda], which brings its own)"
            )
    if cudnn is not None:
        result.ran("tensorflow_cudnn")
        built = parse_version(row["cudnn"])
        planned = parse_version(cudnn)
        # TensorFlow's own rule: the same cuDNN major and an equal or higher minor.
        if planned[0] != built[0] or compare_versions(planned, built) < 0:
            result.error(
                f"tensorflow {tensorflow} needs cuDNN {built[0]}.x >= {row['cudnn']}, cudnn_version is {cudnn}: "
                f"choose cuDNN {built[0]}.x >= {row['cudnn']} or another tensorflow"
            )
    if driver is not None:
        result.ran("tensorflow_driver")
        what = f"tensorflow {tensorflow} (CUDA {row['cuda']})"
        _check_cuda_driver(result, what, row["cuda"], driver, "choose a tensorflow built for CUDA <= {}")
    if python is not None and _python_checked(result, f"tensorflow {tensorflow}", row, python, "another tensorflow"):
        result.ran("tensorflow_python")


def _rapids_variant_problems(rapids, name, variant, driver, gpus):
    problems = []
    if driver is not None and not driver_satisfies(driver, variant["min_driver"]):
        problems.append(
            f"RAPIDS {rapids} ({name}) needs driver branch >= {variant['min_driver']}, driver_branch is {driver}: "
            f"raise driver_branch to {variant['min_driver']} or newer"
        )
    for gpu in gpus:
        if _cc_verdict(gpu, variant["min_cc"]) == "fail":
            problems.append(
                f"RAPIDS {rapids} ({name}) needs compute capability >= {variant['min_cc']}, {_gpu_label([gpu])} "
                f"has {_gpu_cc_text(gpu)}: use GPUs with compute capability >= {variant['min_cc']}"
            )
    return problems


def _rule_rapids(result, plan):
    rapids, cuda, driver, gpus, python = plan.rapids_version, plan.cuda, plan.driver, plan.gpus, plan.python
    if rapids is None:
        return
    row = _table_row(result, "rapids", rapids, what=f"RAPIDS {rapids}", title="RAPIDS", unchecked="not checked")
    if row is None:
        return
    if python is not None and _python_checked(result, f"RAPIDS {rapids}", row, python):
        result.ran("rapids_python")
    variants = row["variants"]
    if cuda is not None:
        result.ran("rapids_cuda")
        chosen = [(name, variant) for name, variant in variants.items() if version_in_range(cuda, *variant["cuda"])]
        if not chosen:
            supported = " or ".join(describe_range(*variant["cuda"]) for variant in variants.values())
            result.error(f"RAPIDS {rapids} supports CUDA {supported}, cuda_version is {cuda}: choose CUDA {supported}")
            return
    else:
        chosen = list(variants.items())
    if driver is None and not gpus:
        return
    result.ran("rapids_driver_gpu")
    outcomes = [_rapids_variant_problems(rapids, name, variant, driver, gpus) for name, variant in chosen]
    if all(outcomes):
        # No wheel variant fits: report the one with the fewest problems.
        for problem in min(outcomes, key=len):
            result.error(problem)


def _rule_h2o(result, plan):
    h2o, java = plan.h2o_version, plan.java_version
    if h2o is None or java is None:
        return
    result.ran("h2o_java")
    row = _table_row(result, "h2o", h2o, what=f"H2O {h2o}", title="H2O", unchecked=(
        "its Java range was not checked; read it from its h2o.jar "
        "(javap -constants -cp <unzipped h2o.jar> water.JavaVersionSupport)"))
    if row is None:
        return
    first, last = (int(end) for end in row["java"])
    major = java_major(java)
    if first <= major <= last:
        return
    fix = f"choose Java {first}-{last}"
    for other in MATRIX["h2o"]:
        if other is not row and int(other["java"][0]) <= major <= int(other["java"][1]):
            fix += f" or H2O {describe_range(*other['h2o'])}"
    result.error(f"H2O {h2o} supports Java {first}-{last}, java_version is {java}: {fix}")


def _rule_nvidia_repo(result, plan):
    distribution, version, architecture = plan.distribution, plan.distribution_version, plan.architecture
    if not (plan.cuda or plan.driver or plan.cudnn):
        return  # nothing from NVIDIA's repository is planned
    if architecture:
        result.ran("nvidia_repo_arch")
        if nvidia_repo_arch(architecture) is None:
            result.error(
                f"NVIDIA's CUDA repository publishes x86_64 and sbsa (arm64) packages, architecture is "
                f"{architecture}: use an x86_64 or arm64 host, or plan no NVIDIA components"
            )
    if not distribution or not version:
        return
    result.ran("nvidia_repo_distro")
    distro = nvidia_repo_distro(distribution, version)
    published = MATRIX["nvidia_repo"]["distros"]
    if distro not in published:
        result.error(
            f"NVIDIA's CUDA repository has no directory for {distribution} {version} (it publishes "
            f"{', '.join(sorted(published))}): use Ubuntu 22.04/24.04 or Debian 12/13"
        )
        return
    last_cuda = published[distro]["last_cuda"]
    cuda = plan.cuda
    if cuda is not None and last_cuda is not None and compare_versions(cuda, last_cuda) > 0:
        result.error(
            f"NVIDIA's {distro} repository stops at CUDA {last_cuda}, cuda_version is {cuda}: "
            f"choose CUDA <= {last_cuda} or a newer distribution"
        )


# The options of mlinabox.stack.compat_check, shared by the module and its action plugin.
ARGUMENT_SPEC = {name: {"type": "str"} for name in _VERSION_OPTIONS}
ARGUMENT_SPEC.update({
    "distribution": {"type": "str"},
    "architecture": {"type": "str"},
    "gpus": {"type": "list", "elements": "dict"},
    "driver_flavour": {"type": "str", "choices": ["open", "proprietary"]},
    "torch_cuda": {"type": "str"},
    "fail_on_error": {"type": "bool", "default": True},
})


def verdict(params):
    """compat_check's result for its validated options: changed, ok, errors, checks and warnings; with errors and
    fail_on_error, also failed and msg."""
    found = check_plan(params)
    result = {"changed": False, "ok": found["ok"], "errors": found["errors"], "checks": found["checks"],
              "warnings": found["warnings"]}
    errors = found["errors"]
    if errors and params.get("fail_on_error", True):
        noun = "incompatibility" if len(errors) == 1 else "incompatibilities"
        result.update(failed=True, msg=f"{len(errors)} {noun} in the planned stack: " + "; ".join(errors))
    return result
