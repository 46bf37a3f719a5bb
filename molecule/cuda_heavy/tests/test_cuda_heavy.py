"""Debian's real CUDA toolkit, 12 and 13 (molecule scenario `cuda_heavy`, opt-in: make test-heavy)."""

import pytest

# The CUDA release of nvidia-cuda-toolkit in each Debian release's non-free (written here, not read from the role).
CUDA_OF_RELEASE = {"bookworm": "11.8", "trixie": "12.4"}

PROGRAM = r"""
#include <cstdio>
__global__ void scale(float *x, float a, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] *= a;
}
int main() { std::printf("compiled\n"); return 0; }
"""


@pytest.fixture(name="cuda")
def fixture_cuda(host) -> str:
    """The CUDA X.Y that this host's Debian release ships."""
    codename = host.system_info.codename
    assert codename in CUDA_OF_RELEASE, f"no expected CUDA release for Debian {codename}"
    return CUDA_OF_RELEASE[codename]


def test_distro_toolkit_installed_and_held(host, cuda):
    assert host.package("nvidia-cuda-toolkit").is_installed
    # Debian 12: 11.8.89~11.8.0-5~deb12u1, Debian 13: 12.4.131~12.4.1-2.
    assert host.package("nvidia-cuda-toolkit").version.startswith(f"{cuda}.")
    assert host.check_output("dpkg --get-selections nvidia-cuda-toolkit").split()[-1] == "hold"
    # Never NVIDIA's toolkits or this role's profile with the distro source.
    assert not host.file("/etc/profile.d/cuda.sh").exists
    assert host.run("dpkg -l 'cuda-toolkit-*' | grep -q '^ii'").rc != 0


def test_nvcc_is_the_distribution_release(host, cuda):
    login = host.run("bash -lc 'command -v nvcc && nvcc --version'")
    assert login.rc == 0
    assert login.stdout.splitlines()[0] == "/usr/bin/nvcc"
    assert f"release {cuda}," in login.stdout


def test_nvcc_compiles_a_kernel(host):
    host.run("mkdir -p /root/heavy")
    host.run(f"cat > /root/heavy/scale.cu <<'EOF'\n{PROGRAM}\nEOF")
    build = host.run("nvcc -arch=sm_50 -o /root/heavy/scale /root/heavy/scale.cu")
    assert build.rc == 0, build.stderr
    # The binary embeds device code for sm_50 (no GPU here: it is not run on one).
    assert "sm_50" in host.check_output("cuobjdump --list-elf /root/heavy/scale")
