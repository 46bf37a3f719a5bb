"""The life of a template (molecule scenario `template`), on each Debian container.

verify runs twice (see molecule.yml): after side_effect's first run (playbooks/template.yml: stage
"prepared") and after its second (a reboot, the clone's first boot: stage "booted"). The manifest tests
run both times (template_prep must keep the manifest); the others in their stage only. The stage is in
${MOLECULE_EPHEMERAL_DIRECTORY}/template-stage.

Every expected version comes from the container itself (dpkg-query, each environment's
importlib.metadata), never from constants, and the SBOM is validated against the vendored schema.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import sys
from datetime import datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tests" / "schemas"))
import validate_cyclonedx  # noqa: E402

EPHEMERAL = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent"))
STAGE_FILE = EPHEMERAL / "template-stage"
STAGE = STAGE_FILE.read_text().strip() if STAGE_FILE.is_file() else "converged"
ARTIFACTS = EPHEMERAL / "artifacts"
DOCS = ["manifest.json", "manifest.md", "sbom.cdx.json"]
ENVS = ["base", "broken"]
HOST_KEY_TYPES = ["rsa", "ecdsa", "ed25519"]

prepared = pytest.mark.skipif(STAGE != "prepared", reason=f"checks the template after template_prep; stage is {STAGE}")
booted = pytest.mark.skipif(STAGE != "booted", reason=f"checks a clone's first boot; stage is {STAGE}")

# What template_prep removes (the build left each of them, see files/build-box.sh) ...
CLEANED = [
    "/home/builder/.ssh/authorized_keys",  # template_prep_remove_authorized_keys_for: [builder]
    "/home/builder/.bash_history",
    "/home/builder/.cache",
    "/root/.bash_history",
    "/root/.python_history",
    "/root/.cache",
    "/var/cache/mlbox/uv/wheels-v5",
    "/var/cache/apt/pkgcache.bin",
    "/var/cache/apt/srcpkgcache.bin",
    "/var/cache/apt/archives/libcudnn9-cuda-12_9.10.2.21-1_amd64.deb",
    "/var/cache/apt/archives/cuda-toolkit-12-8_12.8.1-1_amd64.deb",
    "/var/lib/cloud/instances",
    "/var/lib/cloud/seed",
    "/var/log/cloud-init.log",
    "/etc/netplan/50-cloud-init.yaml",
    "/etc/udev/rules.d/70-persistent-net.rules",
    "/var/lib/dhcp/dhclient.eth0.leases",
    "/var/lib/systemd/random-seed",
    "/var/lib/mlbox/firstboot.done",
    "/var/log/mlbox/firstboot.json",
    "/var/log/build.log.1",
    "/var/log/apt/history.log.1.gz",
    "/var/tmp/build-scratch",
    "/tmp/build-leftover",
    "/etc/mlbox/jupyter-token",
    "/home/jupyter/.local/share/jupyter/runtime/jpserver-4651.json",
] + [f"/etc/ssh/ssh_host_{kind}_key{suffix}" for kind in HOST_KEY_TYPES for suffix in ("", ".pub")]
# ... and what it keeps.
KEPT = [
    "/root/.ssh/authorized_keys",  # root is not in template_prep_remove_authorized_keys_for
    "/etc/udev/rules.d/99-keep.rules",
    "/etc/netplan/01-pinned.yaml",  # pins a MAC address, but cloud-init did not write it: a warning only
    "/tmp/systemd-private-0123-example.service-abc/keep",  # a running service's private /tmp
    "/home/builder/.bashrc",
    "/opt/mlbox/envs/base/bin/python",
    "/etc/ssh/sshd_config",
] + [f"/etc/mlbox/{doc}" for doc in DOCS]
# Files under /var/log that had content before template_prep.
LOGS = ["/var/log/dpkg.log", "/var/log/build.log", "/var/log/alternatives.log", "/var/log/apt/history.log"]


def hostname(host) -> str:
    return host.backend.get_hostname()


def read_json(host, path: str):
    return json.loads(host.file(path).content_string)


@pytest.fixture(scope="module")
def sbom(host):
    return read_json(host, "/etc/mlbox/sbom.cdx.json")


@pytest.fixture(scope="module")
def manifest(host):
    return read_json(host, "/etc/mlbox/manifest.json")


@pytest.fixture(scope="module")
def dpkg(host) -> dict:
    """Installed packages, straight from dpkg-query: {(name, arch): version}."""
    fields = r"${Package}\t${Architecture}\t${Version}\t${db:Status-Abbrev}\n"
    out = host.check_output(f"dpkg-query --show --showformat='{fields}'")
    packages = {}
    for line in out.splitlines():
        name, arch, version, status = line.split("\t")
        if status.strip() in ("ii", "hi"):
            packages[(name, arch)] = version
    return packages


@pytest.fixture(scope="module")
def env_metadata(host) -> dict:
    """Each environment's distributions from its own interpreter (importlib.metadata): {env: {name: version}}."""
    code = ("import importlib.metadata as m, json, re; print(json.dumps("
            "{re.sub(r'[-_.]+', '-', d.metadata['Name']).lower(): d.version for d in m.distributions()}))")
    return {env: json.loads(host.check_output(f"/opt/mlbox/envs/{env}/bin/python -c {shlex.quote(code)}"))
            for env in ENVS}


