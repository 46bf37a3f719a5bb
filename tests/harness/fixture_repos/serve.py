"""Serve the fixture apt repositories on the loopback: start, stop, status.

    serve.py start  [--out DIR] [--port N]   start in the background (no-op if already serving)
    serve.py stop   [--out DIR]              stop the server this tool started
    serve.py status [--out DIR]              exit 0 serving, 3 not running, 1 running but not answering

The server is this file's `_serve` command on 127.0.0.1, serving <out>/www, the tree build.py writes:
http.server's file handler, threaded, speaking HTTP/1.1 with keep-alive and a listen backlog of 128, so
that apt-cacher-ng and several Molecule scenarios fetching at once are served without queueing behind
a full backlog. `python3 -m http.server` (HTTP/1.0, a backlog of 5) was the server once, in a full run,
when apt-cacher-ng answered 503 "Connection closed, check DlMaxRetries" for one fixture package.
Its pid file and log are <out>/run/server.pid and <out>/run/server.log. The port defaults to the one
the tree was built for (build-info.json), because repository URLs inside packages carry it.
Readiness is checked by fetching keys/test-archive.fingerprint and comparing it with the local copy.
Standard library only.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE.parents[2] / "build" / "fixture-repos"
HOST = "127.0.0.1"
PROBE = "keys/test-archive.fingerprint"
READY_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
IDLE_TIMEOUT = 60  # seconds a kept-alive connection may stay idle before its thread lets it go


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every file answer carries Content-Length
    timeout = IDLE_TIMEOUT


class ThreadingServer(http.server.ThreadingHTTPServer):
    request_queue_size = 128
    daemon_threads = True


def serve(directory: Path, port: int) -> None:
    handler = functools.partial(Handler, directory=str(directory))
    with ThreadingServer((HOST, port), handler) as httpd:
        print(f"serving {directory} at http://{HOST}:{port}/", flush=True)
        httpd.serve_forever()


class Server:
    def __init__(self, out: Path, port: int | None) -> None:
        self.out = out
        self.www = out / "www"
        self.rundir = out / "run"
        self.pidfile = self.rundir / "server.pid"
        self.logfile = self.rundir / "server.log"
        if port is None:
            try:
                port = int(json.loads((out / "build-info.json").read_text())["port"])
            except (OSError, ValueError, KeyError):
                port = 8765
        self.port = port
        self.url = f"http://{HOST}:{port}/"

    # -- state -------------------------------------------------------------------------------
    def pid(self) -> int | None:
        """The pid from the pid file, if that process is alive and is our server."""
        try:
            pid = int(self.pidfile.read_text().split()[0])
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError, IndexError):
            return None
        if b"_serve" in cmdline and str(self.www).encode() in cmdline:
            return pid
        return None

    def answers(self) -> bool:
        """True when the port serves this tree (the probe file matches the local one)."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
        try:
            expected = (self.www / PROBE).read_bytes()
            with opener.open(self.url + PROBE, timeout=1) as response:
                return response.read() == expected
        except (OSError, urllib.error.URLError):
            return False

    def port_busy(self) -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            return sock.connect_ex((HOST, self.port)) == 0

    def wait_ready(self, pid: int) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.answers():
                return True
            if not self._alive(pid):
                return False
            time.sleep(0.1)
        return False

    # -- commands ----------------------------------------------------------------------------
    def start(self) -> int:
        if not (self.www / PROBE).is_file():
            print(f"fixture server: {self.www} is not built; run build.py first", file=sys.stderr)
            return 1
        pid = self.pid()
        if pid is not None:
            if self.wait_ready(pid):
                print(f"fixture server: already running (pid {pid}) at {self.url}")
                return 0
            print(f"fixture server: pid {pid} runs but does not answer at {self.url}; "
                  f"see {self.logfile}", file=sys.stderr)
            return 1
        if self.port_busy():
            what = "serves this tree" if self.answers() else "is something else"
            print(f"fixture server: {HOST}:{self.port} is already in use ({what}, not started by "
                  f"this tool with {self.pidfile}); stop it or build with --port", file=sys.stderr)
            return 1
        self.rundir.mkdir(parents=True, exist_ok=True)
        with open(self.logfile, "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "_serve", "--directory", str(self.www),
                 "--port", str(self.port)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                close_fds=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.pidfile.write_text(f"{proc.pid}\n")
        if self.wait_ready(proc.pid):
            print(f"fixture server: started (pid {proc.pid}) at {self.url}")
            return 0
        print(f"fixture server: did not answer at {self.url} within {READY_TIMEOUT:.0f} s; "
              f"log {self.logfile}:", file=sys.stderr)
        print(self.logfile.read_text(errors="replace")[-2000:], file=sys.stderr)
        self._kill(proc.pid)
        return 1

    @staticmethod
    def _alive(pid: int) -> bool:
        try:  # a zombie counts as gone
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except (OSError, IndexError):
            return False

    def _wait_gone(self, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:  # reap it when it is our child
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    return True
            except ChildProcessError:
                if not self._alive(pid):
                    return True
            time.sleep(0.05)
        return False

    def _kill(self, pid: int) -> None:
        for sig, timeout in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, 2.0)):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                break
            if self._wait_gone(pid, timeout):
                break
        self.pidfile.unlink(missing_ok=True)

    def stop(self) -> int:
        pid = self.pid()
        if pid is None:
            self.pidfile.unlink(missing_ok=True)
            print("fixture server: not running")
            return 0
        self._kill(pid)
        print(f"fixture server: stopped (pid {pid})")
        return 0

    def status(self) -> int:
        pid = self.pid()
        if pid is None:
            print("fixture server: not running")
            return 3
        if self.answers():
            print(f"fixture server: running (pid {pid}) at {self.url}")
            return 0
        print(f"fixture server: pid {pid} runs but does not answer at {self.url}")
        return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("command", choices=("start", "stop", "status", "restart", "_serve"))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"build output (default {DEFAULT_OUT})")
    parser.add_argument("--port", type=int, help="port (default: the one the tree was built for)")
    parser.add_argument("--directory", type=Path, help=argparse.SUPPRESS)  # _serve only: what start passes
    args = parser.parse_args(argv)
    if args.command == "_serve":  # the server process itself, started by `start`
        serve(args.directory, args.port)
        return 0
    server = Server(args.out.resolve(), args.port)
    if args.command == "restart":
        server.stop()
        return server.start()
    return {"start": server.start, "stop": server.stop, "status": server.status}[args.command]()


if __name__ == "__main__":
    sys.exit(main())
