#!/usr/bin/env bash
# Self-test of the fixture apt repositories: build them, serve them, and check them with this
# host's apt in throw-away apt roots (APT_CONFIG pointing at temporary state, cache, sources, keys
# and a synthetic dpkg status), then install packages with the real dpkg into a scratch root
# (dpkg --root, maintainer scripts chrootless with $DPKG_ROOT, as the unprivileged user nobody).
# Nothing is installed into the host system. Takes about 20 s.
#
# Usage: selftest.sh
#   Builds into a temporary directory and serves it on port 18765 (FIXTURE_PORT to change), so it
#   does not touch build/fixture-repos or a server running there.
# Or:    FIXTURE_OUT=build/fixture-repos selftest.sh
#   Tests that build, on the port it was built for (rebuilding it if its recipe changed). A server
#   already running for it is used and left running; one this script starts is stopped at the end.
# Needs: dpkg-deb, apt-ftparchive, gpg (build.py), apt-get, dash, python3 with PyYAML (.venv).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$HERE/../../.." && pwd)
PYTHON=${PYTHON:-$REPO_ROOT/.venv/bin/python}
[ -x "$PYTHON" ] || PYTHON=python3
T=$(mktemp -d "${TMPDIR:-/tmp}/fixture-selftest.XXXXXX")
OUT=$(realpath -m "${FIXTURE_OUT:-$T/out}")
PORT=${FIXTURE_PORT:-$(sed -n 's/^ *"port": \([0-9]*\).*/\1/p' "$OUT/build-info.json" 2>/dev/null || true)}
PORT=${PORT:-18765}
BASE=http://127.0.0.1:$PORT
STARTED_SERVER=0
PASS=0
FAIL=0

cleanup() {
  if [ "$STARTED_SERVER" = 1 ]; then
    "$PYTHON" "$HERE/serve.py" stop --out "$OUT" >/dev/null 2>&1 || true
  fi
  rm -rf "$T"
}
trap cleanup EXIT

