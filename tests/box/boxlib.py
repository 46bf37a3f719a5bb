"""Helpers of tests/box: the box, its kernels over the server's REST API and websocket, docker exec."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import requests
import websocket

REPO = Path(__file__).resolve().parents[2]
ENVS_DIR = "/opt/mlbox/envs"
TOKEN_FILE = "/etc/mlbox/jupyter-token"
HTTP_TIMEOUT = 30
KERNEL_START_TIMEOUT = 180
CELL_TIMEOUT = 300


def docker_exec(container: str, *argv: str, user: str | None = None, timeout: int = 120,
                check: bool = True) -> subprocess.CompletedProcess:
    """Run argv in the box; with check, a non-zero exit fails the test with the command's output."""
    cmd = ["docker", "exec", *(["-u", user] if user else []), container, *argv]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{' '.join(cmd)}: no answer in {timeout} s (output so far: {exc.stdout!r} {exc.stderr!r})")
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(cmd)}: exit {proc.returncode}\nstdout: {proc.stdout}\nstderr: {proc.stderr}")
    return proc


@dataclass
class Box:
    container: str
    port: int
    user: str
    token: str = field(repr=False)  # kept out of pytest's reports
    home: str
    kernelspecs: dict[str, dict] = field(default_factory=dict, repr=False)  # name -> /api/kernelspecs entry

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"token {self.token}", **kwargs.pop("headers", {})}
        return requests.request(method, f"{self.base_url}{path}", headers=headers, timeout=HTTP_TIMEOUT, **kwargs)

    def env_of(self, kernel_name: str) -> str | None:
        """The environment under /opt/mlbox/envs that a kernel spec's argv runs, or None."""
        argv = self.kernelspecs[kernel_name]["spec"]["argv"]
        match = re.match(rf"^{re.escape(ENVS_DIR)}/([^/]+)/", argv[0] if argv else "")
        return match.group(1) if match else None


@dataclass
class CellResult:
    code: str
    status: str = ""  # the execute_reply's status: ok, error, aborted; "" when none came
    stdout: str = ""
    stderr: str = ""
    results: list[str] = field(default_factory=list)  # execute_result / display_data: text/markdown or text/plain
    error: str = ""  # ename: evalue and the traceback, escape codes removed

    @property
    def output(self) -> str:
        parts = [f"stdout: {self.stdout!r}" if self.stdout else "", f"stderr: {self.stderr!r}" if self.stderr else "",
                 f"results: {self.results}" if self.results else "", f"error: {self.error}" if self.error else ""]
        return f"cell {self.code!r} -> status {self.status or 'none'}; " + "; ".join(p for p in parts if p)

    @property
    def ok(self) -> bool:
        return self.status == "ok" and not self.error


ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class Kernel:
    """A kernel started through the server's REST API and driven over its websocket, as JupyterLab does."""

    def __init__(self, box: Box, name: str):
        self.box, self.name = box, name
        self.session = uuid.uuid4().hex
        self.id = ""
        self.session_id = ""
        self.ws: websocket.WebSocket | None = None

    def start(self) -> None:
        response = self.box.api("POST", "/api/sessions", json={
            "path": f"mlbox-box-test-{self.session}.ipynb", "name": "", "type": "notebook",
            "kernel": {"name": self.name}})
        assert response.status_code in (200, 201), \
            f"POST /api/sessions ({self.name}): {response.status_code} {response.text}"
        body = response.json()
        self.session_id, self.id = body["id"], body["kernel"]["id"]
        self.connect()

    def connect(self) -> None:
        self.close_ws()
        url = f"ws://127.0.0.1:{self.box.port}/api/kernels/{self.id}/channels?session_id={self.session}&token={self.box.token}"
        self.ws = websocket.create_connection(url, timeout=HTTP_TIMEOUT)
        self.wait_ready()

    def wait_ready(self, timeout: int = KERNEL_START_TIMEOUT) -> None:
        """A kernel_info_reply, asked again every few seconds until the kernel answers (bounded)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg_id = self.send("shell", "kernel_info_request", {})
            until = min(deadline, time.monotonic() + 5)
            while time.monotonic() < until:
                msg = self.recv(until)
                if msg and msg["msg_type"] == "kernel_info_reply" and msg["parent_header"].get("msg_id") == msg_id:
                    return
        model = self.box.api("GET", f"/api/kernels/{self.id}")
        pytest.fail(f"kernel {self.name} ({self.id}) did not answer kernel_info in {timeout} s: {model.text}")

    def send(self, channel: str, msg_type: str, content: dict) -> str:
        msg_id = uuid.uuid4().hex
        assert self.ws is not None
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": msg_type, "username": "mlbox-box-test", "session": self.session,
                       "date": datetime.now(timezone.utc).isoformat(), "version": "5.3"},
            "parent_header": {}, "metadata": {}, "content": content, "channel": channel, "buffers": []}))
        return msg_id

    def recv(self, deadline: float) -> dict | None:
        """The next message before the deadline, or None."""
        assert self.ws is not None
        self.ws.settimeout(max(0.1, min(5.0, deadline - time.monotonic())))
        try:
            raw = self.ws.recv()
        except websocket.WebSocketTimeoutException:
            return None
        if isinstance(raw, bytes):  # a binary frame (the v1 protocol, which this client does not ask for)
            return None
        msg = json.loads(raw)
        msg["msg_type"] = msg.get("msg_type") or msg["header"]["msg_type"]
        return msg

    def execute(self, code: str, timeout: int = CELL_TIMEOUT) -> CellResult:
        """Run a cell: its outputs from iopub until the kernel is idle again, and the execute_reply."""
        result = CellResult(code)
        msg_id = self.send("shell", "execute_request", {
            "code": code, "silent": False, "store_history": True, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": True})
        idle = False
        deadline = time.monotonic() + timeout
        while not (idle and result.status) and time.monotonic() < deadline:
            msg = self.recv(deadline)
            if not msg or msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                if content["name"] == "stdout":
                    result.stdout += content["text"]
                else:
                    result.stderr += content["text"]
            elif kind in ("execute_result", "display_data"):
                data = content.get("data", {})
                result.results.append(data.get("text/markdown") or data.get("text/plain", ""))
            elif kind == "error":
                traceback = "\n".join(content["traceback"])
                result.error = ANSI.sub("", f"{content['ename']}: {content['evalue']}\n{traceback}")
            elif kind == "status" and content["execution_state"] == "idle":
                idle = True
            elif kind == "execute_reply":
                result.status = content["status"]
        if not (idle and result.status):
            pytest.fail(f"kernel {self.name}: no answer in {timeout} s; so far {result.output}")
        return result

    def environment(self) -> tuple[str, CellResult]:
        """The environment under /opt/mlbox/envs whose Python the kernel runs ("" when none) and the cell that
        asked (sys.executable)."""
        cell = self.execute("import sys; print(sys.executable)")
        match = re.match(rf"^{re.escape(ENVS_DIR)}/([^/]+)/", cell.stdout.strip())
        return (match.group(1) if match and cell.ok else ""), cell

    def restart(self) -> None:
        response = self.box.api("POST", f"/api/kernels/{self.id}/restart")
        assert response.status_code == 200, f"restart of {self.name}: {response.status_code} {response.text}"
        self.connect()

    def close_ws(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                self.ws.close()
            self.ws = None

    def shutdown(self) -> None:
        self.close_ws()
        with contextlib.suppress(requests.RequestException):
            if self.session_id:
                self.box.api("DELETE", f"/api/sessions/{self.session_id}")
            if self.id:
                self.box.api("DELETE", f"/api/kernels/{self.id}")