def components(sbom, manager):
    return [c for c in sbom["components"] if {"name": "mlbox:package:manager", "value": manager} in c["properties"]]


def prop(component, name):
    return next((p["value"] for p in component.get("properties", []) if p["name"] == name), None)


# --------------------------------------------------------------------------------------------
# The manifest (every stage)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("doc", DOCS)
def test_documents_written_and_fetched(host, doc):
    remote = host.file(f"/etc/mlbox/{doc}")
    assert remote.is_file and remote.user == "root" and remote.mode == 0o644
    local = ARTIFACTS / hostname(host) / doc
    assert local.is_file(), f"{local} was not fetched"
    assert local.read_bytes() == remote.content


def test_sbom_is_valid_cyclonedx(sbom):
    assert validate_cyclonedx.errors(sbom) == []
    assert sbom["bomFormat"] == "CycloneDX" and sbom["specVersion"] == "1.6"
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", sbom["serialNumber"])


def test_fetched_sbom_is_valid_cyclonedx(host):
    # the controller's copy, as a user would validate it
    assert validate_cyclonedx.main([str(ARTIFACTS / hostname(host) / "sbom.cdx.json")]) == 0


def test_sbom_metadata(host, sbom, manifest):
    box = sbom["metadata"]["component"]
    assert (box["type"], box["name"], box["version"]) == ("operating-system", hostname(host), "cpu")
    datetime.strptime(sbom["metadata"]["timestamp"], "%Y-%m-%dT%H:%M:%SZ")
    assert sbom["metadata"]["tools"]["components"][0]["name"] == "stack"
    assert manifest["sbom"]["serial_number"] == sbom["serialNumber"]
    assert manifest["generated"] == sbom["metadata"]["timestamp"]
    assert manifest["sbom"]["components"] == len(sbom["components"])


def test_every_component_has_a_purl_and_a_version(sbom):
    for component in sbom["components"]:
        assert component["purl"].startswith(("pkg:deb/debian/", "pkg:pypi/")), component
        assert component["version"] and f"@{component['version'].replace('+', '%2B').replace(':', '%3A')}" in \
            component["purl"], component
    refs = [component["bom-ref"] for component in sbom["components"]]
    assert len(refs) == len(set(refs))


def test_sbom_lists_exactly_the_installed_debian_packages(host, sbom, dpkg):
    listed = {(c["name"], re.search(r"[?&]arch=([^&]+)", c["purl"]).group(1)): c["version"]
              for c in components(sbom, "apt")}
    assert listed == dpkg
    release = host.system_info.release.split(".")[0]
    assert all(c["purl"].endswith(f"&distro=debian-{release}") for c in components(sbom, "apt"))


def test_sbom_lists_exactly_the_packages_of_each_environment(sbom, env_metadata):
    for env in ENVS:
        listed = {c["name"]: c["version"] for c in components(sbom, "pip") if prop(c, "mlbox:python:env") == env}
        assert listed == env_metadata[env], env


