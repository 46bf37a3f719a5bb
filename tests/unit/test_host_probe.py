"""The host_probe module: several read-only probes in one task, links never followed."""

from __future__ import annotations

import os

from ansible_collections.mlinabox.stack.plugins.modules import host_probe
from test_listeners import entry, make_proc


def test_stat_describes_files_directories_links_and_missing_paths(tmp_path, run_module):
    (tmp_path / "dir").mkdir(mode=0o750)
    (tmp_path / "dir").chmod(0o750)
    (tmp_path / "file").write_text("abc")
    (tmp_path / "file").chmod(0o640)
    (tmp_path / "link").symlink_to(tmp_path / "file")
    paths = [str(tmp_path / name) for name in ("dir", "file", "link", "missing")]
    result = run_module(host_probe.main, {"stat": paths})
    found = result["stat"]
    assert not result["changed"]
    assert found[paths[0]]["type"] == "directory" and found[paths[0]]["mode"] == "0750"
    assert found[paths[1]] | {"uid": 0, "gid": 0, "owner": "x", "group": "x"} == {
        "exists": True, "type": "file", "mode": "0640", "uid": 0, "gid": 0, "owner": "x", "group": "x", "size": 3}
    assert found[paths[1]]["uid"] == os.getuid()
    assert found[paths[2]]["type"] == "link" and found[paths[2]]["target"] == paths[1]  # not followed
    assert found[paths[3]] == {"exists": False}
    assert set(result) >= {"stat"} and not {"read", "glob", "users", "groups", "commands", "ports"} & set(result)


def test_read_gives_text_or_null_and_refuses_links_and_large_files(tmp_path, run_module):
    conf = tmp_path / "daemon.json"
    conf.write_bytes(b'{"a": 1}\n\xff')
    result = run_module(host_probe.main, {"read": [str(conf), str(tmp_path / "missing")]})
    assert result["read"] == {str(conf): '{"a": 1}\n\ufffd', str(tmp_path / "missing"): None}

    secret = tmp_path / "shadow"
    secret.write_text("root:secret\n")
    (tmp_path / "planted").symlink_to(secret)
    refused = run_module(host_probe.main, {"read": [str(tmp_path / "planted")]})
    assert refused["failed"] and "is a link" in refused["msg"] and "secret" not in str(refused)

    too_big = run_module(host_probe.main, {"read": [str(conf)], "max_bytes": 4})
    assert too_big["failed"] and "more than max_bytes (4)" in too_big["msg"]

    not_a_file = run_module(host_probe.main, {"read": [str(tmp_path)]})
    assert not_a_file["failed"] and "not a regular file" in not_a_file["msg"]


def test_glob_users_and_groups(tmp_path, run_module):
    for name in ("b.jar", "a.jar", "c.txt"):
        (tmp_path / name).write_text("")
    pattern = str(tmp_path / "*.jar")
    result = run_module(host_probe.main, {"glob": [pattern, str(tmp_path / "none*")],
                                          "users": ["root", "no-such-user-mlbox"],
                                          "groups": ["root", "no-such-group-mlbox"]})
    assert result["glob"] == {pattern: [str(tmp_path / "a.jar"), str(tmp_path / "b.jar")], str(tmp_path / "none*"): []}
    assert result["users"]["root"] == {"uid": 0, "gid": 0, "group": "root", "home": "/root",
                                       "shell": result["users"]["root"]["shell"]}
    assert result["users"]["no-such-user-mlbox"] is None
    assert result["groups"]["root"]["gid"] == 0 and isinstance(result["groups"]["root"]["members"], list)
    assert result["groups"]["no-such-group-mlbox"] is None


