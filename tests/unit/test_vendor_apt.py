"""Unit tests of the vendor_apt module: apt-get and apt-cache answered from recordings (fixtures/apt)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible_collections.mlinabox.stack.plugins.modules import vendor_apt

APT = Path(__file__).resolve().parent / "fixtures" / "apt"
FPR_A = "23D27C3B8EEAAF5D782145E7E94C43F01BDC03AB"
FPR_B = "358A7CC67F7E90304B9BBC380D3F911AC3466B72"
URI = "http://127.0.0.1:8765/linux/debian"


@pytest.fixture
def root(tmp_path):
    """An apt root with the host's sources, a dpkg status and no vendor source yet."""
    (tmp_path / "etc/apt/sources.list.d").mkdir(parents=True)
    (tmp_path / "etc/apt/sources.list.d/debian.sources").write_text(
        "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\n")
    (tmp_path / "etc/apt/sources.list.d/docker.list").write_text(f"deb [signed-by=/old.gpg] {URI} bookworm stable\n")
    (tmp_path / "var/lib/apt/lists").mkdir(parents=True)
    (tmp_path / "var/lib/dpkg").mkdir(parents=True)
    (tmp_path / "var/lib/dpkg/status").write_text(
        "Package: jq\nStatus: install ok installed\nVersion: 1.6-2.1+deb12u1\n")
    return tmp_path


def args(root, key_file=APT / "key-a.asc", fingerprint=FPR_A, **extra):
    base = {
        "repositories": [{
            "name": "docker", "title": "Docker CE", "uri": URI + "/", "suites": ["bookworm"],
            "components": ["stable"], "architectures": ["amd64"], "key_file": str(key_file),
            "key_fingerprint": fingerprint, "keyring": str(root / "etc/apt/keyrings/docker.asc"),
            "variables": {"uri": "docker_repo_url", "key_url": "docker_repo_key_url",
                          "key_fingerprint": "docker_repo_key_fingerprint"},
        }],
        "packages": [
            {"name": "docker-ce", "version": "29.0.0", "repository": "docker", "variable": "docker_version"},
            {"name": "containerd.io", "version": "1.7.28", "repository": "docker",
             "variable": "docker_containerd_version"},
        ],
        "apt_root": str(root),
    }
    base.update(extra)
    return base


@pytest.fixture
def apt(fake_commands, fake_bin_paths):
    fake_bin_paths.update({"apt-get": "/usr/bin/apt-get", "apt-cache": "/usr/bin/apt-cache"})
    madison = (APT / "madison-bookworm.txt").read_text()
    fake_commands.add(lambda a: a[:2] == ["/usr/bin/apt-get", "update"], (0, "", ""))
    fake_commands.add(lambda a: a[0] == "/usr/bin/apt-cache" and "madison" in a, (0, madison, ""))
    fake_commands.add(lambda a: "-s" in a, (0, (APT / "simulate-bookworm.txt").read_text(), ""))
    fake_commands.add(lambda a: "--print-uris" in a, (0, (APT / "print-uris-bookworm.txt").read_text(), ""))
    return fake_commands


def private_dir(call):
    """The private state's directory, from an apt call's -o Dir::State::Lists=<tmp>/lists."""
    option = next(arg for arg in call["args"] if arg.startswith("Dir::State::Lists="))
    return Path(option.split("=", 1)[1]).parent


def test_resolves_upstream_pins_and_writes_key_and_source(root, apt, run_module):
    result = run_module(vendor_apt.main, args(root))
    assert result["versions"] == {"docker-ce": "5:29.0.0-1~debian.12~bookworm", "containerd.io": "1.7.28-1"}
    assert result["changed"] is True
    source = (root / "etc/apt/sources.list.d/docker.sources").read_text()
    assert f"URIs: {URI}\n" in source and "Suites: bookworm\n" in source and "Components: stable\n" in source
    assert f"Signed-By: {root}/etc/apt/keyrings/docker.asc\n" in source
    assert (root / "etc/apt/keyrings/docker.asc").read_text().startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    # The private state read the vendor source with the downloaded key, and was removed afterwards.
    update = next(call for call in apt.calls if call["args"][1] == "update")
    assert "APT::Update::Error-Mode=any" in update["args"]
    assert not private_dir(update).exists()


