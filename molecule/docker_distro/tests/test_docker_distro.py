"""State that the docker and nvidia_docker roles leave with the distribution's docker.io (scenario
`docker_distro`): dockerd really runs inside the test container, and runs a container through runc and
through the nvidia runtime. The hosts had Docker CE and an older toolkit before the run.
"""

import json
import os
from pathlib import Path

import pytest
import yaml

FIXTURE = yaml.safe_load(
    (Path(os.environ["MOLECULE_PROJECT_DIRECTORY"]) / "build/fixture-repos/vars.yml").read_text()
)
TOOLKIT_URL = FIXTURE["fixture_nvidia_container_toolkit_base_url"] + "/stable/deb/amd64"
TOOLKIT = [
    "nvidia-container-toolkit", "nvidia-container-toolkit-base", "libnvidia-container-tools", "libnvidia-container1",
]
DOCKER_CE = ["docker-ce", "docker-ce-cli", "containerd.io", "docker-buildx-plugin", "docker-compose-plugin"]
IMAGE = "mlbox-test/busybox:latest"


def docker_info(host):
    return json.loads(host.check_output("docker info --format '{{json .}}'"))


@pytest.fixture(scope="module")
def image(host):
    """A one-binary image from Debian's busybox-static, made with docker import (no registry here)."""
    if host.run("docker image inspect %s", IMAGE).rc != 0:
        host.check_output(
            "set -e; d=$(mktemp -d); mkdir $d/bin; cp /bin/busybox $d/bin/;"
            " for t in sh echo cat; do ln -s busybox $d/bin/$t; done;"
            " tar -C $d -c . | docker import - %s; rm -rf $d",
            IMAGE,
        )
    return IMAGE


def test_distribution_packages_installed(host):
    assert host.package("docker.io").is_installed
    if host.system_info.codename == "trixie":
        assert host.package("docker-buildx").is_installed
        assert host.package("docker-compose").is_installed


def test_docker_ce_and_its_source_removed(host):
    for name in DOCKER_CE:
        assert not host.package(name).is_installed, name
    for path in ("/etc/apt/sources.list.d/docker.sources", "/etc/apt/sources.list.d/docker.list",
                 "/etc/apt/keyrings/docker.asc"):
        assert not host.file(path).exists, path
    assert "download" not in host.check_output("apt-cache policy docker.io")
    assert not set(DOCKER_CE) & set(host.check_output("apt-mark showhold").split())


def test_toolkit_moved_up_together_and_held(host):
    out = host.check_output("dpkg-query --show --showformat='${Package} ${Version}\\n' " + " ".join(TOOLKIT))
    assert dict(line.split() for line in out.splitlines()) == {name: "1.19.0-1" for name in TOOLKIT}
    assert set(host.check_output("apt-mark showhold").split()) >= set(TOOLKIT)
    files = host.run("grep -rlF %s /etc/apt/sources.list /etc/apt/sources.list.d", TOOLKIT_URL).stdout.split()
    assert files == ["/etc/apt/sources.list.d/nvidia-container-toolkit.sources"]


def test_service_enabled_and_running(host):
    docker = host.service("docker")
    assert docker.is_enabled
    assert docker.is_running
    assert host.socket("unix:///run/docker.sock").is_listening


def test_daemon_runs_with_the_merged_configuration(host):
    config = json.loads(host.file("/etc/docker/daemon.json").content_string)
    assert config["log-level"] == "warn" and config["labels"] == ["mlbox.test=hand-made"]
    assert config["runtimes"]["nvidia"] == {"path": "nvidia-container-runtime", "args": []}
    info = docker_info(host)
    assert info["Driver"] == "vfs"
    assert info["LoggingDriver"] == "json-file"
    assert "mlbox.test=hand-made" in info["Labels"]
    assert "nvidia" in info["Runtimes"]
    expected_default = "nvidia" if host.system_info.codename == "trixie" else "runc"
    assert info["DefaultRuntime"] == expected_default
    assert config.get("default-runtime", "runc") == expected_default


def test_inner_daemon_has_no_bridge_network(host):
    """"bridge": "none": the daemon, which shares the host's network stack here, made no bridge of its own."""
    networks = host.check_output("docker network ls --format '{{.Name}}'").split()
    assert "bridge" not in networks
    assert {"host", "none"} <= set(networks)


def test_a_container_runs(host, image):
    out = host.check_output("docker run --rm --network none %s echo hello from a container", image)
    assert out == "hello from a container"


def test_a_container_runs_through_the_nvidia_runtime(host, image):
    # The fixture nvidia-container-runtime passes a container that asks for no GPU to runc, as the real one does.
    out = host.check_output("docker run --rm --network none --runtime nvidia %s echo nvidia runtime", image)
    assert out == "nvidia runtime"


def test_a_gpu_container_fails_without_a_driver(host, image):
    """The registration is real: a container that asks for a GPU reaches the (fixture) NVIDIA runtime, which
    refuses it without a driver, while the same container without the request runs (test above)."""
    run = host.run("docker run --rm --network none --runtime nvidia -e NVIDIA_VISIBLE_DEVICES=all %s true", image)
    assert run.rc != 0
    assert "nvidia-container-runtime did not terminate successfully" in run.stderr


def test_docker_group_holds_exactly_the_listed_users(host):
    members = host.check_output("getent group docker").split(":")[3]
    assert members.split(",") == ["alice"]
    assert host.run("runuser -u alice -- docker version --format '{{.Server.Version}}'").rc == 0
    assert host.run("runuser -u bob -- docker version --format '{{.Server.Version}}'").rc != 0
