"""Unit tests of module_utils/apt_state.py: OpenPGP keys, Debian versions and pins, apt's output."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible_collections.mlinabox.stack.plugins.module_utils import apt_state

APT = Path(__file__).resolve().parent / "fixtures" / "apt"
FPR_A = "23D27C3B8EEAAF5D782145E7E94C43F01BDC03AB"
FPR_B = "358A7CC67F7E90304B9BBC380D3F911AC3466B72"


# ---------------------------------------------------------------- OpenPGP


def test_fingerprint_of_an_armored_key():
    key, found = apt_state.select_key((APT / "key-a.asc").read_bytes(), FPR_A)
    assert found == [FPR_A]
    assert key is not None


def test_fingerprint_of_a_binary_key_with_spaces_and_lower_case_pin():
    pin = " ".join(FPR_B[i:i + 4] for i in range(0, 40, 4)).lower()
    key, found = apt_state.select_key((APT / "key-b.gpg").read_bytes(), pin)
    assert found == [FPR_B]
    assert key == (APT / "key-b.gpg").read_bytes()


def test_a_file_with_two_keys_keeps_only_the_pinned_one():
    both = apt_state.dearmor((APT / "key-a.asc").read_bytes()) + (APT / "key-b.gpg").read_bytes()
    key, found = apt_state.select_key(apt_state.armor(both).encode(), FPR_B)
    assert found == [FPR_A, FPR_B]
    assert key == (APT / "key-b.gpg").read_bytes()
    assert list(apt_state.split_keys(key)) == [FPR_B]


def test_another_fingerprint_is_not_found():
    key, found = apt_state.select_key((APT / "key-a.asc").read_bytes(), FPR_B)
    assert key is None and found == [FPR_A]


@pytest.mark.parametrize("data, why", [
    (b"<html>not found</html>", "neither an armored nor a binary"),
    (b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n!!!!\n-----END PGP PUBLIC KEY BLOCK-----\n", "not valid base64"),
    (b"\x99\x00\x20abc", "truncated packet"),
])
def test_data_that_is_no_key_is_refused(data, why):
    with pytest.raises(apt_state.KeyFormatError, match=why):
        apt_state.select_key(data, FPR_A)


def test_a_damaged_armor_checksum_is_refused():
    text = (APT / "key-a.asc").read_text().splitlines()
    checksum = next(i for i, line in enumerate(text) if line.startswith("=") and len(line) == 5)
    text[checksum] = "=AAAA"
    with pytest.raises(apt_state.KeyFormatError, match="checksum does not match"):
        apt_state.select_key("\n".join(text).encode(), FPR_A)


def test_armor_round_trip_and_keyring_format():
    binary = (APT / "key-b.gpg").read_bytes()
    assert apt_state.dearmor(apt_state.armor(binary).encode()) == binary
    assert apt_state.keyring_bytes(binary, "/etc/apt/keyrings/docker.asc").startswith(b"-----BEGIN PGP PUBLIC KEY")
    assert apt_state.keyring_bytes(binary, "/usr/share/keyrings/x.gpg") == binary


# ---------------------------------------------------------------- Debian versions and pins


@pytest.mark.parametrize("left, right, sign", [
    ("5:29.0.0-1~debian.12~bookworm", "5:28.5.1-1~debian.12~bookworm", 1),
    ("1.7.28-1~debian.12~bookworm", "1.7.27-1", 1),
    ("1.7.28-2~debian.13~trixie", "1.7.28-1~debian.13~trixie", 1),
    ("1.0~rc1", "1.0", -1),
    ("1:0.1", "9.9", 1),
    ("2.6-1", "2.6-1", 0),
    ("8.2.4.15-1+cuda11.4", "8.2.4.15-1+cuda10.2", 1),
    ("1.0a", "1.0+", -1),
])
def test_debian_version_order(left, right, sign):
    result = apt_state.compare_debian_versions(left, right)
    assert (result > 0) - (result < 0) == sign


@pytest.mark.parametrize("pin, version, matches", [
    ("29.0.0", "5:29.0.0-1~debian.12~bookworm", True),
    ("29.0.0", "5:29.0.01-1~debian.12~bookworm", False),
    ("2.1.5", "2.1.5-1~ubuntu.24.04~noble", True),
    ("2.1.5", "2.1.5-1", True),
    ("1.7.28", "1.7.28-2~debian.13~trixie", True),
    ("1.7.2", "1.7.28-1", False),
    ("20.10.8", "5:20.10.8~3-0~ubuntu-focal", True),
    ("20.10", "5:20.10.8~3-0~ubuntu-focal", False),
    ("20.10.24", "20.10.24+dfsg1-1+deb12u1+b6", True),
    ("1.0", "1.0~rc1-1", False),
    ("1.19.0-1", "1.19.0-1", True),
    ("1.19.0-1", "1.19.0-10", False),
    ("5:29.0.0-1~debian.12~bookworm", "5:29.0.0-1~debian.12~bookworm", True),
    ("29.0.0-1~debian.12~bookworm", "5:29.0.0-1~debian.12~bookworm", True),
    ("8.2.4.15-*+cuda11.4", "8.2.4.15-1+cuda11.4", True),
    ("8.2.4.15-*+cuda11.4", "8.2.4.15-1+cuda10.2", False),
    ("580.*", "580.95.05-1", True),
])
def test_pin_matches(pin, version, matches):
    assert apt_state.pin_matches(pin, version) is matches


def test_resolve_pin_takes_the_newest_match():
    versions = ["1.7.28-1~debian.13~trixie", "1.7.28-2~debian.13~trixie", "1.7.27-1", "2.1.5-1~debian.13~trixie"]
    assert apt_state.resolve_pin("1.7.28", versions) == "1.7.28-2~debian.13~trixie"
    assert apt_state.resolve_pin("1.7.27", versions) == "1.7.27-1"
    assert apt_state.resolve_pin("2.1.6", versions) is None


def test_nearest_versions_surround_the_pin_newest_first():
    versions = ["2.1.5-1", "1.7.28-1", "1.7.27-1", "1.7.20-1", "2.2.0-1", "3.0.0-1", "1.6.0-1"]
    assert apt_state.nearest_versions("2.1.6", versions, count=2) == ["3.0.0-1", "2.2.0-1", "2.1.5-1", "1.7.28-1"]
    assert apt_state.nearest_versions("0.1", versions, count=2) == ["1.7.20-1", "1.6.0-1"]


# ---------------------------------------------------------------- apt's output


def test_parse_madison():
    found = apt_state.parse_madison((APT / "madison-bookworm.txt").read_text())
    assert [v for v, _source in found["containerd.io"]] == ["2.1.5-1", "1.7.28-1"]
    assert found["docker-ce"][0] == (
        "5:29.0.0-1~debian.12~bookworm", "http://127.0.0.1:8765/linux/debian bookworm/stable amd64 Packages")
    assert {v for v, _source in found["curl"]} == {"7.88.1-10+deb12u15", "7.88.1-10+deb12u5"}


def test_parse_simulation():
    plan = apt_state.parse_simulation((APT / "simulate-bookworm.txt").read_text())
    by_name = {row["package"]: row for row in plan}
    assert by_name["docker.io"]["action"] == "remove"
    assert by_name["docker.io"]["current"] == "20.10.24+dfsg1-1+deb12u1+b6"
    assert by_name["containerd.io"] == {"action": "install", "package": "containerd.io", "version": "2.1.5-1",
                                        "current": "", "release": "Docker CE:bookworm", "arch": "amd64"}
    assert by_name["curl"]["action"] == "upgrade"
    assert by_name["curl"]["current"] == "7.88.1-10+deb12u14"
    assert by_name["docker-ce"]["version"] == "5:28.5.1-1~debian.12~bookworm"
    assert by_name["jq"]["action"] == "upgrade"   # apt-get install upgrades an installed package: the module
    # therefore leaves unpinned packages that are installed out of the simulation (as ansible.builtin.apt does)


def test_parse_print_uris_and_size_of():
    sizes = apt_state.parse_print_uris((APT / "print-uris-bookworm.txt").read_text())
    assert apt_state.size_of(sizes, "containerd.io", "2.1.5-1") == 1058
    assert apt_state.size_of(sizes, "docker-ce-cli", "5:28.5.1-1~debian.12~bookworm") == 1138
    assert apt_state.size_of(sizes, "docker-ce-cli", "5:29.0.0-1~debian.12~bookworm") is None


def test_failing_repositories_are_named_from_apt_update():
    uris = ["http://127.0.0.1:8765/linux/debian", "http://127.0.0.1:8765/libnvidia-container/stable/deb/amd64/"]
    assert apt_state.failing_repositories((APT / "update-wrong-key.txt").read_text(), uris) == uris[:1]
    assert apt_state.failing_repositories((APT / "update-unreachable.txt").read_text(), uris) == []
    assert apt_state.failing_repositories((APT / "update-unreachable.txt").read_text(),
                                          ["http://127.0.0.1:9/linux/debian"]) == ["http://127.0.0.1:9/linux/debian"]


@pytest.mark.parametrize("uri, prefix", [
    ("http://127.0.0.1:8765/linux/debian", "127.0.0.1:8765_linux_debian_"),
    ("https://user:pw@download.docker.com/linux/ubuntu/", "download.docker.com_linux_ubuntu_"),
    ("https://developer.download.nvidia.com/compute/cuda/repos/debian12/x86_64/",
     "developer.download.nvidia.com_compute_cuda_repos_debian12_x86%5f64_"),
])
def test_list_file_prefix_as_apt_names_its_lists(uri, prefix):
    assert apt_state.list_file_prefix(uri) == prefix


def test_dpkg_status_reads_installed_packages_only():
    status = (
        "Package: jq\nStatus: install ok installed\nVersion: 1.6-2.1+deb12u1\n\n"
        "Package: docker.io\nStatus: deinstall ok config-files\nVersion: 20.10.24+dfsg1-1+deb12u1+b6\n\n"
        "Package: curl\nStatus: hold ok installed\nArchitecture: amd64\nVersion: 7.88.1-10+deb12u14\n"
    )
    assert apt_state.parse_dpkg_status(status) == {
        "jq": {"version": "1.6-2.1+deb12u1", "held": False},
        "curl": {"version": "7.88.1-10+deb12u14", "held": True},
    }


@pytest.mark.parametrize("name,stem", [
    ("cuda-toolkit-12-9", "cuda-toolkit"), ("nvidia-open-580", "nvidia-open"), ("libcudnn9-cuda-12", "libcudnn9-cuda"),
    ("nvidia-driver-pinning-590", "nvidia-driver-pinning"), ("docker-ce", None), ("libcudnn9", None),
])
def test_name_stem(name, stem):
    assert apt_state.name_stem(name) == stem


def test_nearest_siblings_by_the_numbers_in_their_names():
    newest = {"cuda-toolkit-12-8": "12.8.1-1", "cuda-toolkit-12-10": "12.10.0-1", "cuda-toolkit-13-0": "13.0.2-1",
              "cuda-toolkit-11-8": "11.8.0-1", "cuda-toolkit-config-common": "13.0.96-1", "cuda-12-9": "12.9.1-1"}
    assert apt_state.nearest_siblings("cuda-toolkit-12-9", newest, count=2) == [
        ("cuda-toolkit-13-0", "13.0.2-1"), ("cuda-toolkit-12-10", "12.10.0-1"),
        ("cuda-toolkit-12-8", "12.8.1-1"), ("cuda-toolkit-11-8", "11.8.0-1")]
    assert apt_state.nearest_siblings("docker-ce", newest) == []


@pytest.mark.parametrize("uri, expected", [
    ("https://download.docker.com/linux/debian", ""),
    ("http://127.0.0.1:8765/docker", ""),
    ("https://[::1]:8080/repo", ""),
    ("file:///srv/mirror/cuda", ""),
    ("https://user:secret@mirror.example.com/cuda", "holds a user or password"),
    ("https://token@mirror.example.com/cuda", "holds a user or password"),
    ("https://mirror.example.com/cuda\n", "whitespace, a control character or a quote"),
    ("https://mirror.example.com/cuda\nTrusted: yes", "whitespace, a control character or a quote"),
    ('https://mirror.example.com/"x', "whitespace, a control character or a quote"),
    ("https://mirror example.com", "whitespace, a control character or a quote"),
    ("ftp://mirror.example.com/cuda", "is not an URL of http://, https://, file://"),
    ("mirror.example.com/cuda", "is not an URL of"),
    ("file://host/srv", "is not a file:///absolute/path URL"),
    ("https://", "has no valid host name"),
    ("https://-bad-.example/", "has no valid host name"),
    ("", "is empty"),
])
def test_uri_problem(uri, expected):
    problem = apt_state.uri_problem(uri)
    assert (expected in problem) if expected else problem == ""


@pytest.mark.parametrize("uri, expected", [
    ("https://download.docker.com/linux/debian", "http://c:3142/HTTPS///download.docker.com/linux/debian"),
    ("http://127.0.0.1:8765/docker", "http://c:3142/127.0.0.1:8765/docker"),
    ("http://c:3142/deb.debian.org/debian", "http://c:3142/deb.debian.org/debian"),
    ("file:///srv/repo", "file:///srv/repo"),
])
def test_via_apt_cache(uri, expected):
    assert apt_state.via_apt_cache(uri, "http://c:3142/") == expected
    assert apt_state.via_apt_cache(uri, "http://c:3142") == expected
    assert apt_state.via_apt_cache(uri, "") == uri


@pytest.mark.parametrize("cache, ok", [
    ("", True), ("http://cache.example.internal:3142", True), ("http://10.0.0.5:3142/", True),
    ("http://[fd00::5]:3142", True), ("https://c:3142", False), ("http://c", False), ("http://c:3142/x", False),
    ("http://c:0", False), ("http://c:99999", False), ("http://c:3142\nx", False),
])
def test_apt_cache_problem(cache, ok):
    assert (apt_state.apt_cache_problem(cache) == "") is ok
