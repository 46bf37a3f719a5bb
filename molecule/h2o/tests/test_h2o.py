"""State the h2o role leaves on Debian 12 and 13 (molecule scenario `h2o`).

Converge runs the service (h2o_service_enabled, h2o_memory 5%, cloud mlbox-test); side_effect.yml ran the role's
verify entry point with the service on and with it stopped and disabled, then turned it back on, and ran the
role's checks with Java 21 and no h2o_allow_unsupported_java. Debian 12 runs H2O on OpenJDK 17 (port 54361);
Debian 13, which has no OpenJDK 17, on OpenJDK 21 with h2o_allow_unsupported_java (port 54363).
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

VERSION = "3.46.0.12"
ENV = "/opt/mlbox/envs/h2o"
PYTHON = f"{ENV}/bin/python"
CLUSTER = "mlbox-test"
UNIT = "/etc/systemd/system/h2o.service"
GBM_CHECK = Path(__file__).resolve().parents[3] / "roles/h2o/files/h2o_gbm_check.py"


def debian13(host) -> bool:
    return host.backend.get_hostname().endswith("-debian13")


def port(host) -> int:
    return 54363 if debian13(host) else 54361


def java_major(host) -> int:
    return 21 if debian13(host) else 17


def fetch(host, url: str):
    """GET url on the host with its python3 (the test image has no curl)."""
    code = "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())"
    return host.run(f"python3 -c {shlex.quote(code)} {shlex.quote(url)}")


def cloud(host) -> dict:
    result = fetch(host, f"http://127.0.0.1:{port(host)}/3/Cloud")
    assert result.rc == 0, result.stderr
    return json.loads(result.stdout)


def test_jre_from_debian(host):
    major = java_major(host)
    package = host.package(f"openjdk-{major}-jre-headless")
    assert package.is_installed
    assert package.version.startswith(f"{major}.")
    # Debian 13 has no OpenJDK 17, the Java H2O 3.46.0.12 needs at most.
    if debian13(host):
        assert "Candidate: (none)" in host.check_output("apt-cache policy openjdk-17-jre-headless")


def test_unsupported_java_only_with_the_opt_in(host):
    unit = host.file(UNIT).content_string
    log = host.check_output("cat /var/lib/h2o/logs/*info.log 2>/dev/null || true")
    if debian13(host):
        # H2O's own switch, after its -jar; H2O accepted it after its self-check and says so in its log.
        assert " -allow_unsupported_java" in unit
        assert "H2O is running on a version of Java (21." in log
        assert "that was not certified at the time of the H2O release" in log
    else:
        assert "allow_unsupported_java" not in unit
        assert "not certified" not in log
    assert "sys.ai.h2o.debug" not in unit


def test_java_21_refused_without_the_opt_in(host):
    refusal = host.file("/root/h2o-java21-refusal.txt").content_string
    # Refused by the checks, before anything is installed (the planned Java: h2o_problems).
    assert refusal.startswith("Check the inputs that the argument spec cannot express, and the planned Java\n")
    assert "H2O 3.46.0.12 supports Java 8-17, java_version is 21: choose Java 8-17" in refusal
    assert "set h2o_java_package to a JRE of a Java that H2O 3.46.0.12 supports" in refusal
    assert "set h2o_allow_unsupported_java: true" in refusal


def test_h2o_package_and_bundled_jar(host):
    version = host.check_output(f"{PYTHON} -c 'import h2o; print(h2o.__version__)'")
    assert version == VERSION
    package_dir = host.check_output(f"{PYTHON} -c 'import h2o, os; print(os.path.dirname(h2o.__file__))'")
    jar = f"{package_dir}/backend/bin/h2o.jar"
    assert host.file(jar).is_file
    assert host.file(jar).size > 100 * 1024 * 1024
    # The service runs exactly that jar, with the JRE's own java (not whatever /usr/bin/java points to).
    unit = host.file(UNIT).content_string
    assert f"-jar {jar} " in unit
    assert f"ExecStart=/usr/lib/jvm/java-{java_major(host)}-openjdk-amd64/bin/java " in unit


def test_environment_recorded_and_kernel(host):
    freeze = host.file(f"{ENV}/.mlbox-freeze.txt").content_string
    assert f"h2o=={VERSION}" in freeze.splitlines()
    spec = json.loads(host.file(f"{ENV}/.mlbox-spec.json").content_string)
    assert spec["owner"] == "h2o"
    kernel = json.loads(host.file("/usr/local/share/jupyter/kernels/h2o/kernel.json").content_string)
    assert kernel["display_name"] == "H2O"
    assert kernel["argv"][0] == PYTHON


def test_dedicated_system_user(host):
    user = host.user("h2o")
    assert user.exists
    assert user.uid < 1000
    assert user.shell == "/usr/sbin/nologin"
    assert user.home == "/var/lib/h2o"
    assert host.file("/var/lib/h2o").user == "h2o"
    assert host.file("/var/lib/h2o").mode == 0o750


def test_service_enabled_and_running_as_h2o(host):
    service = host.service("h2o")
    assert service.is_enabled
    assert service.is_running
    pid = host.check_output("systemctl show -p MainPID --value h2o")
    assert host.check_output(f"ps -o user= -p {pid}") == "h2o"


def test_heap_is_five_percent_of_ram(host):
    mem_kib = int(re.search(r"^MemTotal:\s+(\d+) kB", host.file("/proc/meminfo").content_string, re.M).group(1))
    expected = (mem_kib // 1024) * 5 // 100
    assert f" -Xmx{expected}m " in host.file(UNIT).content_string


def test_listens_on_loopback_only(host):
    listen_port = port(host)
    assert host.socket(f"tcp://127.0.0.1:{listen_port}").is_listening
    assert not host.socket(f"tcp://0.0.0.0:{listen_port}").is_listening
    assert not host.socket(f"tcp://:::{listen_port}").is_listening
    # -disable_net: no internal node-to-node port (port + 1).
    assert not host.socket(f"tcp://127.0.0.1:{listen_port + 1}").is_listening
    assert not host.socket(f"tcp://0.0.0.0:{listen_port + 1}").is_listening
    listeners = host.check_output(f"ss -Hltn 'sport = :{listen_port}'").splitlines()
    assert len(listeners) == 1
    assert "127.0.0.1:" in listeners[0]
    # Not reachable on the host's other addresses.
    address = host.check_output("hostname -I").split()[0]
    assert fetch(host, f"http://{address}:{listen_port}/3/Cloud").rc != 0


def test_rest_api_reports_the_cloud(host):
    info = cloud(host)
    assert info["version"] == VERSION
    assert info["cloud_name"] == CLUSTER
    assert info["cloud_size"] == 1
    assert info["cloud_healthy"] is True


def test_gbm_trains_against_the_service(host):
    script = GBM_CHECK.read_text()
    result = host.run(
        f"DO_NOT_TRACK=1 {PYTHON} - http://127.0.0.1:{port(host)} {VERSION} <<'EOF'\n{script}\nEOF"
    )
    assert result.rc == 0, result.stderr
    assert "GBM trained, 5 trees" in result.stdout


def test_verify_with_service_enabled(host):
    outcome = json.loads(host.file("/root/h2o-verify-enabled.json").content_string)
    assert outcome["status"] == "passed", outcome
    assert "GBM trained" in outcome["detail"]
    assert outcome["active_after"] == "active"


def test_verify_with_service_disabled_stops_it_again(host):
    outcome = json.loads(host.file("/root/h2o-verify-disabled.json").content_string)
    assert outcome["status"] == "passed", outcome
    assert "GBM trained" in outcome["detail"]
    assert outcome["active_after"] == "inactive"
    assert outcome["enabled_before"] == "disabled"


def test_no_telemetry_and_private_tmp(host):
    unit = host.file(UNIT).content_string
    assert "-Dsys.ai.h2o.telemetry.disabled=true" in unit
    for setting in ("NoNewPrivileges=yes", "PrivateTmp=yes", "ProtectSystem=strict", "ReadWritePaths=/var/lib/h2o"):
        assert setting in unit
    # The role's own arguments end the command line, then H2O's -allow_unsupported_java where it is opted in.
    tail = ["-allow_unsupported_java"] if debian13(host) else []
    assert shlex.split(unit.split("ExecStart=", 1)[1].splitlines()[0])[-4 - len(tail):] == [
        "-ice_root", "/var/lib/h2o/ice", "-log_dir", "/var/lib/h2o/logs", *tail]