ok() { PASS=$((PASS + 1)); printf 'ok   %s\n' "$*"; }
bad() { FAIL=$((FAIL + 1)); printf 'FAIL %s\n' "$*"; }
show_log() { sed 's/^/     | /' "$T/last.log" | tail -n 15; }
# check DESCRIPTION COMMAND...: the command must succeed.
check() {
  local what=$1
  shift
  if "$@" >"$T/last.log" 2>&1; then ok "$what"; else bad "$what"; show_log; fi
}
# check_fails DESCRIPTION REGEX COMMAND...: the command must fail and print REGEX.
check_fails() {
  local what=$1 regex=$2
  shift 2
  if "$@" >"$T/last.log" 2>&1; then
    bad "$what (it succeeded)"; show_log
  elif grep -Eq -- "$regex" "$T/last.log"; then
    ok "$what"
  else
    bad "$what (failed, but without /$regex/)"; show_log
  fi
}
# prints REGEX COMMAND...: the command succeeds and its output matches REGEX.
prints() {
  local regex=$1
  shift
  "$@" >"$T/out.log" 2>&1 || { cat "$T/out.log"; return 1; }
  grep -Eq -- "$regex" "$T/out.log" || { cat "$T/out.log"; return 1; }
}
# exits_with CODE REGEX COMMAND...: the command exits with CODE and prints REGEX.
exits_with() {
  local code=$1 regex=$2 rc=0
  shift 2
  "$@" >"$T/out.log" 2>&1 || rc=$?
  [ "$rc" -eq "$code" ] || { echo "exit code $rc, not $code"; cat "$T/out.log"; return 1; }
  grep -Eq -- "$regex" "$T/out.log" || { cat "$T/out.log"; return 1; }
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# -- build --------------------------------------------------------------------------------------
echo "== build ($OUT, port $PORT)"
t0=$(now)
check "build.py builds the repositories" "$PYTHON" "$HERE/build.py" --out "$OUT" --port "$PORT"
sed 's/^/     /' "$T/last.log"
echo "     build took $(elapsed "$t0") s"
t0=$(now)
"$PYTHON" "$HERE/build.py" --out "$OUT" --port "$PORT" >"$T/last.log" 2>&1 || true
second=$(elapsed "$t0")
if grep -q 'up to date' "$T/last.log" && awk -v s="$second" 'BEGIN { exit !(s < 1.0) }'; then
  ok "a second build.py run is a no-op (${second} s)"
else
  bad "a second build.py run is a no-op (${second} s)"; show_log
fi
size=$(du -sb "$OUT/www" | cut -f1)
if [ "$size" -lt 5242880 ]; then ok "served tree is small ($((size / 1024)) KiB)"; else bad "served tree is $size bytes (>= 5 MiB)"; fi
FPR=$(cat "$OUT/keys/test-archive.fingerprint")
WRONG_FPR=$(cat "$OUT/keys/wrong.fingerprint")
KEYRING=$OUT/keys/test-archive.gpg
WRONG_KEYRING=$OUT/keys/wrong.gpg
vars_keys() {
  grep -qx "fixture_key_fingerprint: \"$FPR\"" "$OUT/vars.yml" &&
    grep -qx "fixture_wrong_key_fingerprint: \"$WRONG_FPR\"" "$OUT/vars.yml" && [ "$FPR" != "$WRONG_FPR" ]
}
check "vars.yml names the key and a different wrong key" vars_keys
for var in fixture_key_url fixture_wrong_key_url fixture_wrong_key_fingerprint fixture_unreachable_url \
  fixture_nvidia_cuda_base_url fixture_nvidia_container_toolkit_base_url fixture_docker_base_url \
  fixture_chrome_base_url fixture_vscode_base_url; do
  grep -q "^$var: " "$OUT/vars.yml" || bad "vars.yml lacks $var"
done

# -- serve --------------------------------------------------------------------------------------
echo "== serve"
SERVE=("$PYTHON" "$HERE/serve.py")
if "${SERVE[@]}" status --out "$OUT" --port "$PORT" >/dev/null 2>&1; then
  echo "     (a server for $OUT is already running; it is left running)"
else
  STARTED_SERVER=1
  check "serve.py start" "${SERVE[@]}" start --out "$OUT" --port "$PORT"
fi
check "serve.py start again is a no-op" prints 'already running' "${SERVE[@]}" start --out "$OUT" --port "$PORT"
check "serve.py status" "${SERVE[@]}" status --out "$OUT" --port "$PORT"
if command -v ss >/dev/null 2>&1; then
  listeners=$(ss -Hltn "sport = :$PORT" | awk '{ print $4 }')
  if [ -n "$listeners" ] && ! grep -qv "^127\.0\.0\.1:$PORT\$" <<<"$listeners"; then
    ok "the server listens on 127.0.0.1:$PORT only"
  else
    bad "listeners on port $PORT: ${listeners:-none}"
  fi
fi
check "the archive key is served" prints "^$FPR\$" curl -fsS --noproxy '*' "$BASE/keys/test-archive.fingerprint"

# -- apt roots ----------------------------------------------------------------------------------
# apt_root NAME KEYRING then lines "URI|SUITE|COMPONENT" on stdin: a throw-away apt setup.
apt_root() {
  local name=$1 keyring=$2 root=$T/apt/$1 uri suite component n=0
  mkdir -p "$root"/{lists/partial,cache/archives/partial,sources.list.d,trusted.gpg.d,preferences.d,apt.conf.d,log}
  : >"$root/sources.list"
  while IFS='|' read -r uri suite component; do
    n=$((n + 1))
    {
      echo "Types: deb"
      echo "URIs: $uri"
      echo "Suites: $suite"
      [ -z "$component" ] || echo "Components: $component"
      echo "Architectures: amd64"
      echo "Signed-By: $keyring"
    } >"$root/sources.list.d/fixture-$n.sources"
  done
  # docker.io is only an alternative (nvidia-docker2) and conflicts with docker-ce: not installed.
  grep -vx docker.io "$OUT/distro-packages.txt" | while read -r pkg; do
    printf 'Package: %s\nStatus: install ok installed\nVersion: 999:1\nArchitecture: amd64\nMaintainer: selftest\nDescription: stand-in for the distribution package\n\n' "$pkg"
  done >"$root/status"
  cat >"$root/apt.conf" <<EOF
Dir::State "$root";
Dir::State::lists "$root/lists";
Dir::State::status "$root/status";
Dir::Cache "$root/cache";
Dir::Etc::sourcelist "$root/sources.list";
Dir::Etc::sourceparts "$root/sources.list.d";
Dir::Etc::trusted "$root/trusted.gpg";
Dir::Etc::trustedparts "$root/trusted.gpg.d";
Dir::Etc::preferences "$root/preferences";
Dir::Etc::preferencesparts "$root/preferences.d";
Dir::Etc::parts "$root/apt.conf.d";
Dir::Log "$root/log";
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
APT::Sandbox::User "root";
APT::Install-Recommends "false";
APT::Get::List-Cleanup "false";
Acquire::Languages "none";
Acquire::Retries "0";
Acquire::http::Timeout "10";
Acquire::http::Proxy::127.0.0.1 "DIRECT";
Debug::NoLocking "true";
EOF
}
# apt_in NAME COMMAND...: run an apt command against root NAME (bounded).
apt_in() {
  local name=$1
  shift
  APT_CONFIG=$T/apt/$name/apt.conf LC_ALL=C timeout 60 "$@"
}
apt_update_clean() {  # apt-get update that fails on any warning or error
  apt_in "$1" apt-get update -o APT::Update::Error-Mode=any >"$T/update.log" 2>&1 || { cat "$T/update.log"; return 1; }
  if grep -E '^(W|E|Err):' "$T/update.log"; then return 1; fi
}
# will_install NAME REGEX APT-ARGS...: apt-get -s install resolves and installs what REGEX says.
will_install() {
  local name=$1 regex=$2
  shift 2
  apt_in "$name" apt-get -s install "$@" >"$T/sim.log" 2>&1 || { cat "$T/sim.log"; return 1; }
  grep -Eq -- "$regex" "$T/sim.log" || { cat "$T/sim.log"; return 1; }
}

# downloads NAME "PKG..." FILE-GLOB...: apt-get install --download-only fetches every FILE-GLOB.
downloads() {
  local name=$1 pkgs=$2 glob
  shift 2
  # shellcheck disable=SC2086  # word splitting of the package list is wanted
  apt_in "$name" apt-get install --download-only -y -q $pkgs >"$T/dl.log" 2>&1 || { cat "$T/dl.log"; return 1; }
  for glob in "$@"; do
    compgen -G "$T/apt/$name/cache/archives/$glob" >/dev/null ||
      { echo "not downloaded: $glob"; ls "$T/apt/$name/cache/archives"; return 1; }
  done
}
# not_versions NAME PKG REGEX: print PKG's versions (apt-cache madison); fail if one matches REGEX.
not_versions() {
  apt_in "$1" apt-cache madison "$2" >"$T/madison.log" 2>&1 || { cat "$T/madison.log"; return 1; }
  cat "$T/madison.log"
  if grep -Eq -- "$3" "$T/madison.log"; then echo "unexpected version /$3/"; return 1; fi
}
# release_has NAME LINE...: the InRelease that apt fetched for root NAME holds each LINE.
release_has() {
  local name=$1 line
  shift
  for line in "$@"; do
    grep -qx -- "$line" "$T/apt/$name/lists/"*InRelease || { echo "no '$line'"; return 1; }
  done
}
echo "== NVIDIA CUDA repositories"
for distro in debian12 debian13 ubuntu2004 ubuntu2204 ubuntu2404; do
  r=cuda-$distro
  apt_root "$r" "$KEYRING" <<<"$BASE/cuda/repos/$distro/x86_64/|/|"
  check "$r: apt-get update verifies the signature (signed-by test key)" apt_update_clean "$r"
  check "$r: InRelease says Origin: NVIDIA, Label: NVIDIA CUDA" release_has "$r" 'Origin: NVIDIA' 'Label: NVIDIA CUDA'
  check "$r: cuda-toolkit-12-8 downloads with its dependency chain" downloads "$r" cuda-toolkit-12-8 \
    cuda-toolkit-12-8_12.8.1-1_amd64.deb cuda-compiler-12-8_12.8.1-1_amd64.deb cuda-nvcc-12-8_12.8.93-1_amd64.deb \
    cuda-cudart-dev-12-8_12.8.90-1_amd64.deb cuda-cudart-12-8_12.8.90-1_amd64.deb cuda-libraries-12-8_12.8.1-1_amd64.deb \
    cuda-toolkit-config-common_13.0.96-1_all.deb cuda-toolkit-12-config-common_12.8.90-1_all.deb \
    cuda-toolkit-12-8-config-common_12.8.90-1_all.deb
  check "$r: cuda-toolkit-13-0 + cudnn9-cuda-13 + nvidia-open (595) + cuda-keyring resolve" will_install "$r" \
    'Inst nvidia-kernel-open-dkms \(595\.45\.04-1' \
    cuda-toolkit-13-0 cudnn9-cuda-13 nvidia-open nvidia-driver-pinning-595 cuda-keyring
done
r=cuda-debian12
check "$r: cuda-drivers (595) brings the proprietary nvidia-kernel-dkms" will_install "$r" \
  'Inst nvidia-kernel-dkms \(595\.45\.04-1' cuda-drivers
check "$r: cuDNN 9.10.2.21 for CUDA 12 resolves when pinned" will_install "$r" \
  'Inst libcudnn9-dev-cuda-12 \(9\.10\.2\.21-1' \
  cudnn9-cuda-12=9.10.2.21-1 libcudnn9-cuda-12=9.10.2.21-1 libcudnn9-dev-cuda-12=9.10.2.21-1
check_fails "$r: libcudnn9-cuda-12 and libcudnn9-cuda-13 conflict" 'Conflicts|broken packages|Unable to correct' \
  apt_in "$r" apt-get -s install libcudnn9-cuda-12 libcudnn9-cuda-13
check_fails "$r: nvidia-open-580 alone does not resolve while 595 is the candidate" \
  'but 595\.45\.04-1 is to be installed|Unable to correct|unmet dependencies' \
  apt_in "$r" apt-get -s install nvidia-open-580
# (apt accepts a version pin only for named packages or globs, not for "Package: *")
printf 'Package: nvidia-* cuda-drivers* libcuda1 libnvidia-ml1 firmware-nvidia-gsp\nPin: version 580.*\nPin-Priority: 1001\n' \
  >"$T/apt/$r/preferences.d/branch-580"
check "$r: nvidia-open-580 resolves with the 580 versions pinned" will_install "$r" \
  'Inst nvidia-kernel-open-dkms \(580\.95\.05-1' nvidia-open-580
rm -f "$T/apt/$r/preferences.d/branch-580"
printf 'Package: *\nPin: release l=NVIDIA CUDA\nPin-Priority: 600\n' >"$T/apt/$r/preferences.d/cuda-repository-pin-600"
check "$r: NVIDIA's pin 'release l=NVIDIA CUDA' applies (priority 600)" prints \
  "^ +600 $BASE/cuda/repos/debian12/x86_64 +Packages" apt_in "$r" apt-cache policy cuda-toolkit-12-8

# The seed-2021 packages live only in the Ubuntu 20.04 repository.
r=cuda-ubuntu2004
check "$r: cuda-toolkit-11-4 downloads with its 11.4 chain" downloads "$r" cuda-toolkit-11-4 \
  cuda-toolkit-11-4_11.4.4-1_amd64.deb cuda-nvcc-11-4_11.4.152-1_amd64.deb \
  cuda-cudart-11-4_11.4.148-1_amd64.deb cuda-toolkit-11-config-common_11.4.148-1_all.deb
check "$r: cuda-drivers=470.82.01-1 resolves to the Ubuntu-style nvidia-driver-470" will_install "$r" \
  'Inst nvidia-driver-470 \(470\.82\.01-0ubuntu1' cuda-drivers=470.82.01-1
check "$r: cuda-drivers-470 has 470.82.01-1 and 470.57.02-1, no 470.63.01" prints \
  '470\.57\.02-1' not_versions "$r" cuda-drivers-470 '470\.63\.01'
check "$r: libcudnn8 has 8.2.4.15-1+cuda11.4 and +cuda10.2 (pick by suffix)" prints \
  '8\.2\.4\.15-1\+cuda10\.2' not_versions "$r" libcudnn8 'no-such'
check "$r: libcudnn8 + -dev =8.2.4.15-1+cuda11.4 resolve" will_install "$r" \
  'Inst libcudnn8-dev \(8\.2\.4\.15-1\+cuda11\.4' libcudnn8=8.2.4.15-1+cuda11.4 libcudnn8-dev=8.2.4.15-1+cuda11.4
check_fails "cuda-debian12: no seed-era libcudnn8 or cuda-toolkit-11-4" 'No packages found|Unable to locate' \
  apt_in cuda-debian12 apt-cache show libcudnn8 cuda-toolkit-11-4
check "cuda-debian13: cuDNN 9.12.0.46 for CUDA 13 resolves when pinned" will_install cuda-debian13 \
  'Inst libcudnn9-headers-cuda-13 \(9\.12\.0\.46-1' \
  libcudnn9-cuda-13=9.12.0.46-1 libcudnn9-dev-cuda-13=9.12.0.46-1 libcudnn9-headers-cuda-13=9.12.0.46-1

echo "== NVIDIA Container Toolkit repository"
r=nct
apt_root "$r" "$KEYRING" <<<"$BASE/libnvidia-container/stable/deb/amd64/|/|"
check "$r: apt-get update verifies the signature" apt_update_clean "$r"
check "$r: nvidia-container-toolkit=1.19.0-1 downloads the four packages at 1.19.0-1" downloads "$r" \
  nvidia-container-toolkit=1.19.0-1 nvidia-container-toolkit_1.19.0-1_amd64.deb \
  nvidia-container-toolkit-base_1.19.0-1_amd64.deb libnvidia-container-tools_1.19.0-1_amd64.deb \
  libnvidia-container1_1.19.0-1_amd64.deb
check_fails "$r: nvidia-container-toolkit=1.18.1-1 alone does not resolve (base must be pinned too)" \
  'nvidia-container-toolkit-base \(= 1\.18\.1-1\) but 1\.19\.0-1 is to be installed' \
  apt_in "$r" apt-get -s install nvidia-container-toolkit=1.18.1-1
check "$r: the 1.18.1-1 set resolves when pinned together" will_install "$r" \
  'Inst libnvidia-container1 \(1\.18\.1-1' nvidia-container-toolkit=1.18.1-1 \
  nvidia-container-toolkit-base=1.18.1-1 libnvidia-container-tools=1.18.1-1 libnvidia-container1=1.18.1-1
check_fails "$r: 1.19.0-1 needs libnvidia-container-tools at exactly 1.19.0-1" \
  'libnvidia-container-tools \(= 1\.19\.0-1\) but 1\.18\.1-1 is to be installed' \
  apt_in "$r" apt-get -s install nvidia-container-toolkit=1.19.0-1 libnvidia-container-tools=1.18.1-1
# Toolkit 1.5.1-1 (seed-2021): no -base package before 1.11.0; any tools >= 1.4.0 << 2.0.0.
toolkit_151_no_base() {
  apt_in "$r" apt-get -s install nvidia-container-toolkit=1.5.1-1 >"$T/sim.log" 2>&1 || { cat "$T/sim.log"; return 1; }
  cat "$T/sim.log"
  grep -q '^Inst nvidia-container-toolkit (1\.5\.1-1' "$T/sim.log" && ! grep -q 'nvidia-container-toolkit-base' "$T/sim.log" &&
    grep -q '^Inst libnvidia-container-tools (1\.19\.0-1' "$T/sim.log"
}
check "$r: toolkit 1.5.1-1 installs without -base (and takes the NEWEST tools unless pinned)" toolkit_151_no_base
check_fails "$r: nvidia-container-toolkit-base has no 1.5.1-1" 'not found|Unable to locate|has no installation candidate' \
  apt_in "$r" apt-get -s install nvidia-container-toolkit-base=1.5.1-1
check_fails "$r: nvidia-docker2 needs a Docker engine (docker-ce, docker-ee or docker.io)" \
  'docker-ce .* but it is not installable|docker\.io|unmet dependencies' \
  apt_in "$r" apt-get -s install nvidia-docker2=2.6.0-1
printf 'Package: docker.io\nStatus: install ok installed\nVersion: 20.10.7-0ubuntu5~20.04.2\nArchitecture: amd64\nMaintainer: selftest\nDescription: stand-in\n\n' \
  >>"$T/apt/$r/status"
check "$r: nvidia-docker2 2.6.0-1 resolves with the 2021 set pinned (docker.io present)" will_install "$r" \
  'Inst libnvidia-container1 \(1\.4\.0-1' nvidia-docker2=2.6.0-1 nvidia-container-runtime=3.5.0-1 \
  nvidia-container-toolkit=1.5.1-1 libnvidia-container-tools=1.4.0-1 libnvidia-container1=1.4.0-1

echo "== Docker CE repositories"
for spec in debian:bookworm:debian.12 debian:trixie:debian.13 ubuntu:jammy:ubuntu.22.04 ubuntu:noble:ubuntu.24.04; do
  IFS=: read -r dist suite tag <<<"$spec"
  r=docker-$suite
  apt_root "$r" "$KEYRING" <<<"$BASE/linux/$dist|$suite|stable"
  check "$r: apt-get update verifies the signature" apt_update_clean "$r"
  check "$r: docker-ce, -cli, containerd.io, buildx, compose download (29.0.0)" downloads "$r" \
    "docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin" \
    "docker-ce_*29.0.0-1~$tag~${suite}_amd64.deb" "docker-ce-cli_*29.0.0-1~$tag~${suite}_amd64.deb" \
    "containerd.io_2.1.5-1*_amd64.deb" "docker-buildx-plugin_0.30.0-1~$tag~${suite}_amd64.deb" \
    "docker-compose-plugin_2.40.3-1~$tag~${suite}_amd64.deb"
  check "$r: the older 28.5.1 set resolves when pinned" will_install "$r" \
    "Inst docker-ce \(5:28\.5\.1-1~$tag~$suite" "docker-ce=5:28.5.1-1~$tag~$suite" \
    "docker-ce-cli=5:28.5.1-1~$tag~$suite" "containerd.io=1.7.28-1~$tag~$suite"
  check "$r: containerd.io has 2.1.5 and 1.7.28 with the distro suffix" prints \
    "1\.7\.28-1~$tag~$suite" not_versions "$r" containerd.io 'no-such'
  grep -q "2\.1\.5-1~$tag~$suite" "$T/out.log" || bad "$r: containerd.io lacks 2.1.5-1~$tag~$suite"
done
# containerd.io: both formats where the evidence shows them (EVIDENCE.md).
check "docker-bookworm: containerd.io has plain 1.7.27-1, 1.7.28-1, 2.1.5-1 besides the suffixed ones" prints \
  '\| +1\.7\.27-1 \|' not_versions docker-bookworm containerd.io 'no-such'
for v in '1\.7\.28-1 ' '2\.1\.5-1 ' '1\.7\.28-1~debian\.12~bookworm'; do
  grep -Eq "\| +$v" "$T/out.log" || bad "docker-bookworm: containerd.io lacks /$v/"
done
check "docker-bookworm: the plain 2.1.5-1 is newer than 2.1.5-1~debian.12~bookworm (candidate)" prints \
  'Candidate: 2\.1\.5-1$' apt_in docker-bookworm apt-cache policy containerd.io
check "docker-trixie: containerd.io has 1.7.28-2~debian.13~trixie" prints \
  '1\.7\.28-2~debian\.13~trixie' not_versions docker-trixie containerd.io '1\.7\.27'
check "docker-noble: containerd.io has plain 1.7.27-1 and no plain 1.7.28-1" prints \
  '\| +1\.7\.27-1 \|' not_versions docker-noble containerd.io '\| +1\.7\.28-1 \|'
# Ubuntu 20.04 focal, the 20.10 era (seed-2021).
r=docker-focal
apt_root "$r" "$KEYRING" <<<"$BASE/linux/ubuntu|focal|stable"
check "$r: apt-get update verifies the signature" apt_update_clean "$r"
check "$r: docker-ce 5:20.10.8~3-0~ubuntu-focal with containerd.io 1.4.9-1 and docker-scan-plugin" downloads "$r" \
  "docker-ce docker-ce-cli docker-ce-rootless-extras containerd.io docker-scan-plugin" \
  "docker-ce_*20.10.8~3-0~ubuntu-focal_amd64.deb" "docker-ce-cli_*20.10.8~3-0~ubuntu-focal_amd64.deb" \
  "docker-ce-rootless-extras_*20.10.8~3-0~ubuntu-focal_amd64.deb" containerd.io_1.4.9-1_amd64.deb \
  "docker-scan-plugin_0.8.0~ubuntu-focal_amd64.deb"
check "$r: docker-ce=5:20.10.8~3-0~ubuntu-focal resolves when pinned" will_install "$r" \
  'Inst docker-ce \(5:20\.10\.8~3-0~ubuntu-focal' docker-ce=5:20.10.8~3-0~ubuntu-focal \
  docker-ce-cli=5:20.10.8~3-0~ubuntu-focal containerd.io=1.4.9-1
check_fails "$r: no buildx or compose plugin packages in 2021" 'No packages found|Unable to locate' \
  apt_in "$r" apt-cache show docker-buildx-plugin docker-compose-plugin

echo "== Google Chrome and VS Code repositories"
r=chrome
apt_root "$r" "$KEYRING" <<<"$BASE/linux/chrome/deb/|stable|main"
check "$r: apt-get update verifies the signature" apt_update_clean "$r"
check "$r: google-chrome-stable downloads" downloads "$r" google-chrome-stable \
  google-chrome-stable_142.0.7444.175-1_amd64.deb
r=vscode
apt_root "$r" "$KEYRING" <<<"$BASE/repos/code|stable|main"
check "$r: apt-get update verifies the signature" apt_update_clean "$r"
check "$r: code downloads (newest)" downloads "$r" code code_1.106.3-1764110892_amd64.deb
check "$r: the older code resolves" will_install "$r" 'Inst code \(1\.105\.1-1760482543' code=1.105.1-1760482543

echo "== signature and reachability failures"
NO_KEY="NO_PUBKEY ${FPR: -16}|Missing key $FPR|is not signed"
apt_root wrong-cuda "$WRONG_KEYRING" <<<"$BASE/cuda/repos/debian12/x86_64/|/|"
check_fails "the CUDA repo with the wrong key: apt-get update fails (NO_PUBKEY)" "$NO_KEY" \
  apt_in wrong-cuda apt-get update -o APT::Update::Error-Mode=any
apt_root wrong-docker "$WRONG_KEYRING" <<<"$BASE/linux/debian|bookworm|stable"
check_fails "the Docker repo with the wrong key: apt-get update fails (NO_PUBKEY)" "$NO_KEY" \
  apt_in wrong-docker apt-get update -o APT::Update::Error-Mode=any
apt_root wrong-chrome "$WRONG_KEYRING" <<<"$BASE/linux/chrome/deb/|stable|main"
check_fails "the Chrome repo with the wrong key: apt-get update fails (NO_PUBKEY)" "$NO_KEY" \
  apt_in wrong-chrome apt-get update -o APT::Update::Error-Mode=any
apt_root unreachable "$KEYRING" <<<"http://127.0.0.1:9/|/|"
check_fails "fixture_unreachable_url: apt-get update fails" 'Could not connect|Failed to fetch|Connection refused' \
  apt_in unreachable apt-get update -o APT::Update::Error-Mode=any

echo "== package contents"
X=$T/extract
C12=cuda/repos/debian12/x86_64
NCT=libnvidia-container/stable/deb/amd64
CHROME_DEB=linux/chrome/deb/pool/main/g/google-chrome-stable/google-chrome-stable_142.0.7444.175-1_amd64.deb
CODE_DEB=repos/code/pool/main/c/code/code_1.106.3-1764110892_amd64.deb
xdeb() { mkdir -p "$X/$1" && dpkg-deb -x "$OUT/www/$2" "$X/$1"; }
key_fpr() { gpg --batch --with-colons --show-keys "$1" 2>/dev/null | awk -F: '$1 == "fpr" { print $10; exit }'; }
cudnn_version() {
  awk '/^#define CUDNN_(MAJOR|MINOR|PATCHLEVEL) / { v[$2] = $3 }
       END { printf "%s.%s.%s\n", v["CUDNN_MAJOR"], v["CUDNN_MINOR"], v["CUDNN_PATCHLEVEL"] }' "$1"
}
xdeb nvcc12 $C12/cuda-nvcc-12-8_12.8.93-1_amd64.deb
xdeb nvcc13 $C12/cuda-nvcc-13-0_13.0.88-1_amd64.deb
xdeb cfg12 $C12/cuda-toolkit-12-8-config-common_12.8.90-1_all.deb
xdeb cudnn910 $C12/libcudnn9-dev-cuda-12_9.10.2.21-1_amd64.deb
xdeb cudnn917 $C12/libcudnn9-headers-cuda-13_9.17.0.29-1_amd64.deb
xdeb keyring $C12/cuda-keyring_1.1-1_all.deb
xdeb smi $C12/nvidia-driver-cuda_595.45.04-1_amd64.deb
xdeb pin595 $C12/nvidia-driver-pinning-595_595.45.04-1_all.deb
for p in nvidia-container-toolkit-base nvidia-container-toolkit libnvidia-container-tools; do
  xdeb nct "$NCT/${p}_1.19.0-1_amd64.deb"
done

check "nvcc 12.8 stub: --version" prints '^Cuda compilation tools, release 12\.8, V12\.8\.93$' \
  "$X/nvcc12/usr/local/cuda-12.8/bin/nvcc" --version
check "nvcc 13.0 stub: --version" prints '^Cuda compilation tools, release 13\.0, V13\.0\.88$' \
  "$X/nvcc13/usr/local/cuda-13.0/bin/nvcc" --version
check_fails "nvcc stub refuses to compile" 'nvcc fatal' "$X/nvcc12/usr/local/cuda-12.8/bin/nvcc" x.cu
check "CUDA 12.8 version.json says 12.8.1" "$PYTHON" -c \
  "import json,sys; sys.exit(json.load(open('$X/cfg12/usr/local/cuda-12.8/version.json'))['cuda']['version'] != '12.8.1')"
check "cuDNN 9.10 header (in -dev, via cudnn_version.h) says 9.10.2" \
  test "$(cudnn_version "$X/cudnn910/usr/include/x86_64-linux-gnu/cudnn_version.h")" = 9.10.2
check "cuDNN 9.17 header (in -headers) says 9.17.0" \
  test "$(cudnn_version "$X/cudnn917/usr/include/x86_64-linux-gnu/cudnn_version_v9.h")" = 9.17.0
check "cuda-keyring: its source names this repository with signed-by" grep -qx \
  "deb \[signed-by=/usr/share/keyrings/cuda-archive-keyring.gpg\] $BASE/cuda/repos/debian12/x86_64/ /" \
  "$X/keyring/etc/apt/sources.list.d/cuda-debian12-x86_64.list"
check "cuda-keyring: its keyring holds the archive key" \
  test "$(key_fpr "$X/keyring/usr/share/keyrings/cuda-archive-keyring.gpg")" = "$FPR"
check "nvidia-smi stub: exit 9, no-driver message" exits_with 9 "couldn't communicate with the NVIDIA driver" \
  "$X/smi/usr/bin/nvidia-smi"
cp "$X/pin595/etc/apt/preferences.d/nvidia-driver-pinning-595" "$T/apt/cuda-debian12/preferences.d/"
pinned_595() {
  apt_in cuda-debian12 apt-cache policy nvidia-open >"$T/policy.log" 2>&1 || { cat "$T/policy.log"; return 1; }
  if ! grep -Eq '^ +595\.45\.04-1 1000$' "$T/policy.log" || ! grep -Eq '^ +580\.95\.05-1 600$' "$T/policy.log"; then
    cat "$T/policy.log"
    return 1
  fi
}
check "nvidia-driver-pinning-595: its preferences hold nvidia-open on 595 (1000; 580 stays 600)" pinned_595

CTK=$X/nct/usr/bin/nvidia-ctk
ctk_configure_merges() {
  printf '{\n  "storage-driver": "vfs",\n  "bridge": "none",\n  "runtimes": {"other": {"path": "/bin/other"}}\n}\n' >"$T/daemon.json"
  "$CTK" runtime configure --runtime=docker --config="$T/daemon.json" 2>"$T/ctk.log" &&
    grep -q "Wrote updated config to $T/daemon.json" "$T/ctk.log" &&
    "$PYTHON" - "$T/daemon.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ok = (d["runtimes"]["nvidia"] == {"args": [], "path": "nvidia-container-runtime"}
      and d["storage-driver"] == "vfs" and d["bridge"] == "none"
      and "other" in d["runtimes"] and "default-runtime" not in d)
sys.exit(0 if ok else 1)
PY
}
ctk_idempotent() {
  cp "$T/daemon.json" "$T/daemon.json.1" &&
    "$CTK" runtime configure --runtime docker --config "$T/daemon.json" 2>/dev/null &&
    cmp "$T/daemon.json" "$T/daemon.json.1"
}
ctk_default() {
  "$CTK" runtime configure --runtime=docker --set-as-default --config="$T/daemon.json" 2>/dev/null &&
    grep -q '"default-runtime": "nvidia"' "$T/daemon.json"
}
ctk_creates() {
  prints 'Config file does not exist; using empty config' \
    "$CTK" runtime configure --runtime=docker --config="$T/new/daemon.json" && test -s "$T/new/daemon.json"
}
ctk_dry_run() {
  prints '"path": "nvidia-container-runtime"' \
    "$CTK" runtime configure --runtime=docker --dry-run --config="$T/dry.json" && test ! -e "$T/dry.json"
}
check "nvidia-ctk --version" prints '^NVIDIA Container Toolkit CLI version 1\.19\.0$' "$CTK" --version
check "nvidia-ctk runtime configure adds runtimes.nvidia, keeps other keys" ctk_configure_merges
check "nvidia-ctk runtime configure is idempotent" ctk_idempotent
check "nvidia-ctk runtime configure --set-as-default sets default-runtime" ctk_default
check "nvidia-ctk runtime configure creates a missing daemon.json" ctk_creates
check "nvidia-ctk runtime configure --dry-run writes nothing" ctk_dry_run
echo '{ not json' >"$T/bad.json"
check_fails "nvidia-ctk rejects an invalid daemon.json" 'unable to load config' \
  "$CTK" runtime configure --runtime=docker --config="$T/bad.json"