def test_commands_run_without_a_shell_in_the_c_locale(run_module):
    result = run_module(host_probe.main, {"commands": {
        "locale": ["sh", "-c", "echo $LC_ALL; echo oops >&2; exit 3"],
        "literal": ["echo", "$HOME;", "id"],
        "missing": ["no-such-program-mlbox", "--version"]}})
    answers = result["commands"]
    assert answers["locale"] == {"rc": 3, "stdout": "C\n", "stderr": "oops\n"}
    assert answers["literal"]["stdout"] == "$HOME; id\n"  # no shell expanded or split it
    assert answers["missing"] == {"rc": 127, "stdout": "", "stderr": "no-such-program-mlbox: not found"}


def test_commands_must_be_argv_lists(run_module):
    result = run_module(host_probe.main, {"commands": {"bad": "rm -rf /tmp/x"}})
    assert result["failed"] and "is not a non-empty argv list" in result["msg"]


def test_check_mode_probes_too(tmp_path, run_module):
    result = run_module(host_probe.main, {"stat": [str(tmp_path)], "commands": {"t": ["true"]}}, check_mode=True)
    assert result["stat"][str(tmp_path)]["exists"] and result["commands"]["t"]["rc"] == 0


def test_ports_as_port_holders_answers(tmp_path, run_module):
    proc = make_proc(tmp_path, tcp=[entry(0, "0100007F:22B8", "0A", 101, uid=999),
                                    entry(1, "00000000:D431", "0A", 102, uid=0)],
                     processes={10: ("jupyter-lab", [101], "jupyterlab.service", 999),
                                20: ("java", [102], "other.service", 0)})
    result = run_module(host_probe.main, {"proc": proc, "ports": [{"port": 8888, "unit": "jupyterlab.service"},
                                                                  {"port": 54321, "unit": "h2o.service"},
                                                                  {"port": 9999}]})
    ports = result["ports"]
    assert len(ports["8888"]["ours"]) == 1 and ports["8888"]["others"] == []
    assert ports["54321"]["ours"] == [] and len(ports["54321"]["others"]) == 1 and "java" in ports["54321"]["others"][0]
    assert ports["9999"] == {"listeners": [], "ours": [], "others": []}
    bad = run_module(host_probe.main, {"proc": proc, "ports": [{"port": 70000}]})
    assert bad["failed"] and "not a TCP port" in bad["msg"]


def test_packages_are_read_as_dpkg_state_reads_them(run_module, fake_commands, fake_bin_paths):
    fake_bin_paths["dpkg-query"] = "/usr/bin/dpkg-query"
    rows = ("apt-cacher-ng\t3.7.4-1\tii \tamd64\t\n"
            "python3-venv\t3.11.2-1\thi \tamd64\t\n"
            "old-tool\t1.0\trc \tamd64\t\n")
    fake_commands.add(lambda a: a[0] == "/usr/bin/dpkg-query", (1, rows, "dpkg-query: no packages found matching x"))
    result = run_module(host_probe.main, {"packages": ["apt-cacher-ng", "python3-venv", "old-tool", "x"]})
    found = result["packages"]
    assert found["packages"] == {"apt-cacher-ng": {"version": "3.7.4-1", "arch": "amd64", "held": False},
                                 "python3-venv": {"version": "3.11.2-1", "arch": "amd64", "held": True}}
    assert found["config_files"] == ["old-tool"] and found["held"] == ["python3-venv"]
    assert fake_commands.calls[0]["args"][-4:] == ["apt-cacher-ng", "python3-venv", "old-tool", "x"]

    fake_commands.answers.clear()
    fake_commands.add(lambda a: True, (2, "", "dpkg-query: error: database is locked"))
    broken = run_module(host_probe.main, {"packages": ["x"]})
    assert broken["failed"] and "dpkg-query failed (rc=2): dpkg-query: error: database is locked" in broken["msg"]

    del fake_bin_paths["dpkg-query"]
    missing = run_module(host_probe.main, {"packages": ["x"]})
    assert missing["failed"] and "not Debian or Ubuntu" in missing["msg"]


