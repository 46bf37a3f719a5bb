# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The filters nvidia_driver_problems, cuda_problems, cudnn_problems and nvidia_docker_problems (the NVIDIA roles'
input checks), starting from each role's defaults (roles/<role>/defaults/main.yml), which must pass.
tests/integration/bad_input_nvidia.yml runs the same messages through the roles."""

from __future__ import annotations

import pytest
from ansible_collections.mlinabox.stack.plugins.filter.nvidia_checks import (
    cuda_problems,
    cudnn_problems,
    nvidia_docker_problems,
    nvidia_driver_problems,
)
from conftest import role_yaml

NVIDIA_FPR = "EB69 3B30 35CD 5710 E231  E123 A4B4 6996 3BF8 63CC"
WRONG_TYPES = [None, True, ["580"], {"a": 1}]


def defaults(role, *names):
    values = role_yaml(role)
    return {name: values[name] for name in names}


def driver(**overrides):
    inputs = defaults("nvidia_driver", "nvidia_driver_branch", "nvidia_driver_version", "nvidia_driver_source",
                      "nvidia_driver_repo_url", "nvidia_driver_repo_key_fingerprint", "nvidia_driver_mok_key",
                      "nvidia_driver_mok_certificate")
    derived = {"architecture": overrides.pop("architecture", "x86_64"),
               "repo_arch": overrides.pop("repo_arch", "x86_64"),
               "repo_key_url": overrides.pop("repo_key_url", "https://developer.download.nvidia.com/compute/cuda/"
                                                             "repos/debian12/x86_64/3bf863cc.pub"),
               "mok_default_key": "/var/lib/dkms/mok.key"}
    return nvidia_driver_problems({**inputs, **overrides}, derived)


def cuda(**overrides):
    inputs = defaults("cuda", "cuda_source", "cuda_versions", "cuda_default_version", "cuda_driver_branch")
    derived = {"distribution": overrides.pop("distribution", "Debian"), "distribution_version": "12.7",
               "distribution_major_version": "12", "distro_version": overrides.pop("distro_version", "11.8")}
    return cuda_problems({**inputs, **overrides}, derived)


def cudnn(**overrides):
    inputs = defaults("cudnn", "cudnn_version", "cudnn_cuda_version")
    derived = {"distribution": overrides.pop("distribution", "Debian"), "distribution_version": "12.7"}
    return cudnn_problems({**inputs, **overrides}, derived)


def docker(**overrides):
    inputs = defaults("nvidia_docker", "nvidia_docker_repo_url", "nvidia_docker_repo_key_url",
                      "nvidia_docker_repo_key_fingerprint", "nvidia_docker_toolkit_version",
                      "nvidia_docker_cdi_spec_path")
    return nvidia_docker_problems({**inputs, **overrides})


def only(problems):
    assert len(problems) == 1, problems
    return problems[0]


def test_the_defaults_have_no_problem():
    assert driver() == []
    assert cuda() == []
    assert cudnn() == []
    assert docker() == []


# nvidia_driver


@pytest.mark.parametrize("version", ["", "580.95.05", "580.95.05-1", "580.95.05-1ubuntu1~24.04"])
def test_driver_versions_of_the_branch(version):
    assert driver(nvidia_driver_version=version) == []


def test_a_driver_branch_as_a_number_is_read_as_text():
    assert driver(nvidia_driver_branch=595, nvidia_driver_version="595.45.04-1") == []


@pytest.mark.parametrize("branch", ["r580", "58", "5800", "580\n", ""])
def test_a_driver_branch_is_three_digits(branch):
    assert only(driver(nvidia_driver_branch=branch)) == (
        f"nvidia_driver_branch '{branch}' is not a driver branch: use three digits such as 580 or 595")


@pytest.mark.parametrize("version", ["595.45.04-1", "580", "580.x", "580.95.05\n", "580.95.05-1 x"])
def test_a_driver_version_is_an_apt_version_of_the_branch(version):
    assert only(driver(nvidia_driver_version=version)) == (
        f"nvidia_driver_version '{version}' is not an apt version of branch 580: use for example 580.95.05 (any "
        'revision) or 580.95.05-1, or "" for the newest of the branch')


def test_an_unsupported_architecture_has_no_nvidia_repository():
    assert only(driver(architecture="ppc64le", repo_arch="unsupported")) == (
        "NVIDIA's CUDA repository has packages for x86_64 and aarch64 (sbsa), and this host is ppc64le: use another "
        "host, or nvidia_driver_source: distro.")


@pytest.mark.parametrize("url", ["https://mirror.example.com/cuda/repos", "http://127.0.0.1:8765/cuda/repos/",
                                 "file:///srv/cuda", "https://[::1]/cuda"])
def test_driver_repository_urls(url):
    assert driver(nvidia_driver_repo_url=url, repo_key_url=url + "/key.pub") == []


@pytest.mark.parametrize("url", ["mirror.example.com/cuda/repos", "ftp://mirror/cuda", "https://mirror/a b",
                                 "https://mirror/x\n", "https://mirror/\"x", "file://host/x", ""])
def test_a_driver_repository_url_fit_for_apt_sources(url):
    problems = driver(nvidia_driver_repo_url=url)
    assert problems == [
        f"nvidia_driver_repo_url is '{url}', which is not an http://, https:// or file:// URL (for example "
        "https://developer.download.nvidia.com/compute/cuda/repos, or a mirror of it) without spaces, quotes or a "
        "newline."]


def test_a_driver_key_url_is_checked_in_full():
    assert only(driver(repo_key_url="key.example.com/key.pub")).startswith(
        "nvidia_driver_repo_key_url is 'key.example.com/key.pub', which is not an http://")


def test_driver_repository_credentials_are_refused_and_masked():
    problems = driver(nvidia_driver_repo_url="https://user:s3cret@mirror.example.com/cuda",
                      repo_key_url="https://user:s3cret@mirror.example.com/cuda/debian12/x86_64/3bf863cc.pub",
                      nvidia_driver_repo_key_fingerprint="")
    assert len(problems) == 3
    assert problems[0].startswith("nvidia_driver_repo_url is 'https://***@mirror.example.com/cuda', which is not")
    assert problems[0].endswith(
        "; it holds a user or password, which would be written to a source file everyone can read: give the URL "
        "without them and put them in /etc/apt/auth.conf.d/ (mode 0600, see apt_auth.conf(5)).")
    assert problems[1].startswith("nvidia_driver_repo_key_url is 'https://***@mirror.example.com/cuda/debian12/")
    assert "signs https://***@mirror.example.com/cuda (NVIDIA's" in problems[2]
    assert not any("s3cret" in problem for problem in problems)


@pytest.mark.parametrize("fingerprint", [NVIDIA_FPR, NVIDIA_FPR.replace(" ", "").lower(), f" {NVIDIA_FPR}\n"])
def test_driver_key_fingerprints_in_full(fingerprint):
    assert driver(nvidia_driver_repo_key_fingerprint=fingerprint) == []


@pytest.mark.parametrize(("fingerprint", "what"), [
    ("", "nvidia_driver_repo_key_fingerprint is empty"),
    (" \n", "nvidia_driver_repo_key_fingerprint is empty"),
    ("3BF863CC", "nvidia_driver_repo_key_fingerprint '3BF863CC' is not a full fingerprint"),
    (NVIDIA_FPR + "Z", f"nvidia_driver_repo_key_fingerprint '{NVIDIA_FPR}Z' is not a full fingerprint"),
])
def test_a_driver_key_fingerprint_in_full(fingerprint, what):
    assert only(driver(nvidia_driver_repo_key_fingerprint=fingerprint)) == (
        f"{what}: set it to the 40 hexadecimal digits of the key that signs "
        "https://developer.download.nvidia.com/compute/cuda/repos (NVIDIA's: EB69 3B30 35CD 5710 E231  E123 A4B4 6996 "
        "3BF8 63CC; a mirror that copies NVIDIA's repository keeps that key). The role never trusts a key it cannot "
        "check.")


def test_the_distro_source_skips_the_repository():
    assert driver(nvidia_driver_source="distro", nvidia_driver_repo_url="x", repo_arch="unsupported",
                  nvidia_driver_repo_key_fingerprint="") == []


def test_the_repository_alone_as_tasks_repository_checks_gives_it():
    derived = {"architecture": "x86_64", "repo_arch": "x86_64", "repo_key_url": "https://example.com/key.pub"}
    inputs = {"nvidia_driver_repo_url": "https://example.com/cuda", "nvidia_driver_repo_key_fingerprint": NVIDIA_FPR}
    assert nvidia_driver_problems(inputs, derived) == []
    inputs["nvidia_driver_repo_key_fingerprint"] = ""
    assert only(nvidia_driver_problems(inputs, derived)).startswith("nvidia_driver_repo_key_fingerprint is empty")


@pytest.mark.parametrize(("key", "certificate"), [("/root/mok.key", ""), ("", "/root/mok.der")])
def test_mok_key_and_certificate_go_together(key, certificate):
    assert only(driver(nvidia_driver_mok_key=key, nvidia_driver_mok_certificate=certificate)) == (
        "nvidia_driver_mok_key and nvidia_driver_mok_certificate go together: set both (the private key and its DER "
        "certificate, paths on the host) or neither (the role then uses or generates /var/lib/dkms/mok.key).")
    assert driver(nvidia_driver_mok_key="/root/mok.key", nvidia_driver_mok_certificate="/root/mok.der") == []


def test_every_driver_problem_is_reported():
    problems = driver(nvidia_driver_branch="r580", nvidia_driver_repo_url="x", nvidia_driver_repo_key_fingerprint="",
                      nvidia_driver_mok_key="/root/mok.key", repo_arch="unsupported")
    assert [problem.split(" ")[0] for problem in problems] == [
        "nvidia_driver_branch", "NVIDIA's", "nvidia_driver_repo_url", "nvidia_driver_repo_key_fingerprint",
        "nvidia_driver_mok_key"]


@pytest.mark.parametrize("value", WRONG_TYPES)
@pytest.mark.parametrize("name", ["nvidia_driver_branch", "nvidia_driver_version", "nvidia_driver_repo_url",
                                  "nvidia_driver_repo_key_fingerprint", "nvidia_driver_mok_key",
                                  "nvidia_driver_mok_certificate"])
def test_driver_inputs_of_the_wrong_type(name, value):
    problems = driver(**{name: value})
    assert f"{name} must be a string, not " in problems[0]


# cuda


def test_cuda_versions_as_numbers_are_read_as_text():
    assert cuda(cuda_versions=[12.8, "13.0"], cuda_default_version=12.8, cuda_driver_branch=580) == []


def test_cuda_on_an_unsupported_distribution():
    assert only(cuda(distribution="Fedora", distro_version=None, cuda_source="distro")) == (
        "The cuda role supports Debian and Ubuntu, and this host runs Fedora 12.7.")


def test_cuda_versions_not_empty():
    assert only(cuda(cuda_versions=[])) == 'cuda_versions is empty: list at least one toolkit, for example ["12.8"].'


def test_cuda_versions_major_minor():
    assert only(cuda(cuda_versions=["12", "12.8", "13.0\n"])) == (
        'cuda_versions has 12, 13.0\n, which are not major.minor versions: use for example "12.8" (quoted).')


@pytest.mark.parametrize("branch", ["58", "r580", "580\n"])
def test_cuda_driver_branch(branch):
    assert only(cuda(cuda_driver_branch=branch)) == (
        f"cuda_driver_branch '{branch}' is not a driver branch: use three digits such as 580, or \"\" for the "
        "installed driver.")


def test_cuda_default_version_in_the_list():
    assert only(cuda(cuda_versions=["12.8", "13.0"], cuda_default_version="12.6")) == (
        "cuda_default_version 12.6 is not in cuda_versions (12.8, 13.0): add it there, or leave it empty for the "
        "newest.")
    assert cuda(cuda_versions=["12.8", "13.0"], cuda_default_version="12.8") == []


def test_cuda_distro_source_needs_a_known_toolkit():
    assert only(cuda(cuda_source="distro", distro_version=None)) == (
        "cuda_source is distro, and no nvidia-cuda-toolkit version is known for Debian 12 (roles/cuda/vars/): use "
        "cuda_source: nvidia.")
    assert cuda(cuda_source="distro") == []
    assert cuda(distro_version=None) == []


def test_every_cuda_problem_is_reported():
    problems = cuda(cuda_versions=["12"], cuda_default_version="13.0", cuda_driver_branch="58", cuda_source="distro",
                    distro_version=None)
    assert [problem.split(" ", maxsplit=1)[0] for problem in problems] == [
        "cuda_versions", "cuda_driver_branch", "cuda_default_version", "cuda_source"]


@pytest.mark.parametrize("value", ["12.8", None, {"12.8": True}, 12.8])
def test_cuda_versions_of_the_wrong_type(value):
    assert only(cuda(cuda_versions=value)) == (
        f'cuda_versions must be a list of major.minor versions (such as ["12.8"]), not {_kind(value)}.')


@pytest.mark.parametrize("value", WRONG_TYPES)
@pytest.mark.parametrize("name", ["cuda_default_version", "cuda_driver_branch"])
def test_cuda_inputs_of_the_wrong_type(name, value):
    assert only(cuda(**{name: value})).startswith(f"{name} must be a string, not ")


# cudnn


@pytest.mark.parametrize(("version", "cuda_version"), [("9.17.0.29", "12.8"), ("8.2.4.15", "11.4"),
                                                       ("9.10.2.21", 12.8)])
def test_cudnn_versions(version, cuda_version):
    assert cudnn(cudnn_version=version, cudnn_cuda_version=cuda_version) == []


def test_cudnn_on_an_unsupported_distribution():
    assert only(cudnn(distribution="Fedora")) == (
        "The cudnn role supports Debian and Ubuntu, and this host runs Fedora 12.7.")


@pytest.mark.parametrize("version", ["9.17", "10.0.0.1", "9.17.0.29\n", "", 9.17])
def test_cudnn_version_in_full(version):
    assert only(cudnn(cudnn_version=version)) == (
        f"cudnn_version '{version}' is not a full cuDNN 8 or 9 version: use the four parts of the package version, "
        "for example 9.17.0.29 (or 8.2.4.15 for the seed-2021 profile)")


@pytest.mark.parametrize("version", ["12", "12.8\n", "12.8.1", ""])
def test_cudnn_cuda_version_major_minor(version):
    assert only(cudnn(cudnn_cuda_version=version)) == (
        f"cudnn_cuda_version '{version}' is not a major.minor CUDA version: use for example \"12.8\"")


def test_every_cudnn_problem_is_reported():
    problems = cudnn(distribution="Fedora", cudnn_version="9", cudnn_cuda_version="12")
    assert [problem.split(" ", maxsplit=1)[0] for problem in problems] == ["The", "cudnn_version", "cudnn_cuda_version"]


@pytest.mark.parametrize("value", WRONG_TYPES)
@pytest.mark.parametrize("name", ["cudnn_version", "cudnn_cuda_version"])
def test_cudnn_inputs_of_the_wrong_type(name, value):
    assert only(cudnn(**{name: value})).startswith(f"{name} must be a string, not ")


# nvidia_docker


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765/libnvidia-container", "https://u:p@mirror.example.com:443/x",
                                 "https://[::1]:65535/x", "https://mirror.example.com"])
def test_toolkit_repository_urls(url):
    assert docker(nvidia_docker_repo_url=url, nvidia_docker_repo_key_url=url) == []


@pytest.mark.parametrize("url", ["https://nvidia.github.io/libnvidia-container\n", "file:///root/gpgkey",
                                 "https://:8080/libnvidia-container", "https://m:0/x", "https://m:65536/x",
                                 "https://m/a b", "https://m/\u00e9", "ftp://m/x", "https://-m/x"])
def test_a_toolkit_url_is_plain(url):
    problem = only(docker(nvidia_docker_repo_key_url=url))
    assert problem.startswith("The container toolkit's repository settings must be plain URLs. "
                              "nvidia_docker_repo_key_url is ")
    assert problem.endswith(
        ", which is not a plain https:// or http:// URL (a host name or address, an optional port 1-65535 and a path, "
        "no spaces, newlines or other characters outside printable ASCII; file:// is not accepted): use for example "
        "https://nvidia.github.io/libnvidia-container/gpgkey or a mirror's URL.")


def test_toolkit_urls_are_shown_as_json_in_one_message():
    assert only(docker(nvidia_docker_repo_url="https://x\n", nvidia_docker_repo_key_url="file:///k")) == (
        "The container toolkit's repository settings must be plain URLs. "
        'nvidia_docker_repo_url is "https://x\\n", which is not a plain https:// or http:// URL (a host name or '
        "address, an optional port 1-65535 and a path, no spaces, newlines or other characters outside printable "
        "ASCII; file:// is not accepted): use for example https://nvidia.github.io/libnvidia-container or a mirror's "
        'URL. nvidia_docker_repo_key_url is "file:///k", which is not a plain https:// or http:// URL (a host name or '
        "address, an optional port 1-65535 and a path, no spaces, newlines or other characters outside printable "
        "ASCII; file:// is not accepted): use for example https://nvidia.github.io/libnvidia-container/gpgkey or a "
        "mirror's URL.")


@pytest.mark.parametrize("fingerprint", ["", " \n"])
def test_a_toolkit_key_fingerprint_is_given(fingerprint):
    assert only(docker(nvidia_docker_repo_url="http://mirror.example.com/libnvidia-container",
                       nvidia_docker_repo_key_fingerprint=fingerprint)) == (
        "nvidia_docker_repo_key_fingerprint is empty, so the key from nvidia_docker_repo_key_url "
        "(https://nvidia.github.io/libnvidia-container/gpgkey) could not be verified: set it to the 40-hex-digit "
        "fingerprint of the key that signs nvidia_docker_repo_url (http://mirror.example.com/libnvidia-container).")


@pytest.mark.parametrize("fingerprint", ["C95B321B61E88C1809C4F759DDCAE044F796ECBZ", "C95B"])
def test_a_toolkit_key_fingerprint_in_full(fingerprint):
    assert only(docker(nvidia_docker_repo_key_fingerprint=fingerprint)) == (
        f"nvidia_docker_repo_key_fingerprint '{fingerprint}' is not a full key fingerprint: give all 40 hexadecimal "
        "digits (spaces allowed), as `gpg --show-keys` prints them.")
    assert docker(nvidia_docker_repo_key_fingerprint="c95b321b61e88c1809c4f759ddcae044f796ecb0") == []


@pytest.mark.parametrize("version", ["1.19", "1.19.0\n", "v1.19.0", "1.19.0-", "1.19.0 -1"])
def test_a_toolkit_version(version):
    assert only(docker(nvidia_docker_toolkit_version=version)) == (
        f"nvidia_docker_toolkit_version is '{version}', which is not a toolkit version such as 1.19.0-1 (or 1.19.0); "
        "`apt-cache madison nvidia-container-toolkit` lists them.")
    for good in ("1.19.0-1", "1.19.0~rc.1", "1.19.0~rc.1-1"):
        assert docker(nvidia_docker_toolkit_version=good) == []


@pytest.mark.parametrize("path", ["/etc/cdi/nvidia.yaml\n", "etc/cdi/nvidia.yaml", "/etc/cdi/nvidia.yml",
                                  "/etc/c di/nvidia.yaml"])
def test_a_cdi_spec_path(path):
    assert only(docker(nvidia_docker_cdi_spec_path=path)) == (
        f"nvidia_docker_cdi_spec_path is '{path}': it must be an absolute path ending in .yaml or .json, in a "
        "directory that the runtimes read (/etc/cdi or /var/run/cdi).")
    assert docker(nvidia_docker_cdi_spec_path="/etc/cdi/nvidia.json") == []


def test_every_toolkit_problem_is_reported():
    problems = docker(nvidia_docker_repo_url="x", nvidia_docker_repo_key_fingerprint="C95B",
                      nvidia_docker_toolkit_version="1", nvidia_docker_cdi_spec_path="x")
    assert [problem.split(" ")[0] for problem in problems] == [
        "The", "nvidia_docker_repo_key_fingerprint", "nvidia_docker_toolkit_version", "nvidia_docker_cdi_spec_path"]


@pytest.mark.parametrize("value", WRONG_TYPES)
@pytest.mark.parametrize("name", ["nvidia_docker_repo_url", "nvidia_docker_repo_key_url",
                                  "nvidia_docker_repo_key_fingerprint", "nvidia_docker_toolkit_version",
                                  "nvidia_docker_cdi_spec_path"])
def test_toolkit_inputs_of_the_wrong_type(name, value):
    assert f"{name} must be a string, not " in docker(**{name: value})[0]


def _kind(value):
    return {str: "a string", type(None): "null", dict: "a mapping", float: "a number"}[type(value)]