check_fails "nvidia-ctk cdi generate fails as without a driver" \
  'failed to initialize NVML: ERROR_LIBRARY_NOT_FOUND' "$CTK" cdi generate --output="$T/cdi/nvidia.yaml"
check "nvidia-ctk cdi generate wrote no spec" test ! -e "$T/cdi/nvidia.yaml"
mkdir -p "$T/fakebin" "$T/bundle"
printf '#!/bin/sh\necho "runc-called $*"\n' >"$T/fakebin/runc"
chmod +x "$T/fakebin/runc"
echo '{"process": {"env": ["PATH=/bin"]}}' >"$T/bundle/config.json"
check "nvidia-container-runtime passes a container without GPUs to runc" prints \
  "^runc-called create --bundle $T/bundle c1\$" \
  env PATH="$T/fakebin:$PATH" "$X/nct/usr/bin/nvidia-container-runtime" create --bundle "$T/bundle" c1
echo '{"process": {"env": ["PATH=/bin", "NVIDIA_VISIBLE_DEVICES=all"]}}' >"$T/bundle/config.json"
check_fails "nvidia-container-runtime fails a GPU container as without a driver" \
  'load library failed: libnvidia-ml.so.1' \
  env PATH="$T/fakebin:$PATH" "$X/nct/usr/bin/nvidia-container-runtime" create --bundle "$T/bundle" c2