def test_trusted_paths_return_path_checks_problems_without_failing(tmp_path, run_module):
    info = tmp_path / "info"
    info.mkdir()
    (info / "base-files.list").write_text("/.\n/var/lib/misc\n")
    user_dir = tmp_path / "opened"
    user_dir.mkdir()
    user_dir.chmod(0o777)
    result = run_module(host_probe.main, {"dpkg_info_dir": str(info), "trusted": [
        {"var": "h2o_home", "path": "/var/lib/misc"},
        {"var": "docker_daemon_json_path", "path": "etc/docker/daemon.json", "type": "file"},
        {"var": "python_stack_tools_dir", "path": str(user_dir / "tools")}]})
    problems = result["trust_problems"]
    assert not result.get("failed") and len(problems) == 3, problems
    assert "h2o_home" in problems[0] and "an installed Debian package owns" in problems[0]
    assert problems[1].startswith("docker_daemon_json_path is 'etc/docker/daemon.json', which")
    assert "python_stack_tools_dir" in problems[2]
    python = {"var": "x", "path": "/usr/bin/python3", "type": "program"}
    fine = run_module(host_probe.main, {"dpkg_info_dir": str(info), "trusted": [python]})
    assert fine["trust_problems"] == []


def test_package_files_and_names_that_would_be_options(run_module, fake_commands, fake_bin_paths):
    fake_bin_paths["dpkg-query"] = "/usr/bin/dpkg-query"
    fake_commands.add(lambda a: "--listfiles" in a,
                      (0, "/.\n/usr/lib/jvm/java-17-openjdk-amd64/bin/java\n", ""))
    fake_commands.add(lambda a: "--show" in a, (0, "openjdk-17-jre-headless\t17.0.17+10-1\tii \tamd64\t\n", ""))
    found = run_module(host_probe.main, {"packages": ["openjdk-17-jre-headless"],
                                         "files_of": "openjdk-17-jre-headless"})["packages"]
    assert "openjdk-17-jre-headless" in found["packages"]
    assert "/usr/lib/jvm/java-17-openjdk-amd64/bin/java" in found["files"]
    for bad in ({"packages": ["--admindir=/tmp/x"]}, {"packages": ["x"], "files_of": "--admindir=/tmp"}):
        refused = run_module(host_probe.main, bad)
        assert refused["failed"] and "starts with '-'" in refused["msg"]


def test_http_gets_json_from_the_hosts_own_service_never_through_a_proxy(run_module, monkeypatch):
    import http.server
    import socket
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            code, body = {"/3/Cloud": (200, b'{"cloud_healthy": true, "version": "3.46.0.12"}'),
                          "/text": (200, b"not json"), "/broken": (500, b'{"error": "down"}')}[self.path]
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    refused = closed.getsockname()[1]
    closed.close()
    # A proxy that does not exist: a GET through it would fail.
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        result = run_module(host_probe.main, {"http": {"cloud": base + "/3/Cloud", "text": base + "/text",
                                                       "broken": base + "/broken",
                                                       "refused": f"http://127.0.0.1:{refused}/"},
                                              "http_timeout": 5})
    finally:
        server.shutdown()
        server.server_close()
    answers = result["http"]
    assert answers["cloud"] == {"status": 200, "json": {"cloud_healthy": True, "version": "3.46.0.12"}, "error": ""}
    assert answers["text"]["status"] == 200 and answers["text"]["json"] is None
    assert "not JSON" in answers["text"]["error"]
    assert answers["broken"]["status"] == 500 and answers["broken"]["json"] is None
    assert answers["refused"]["status"] == -1 and "refused" in answers["refused"]["error"].lower()
    assert not result.get("failed")
    assert result["msg"].startswith(f"GET {base}/3/Cloud: status 200; ") and "status 500" in result["msg"]
    assert f"GET http://127.0.0.1:{refused}/: no answer (" in result["msg"]
    for url in ("https://127.0.0.1/", "file:///etc/shadow", "ftp://127.0.0.1/"):
        bad = run_module(host_probe.main, {"http": {"x": url}})
        assert bad["failed"] and "is not an http:// URL" in bad["msg"]
