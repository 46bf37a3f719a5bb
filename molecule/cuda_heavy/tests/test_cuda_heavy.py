"""Debian 12's real CUDA toolkit (molecule scenario `cuda_heavy`, opt-in: make test-heavy)."""

PROGRAM = r"""
#include <cstdio>
__global__ void scale(float *x, float a, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] *= a;
}
int main() { std::printf("compiled\n"); return 0; }
"""


def test_distro_toolkit_installed_and_held(host):
    assert host.package("nvidia-cuda-toolkit").is_installed
    assert host.package("nvidia-cuda-toolkit").version.startswith("11.8")
    assert host.check_output("dpkg --get-selections nvidia-cuda-toolkit").split()[-1] == "hold"
    # Never NVIDIA's toolkits or this role's profile with the distro source.
    assert not host.file("/etc/profile.d/cuda.sh").exists
    assert host.run("dpkg -l 'cuda-toolkit-*' | grep -q '^ii'").rc != 0


def test_nvcc_is_the_distribution_release(host):
    login = host.run("bash -lc 'command -v nvcc && nvcc --version'")
    assert login.rc == 0
    assert login.stdout.splitlines()[0] == "/usr/bin/nvcc"
    assert "release 11.8," in login.stdout


def test_nvcc_compiles_a_kernel(host):
    host.run("mkdir -p /root/heavy")
    host.run(f"cat > /root/heavy/scale.cu <<'EOF'\n{PROGRAM}\nEOF")
    build = host.run("nvcc -arch=sm_50 -o /root/heavy/scale /root/heavy/scale.cu")
    assert build.rc == 0, build.stderr
    # The binary embeds device code for sm_50 (no GPU here: it is not run on one).
    assert "sm_50" in host.check_output("cuobjdump --list-elf /root/heavy/scale")
