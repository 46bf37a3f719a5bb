"""State that the docker and nvidia_docker roles leave with Docker's repository (molecule scenario `docker`).

Docker CE and the container toolkit come from the fixture repositories: their packages have empty payloads,
so no daemon runs here (docker_distro runs a real one). Debian 12 was set up by hand before the run, as
Docker's and NVIDIA's guides do it; Debian 13 was fresh and has nvidia as the default runtime.
"""

import json
import os
from pathlib import Path

import pytest
import yaml

FIXTURE = yaml.safe_load(
    (Path(os.environ["MOLECULE_PROJECT_DIRECTORY"]) / "build/fixture-repos/vars.yml").read_text()
)
DOCKER_URL = FIXTURE["fixture_docker_base_url"] + "/debian"
TOOLKIT_URL = FIXTURE["fixture_nvidia_container_toolkit_base_url"] + "/stable/deb/amd64"
DOCKER_CE = ["docker-ce", "docker-ce-cli", "docker-ce-rootless-extras"]
PLUGINS = {"docker-buildx-plugin": "0.29.1", "docker-compose-plugin": "2.40.0"}
TOOLKIT = [
    "nvidia-container-toolkit", "nvidia-container-toolkit-base", "libnvidia-container-tools", "libnvidia-container1",
]


def suffix(host):
    """Docker's apt version suffix for the host's release, e.g. -1~debian.12~bookworm."""
    return f"-1~debian.{host.system_info.release.split('.')[0]}~{host.system_info.codename}"


def newest_in_index(host, package, upstream):
    """The newest version of `package` in the host's apt index whose upstream version is `upstream`."""
    versions = [line.split("|")[1].strip() for line in host.check_output("apt-cache madison %s", package).splitlines()]
    matching = [v for v in versions if v.split(":")[-1].rsplit("-", 1)[0] == upstream]
    assert matching, versions
    best = matching[0]
    for version in matching[1:]:
        if host.run("dpkg --compare-versions %s gt %s", version, best).rc == 0:
            best = version
    return best


def primary_fingerprints(host, path):
    out = host.check_output(
        "d=$(mktemp -d); GNUPGHOME=$d gpg --batch --quiet --show-keys --with-colons %s; rm -rf $d", path
    )
    lines = out.splitlines()
    return [
        following.split(":")[9]
        for line, following in zip(lines, lines[1:])
        if line.startswith("pub:") and following.startswith("fpr:")
    ]


def deb822(host, path):
    fields = {}
    for line in host.file(path).content_string.splitlines():
        if ":" in line and not line.startswith("#"):
            key, value = line.split(":", 1)
            fields[key.strip()] = value.strip()
    return fields


def daemon_json(host):
    return json.loads(host.file("/etc/docker/daemon.json").content_string)


def test_docker_source_is_deb822_signed_by_its_keyring(host):
    assert deb822(host, "/etc/apt/sources.list.d/docker.sources") == {
        "X-Repolib-Name": "docker",
        "Types": "deb",
        "URIs": DOCKER_URL,
        "Suites": host.system_info.codename,
        "Components": "stable",
        "Architectures": "amd64",
        "Signed-By": "/etc/apt/keyrings/docker.asc",
    }


def test_toolkit_source_is_deb822_signed_by_its_keyring(host):
    assert deb822(host, "/etc/apt/sources.list.d/nvidia-container-toolkit.sources") == {
        "X-Repolib-Name": "nvidia-container-toolkit",
        "Types": "deb",
        "URIs": TOOLKIT_URL,
        "Suites": "/",
        "Signed-By": "/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg",
    }


@pytest.mark.parametrize(
    "path,fingerprint,armored",
    [
        ("/etc/apt/keyrings/docker.asc", FIXTURE["fixture_docker_key_fingerprint"], True),
        ("/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg",
         FIXTURE["fixture_nvidia_container_toolkit_key_fingerprint"], False),
    ],
)
def test_keyrings_hold_exactly_the_verified_key(host, path, fingerprint, armored):
    keyring = host.file(path)
    assert keyring.user == "root" and keyring.mode == 0o644
    assert keyring.content.startswith(b"-----BEGIN PGP PUBLIC KEY BLOCK-----") == armored
    assert primary_fingerprints(host, path) == [fingerprint]