def test_manifest_versions_match_the_host(manifest, dpkg, env_metadata):
    apt = {name: entry["version"] for name, entry in manifest["apt_packages"].items()}
    assert apt == {name: version for (name, _arch), version in dpkg.items()}
    for env in ENVS:
        assert {name: entry["version"] for name, entry in manifest["python_envs"][env]["packages"].items()} == \
            env_metadata[env]
    rows = {row["name"]: row for row in manifest["components"]}
    assert rows["cuDNN"]["version"] == dpkg[("libcudnn9-cuda-12", "amd64")].rsplit("-", 1)[0]
    assert rows["CUDA toolkit"]["version"] == dpkg[("cuda-toolkit-12-8", "amd64")].rsplit("-", 1)[0]
    assert rows["six"]["version"] == env_metadata["base"]["six"]
    assert rows["NumPy"]["notes"] == "environment broken"
    assert "NVIDIA driver" in manifest["not_installed"] and "cuDNN" not in manifest["not_installed"]


def test_packages_with_a_machine_readable_copyright_file_have_a_licence(host, sbom):
    # Independently of the role: which packages' copyright files are DEP-5 with a License field.
    code = r"""
import glob, json, os, re
found = []
for path in glob.glob("/usr/share/doc/*/copyright"):
    text = open(path, errors="replace").read()
    if re.match(r"\s*Format:\s*\S*copyright-format", text) and re.search(r"(?m)^License:[ \t]*\S", text):
        found.append(os.path.basename(os.path.dirname(path)))
print(json.dumps(sorted(found)))
"""
    dep5 = set(json.loads(host.check_output(f"python3 -c {shlex.quote(code)}")))
    apt = {c["name"]: c for c in components(sbom, "apt")}
    with_dep5 = [name for name in apt if name in dep5]
    assert len(with_dep5) > 50
    missing = [name for name in with_dep5 if not apt[name].get("licenses")]
    assert missing == []
    assert all(prop(apt[name], "mlbox:licence:source") == "dep5" for name in with_dep5)


def test_known_licences(sbom):
    apt = {c["name"]: c for c in components(sbom, "apt")}
    pip = {(prop(c, "mlbox:python:env"), c["name"]): c for c in components(sbom, "pip")}
    assert apt["zlib1g"]["licenses"] == [{"license": {"id": "Zlib"}}]
    assert "GPL-3.0-or-later" in json.dumps(apt["coreutils"]["licenses"])
    cudnn = apt["libcudnn9-cuda-12"]["licenses"][0]["license"]
    assert cudnn["name"] == "NVIDIA cuDNN Software License Agreement" and cudnn["url"].startswith("https://docs.nvidia.com/")
    assert apt["cuda-toolkit-12-8"]["licenses"][0]["license"]["name"] == "NVIDIA CUDA Toolkit EULA"
    assert prop(apt["cuda-toolkit-12-8"], "mlbox:licence:source") == "rule"
    assert pip[("base", "six")]["licenses"] == [{"license": {"id": "MIT"}}]
    assert pip[("base", "packaging")]["licenses"] == [{"expression": "Apache-2.0 OR BSD-2-Clause"}]
    assert pip[("broken", "numpy")]["purl"] == "pkg:pypi/numpy@2.4.6"


def test_markdown_table(host, dpkg, env_metadata):
    text = host.file("/etc/mlbox/manifest.md").content_string
    cudnn = dpkg[("libcudnn9-cuda-12", "amd64")].rsplit("-", 1)[0]
    assert f"| cuDNN | {cudnn} | NVIDIA cuDNN Software License Agreement | for CUDA 12 |" in text
    assert f"| six | {env_metadata['base']['six']} | MIT | environment base |" in text
    packaging = env_metadata["base"]["packaging"]
    assert f"| packaging | {packaging} | Apache-2.0 OR BSD-2-Clause | environment base |" in text
    assert re.search(r"^Not installed: NVIDIA driver, Docker, ", text, re.MULTILINE)
    assert f"# Software included: {hostname(host)}" in text


# --------------------------------------------------------------------------------------------
# The template, right after template_prep
# --------------------------------------------------------------------------------------------


@prepared
@pytest.mark.parametrize("path", CLEANED)
def test_cleaned(host, path):
    assert not host.file(path).exists


@prepared
@pytest.mark.parametrize("path", KEPT)
def test_kept(host, path):
    assert host.file(path).exists