def test_a_second_run_changes_nothing(root, apt, run_module):
    assert run_module(vendor_apt.main, args(root))["lists_pending"] is False  # a real run leaves nothing pending
    assert run_module(vendor_apt.main, args(root))["changed"] is False
    # In check mode too: the source is in place, so apt on the host knows its packages.
    assert run_module(vendor_apt.main, args(root), check_mode=True)["lists_pending"] is False


def test_check_mode_reports_the_change_and_writes_nothing(root, apt, run_module):
    result = run_module(vendor_apt.main, args(root), check_mode=True)
    assert result["changed"] is True
    assert result["lists_pending"] is True  # apt on the host does not know Docker's packages yet
    assert result["versions"]["containerd.io"] == "1.7.28-1"
    assert not (root / "etc/apt/sources.list.d/docker.sources").exists()
    assert not (root / "etc/apt/keyrings").exists()


def test_a_pin_the_repository_lacks_fails_before_any_change(root, apt, run_module):
    arguments = args(root)
    arguments["packages"][1]["version"] = "2.1.6"
    result = run_module(vendor_apt.main, arguments)
    assert result["failed"]
    assert ("docker_containerd_version: containerd.io=2.1.6 is not in Docker CE (http://127.0.0.1:8765/linux/debian); "
            "the nearest versions there are 2.1.5-1, 1.7.28-1 (2 in all).") in result["msg"]
    assert not (root / "etc/apt/sources.list.d/docker.sources").exists()


def test_unresolved_pins_are_returned_when_asked(root, apt, run_module):
    arguments = args(root, state="resolved", fail_on_unresolved=False)
    arguments["packages"].append({"name": "docker-model-plugin", "version": "1.0", "repository": "docker"})
    result = run_module(vendor_apt.main, arguments)
    assert not result.get("failed")
    assert [item["package"] for item in result["unresolved"]] == ["docker-model-plugin"]
    assert "has no package docker-model-plugin" in result["unresolved"][0]["msg"]


def test_a_key_with_another_fingerprint_is_refused_before_apt_runs(root, apt, run_module):
    result = run_module(vendor_apt.main, args(root, key_file=APT / "key-b.gpg"))
    assert result["failed"]
    assert f"has the primary key fingerprint(s) {FPR_B}, but docker_repo_key_fingerprint is {FPR_A}" in result["msg"]
    assert apt.calls == []


def test_a_short_fingerprint_is_refused(root, apt, run_module):
    result = run_module(vendor_apt.main, args(root, fingerprint="0EBF CD88"))
    assert "docker_repo_key_fingerprint is '0EBF CD88', which is not a full fingerprint" in result["msg"]


def test_an_unreadable_repository_names_its_variables(root, fake_commands, fake_bin_paths, run_module):
    fake_bin_paths.update({"apt-get": "/usr/bin/apt-get", "apt-cache": "/usr/bin/apt-cache"})
    fake_commands.add(lambda a: a[1] == "update", (100, "", (APT / "update-wrong-key.txt").read_text()))
    result = run_module(vendor_apt.main, args(root))
    assert result["failed"]
    assert ("Docker CE at http://127.0.0.1:8765/linux/debian (bookworm stable) could not be read with the key"
            in result["msg"])
    assert "set docker_repo_key_url and docker_repo_key_fingerprint to that key" in result["msg"]
    assert "Nothing under /etc/apt was changed" in result["msg"]
    assert not (root / "etc/apt/sources.list.d/docker.sources").exists()


def test_the_plan_simulates_with_the_hosts_sources_but_not_their_copy_of_the_vendor_source(root, apt, run_module):
    arguments = args(root, state="resolved", distribution_sources=True, simulate=True)
    arguments["packages"] += [{"name": "curl"}, {"name": "jq"}]

    copied = {}

    def sources_seen(argv):
        parts = private_dir({"args": argv}) / "sources.list.d"
        copied.update({path.name: path.read_text() for path in parts.iterdir()})
        return (0, "", "")

    apt.answers.insert(0, (lambda a: a[1] == "update", sources_seen))
    result = run_module(vendor_apt.main, arguments)
    assert result["changed"] is False
    assert sorted(copied) == ["00-debian.sources", "vendor-docker.sources"]   # docker.list names the same URI
    simulate = next(call for call in apt.calls if "-s" in call["args"])
    assert "docker-ce=5:29.0.0-1~debian.12~bookworm" in simulate["args"]
    assert "curl" in simulate["args"] and "jq" not in simulate["args"]   # jq is installed: left as it is
    rows = {row["package"]: row for row in result["plan"]}
    assert rows["containerd.io"]["size"] == 1058 and rows["containerd.io"]["requested"] is True
    assert rows["docker.io"]["action"] == "remove"
    assert result["download_size"] == sum(row["size"] or 0 for row in result["plan"])


