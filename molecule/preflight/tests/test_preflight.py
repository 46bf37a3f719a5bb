"""State that the preflight role leaves on a Debian host (molecule scenario `preflight`)."""

import pytest

BASE_PACKAGES = [
    "ca-certificates", "curl", "gnupg", "git", "jq", "kmod", "pciutils",
    "python3-apt", "python3-venv", "tmux", "unzip", "htop",
]


@pytest.mark.parametrize("name", [*BASE_PACKAGES, "less"])
def test_base_and_extra_packages_installed(host, name):
    assert host.package(name).is_installed


def test_apt_proxy_with_direct_exceptions(host):
    conf = host.file("/etc/apt/apt.conf.d/95mlbox-proxy")
    assert conf.mode == 0o644
    assert 'Acquire::http::Proxy "http://127.0.0.1:3128";' in conf.content_string
    assert 'Acquire::http::Proxy::deb.debian.org "DIRECT";' in conf.content_string
    # apt really uses it: the proxy (nothing listens on 3128) is bypassed for deb.debian.org only.
    dump = host.check_output("apt-config dump Acquire::http::Proxy")
    assert 'Acquire::http::Proxy "http://127.0.0.1:3128";' in dump


def test_pip_proxy(host):
    assert "proxy = http://127.0.0.1:3128" in host.file("/etc/pip.conf").content_string


def test_extra_ca_certificate_trusted(host):
    crt = host.file("/usr/local/share/ca-certificates/mlbox/mlbox-test-ca.crt")
    assert crt.is_file
    assert host.file("/etc/ssl/certs/mlbox-test-ca.pem").is_symlink
    # The certificate's body is in the system bundle that OpenSSL, curl and pip read.
    body = "".join(line for line in crt.content_string.splitlines() if "-----" not in line)[:200]
    bundle = "".join(host.file("/etc/ssl/certs/ca-certificates.crt").content_string.splitlines())
    assert body in bundle
    verify = host.run(
        "openssl verify -CAfile /etc/ssl/certs/ca-certificates.crt "
        "/usr/local/share/ca-certificates/mlbox/mlbox-test-ca.crt"
    )
    assert verify.rc == 0, verify.stderr


def test_apt_mirror_replaces_distribution_sources(host):
    codename = host.system_info.codename
    mirror = host.file("/etc/apt/sources.list.d/mlbox-mirror.sources").content_string
    assert "URIs: http://deb.debian.org/debian\n" in mirror
    assert f"Suites: {codename} {codename}-updates\n" in mirror
    assert f"Suites: {codename}-security\n" in mirror
    assert "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" in mirror
    # The original is kept, disabled, not lost.
    assert not host.file("/etc/apt/sources.list").exists
    assert host.file("/etc/apt/sources.list.disabled").contains(f"deb http://deb.debian.org/debian {codename} main")
    policy = host.check_output("apt-cache policy")
    assert f"deb.debian.org/debian {codename}-updates/main" in policy
    assert f"deb.debian.org/debian-security {codename}-security/main" in policy