@prepared
@pytest.mark.parametrize("path", LOGS)
def test_logs_truncated(host, path):
    log = host.file(path)
    assert log.is_file and log.size == 0


TEMPLATE_TOKEN = "TemplateToken0123456789abcdefghijklmnopqrstuvwx"  # files/build-box.sh


@prepared
def test_jupyter_token_removed_from_the_settings(host):
    settings = host.file("/etc/mlbox/jupyter/jupyter_server_config.json")
    assert (settings.mode, settings.user, settings.group) == (0o640, "root", "jupyter")
    content = json.loads(settings.content_string)
    assert content["IdentityProvider"] == {} and content["ServerApp"]["port"] == 8888
    # nowhere else on the template either
    assert host.run(f"grep -rl {TEMPLATE_TOKEN} /etc /root /home /var/lib/mlbox").stdout == ""


@prepared
def test_journal_of_the_template_removed(host):
    # vacuumed, then its directory (named after the machine-id) removed with the machine-id
    assert host.file("/var/log/journal").is_directory
    assert host.run("find /var/log/journal -mindepth 1").stdout.strip() == ""


@prepared
def test_machine_id_emptied(host):
    machine_id = host.file("/etc/machine-id")
    assert machine_id.is_file and machine_id.size == 0 and machine_id.mode == 0o444
    dbus = host.file("/var/lib/dbus/machine-id")
    assert dbus.is_symlink and dbus.linked_to == "/etc/machine-id"


@prepared
def test_cloud_init_cleaned(host):
    # the stand-in records its calls (the test images have no cloud-init)
    assert host.file("/var/lib/mlbox-test/cloud-init.calls").content_string.splitlines() == ["clean --logs --seed"]


@prepared
def test_image_marked(host):
    image = read_json(host, "/etc/mlbox/image.json")
    assert image["profile"] == "cpu"
    datetime.strptime(image["built"], "%Y-%m-%dT%H:%M:%SZ")
    assert image["sbom_serial_number"] == read_json(host, "/etc/mlbox/sbom.cdx.json")["serialNumber"]
    assert image["manifest_sha256"] == hashlib.sha256(host.file("/etc/mlbox/manifest.json").content).hexdigest()


@prepared
@pytest.mark.parametrize("unit", ["mlbox-firstboot-hostkeys.service", "mlbox-firstboot.service"])
def test_first_boot_units_enabled_not_run(host, unit):
    service = host.service(unit)
    assert service.is_enabled
    assert host.check_output(f"systemctl show --property=ExecMainStartTimestampMonotonic --value {unit}") == "0"


@prepared
def test_first_boot_program_installed(host):
    program = host.file("/usr/local/sbin/mlbox-firstboot")
    assert program.mode == 0o755 and program.content_string.startswith("#!/usr/bin/python3\n")
    settings = read_json(host, "/etc/mlbox/firstboot-config.json")
    assert settings["services"] == ["docker", "jupyterlab", "h2o", "ssh"]
    assert settings["imports"]["six"] == "six"
    # `check` reads only: the host keys are missing, and stay missing.
    report = json.loads(host.run("/usr/local/sbin/mlbox-firstboot check").stdout)
    keys = next(check for check in report["checks"] if check["name"] == "ssh-host-keys")
    assert keys["status"] == "failed" and keys["detail"] == "missing: rsa, ecdsa, ed25519"
    assert not host.file("/etc/ssh/ssh_host_ed25519_key").exists
    assert not host.file("/var/lib/mlbox/firstboot.done").exists


# --------------------------------------------------------------------------------------------
# The clone's first boot
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def firstboot(host):
    return read_json(host, "/var/log/mlbox/firstboot.json")


def check_named(report, name):
    return next(check for check in report["checks"] if check["name"] == name)


@booted
@pytest.mark.parametrize("kind", HOST_KEY_TYPES)
def test_new_host_keys(host, kind):
    key = host.file(f"/etc/ssh/ssh_host_{kind}_key")
    assert key.is_file and key.mode == 0o600 and key.user == "root"
    public = host.file(f"/etc/ssh/ssh_host_{kind}_key.pub").content_string.strip()
    assert public not in host.file("/var/lib/mlbox-test/hostkeys-before").content_string