@pytest.mark.parametrize("url", [DOCKER_URL, TOOLKIT_URL])
def test_each_repository_is_configured_once(host, url):
    files = host.run("grep -rlF %s /etc/apt/sources.list /etc/apt/sources.list.d", url).stdout.split()
    assert len(files) == 1, files
    for legacy in ("docker.list", "nvidia-container-toolkit.list"):
        assert not host.file(f"/etc/apt/sources.list.d/{legacy}").exists


def test_apt_reads_both_repositories(host):
    policy = host.check_output("apt-cache policy docker-ce nvidia-container-toolkit")
    assert f"{DOCKER_URL} {host.system_info.codename}/stable amd64 Packages" in policy
    assert f"{TOOLKIT_URL}  Packages" in policy
    assert "W:" not in host.run("apt-get update -q").stderr


def test_docker_ce_pinned_to_the_older_release_and_held(host):
    wanted = {name: "5:28.5.1" + suffix(host) for name in DOCKER_CE}
    wanted.update({name: version + suffix(host) for name, version in PLUGINS.items()})
    # containerd.io's packaging suffix changed at 1.7.28 (1.7.27-1, then 1.7.28-1~debian.12~bookworm; trixie
    # even 1.7.28-2~debian.13~trixie): the role pins 1.7.28 and takes the newest such version the index has.
    wanted["containerd.io"] = newest_in_index(host, "containerd.io", "1.7.28")
    out = host.check_output("dpkg-query --show --showformat='${Package} ${Version}\\n' " + " ".join(wanted))
    installed = dict(line.split() for line in out.splitlines())
    assert installed == wanted
    assert set(host.check_output("apt-mark showhold").split()) >= set(wanted)


def test_toolkit_four_packages_at_one_version_and_held(host):
    out = host.check_output("dpkg-query --show --showformat='${Package} ${Version}\\n' " + " ".join(TOOLKIT))
    assert dict(line.split() for line in out.splitlines()) == {name: "1.18.1-1" for name in TOOLKIT}
    assert set(host.check_output("apt-mark showhold").split()) >= set(TOOLKIT)


def test_conflicting_packages_removed(host):
    assert not host.package("runc").is_installed
    assert not host.package("docker.io").is_installed


def test_daemon_json_keeps_hand_made_keys_and_adds_the_roles(host):
    config = daemon_json(host)
    assert config["log-level"] == "warn"
    assert config["labels"] == ["mlbox.test=hand-made"]
    assert config["log-driver"] == "json-file"
    assert config["log-opts"] == {"max-size": "50m", "max-file": "3"}
    assert config["runtimes"] == {"nvidia": {"path": "nvidia-container-runtime", "args": []}}
    assert "debug" not in config  # docker_daemon_options_absent
    daemon = host.file("/etc/docker/daemon.json")
    assert daemon.user == "root" and daemon.mode == 0o644


def test_default_runtime_follows_nvidia_docker_default_runtime(host):
    config = daemon_json(host)
    if host.system_info.codename == "trixie":
        assert config["default-runtime"] == "nvidia"
    else:
        # The guide's `nvidia-ctk runtime configure --set-as-default` set it; the role took it out again.
        assert "default-runtime" not in config


def test_docker_group_holds_exactly_the_listed_users(host):
    members = host.check_output("getent group docker").split(":")[3]
    assert members.split(",") == ["alice"]
    assert "docker" in host.user("alice").groups
    assert "docker" not in host.user("bob").groups


def test_no_cdi_spec_without_a_driver(host):
    assert not host.file("/var/run/cdi/nvidia.yaml").exists


def test_no_scratch_directories_left(host):
    assert host.run("ls -d /tmp/mlbox-*").rc != 0