check_fails "nvidia-container-cli info fails as without a driver" 'libnvidia-ml.so.1' \
  "$X/nct/usr/bin/nvidia-container-cli" info

echo "== maintainer scripts"
mkdir -p "$T/ctl"
nscripts=0
badscripts=()
while read -r debfile; do
  d=$T/ctl/$(basename "$debfile" .deb)
  [ -d "$d" ] && continue
  dpkg-deb -e "$debfile" "$d"
  for s in preinst postinst prerm postrm config; do
    [ -f "$d/$s" ] || continue
    nscripts=$((nscripts + 1))
    if [ "$(head -n1 "$d/$s")" != "#!/bin/sh" ] || ! dash -n "$d/$s"; then
      badscripts+=("$(basename "$debfile"):$s")
    fi
  done
done < <(find "$OUT/www" -name '*.deb' | sort)
if [ ${#badscripts[@]} -eq 0 ]; then
  ok "$nscripts maintainer scripts are POSIX sh (#!/bin/sh, dash -n)"
else
  bad "not POSIX sh: ${badscripts[*]}"
fi
if command -v shellcheck >/dev/null 2>&1; then
  check "shellcheck of the payload scripts" shellcheck -s sh -e SC1090,SC1091 "$HERE"/payloads/*.sh \
    "$HERE"/payloads/*.postinst "$HERE"/payloads/*.prerm "$HERE"/payloads/*.postrm
fi

# Maintainer scripts run outside a chroot here, against scratch roots named by $DPKG_ROOT. They
# run as an unprivileged user (nobody, when this script runs as root), so that a script that
# ignored $DPKG_ROOT could not change the host: it would fail instead.
S=$T/scratch
mkdir -p "$S"
chmod 711 "$T"
# as_user COMMAND...: run unprivileged, with the host's default apt configuration; with FAKE_UA=1,
# update-alternatives is a recorder (to $S/alternatives.log) instead of the real one.
as_user() {
  local path=/usr/sbin:/usr/bin:/sbin:/bin
  [ "${FAKE_UA:-0}" = 0 ] || path=$T/fake-ua:$path
  if [ "$(id -u)" -eq 0 ]; then
    setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups env -i PATH="$path" LC_ALL=C "$@"
  else
    env -u APT_CONFIG PATH="$path" LC_ALL=C "$@"
  fi
}
[ "$(id -u)" -ne 0 ] || chown nobody "$S"
# A recording update-alternatives (real dpkg runs below use the real one where they can).
mkdir -p "$T/fake-ua"
printf '#!/bin/sh\necho "$*" >> "%s/alternatives.log"\n' "$S" >"$T/fake-ua/update-alternatives"
chmod 755 "$T/fake-ua" "$T/fake-ua/update-alternatives"
chmod -R a+rX "$T/ctl"
# run_script ROOT DEB SCRIPT ARGS...: run a maintainer script of DEB (path under www/) with
# DPKG_ROOT=ROOT, no terminal, the host's default apt configuration.
run_script() {
  local root=$1 debfile=$2 script=$3
  shift 3
  FAKE_UA=1 as_user DPKG_ROOT="$root" sh "$T/ctl/$(basename "$debfile" .deb)/$script" "$@" </dev/null >"$T/script.log" 2>&1
}
# scratch_root DIR: an empty root the unprivileged user owns, with the usual directories.
scratch_root() {
  rm -rf "$1" && mkdir -p "$1"/etc/apt/{sources.list.d,trusted.gpg.d,preferences.d} "$1"/etc/default \
    "$1"/usr/bin "$1"/usr/local "$1"/usr/share/keyrings &&
    { [ "$(id -u)" -ne 0 ] || chown -R nobody "$1"; }
}
cuda_alternatives() {
  rm -f "$S/alternatives.log"
  run_script "$S/none" "$C12/cuda-toolkit-12-8_12.8.1-1_amd64.deb" postinst configure &&
    grep -qx -- '--install /usr/local/cuda cuda /usr/local/cuda-12.8 128' "$S/alternatives.log" &&
    grep -qx -- '--install /usr/local/cuda-12 cuda-12 /usr/local/cuda-12.8 128' "$S/alternatives.log"
}
check "cuda-toolkit-12-8 postinst: /usr/local/cuda{,-12} alternatives at priority 128" cuda_alternatives

CH=$S/root-chrome
new_chrome_root() {
  scratch_root "$CH" && as_user dpkg-deb -x "$OUT/www/$CHROME_DEB" "$CH"
}
chrome_fresh() {
  new_chrome_root && run_script "$CH" "$CHROME_DEB" postinst configure &&
    grep -qx 'deb \[arch=amd64\] https://dl.google.com/linux/chrome/deb/ stable main' \
      "$CH/etc/apt/sources.list.d/google-chrome.list" &&
    grep -qx 'repo_add_once="false"' "$CH/etc/default/google-chrome" &&
    test "$(key_fpr "$CH/etc/apt/trusted.gpg.d/google-chrome.gpg")" = "$FPR"
}
chrome_opted_out() {
  new_chrome_root &&
    printf 'repo_add_once="false"\nrepo_reenable_on_distupgrade="false"\n' >"$CH/etc/default/google-chrome" &&
    run_script "$CH" "$CHROME_DEB" postinst configure &&
    test ! -e "$CH/etc/apt/sources.list.d/google-chrome.list"
}
chrome_existing_source() {
  new_chrome_root &&
    echo 'deb [signed-by=/etc/apt/keyrings/google.asc] https://dl.google.com/linux/chrome/deb/ stable main' \
      >"$CH/etc/apt/sources.list.d/mine.list" &&
    run_script "$CH" "$CHROME_DEB" postinst configure &&
    test ! -e "$CH/etc/apt/sources.list.d/google-chrome.list"
}
check "chrome postinst (fresh): google-chrome.list with the vendor URL, key in trusted.gpg.d" chrome_fresh
check "chrome postinst with repo_add_once=\"false\" writes no source" chrome_opted_out
check "chrome postinst writes no source when a .list already names the repository" chrome_existing_source

CO=$S/root-code
new_code_root() {
  scratch_root "$CO" && as_user dpkg-deb -x "$OUT/www/$CODE_DEB" "$CO"
}
code_fresh() {
  new_code_root && run_script "$CO" "$CODE_DEB" postinst configure &&
    grep -qx 'URIs: https://packages.microsoft.com/repos/code' "$CO/etc/apt/sources.list.d/vscode.sources" &&
    grep -qx 'Signed-By: /usr/share/keyrings/microsoft.gpg' "$CO/etc/apt/sources.list.d/vscode.sources" &&
    test "$(key_fpr "$CO/usr/share/keyrings/microsoft.gpg")" = "$FPR" &&
    test "$(readlink "$CO/usr/bin/code")" = /usr/share/code/bin/code
}
code_replaces_list() {
  new_code_root &&
    echo 'deb [signed-by=/etc/apt/keyrings/microsoft.asc] https://packages.microsoft.com/repos/code stable main' \
      >"$CO/etc/apt/sources.list.d/vscode.list" &&
    run_script "$CO" "$CODE_DEB" postinst configure &&
    test ! -e "$CO/etc/apt/sources.list.d/vscode.list" && test -e "$CO/etc/apt/sources.list.d/vscode.sources"
}
code_debconf_false() {
  new_code_root && as_user mkdir -p "$CO/usr/share/debconf" &&
    printf 'db_get() { RET=false; }\ndb_input() { :; }\ndb_go() { :; }\ndb_purge() { :; }\n' \
      >"$CO/usr/share/debconf/confmodule" &&
    run_script "$CO" "$CODE_DEB" postinst configure &&
    test -z "$(ls -A "$CO/etc/apt/sources.list.d")" && test ! -e "$CO/usr/share/keyrings/microsoft.gpg"
}
check "code postinst (fresh, no terminal): vscode.sources with the vendor URL, key written" code_fresh
check "code postinst replaces an existing vscode.list by vscode.sources" code_replaces_list
check "code postinst with debconf code/add-microsoft-repo=false writes nothing" code_debconf_false

NR=$S/root-nct
nct_config() {
  scratch_root "$NR" && as_user dpkg-deb -x "$OUT/www/$NCT/nvidia-container-toolkit-base_1.19.0-1_amd64.deb" "$NR" &&
    run_script "$NR" "$NCT/nvidia-container-toolkit-base_1.19.0-1_amd64.deb" postinst configure &&
    grep -q '^\[nvidia-container-runtime\]' "$NR/etc/nvidia-container-runtime/config.toml"
}
check "nvidia-container-toolkit-base postinst writes config.toml" nct_config

echo "== real dpkg runs (dpkg --root on a scratch root, chrootless scripts, unprivileged)"
R=$S/dpkg-root
scratch_root "$R"
as_user mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/var/lib/dpkg/triggers" \
  "$R/var/lib/dpkg/alternatives" "$R/etc/alternatives" "$R/var/log" "$R/debs"
while read -r pkg; do
  printf 'Package: %s\nStatus: install ok installed\nVersion: 999:1\nArchitecture: amd64\nMaintainer: selftest\nDescription: stand-in for the distribution package\n\n' "$pkg"
  as_user touch "$R/var/lib/dpkg/info/$pkg.list"
done < <(grep -vx docker.io "$OUT/distro-packages.txt") >"$S/status"
as_user cp "$S/status" "$R/var/lib/dpkg/status"
as_user touch "$R/var/lib/dpkg/available"
# dpkg_in NAME GLOB...: dpkg -i the packages (globs under www/) as one transaction.
dpkg_in() {
  local name=$1 glob f
  shift
  as_user mkdir -p "$R/debs/$name"
  for glob in "$@"; do
    for f in "$OUT"/www/$glob; do as_user cp "$f" "$R/debs/$name/"; done
  done
  as_user DPKG_ROOT="$R" timeout 120 dpkg --root="$R" --force-not-root --force-script-chrootless \
    --log="$R/var/log/dpkg.log" -i "$R/debs/$name/"*.deb >"$T/dpkg.log" 2>&1 || { cat "$T/dpkg.log"; return 1; }
}
# shellcheck disable=SC2016  # ${...} is dpkg-query's format syntax
dpkg_state() { as_user dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${db:Status-Abbrev} ${Version}\n' "$1"; }
cuda_both() {
  dpkg_in cuda128 "$C12/cuda-toolkit-12-8_*" "$C12/cuda-compiler-12-8_*" "$C12/cuda-nvcc-12-8_*" \
    "$C12/cuda-libraries-12-8_*" "$C12/cuda-cudart-12-8_*" "$C12/cuda-cudart-dev-12-8_*" \
    "$C12/cuda-toolkit-config-common_*" "$C12/cuda-toolkit-12-config-common_*" "$C12/cuda-toolkit-12-8-config-common_*" &&
    test "$(readlink "$R/etc/alternatives/cuda")" = /usr/local/cuda-12.8 &&
    dpkg_in cuda130 "$C12/cuda-toolkit-13-0_*" "$C12/cuda-compiler-13-0_*" "$C12/cuda-nvcc-13-0_*" \
      "$C12/cuda-libraries-13-0_*" "$C12/cuda-cudart-13-0_*" "$C12/cuda-cudart-dev-13-0_*" \
      "$C12/cuda-toolkit-13-config-common_*" "$C12/cuda-toolkit-13-0-config-common_*" &&
    test "$(readlink "$R/etc/alternatives/cuda")" = /usr/local/cuda-13.0 &&
    test "$(readlink "$R/etc/alternatives/cuda-12")" = /usr/local/cuda-12.8 &&
    test -x "$R/usr/local/cuda-13.0/bin/nvcc" && test -f "$R/etc/ld.so.conf.d/988_cuda-12.conf"
}
driver_595() {
  dpkg_in drv "$C12/nvidia-driver-pinning-595_*" "$C12/"{nvidia-open,nvidia-driver,nvidia-driver-libs,nvidia-driver-cuda,libcuda1,libnvidia-ml1,nvidia-kernel-support,nvidia-kernel-open-dkms,firmware-nvidia-gsp,nvidia-modprobe,nvidia-persistenced}"_595.45.04-1_*" &&
    test -x "$R/usr/bin/nvidia-smi" && test -f "$R/etc/apt/preferences.d/nvidia-driver-pinning-595" &&
    test "$(dpkg_state nvidia-open)" = 'ii  595.45.04-1'
}
cudnn_917() {
  dpkg_in cudnn "$C12/"{cudnn9-cuda-12,libcudnn9-cuda-12,libcudnn9-dev-cuda-12,libcudnn9-headers-cuda-12}"_9.17.0.29-1_*" &&
    test "$(cudnn_version "$R/usr/include/x86_64-linux-gnu/cudnn_version.h")" = 9.17.0
}
nct_upgrade() {
  dpkg_in nct118 "$NCT/"{nvidia-container-toolkit,nvidia-container-toolkit-base,libnvidia-container-tools,libnvidia-container1}"_1.18.1-1_*" &&
    grep -q '^\[nvidia-ctk\]' "$R/etc/nvidia-container-runtime/config.toml" &&
    dpkg_in nct119 "$NCT/"{nvidia-container-toolkit,nvidia-container-toolkit-base,libnvidia-container-tools,libnvidia-container1}"_1.19.0-1_*" &&
    test "$(dpkg_state nvidia-container-toolkit)" = 'ii  1.19.0-1' &&
    prints 'version 1\.19\.0$' "$R/usr/bin/nvidia-ctk" --version
}
docker_set() {
  dpkg_in docker "linux/debian/dists/bookworm/pool/stable/amd64/"{docker-ce,docker-ce-cli,docker-ce-rootless-extras,docker-buildx-plugin,docker-compose-plugin}"_29.0.0-1~debian.12~bookworm_*" \
    "linux/debian/dists/bookworm/pool/stable/amd64/"{docker-buildx-plugin_0.30.0,docker-compose-plugin_2.40.3}"-1~debian.12~bookworm_*" \
    "linux/debian/dists/bookworm/pool/stable/amd64/containerd.io_2.1.5-1_*" &&
    test "$(dpkg_state docker-ce)" = 'ii  5:29.0.0-1~debian.12~bookworm'
}
# Chrome's and VS Code's symlinks are absolute and point outside the scratch root, where the real
# update-alternatives cannot follow them: their scripts get the recording one.
desktop_apps() {
  rm -f "$S/alternatives.log"
  FAKE_UA=1 dpkg_in desktop "$CHROME_DEB" "$CODE_DEB" &&
    test -f "$R/etc/apt/sources.list.d/google-chrome.list" && test -f "$R/etc/apt/sources.list.d/vscode.sources" &&
    grep -q -- '--install /usr/bin/editor editor /usr/bin/code 0' "$S/alternatives.log" &&
    FAKE_UA=1 as_user DPKG_ROOT="$R" dpkg --root="$R" --force-not-root --force-script-chrootless \
      --log="$R/var/log/dpkg.log" --purge code google-chrome-stable >"$T/dpkg.log" 2>&1 &&
    test ! -e "$R/etc/apt/sources.list.d/vscode.sources" && test ! -e "$R/usr/share/keyrings/microsoft.gpg" &&
    grep -q -- '--remove google-chrome /usr/bin/google-chrome-stable' "$S/alternatives.log"
}
if [ "$(id -u)" -ne 0 ] || command -v setpriv >/dev/null 2>&1; then
  check "dpkg: CUDA 12.8 then 13.0 install; /usr/local/cuda follows the newest (real update-alternatives)" cuda_both
  check "dpkg: driver 595 (open) with nvidia-driver-pinning-595 installs" driver_595
  check "dpkg: cudnn9-cuda-12 9.17 installs with its headers" cudnn_917
  check "dpkg: NVIDIA Container Toolkit 1.18.1 installs and upgrades to 1.19.0" nct_upgrade
  check "dpkg: Docker CE 29.0.0 packages install" docker_set
  check "dpkg: Chrome and VS Code install (sources written) and purge (sources removed)" desktop_apps
  check "dpkg: nothing is left half-installed" bash -c \
    "! dpkg-query --admindir='$R/var/lib/dpkg' -W -f='\${db:Status-Abbrev}\n' | grep -v '^ii ' | grep -v '^un '"
else
  echo "skip: running as root without setpriv (needed to run maintainer scripts unprivileged)"
fi

echo "== distribution packages the fixtures depend on"
if compgen -G "/var/lib/apt/lists/*_Packages*" >/dev/null; then
  missing=()
  while read -r pkg; do
    env -u APT_CONFIG apt-cache show --no-all-versions "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done <"$OUT/distro-packages.txt"
  if [ ${#missing[@]} -eq 0 ]; then
    ok "all $(wc -l <"$OUT/distro-packages.txt") distro_packages exist in this host's archive"
  else
    bad "not in this host's archive: ${missing[*]}"
  fi
else
  echo "skip: this host has no apt lists to look the names up in"
fi

echo "== $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