@booted
def test_host_keys_made_before_sshd_started(host):
    def show(unit, prop_name):
        return int(host.check_output(f"systemctl show --property={prop_name} --value {unit}"))
    keys_done = show("mlbox-firstboot-hostkeys.service", "ExecMainExitTimestampMonotonic")
    assert keys_done > 0
    assert host.check_output("systemctl show --property=Result --value mlbox-firstboot-hostkeys.service") == "success"
    assert show("ssh.service", "ExecMainStartTimestampMonotonic") >= keys_done
    assert host.service("ssh").is_running


@booted
def test_jupyter_token_of_the_clone(host, firstboot):
    token_file = host.file("/etc/mlbox/jupyter-token")
    assert (token_file.mode, token_file.user) == (0o600, "root")
    token = token_file.content_string.strip()
    assert re.fullmatch(r"[A-Za-z0-9]{48}", token) and token != TEMPLATE_TOKEN
    settings = host.file("/etc/mlbox/jupyter/jupyter_server_config.json")
    assert json.loads(settings.content_string)["IdentityProvider"]["token"] == token
    assert (settings.mode, settings.group) == (0o640, "jupyter")
    assert check_named(firstboot, "jupyterlab-token")["status"] == "passed"


@booted
def test_new_machine_id(host, firstboot):
    machine_id = host.file("/etc/machine-id").content_string.strip()
    before = host.file("/var/lib/mlbox-test/machine-id-before").content_string.strip()
    assert re.fullmatch(r"[0-9a-f]{32}", machine_id) and re.fullmatch(r"[0-9a-f]{32}", before)
    assert machine_id != before
    assert check_named(firstboot, "machine-id") == {"name": "machine-id", "status": "passed", "detail": machine_id}
    # the journal is the clone's own
    assert host.run("ls /var/log/journal").stdout.split() == [machine_id]


@booted
def test_first_boot_report(host, firstboot):
    assert firstboot["host"] == host.check_output("hostname")
    for key in ("started", "finished"):
        datetime.strptime(firstboot[key], "%Y-%m-%dT%H:%M:%SZ")
    assert firstboot["image"] == read_json(host, "/etc/mlbox/image.json")
    statuses = {check["name"]: check["status"] for check in firstboot["checks"]}
    assert statuses == {
        "ssh-host-keys": "passed",
        "jupyterlab-token": "passed",
        "machine-id": "passed",
        "nvidia-smi": "skipped",
        "python-env:base": "passed",
        "python-env:broken": "failed",
        "service:docker": "skipped",
        "service:jupyterlab": "skipped",
        "service:h2o": "skipped",
        "service:ssh": "passed",
    }
    counts = {status: list(statuses.values()).count(status) for status in ("passed", "failed", "skipped")}
    assert firstboot["summary"] == counts


@booted
def test_first_boot_details(host, firstboot, env_metadata):
    keys = check_named(firstboot, "ssh-host-keys")["detail"]
    assert keys.startswith("generated at first boot: rsa, ecdsa, ed25519; ")
    fingerprint = host.check_output("ssh-keygen -l -f /etc/ssh/ssh_host_ed25519_key.pub").split()[1]
    assert f"ed25519 {fingerprint}" in keys
    base = check_named(firstboot, "python-env:base")["detail"]
    assert base == f"imported packaging {env_metadata['base']['packaging']}, six {env_metadata['base']['six']}"
    assert "import numpy failed: ModuleNotFoundError" in check_named(firstboot, "python-env:broken")["detail"]
    assert check_named(firstboot, "service:docker")["detail"] == "not installed"
    assert check_named(firstboot, "nvidia-smi")["detail"] == "nvidia-smi is not installed"


@booted
def test_first_boot_ran_once_and_reports_the_failure(host):
    assert host.file("/var/lib/mlbox/firstboot.done").is_file
    # a failed check fails the unit, so that `systemctl --failed` shows it
    assert host.run("systemctl is-failed mlbox-firstboot.service").stdout.strip() == "failed"
    # it does not run again: the done marker stops it
    host.run("systemctl start mlbox-firstboot.service")
    assert host.check_output("systemctl show --property=ConditionResult --value mlbox-firstboot.service") == "no"
