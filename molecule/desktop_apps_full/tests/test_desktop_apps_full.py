"""The role with its own defaults and the full remote desktop (heavy molecule scenario `desktop_apps_full`)."""

from __future__ import annotations

import re

import pytest

DESKTOP_PACKAGES = ["xrdp", "xorgxrdp", "xfce4", "xfce4-terminal", "dbus-x11"]


def xrdp_port(host) -> int:
    return 13389 if host.system_info.release.startswith("12") else 23389


def test_default_pins_exist_and_are_installed(host):
    # The defaults name versions that the fixture repositories (mirrors of the vendors') carry.
    assert host.package("google-chrome-stable").version == "142.0.7444.175-1"
    assert host.package("code").version == "1.106.3-1764110892"


@pytest.mark.parametrize("name", DESKTOP_PACKAGES)
def test_desktop_packages_installed(host, name):
    assert host.package(name).is_installed


def test_xfce_is_the_session_that_xrdp_starts(host):
    # xrdp's startwm.sh runs /etc/X11/Xsession, which starts x-session-manager: XFCE's startxfce4
    # (priority 50) or xfce4-session (40), the only session managers installed.
    assert "Xsession" in host.file("/etc/xrdp/startwm.sh").content_string
    query = host.check_output("update-alternatives --query x-session-manager")
    assert re.search(r"^Value: /usr/bin/(startxfce4|xfce4-session)$", query, re.MULTILINE), query
    alternatives = re.findall(r"^Alternative: (\S+)$", query, re.MULTILINE)
    assert set(alternatives) <= {"/usr/bin/startxfce4", "/usr/bin/xfce4-session"}, alternatives


def test_xorg_backend_present(host):
    ini = host.file("/etc/xrdp/xrdp.ini").content_string
    assert "[Xorg]" in ini
    assert host.run("ls /usr/lib/xorg/modules/libxorgxrdp.so").rc == 0


def test_no_recommended_packages_pulled_in(host):
    # xfce4 recommends the whole X.Org metapackage and Debian's artwork; the role installs without them.
    for name in ("xorg", "desktop-base"):
        assert not host.package(name).is_installed


def test_xrdp_on_loopback_only(host):
    port = xrdp_port(host)
    listeners = host.check_output(f"ss -Hltn 'sport = :{port}'").splitlines()
    assert [line.split()[3] for line in listeners] == [f"127.0.0.1:{port}"]
    listened = set(re.findall(r"listening to port (\d+) on (\S+)", host.file("/var/log/xrdp.log").content_string))
    assert listened == {(str(port), "127.0.0.1")}
    assert host.service("xrdp").is_running
