"""State that nvidia_driver, cuda and cudnn leave (molecule scenario `nvidia_stack`).

debian12: two A100 (recorded sysfs) -> open flavour; converged on branch 580, then side_effect.yml moved it to
595. CUDA 12.8 (default) and 13.0, cuDNN 9.17 for CUDA 13, a MOK key pair given to the role.
debian13: P100, V100, T4 and A10 -> proprietary flavour, branch 580; DKMS; CUDA 12.8; cuDNN 9.10 for CUDA 12;
a generated MOK key pair.
"""

import os
from pathlib import Path

import pytest
import yaml

FIXTURE = yaml.safe_load(
    (Path(os.environ.get("MOLECULE_PROJECT_DIRECTORY", ".")) / "build/fixture-repos/vars.yml").read_text()
)
KEYRING = "/etc/apt/keyrings/cuda-archive-keyring.gpg"


def is_bookworm(host):
    return host.system_info.codename == "bookworm"


def dpkg(host, *names):
    """{name: (version, selection)} of the installed packages among names."""
    fmt = "'${Package}|${Version}|${db:Status-Abbrev}|${db:Status-Want}\\n'"
    out = host.run(f"dpkg-query -W -f={fmt} " + " ".join(f"'{name}'" for name in names))
    result = {}
    for line in out.stdout.splitlines():
        name, version, abbrev, want = line.split("|")
        if abbrev[1:2] == "i":
            result[name] = (version, want)
    return result


def test_repository_key_is_the_verified_one(host):
    keyring = host.file(KEYRING)
    assert keyring.mode == 0o644
    out = host.check_output(f"gpg --batch --show-keys --with-colons {KEYRING}")
    fingerprints = [line.split(":")[9] for line in out.splitlines() if line.startswith("fpr:")]
    assert fingerprints[0] == FIXTURE["fixture_nvidia_cuda_key_fingerprint"]


def test_repository_source_is_deb822_with_signed_by(host):
    distro = "debian12" if is_bookworm(host) else "debian13"
    source = host.file("/etc/apt/sources.list.d/nvidia-cuda.sources").content_string
    assert f"URIs: {FIXTURE['fixture_nvidia_cuda_base_url']}/{distro}/x86_64\n" in source
    assert "Suites: /\n" in source
    assert f"Signed-By: {KEYRING}\n" in source
    assert "Components" not in source


def test_nvidia_pin_and_no_older_enrolment(host):
    pin = host.file("/etc/apt/preferences.d/cuda-repository-pin-600").content_string
    assert pin == "Package: *\nPin: release l=NVIDIA CUDA\nPin-Priority: 600\n"
    policy = host.check_output("apt-cache policy")
    assert "600 " + FIXTURE["fixture_nvidia_cuda_base_url"] in policy
    # prepare.yml left an apt-key era cuda.list and installed cuda-keyring: both gone.
    assert not host.file("/etc/apt/sources.list.d/cuda.list").exists
    assert not host.package("cuda-keyring").is_installed
    assert not any(name.startswith("cuda-debian") for name in host.file("/etc/apt/sources.list.d").listdir())


def test_apt_works_after_the_refused_inputs(host):
    assert host.run("apt-get update -q").rc == 0


def test_driver_packages_follow_branch_and_flavour(host):
    if is_bookworm(host):
        # open flavour, moved from 580 to 595 by side_effect.yml: pinning package, then nvidia-open.
        pkgs = dpkg(host, "nvidia-open", "nvidia-open-580", "nvidia-driver-pinning-595", "nvidia-driver",
                    "libcuda1", "libnvidia-ml1", "nvidia-kernel-open-dkms", "nvidia-kernel-dkms", "cuda-drivers",
                    "cuda-drivers-580")
        for name in ("nvidia-driver-pinning-595", "nvidia-open", "nvidia-driver", "libcuda1", "libnvidia-ml1",
                     "nvidia-kernel-open-dkms"):
            assert pkgs[name] == ("595.45.04-1", "hold"), name
        for name in ("nvidia-open-580", "nvidia-kernel-dkms", "cuda-drivers", "cuda-drivers-580"):
            assert name not in pkgs, name
        assert not host.file("/etc/apt/preferences.d/mlbox-nvidia-driver-branch").exists
        assert host.file("/etc/apt/preferences.d/nvidia-driver-pinning-595").exists
    else:
        # proprietary flavour (Pascal and Volta among the GPUs), branch 580: the suffixed name.
        pkgs = dpkg(host, "cuda-drivers-580", "cuda-drivers", "nvidia-driver", "nvidia-kernel-dkms",
                    "nvidia-kernel-open-dkms", "nvidia-open", "nvidia-open-580", "libcuda1")
        for name in ("cuda-drivers-580", "nvidia-driver", "nvidia-kernel-dkms", "libcuda1"):
            assert pkgs[name] == ("580.95.05-1", "hold"), name
        for name in ("cuda-drivers", "nvidia-kernel-open-dkms", "nvidia-open", "nvidia-open-580"):
            assert name not in pkgs, name
        pin = host.file("/etc/apt/preferences.d/mlbox-nvidia-driver-branch").content_string
        assert "Pin: version 580.*\nPin-Priority: 1000\n" in pin
        # The pin holds the branch: apt's candidate for nvidia-driver stays 580 although 595 is newer.
        assert "Candidate: 580.95.05-1" in host.check_output("apt-cache policy nvidia-driver")


