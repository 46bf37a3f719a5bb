"""State that the desktop_apps role leaves on a Debian host (molecule scenario `desktop_apps`).

Runs after the idempotence step, that is after the SECOND converge: every check about sources is also a
check that a rerun left no duplicate. Chrome and VS Code come from the fixture repositories that
tests/harness/fixture_repos builds (same package names, versions and maintainer-script behaviour as the
vendors': Chrome's postinst writes google-chrome.list and installs Google's key into trusted.gpg.d, VS Code's
writes vscode.sources unless debconf says no).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

PROJECT = Path(os.environ.get("MOLECULE_PROJECT_DIRECTORY", Path(__file__).resolve().parents[3]))
FIXTURE = yaml.safe_load((PROJECT / "build/fixture-repos/vars.yml").read_text())

CHROME_VERSION = "142.0.7444.175-1"
# The scenario pins the older of the two builds in the fixture repository: the pin, not apt, decides.
VSCODE_VERSION = "1.105.1-1760482543"
VSCODE_NEWEST = "1.106.3-1764110892"

VENDORS = {
    "chrome": {
        "url": FIXTURE["fixture_chrome_base_url"],
        "fingerprint": FIXTURE["fixture_chrome_key_fingerprint"],
        "file": "/etc/apt/sources.list.d/google-chrome.sources",
        "keyring": "/etc/apt/keyrings/google-chrome.gpg",
        "architectures": "amd64",
    },
    "vscode": {
        "url": FIXTURE["fixture_vscode_base_url"],
        "fingerprint": FIXTURE["fixture_vscode_key_fingerprint"],
        "file": "/etc/apt/sources.list.d/vscode.sources",
        "keyring": "/etc/apt/keyrings/vscode.gpg",
        "architectures": "amd64",
    },
}
# What the vendors' package scripts write when nothing stops them.
VENDOR_FILES = [
    "/etc/apt/sources.list.d/google-chrome.list",
    "/etc/apt/trusted.gpg.d/google-chrome.gpg",
    "/etc/apt/sources.list.d/vscode.list",
    "/usr/share/keyrings/microsoft.gpg",
]


def apt_sources(host) -> list[dict]:
    """Every enabled apt source entry on the host: one-line (.list) and deb822 (.sources) alike."""
    entries = []
    files = host.run("ls -1 /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null").stdout.split()
    for path in files:
        text = host.file(path).content_string
        if path.endswith(".list"):
            for line in text.splitlines():
                m = re.match(r"^\s*deb(?:-src)?\s+(?:\[([^]]*)\]\s+)?(\S+)\s+(\S+)", line)
                if m:
                    opts = dict(o.split("=", 1) for o in (m.group(1) or "").split() if "=" in o)
                    entries.append({"file": path, "uri": m.group(2).rstrip("/"), "suites": m.group(3),
                                    "signed_by": opts.get("signed-by")})
        elif path.endswith(".sources"):
            for stanza in re.split(r"\n\s*\n", text):
                fields = dict(re.findall(r"^([A-Za-z-]+):\s*(.*)$", stanza, re.MULTILINE))
                if "URIs" not in fields or fields.get("Enabled", "yes").lower() == "no":
                    continue
                for uri in fields["URIs"].split():
                    entries.append({"file": path, "uri": uri.rstrip("/"), "suites": fields.get("Suites"),
                                    "signed_by": fields.get("Signed-By"), "fields": fields})
    return entries


def primary_fingerprints(host, path: str) -> list[str]:
    out = host.check_output(
        f'd=$(mktemp -d) && gpg --batch --no-autostart --homedir "$d" --show-keys --with-colons {path}; '
        'rc=$?; rm -rf "$d"; exit $rc'
    )
    return re.findall(r"(?m)^pub:[^\n]*\nfpr:{9}([0-9A-F]+):", out)


def xrdp_port(host) -> int:
    # molecule.yml gives each container its own port (they share the host's network).
    return 13389 if host.system_info.release.startswith("12") else 23389


@pytest.mark.parametrize("vendor", VENDORS)
def test_exactly_one_signed_source_per_vendor(host, vendor):
    spec = VENDORS[vendor]
    entries = [e for e in apt_sources(host) if e["uri"] == spec["url"].rstrip("/")]
    assert len(entries) == 1, entries
    entry = entries[0]
    assert entry["file"] == spec["file"]
    assert entry["signed_by"] == spec["keyring"]
    assert entry["suites"] == "stable"
    assert entry["fields"]["Components"] == "main"
    assert entry["fields"]["Architectures"] == spec["architectures"]
    assert host.file(spec["file"]).mode == 0o644


def test_every_added_source_is_signed_and_none_points_at_the_real_vendors(host):
    for entry in apt_sources(host):
        if entry["file"] != "/etc/apt/sources.list":  # the image's own Debian source
            assert entry["signed_by"], f"unsigned source {entry}"
        assert "dl.google.com" not in entry["uri"], entry
        assert "packages.microsoft.com" not in entry["uri"], entry


@pytest.mark.parametrize("path", VENDOR_FILES)
def test_no_source_or_trusted_key_written_by_the_vendor_packages(host, path):
    assert not host.file(path).exists


def test_no_key_trusted_for_every_source(host):
    assert not host.file("/etc/apt/trusted.gpg").exists
    trusted = host.check_output("ls -1 /etc/apt/trusted.gpg.d/").split()
    assert all(name.startswith("debian-archive-") for name in trusted), trusted


@pytest.mark.parametrize("vendor", VENDORS)
def test_keyring_holds_the_pinned_key_only(host, vendor):
    spec = VENDORS[vendor]
    keyring = host.file(spec["keyring"])
    assert keyring.user == "root"
    assert keyring.mode == 0o644
    # A binary keyring, as apt reads it from a .gpg file (armored text would start with "-----BEGIN").
    assert not keyring.content.startswith(b"-----")
    assert primary_fingerprints(host, spec["keyring"]) == [spec["fingerprint"]]


def test_packages_at_the_pinned_versions(host):
    assert host.package("google-chrome-stable").version == CHROME_VERSION
    assert host.package("code").version == VSCODE_VERSION
    # The newer build is on offer: it is the pin that kept the older one.
    assert f"Candidate: {VSCODE_NEWEST}" in host.check_output("apt-cache policy code")
    assert host.package("xclip").is_installed
    assert host.check_output("google-chrome --version").strip() == f"Google Chrome {CHROME_VERSION.rsplit('-', 1)[0]}"
    assert host.check_output("code --version").splitlines()[0] == VSCODE_VERSION.split("-", maxsplit=1)[0]


@pytest.mark.parametrize(("package", "version", "vendor"), [
    ("google-chrome-stable", CHROME_VERSION, "chrome"),
    ("code", VSCODE_VERSION, "vscode"),
])
def test_packages_come_from_the_signed_sources(host, package, version, vendor):
    policy = host.check_output(f"apt-cache policy {package}")
    assert f"*** {version} 500" in policy
    assert VENDORS[vendor]["url"].rstrip("/") in policy


def test_chrome_package_scripts_told_not_to_add_a_source(host):
    defaults = host.file("/etc/default/google-chrome")
    assert defaults.mode == 0o644
    # Chrome's scripts source this file with sh: read it the same way.
    values = host.check_output(". /etc/default/google-chrome; echo $repo_add_once $repo_reenable_on_distupgrade")
    assert values == "false false"


def test_chrome_daily_cron_job_diverted_out_of_run_parts(host):
    assert host.check_output("dpkg-divert --truename /etc/cron.daily/google-chrome") == \
        "/etc/cron.daily/google-chrome.disabled"
    assert not host.file("/etc/cron.daily/google-chrome").exists
    assert host.file("/etc/cron.daily/google-chrome.disabled").linked_to == "/opt/google/chrome/cron/google-chrome"
    # Neither of run-parts' naming modes (cron's default, or --lsbsysinit) would run it.
    for mode in ("", "--lsbsysinit"):
        listed = host.check_output(f"run-parts --test {mode} /etc/cron.daily")
        assert "/etc/cron.daily/dpkg" in listed  # run-parts does list the others
        assert "google-chrome" not in listed


def test_vscode_package_scripts_told_not_to_add_a_source(host):
    assert "code/add-microsoft-repo: false" in host.check_output("debconf-show code")


def test_apt_update_is_clean(host):
    update = host.run("apt-get update 2>&1")
    assert update.rc == 0, update.stdout
    assert not re.search(r"configured multiple times", update.stdout, re.IGNORECASE), update.stdout
    assert not re.search(r"^(W|E|Err):", update.stdout, re.MULTILINE), update.stdout
    for vendor in VENDORS.values():
        # Each vendor repository fetched exactly once, with its signature checked (InRelease).
        url = vendor["url"].rstrip("/").removeprefix("http://")
        hits = re.findall(rf"^(?:Hit|Get):\d+ http://{re.escape(url)} stable InRelease", update.stdout, re.MULTILINE)
        assert len(hits) == 1, update.stdout


def test_xrdp_listens_on_the_loopback_only(host):
    port = xrdp_port(host)
    ini = host.file("/etc/xrdp/xrdp.ini").content_string
    globals_section = ini.split("[Globals]", 1)[1].split("\n[", 1)[0]
    assert re.findall(r"(?m)^port=(.*)$", globals_section) == [f"tcp://127.0.0.1:{port}"]
    listeners = host.check_output(f"ss -Hltn 'sport = :{port}'").splitlines()
    assert [line.split()[3] for line in listeners] == [f"127.0.0.1:{port}"]


def test_xrdp_never_listened_anywhere_else(host):
    """The package starts xrdp at install time with its default (every interface, port 3389): the role masks
    the service before the first install, so the only addresses xrdp ever logged are the configured ones."""
    port = xrdp_port(host)
    listened = set(re.findall(r"listening to port (\d+) on (\S+)", host.file("/var/log/xrdp.log").content_string))
    assert listened == {(str(port), "127.0.0.1")}


def test_xrdp_service_enabled_and_running(host):
    xrdp = host.service("xrdp")
    assert xrdp.is_running
    assert xrdp.is_enabled
    assert host.check_output("systemctl is-enabled xrdp") == "enabled"  # not left masked


def test_xrdp_answers_rdp(host):
    """An RDP client's first message (X.224 Connection Request) gets xrdp's Connection Confirm."""
    probe = (
        f"import socket; s = socket.create_connection(('127.0.0.1', {xrdp_port(host)}), timeout=10); "
        "s.sendall(bytes.fromhex('030000130ee000000000000100080003000000')); print(s.recv(64).hex())"
    )
    reply = bytes.fromhex(host.check_output(f'python3 -c "{probe}"'))
    assert reply[:2] == b"\x03\x00"  # TPKT
    assert reply[5] == 0xD0  # X.224 Connection Confirm


def test_xrdp_session_manager_stays_local(host):
    if host.system_info.release.startswith("12"):  # xrdp 0.9: TCP on 3350
        assert "ListenAddress=127.0.0.1" in host.file("/etc/xrdp/sesman.ini").content_string
    listeners = host.check_output("ss -Hltn 'sport = :3350'").splitlines()
    assert all(re.match(r"(127\.0\.0\.1|\[::1\]):3350$", line.split()[3]) for line in listeners), listeners