def test_a_simulation_with_nothing_to_do_asks_for_no_download_sizes(root, apt, run_module):
    nothing = ("Reading package lists...\nBuilding dependency tree...\nReading state information...\n"
               "docker-ce is already the newest version (5:29.0.0-1~debian.12~bookworm).\n"
               "0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n")
    apt.answers.insert(0, (lambda a: "-s" in a, (0, nothing, "")))
    result = run_module(vendor_apt.main, args(root, state="resolved", simulate=True))
    assert result["plan"] == [] and result["download_size"] == 0 and result["simulation_error"] == ""
    assert any("-s" in call["args"] for call in apt.calls)
    assert not any("--print-uris" in call["args"] for call in apt.calls)


def test_packages_that_cannot_be_installed_together_are_refused(root, fake_commands, fake_bin_paths, run_module):
    fake_bin_paths.update({"apt-get": "/usr/bin/apt-get", "apt-cache": "/usr/bin/apt-cache"})
    fake_commands.add(lambda a: a[1] == "update", (0, "", ""))
    fake_commands.add(lambda a: a[0] == "/usr/bin/apt-cache", (0, (APT / "madison-bookworm.txt").read_text(), ""))
    fake_commands.add(lambda a: "-s" in a, (100, (APT / "simulate-conflict.txt").read_text(), ""))
    result = run_module(vendor_apt.main, args(root, state="resolved", simulate=True))
    assert result["failed"]
    assert ("apt cannot install docker-ce=5:29.0.0-1~debian.12~bookworm, containerd.io=1.7.28-1 together"
            in result["msg"])
    assert "Conflicts: docker-ce" in result["msg"]


def test_a_missing_package_names_the_nearest_of_its_family(root, fake_commands, fake_bin_paths, run_module):
    """cuda-toolkit-12-9 is not in the repository: the message lists the toolkits nearest to it, with versions."""
    fake_bin_paths.update({"apt-get": "/usr/bin/apt-get", "apt-cache": "/usr/bin/apt-cache"})
    cuda = "http://127.0.0.1:8765/cuda/debian12/x86_64"
    madison = "".join(
        f" {name} | {version} | {cuda}  Packages\n"
        for name, version in [("cuda-toolkit-12-8", "12.8.1-1"), ("cuda-toolkit-12-6", "12.6.3-1"),
                              ("cuda-toolkit-13-0", "13.0.2-1"), ("cuda-toolkit-13-0", "13.0.0-1")])
    fake_commands.add(lambda a: a[:2] == ["/usr/bin/apt-get", "update"], (0, "", ""))
    fake_commands.add(lambda a: "pkgnames" in a,
                      (0, "cuda-toolkit-12-8\ncuda-toolkit-12-6\ncuda-toolkit-13-0\ncuda-toolkit-config-common\n", ""))
    fake_commands.add(lambda a: "madison" in a, lambda a: (0, madison if "cuda-toolkit-12-8" in a else "", ""))
    arguments = args(root, state="resolved")
    arguments["repositories"][0].update(name="nvidia-cuda", title="NVIDIA CUDA", uri=cuda, suites=["/"],
                                        components=[])
    arguments["packages"] = [{"name": "cuda-toolkit-12-9", "version": "12.9.*", "repository": "nvidia-cuda",
                              "variable": "cuda_versions"}]
    result = run_module(vendor_apt.main, arguments)
    assert result["failed"]
    expected = (f"cuda_versions: NVIDIA CUDA ({cuda}) has no package cuda-toolkit-12-9; the nearest versions there "
                "are 13.0.2-1 (cuda-toolkit-13-0), 12.8.1-1 (cuda-toolkit-12-8), 12.6.3-1 (cuda-toolkit-12-6).")
    assert expected in result["msg"]
    pkgnames = next(call for call in fake_commands.calls if "pkgnames" in call["args"])
    assert pkgnames["args"][-1] == "cuda-toolkit-"


