# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The checks of the NVIDIA roles' inputs that their argument specs cannot express, one filter per role:
nvidia_driver_problems, cuda_problems, cudnn_problems and nvidia_docker_problems. Each takes the role's variables
(and, where a rule needs them, facts and derived values) and returns one message per problem found, naming the
variable and the fix (a URL's user:password@ shown as ***@); an empty list when all is well. A value of the wrong
type is reported, and the rules that need it are skipped. Whether GPUs, driver, CUDA and cuDNN fit together is
compat_check's work, not these checks'."""

from __future__ import annotations

import re

from ansible_collections.mlinabox.stack.plugins.module_utils import input_checks
from ansible_collections.mlinabox.stack.plugins.module_utils.apt_state import normalise_fingerprint

SUPPORTED_DISTRIBUTIONS = ("Debian", "Ubuntu")
# \Z, not $: Python's $ also matches before a trailing newline.
BRANCH = re.compile(r"^[0-9]{3}\Z")
CUDA_VERSION = re.compile(r"^[0-9]+\.[0-9]+\Z")
CUDNN_VERSION = re.compile(r"^(8|9)\.[0-9]+\.[0-9]+\.[0-9]+\Z")
TOOLKIT_VERSION = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+(~rc\.[0-9]+)?(-[0-9A-Za-z.~+]+)?\Z")
CDI_SPEC_PATH = re.compile(r"^/[!-~]+\.(yaml|json)\Z")
# The container toolkit's repository and key URLs: plain http(s) URLs (input_checks.PLAIN_URL).
TOOLKIT_URL_EXAMPLES = {
    "nvidia_docker_repo_url": "https://nvidia.github.io/libnvidia-container",
    "nvidia_docker_repo_key_url": "https://nvidia.github.io/libnvidia-container/gpgkey",
}


def _text(name, value, problems):
    """value as text (a number as Jinja's string filter writes it, as the old checks read it), or None after adding
    a problem to problems."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    problems.append(f"{name} must be a string, not {input_checks.a_type_name(value, mapping='mapping')}.")
    return None


def _matching(name, inputs, pattern, problems, why):
    """inputs[name] as text (see _text); a problem, why.format(value) prefixed with the name, when it does not match
    pattern."""
    value = _text(name, inputs[name], problems)
    if value is not None and not pattern.match(value):
        problems.append(name + why.format(value))
    return value


def _unsupported_distribution(role, derived):
    if derived["distribution"] in SUPPORTED_DISTRIBUTIONS:
        return []
    return [f"The {role} role supports Debian and Ubuntu, and this host runs {derived['distribution']} "
            f"{derived['distribution_version']}."]


def _driver_version_problems(inputs, problems):
    """The branch is three digits; a version, where given, is an apt version of that branch."""
    branch = _text("nvidia_driver_branch", inputs["nvidia_driver_branch"], problems)
    version = _text("nvidia_driver_version", inputs.get("nvidia_driver_version", ""), problems)
    if branch is None:
        return
    if not BRANCH.match(branch):
        problems.append(f"nvidia_driver_branch '{branch}' is not a driver branch: use three digits such as 580 or 595")
    elif version and not re.match(rf"^{branch}\.[0-9][0-9.]*(-\S+)?\Z", version):
        problems.append(f"nvidia_driver_version '{version}' is not an apt version of branch {branch}: use for example "
                        f'{branch}.95.05 (any revision) or {branch}.95.05-1, or "" for the newest of the branch')


def _driver_repository_problems(inputs, derived, problems):
    """NVIDIA's CUDA repository: published for this architecture, its URLs fit for apt's sources (no space, quote or
    newline, and no user or password: apt reads credentials from /etc/apt/auth.conf.d/), its key's fingerprint in
    full (the role never trusts a key it cannot check)."""
    if derived["repo_arch"] == "unsupported":
        problems.append(f"NVIDIA's CUDA repository has packages for x86_64 and aarch64 (sbsa), and this host is "
                        f"{derived['architecture']}: use another host, or nvidia_driver_source: distro.")
    # nvidia_driver_repo_key_url in full: the role's default is the key in the repository.
    urls = {"nvidia_driver_repo_url": inputs["nvidia_driver_repo_url"], "nvidia_driver_repo_key_url":
            derived["repo_key_url"]}
    for name, value in urls.items():
        url = _text(name, value, problems)
        problem = None if url is None else input_checks.apt_source_url_problem(
            name, url, "for example https://developer.download.nvidia.com/compute/cuda/repos, or a mirror of it")
        if problem:
            problems.append(problem)
    given = _text("nvidia_driver_repo_key_fingerprint", inputs["nvidia_driver_repo_key_fingerprint"], problems)
    fingerprint = normalise_fingerprint(given or "")
    if given is not None and not input_checks.V4_FINGERPRINT.match(fingerprint):
        what = ("nvidia_driver_repo_key_fingerprint is empty" if not fingerprint
                else f"nvidia_driver_repo_key_fingerprint '{given}' is not a full fingerprint")
        problems.append(f"{what}: set it to the 40 hexadecimal digits of the key that signs "
                        f"{input_checks.mask_userinfo(str(inputs['nvidia_driver_repo_url']))} (NVIDIA's: EB69 3B30 "
                        "35CD 5710 E231  E123 A4B4 6996 3BF8 63CC; a mirror that copies NVIDIA's repository keeps "
                        "that key). The role never trusts a key it cannot check.")


def nvidia_driver_problems(inputs, derived=None):
    """The problems of the nvidia_driver role's inputs. Each group of rules runs when its variables are in inputs
    (tasks/repository.yml, for the cuda and cudnn roles too, passes the repository's alone).

    inputs: nvidia_driver_branch, nvidia_driver_version; nvidia_driver_source (when absent, or nvidia, the repository
    is checked), nvidia_driver_repo_url, nvidia_driver_repo_key_fingerprint; nvidia_driver_mok_key,
    nvidia_driver_mok_certificate. derived: for the repository, architecture (the fact), repo_arch
    (__nvidia_driver_repo_arch) and repo_key_url (the key's URL in full); for the Secure Boot keys, mok_default_key.
    """
    derived = derived or {}
    problems = []
    if "nvidia_driver_branch" in inputs:
        _driver_version_problems(inputs, problems)
    if "nvidia_driver_repo_url" in inputs and inputs.get("nvidia_driver_source", "nvidia") == "nvidia":
        _driver_repository_problems(inputs, derived, problems)
    if "nvidia_driver_mok_key" in inputs:
        # DKMS signs with one key pair: the role's own (generated where missing) or the user's, both halves.
        key = _text("nvidia_driver_mok_key", inputs["nvidia_driver_mok_key"], problems)
        certificate = _text("nvidia_driver_mok_certificate", inputs["nvidia_driver_mok_certificate"], problems)
        if key is not None and certificate is not None and bool(key) != bool(certificate):
            problems.append("nvidia_driver_mok_key and nvidia_driver_mok_certificate go together: set both (the "
                            "private key and its DER certificate, paths on the host) or neither (the role then uses or "
                            f"generates {derived['mok_default_key']}).")
    return problems


def cuda_problems(inputs, derived):
    """The problems of the cuda role's inputs.

    inputs: cuda_source, cuda_versions, cuda_default_version, cuda_driver_branch. derived: distribution,
    distribution_version and distribution_major_version (facts); distro_version, the distribution's toolkit from
    roles/cuda/vars/<Distribution>-<major>.yml (None where there is none).
    """
    problems = _unsupported_distribution("cuda", derived)
    versions = inputs["cuda_versions"]
    if not input_checks.is_list(versions):
        problems.append('cuda_versions must be a list of major.minor versions (such as ["12.8"]), not '
                        f"{input_checks.a_type_name(versions, mapping='mapping')}.")
        versions = None
    elif not versions:
        problems.append('cuda_versions is empty: list at least one toolkit, for example ["12.8"].')
    else:
        versions = [str(version) for version in versions]
        malformed = [version for version in versions if not CUDA_VERSION.match(version)]
        if malformed:
            problems.append(f"cuda_versions has {', '.join(malformed)}, which are not major.minor versions: use for "
                            'example "12.8" (quoted).')
    branch = _text("cuda_driver_branch", inputs["cuda_driver_branch"], problems)
    if branch and not BRANCH.match(branch):
        problems.append(f"cuda_driver_branch '{branch}' is not a driver branch: use three digits such as 580, or \"\" "
                        "for the installed driver.")
    default = _text("cuda_default_version", inputs["cuda_default_version"], problems)
    if default and versions and default not in versions:
        problems.append(f"cuda_default_version {default} is not in cuda_versions ({', '.join(versions)}): add it "
                        "there, or leave it empty for the newest.")
    # The distro source installs the distribution's nvidia-cuda-toolkit, of the version its vars file names.
    if (inputs["cuda_source"] == "distro" and derived["distro_version"] is None
            and derived["distribution"] in SUPPORTED_DISTRIBUTIONS):
        problems.append(f"cuda_source is distro, and no nvidia-cuda-toolkit version is known for "
                        f"{derived['distribution']} {derived['distribution_major_version']} (roles/cuda/vars/): use "
                        "cuda_source: nvidia.")
    return problems


def cudnn_problems(inputs, derived):
    """The problems of the cudnn role's inputs.

    inputs: cudnn_version, cudnn_cuda_version. derived: distribution and distribution_version (facts).
    """
    problems = _unsupported_distribution("cudnn", derived)
    _matching("cudnn_version", inputs, CUDNN_VERSION, problems,
              " '{}' is not a full cuDNN 8 or 9 version: use the four parts of the package version, for example "
              "9.17.0.29 (or 8.2.4.15 for the seed-2021 profile)")
    _matching("cudnn_cuda_version", inputs, CUDA_VERSION, problems,
              " '{}' is not a major.minor CUDA version: use for example \"12.8\"")
    return problems


def nvidia_docker_problems(inputs):
    """The problems of the nvidia_docker role's inputs.

    inputs: nvidia_docker_repo_url, nvidia_docker_repo_key_url, nvidia_docker_repo_key_fingerprint,
    nvidia_docker_toolkit_version, nvidia_docker_cdi_spec_path.
    """
    problems = []
    bad_urls = []
    for name, example in TOOLKIT_URL_EXAMPLES.items():
        url = _text(name, inputs[name], problems)
        problem = None if url is None else input_checks.plain_url_problem(name, url, example)
        if problem:
            bad_urls.append(problem)
    if bad_urls:
        problems.append(" ".join(["The container toolkit's repository settings must be plain URLs.", *bad_urls]))
    given = _text("nvidia_docker_repo_key_fingerprint", inputs["nvidia_docker_repo_key_fingerprint"], problems)
    fingerprint = normalise_fingerprint(given or "")
    if given is not None and not fingerprint:
        problems.append("nvidia_docker_repo_key_fingerprint is empty, so the key from nvidia_docker_repo_key_url "
                        f"({input_checks.mask_userinfo(inputs['nvidia_docker_repo_key_url'])}) could not be verified: "
                        "set it to the 40-hex-digit fingerprint of the key that signs nvidia_docker_repo_url "
                        f"({input_checks.mask_userinfo(inputs['nvidia_docker_repo_url'])}).")
    elif given is not None and not input_checks.V4_FINGERPRINT.match(fingerprint):
        problems.append(f"nvidia_docker_repo_key_fingerprint '{given}' is not a full key fingerprint: give all 40 "
                        "hexadecimal digits (spaces allowed), as `gpg --show-keys` prints them.")
    _matching("nvidia_docker_toolkit_version", inputs, TOOLKIT_VERSION, problems,
              " is '{}', which is not a toolkit version such as 1.19.0-1 (or 1.19.0); `apt-cache madison "
              "nvidia-container-toolkit` lists them.")
    _matching("nvidia_docker_cdi_spec_path", inputs, CDI_SPEC_PATH, problems,
              " is '{}': it must be an absolute path ending in .yaml or .json, in a directory that the runtimes read "
              "(/etc/cdi or /var/run/cdi).")
    return problems


class FilterModule:
    def filters(self):
        return {
            "nvidia_driver_problems": nvidia_driver_problems,
            "cuda_problems": cuda_problems,
            "cudnn_problems": cudnn_problems,
            "nvidia_docker_problems": nvidia_docker_problems,
        }