def test_branch_change_installed_the_pinning_package_first(host):
    if not is_bookworm(host):
        pytest.skip("the branch change runs on debian12")
    log = host.file("/var/log/dpkg.log").content_string.splitlines()
    installs = [line.split()[3].split(":")[0] for line in log if " install " in line]
    assert installs.index("nvidia-driver-pinning-595") < installs.index("nvidia-open")
    upgrades = [line.split()[3].split(":")[0] for line in log if " upgrade " in line]
    assert "nvidia-driver" in upgrades
    removals = [line.split()[3].split(":")[0] for line in log if " remove " in line]
    assert "nvidia-open-580" in removals


def test_unattended_upgrades_leave_the_driver_alone(host):
    dump = host.check_output("apt-config dump Unattended-Upgrade::Package-Blacklist")
    for pattern in ("nvidia-", "libnvidia-", "libcuda", "cuda-drivers", "firmware-nvidia-"):
        assert f'Unattended-Upgrade::Package-Blacklist:: "{pattern}";' in dump


def test_nouveau_blacklisted(host):
    conf = host.file("/etc/modprobe.d/blacklist-nouveau.conf").content_string
    assert "blacklist nouveau\n" in conf
    assert "options nouveau modeset=0\n" in conf


def test_no_module_loaded_and_reboot_flagged_in_a_container(host):
    # A GPU was found (recorded sysfs) and the module is not loaded: the reboot was skipped in the container,
    # and /run/reboot-required says a reboot is needed.
    assert host.file("/run/reboot-required").content_string == "*** System restart required ***\n"
    assert not host.file("/sys/module/nvidia").exists


def test_secure_boot_signing_configured(host):
    conf = host.file("/etc/dkms/framework.conf.d/mlbox-secure-boot.conf").content_string
    if is_bookworm(host):
        key, cert = "/root/mok/test-mok.key", "/root/mok/test-mok.der"
    else:
        key, cert = "/var/lib/dkms/mok.key", "/var/lib/dkms/mok.pub"
        subject = host.check_output(f"openssl x509 -inform DER -in {cert} -noout -subject")
        assert "ML in a Box DKMS module signing key" in subject
        # The host's name (a container name longer than X.509's 64-character limit once broke this).
        assert host.backend.get_hostname()[:64] in subject
    assert f'mok_signing_key="{key}"' in conf
    assert f'mok_certificate="{cert}"' in conf
    assert host.file(key).mode == 0o600


def test_dkms_installed_where_asked(host):
    assert host.package("dkms").is_installed != is_bookworm(host)


def test_cuda_toolkits_side_by_side_and_held(host):
    versions = ["12.8", "13.0"] if is_bookworm(host) else ["12.8"]
    full = {"12.8": "12.8.1-1", "13.0": "13.0.2-1"}
    pkgs = dpkg(host, "cuda-toolkit-12-8", "cuda-toolkit-13-0", "cuda", "cuda-12-8", "cuda-13-0")
    for version in versions:
        name = "cuda-toolkit-" + version.replace(".", "-")
        assert pkgs[name] == (full[version], "hold")
        nvcc = host.check_output(f"/usr/local/cuda-{version}/bin/nvcc --version")
        assert f"release {version}," in nvcc
    # Never the driver-pulling metapackages.
    for name in ("cuda", "cuda-12-8", "cuda-13-0"):
        assert name not in pkgs
    if not is_bookworm(host):
        assert "cuda-toolkit-13-0" not in pkgs


def test_cuda_default_is_the_chosen_one(host):
    query = host.check_output("update-alternatives --query cuda")
    assert "Value: /usr/local/cuda-12.8" in query
    if is_bookworm(host):
        # 13.0 has the higher priority: only a manual choice keeps 12.8.
        assert "Status: manual" in query
    login = host.run("bash -lc 'command -v nvcc; nvcc --version; echo \"$LD_LIBRARY_PATH\"'")
    assert login.rc == 0
    assert login.stdout.splitlines()[0] == "/usr/local/cuda/bin/nvcc"
    assert "release 12.8, V12.8.93" in login.stdout
    assert "/usr/local/cuda/targets/x86_64-linux/lib" in login.stdout.splitlines()[-1]


def test_cuda_libraries_in_ldconfig(host):
    conf = host.file("/etc/ld.so.conf.d/mlbox-cuda.conf").content_string
    assert "/usr/local/cuda/targets/x86_64-linux/lib\n" in conf
    assert "/usr/local/cuda/targets/x86_64-linux/lib" in host.check_output("cat /etc/ld.so.conf.d/*.conf")


def test_cudnn_matches_the_cuda_major_and_is_held(host):
    if is_bookworm(host):
        major, version = "13", "9.17.0.29-1"
        names = ["cudnn9-cuda-13", "libcudnn9-cuda-13", "libcudnn9-dev-cuda-13", "libcudnn9-headers-cuda-13"]
        header = "9.17.0"
    else:
        major, version, names = "12", "9.10.2.21-1", ["cudnn9-cuda-12", "libcudnn9-cuda-12", "libcudnn9-dev-cuda-12"]
        header = "9.10.2"
    pkgs = dpkg(host, "cudnn9-*", "libcudnn9-*")
    for name in names:
        assert pkgs[name] == (version, "hold"), name
    other = "12" if major == "13" else "13"
    assert not [name for name in pkgs if name.endswith("-cuda-" + other)]
    text = host.file("/usr/include/x86_64-linux-gnu/cudnn_version_v9.h").content_string
    found = ".".join(
        line.split()[2] for line in text.splitlines()
        if line.startswith(("#define CUDNN_MAJOR", "#define CUDNN_MINOR", "#define CUDNN_PATCHLEVEL"))
    )
    assert found == header