def test_preferences_the_run_will_write_replace_the_hosts_in_the_private_state(root, apt, run_module):
    """A branch pin the run writes applies to the resolution; the host's file of the same name does not; other
    host preferences still apply; nothing is written under /etc/apt/preferences.d."""
    parts = root / "etc/apt/preferences.d"
    parts.mkdir(parents=True)
    (parts / "mlbox-nvidia-driver-branch").write_text("Package: nvidia-open*\nPin: version 580.*\nPin-Priority: 1000\n")
    (parts / "other.pref").write_text("Package: jq\nPin: version 1.6*\nPin-Priority: 990\n")
    seen = {}

    def capture(argv):
        option = next(arg for arg in argv if arg.startswith("Dir::Etc::PreferencesParts="))
        folder = Path(option.split("=", 1)[1])
        seen.update((path.name, path.read_text()) for path in folder.iterdir())
        return 0, (APT / "madison-bookworm.txt").read_text(), ""

    apt.answers.insert(0, (lambda a: "madison" in a, capture))
    pin = "Package: nvidia-open*\nPin: version 570.*\nPin-Priority: 1000"
    preferences = {"mlbox-nvidia-driver-branch": pin, "gone": ""}
    result = run_module(vendor_apt.main, args(root, state="resolved", preferences=preferences))
    assert not result.get("failed"), result.get("msg")
    assert seen == {"mlbox-nvidia-driver-branch": pin + "\n", "other.pref": (parts / "other.pref").read_text()}
    assert (parts / "mlbox-nvidia-driver-branch").read_text().endswith("580.*\nPin-Priority: 1000\n")


def test_a_preferences_name_apt_would_ignore_is_refused(root, apt, run_module):
    result = run_module(vendor_apt.main, args(root, preferences={"../pin": "x"}))
    assert result["failed"] and "preferences: '../pin' is not a file name" in result["msg"]
    assert apt.calls == []


CACHE = "http://10.0.0.5:3142"


def test_through_a_cache_the_source_names_the_cache_and_pins_still_resolve(
        root, fake_commands, fake_bin_paths, run_module):
    fake_bin_paths.update({"apt-get": "/usr/bin/apt-get", "apt-cache": "/usr/bin/apt-cache"})
    routed = CACHE + "/127.0.0.1:8765/linux/debian"
    madison = (APT / "madison-bookworm.txt").read_text().replace(URI, routed)
    fake_commands.add(lambda a: a[:2] == ["/usr/bin/apt-get", "update"], (0, "", ""))
    fake_commands.add(lambda a: a[0] == "/usr/bin/apt-cache" and "madison" in a, (0, madison, ""))
    result = run_module(vendor_apt.main, args(root, cache=CACHE + "/"))
    assert result["versions"]["containerd.io"] == "1.7.28-1"
    source = (root / "etc/apt/sources.list.d/docker.sources").read_text()
    assert f"URIs: {routed}\n" in source
    assert result["repositories"][0]["uri"] == routed


@pytest.mark.parametrize("cache", ["https://10.0.0.5:3142", "10.0.0.5:3142", "http://10.0.0.5", "http://a b:1",
                                   "http://10.0.0.5:3142/path", "http://10.0.0.5:70000"])
def test_a_cache_that_is_not_host_and_port_is_refused(root, apt, run_module, cache):
    result = run_module(vendor_apt.main, args(root, cache=cache))
    assert result["failed"]
    assert f"The apt cache {cache!r}" in result["msg"] and "Nothing was changed" in result["msg"]
    assert not apt.calls


@pytest.mark.parametrize("uri", ["https://alice:hunter2@mirror.example.com/docker",
                                 "https://alice:hun/ter2@mirror.example.com/docker",
                                 "https://alice:h@n/ter2@mirror.example.com/docker"])
def test_a_url_with_a_password_is_refused_and_the_password_never_shown(root, apt, run_module, uri):
    given = args(root)
    given["repositories"][0]["uri"] = uri
    result = run_module(vendor_apt.main, given)
    assert result["failed"] and "docker_repo_url of Docker CE (https://***@mirror.example.com/docker)" in result["msg"]
    shown = str({k: v for k, v in result.items() if k != "invocation"})
    assert "alice" not in shown and "ter2" not in shown and "Nothing was changed" in result["msg"]
    assert not (root / "etc/apt/sources.list.d/docker.sources").exists()
