"""The Welcome notebook and JupyterLab's terminal, used through the server as the browser uses them.

- Welcome.ipynb is in the JupyterLab user's home (the contents API lists it); its code cells, run in the kernel
  its metadata names, print the environments, JupyterLab's address and the last verify result (never the token)
  and the manifest.
- A terminal (POST /api/terminals, then the terminado websocket) is the user's login shell: the base environment's
  python, pip and jupyter first on PATH, and the login message.
"""

from __future__ import annotations

import json
import time

import pytest
import websocket
from boxlib import ENVS_DIR, HTTP_TIMEOUT, Box, Kernel

TERMINAL_TIMEOUT = 60


@pytest.fixture(scope="module")
def welcome(box: Box) -> dict:
    response = box.api("GET", "/api/contents/Welcome.ipynb", params={"content": "1"})
    assert response.status_code == 200, f"GET /api/contents/Welcome.ipynb: {response.status_code} {response.text}"
    return response.json()["content"]


def test_welcome_notebook_runs_and_says_what_is_there(box: Box, welcome: dict) -> None:
    kernel_name = welcome["metadata"]["kernelspec"]["name"]
    assert kernel_name in box.kernelspecs, f"Welcome.ipynb asks for kernel {kernel_name}, which the server lacks"
    text = "\n".join(cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
                     for cell in welcome["cells"] if cell["cell_type"] == "markdown")
    for topic in ("%pip install", "ssh -N -L", "~/.local/share/mlbox/envs"):
        assert topic in text, f"Welcome.ipynb's text does not say {topic!r}"
    kernel = Kernel(box, kernel_name)
    try:
        kernel.start()
        outputs = []
        for cell in welcome["cells"]:
            if cell["cell_type"] != "code":
                continue
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            result = kernel.execute(source)
            assert result.ok, f"Welcome.ipynb's cell failed: {result.output}"
            outputs.append(result.stdout + "".join(result.results))
    finally:
        kernel.shutdown()
    everything = "\n".join(outputs)
    assert box.token not in everything, "Welcome.ipynb's output shows JupyterLab's token"
    for name in box.kernelspecs:
        assert name in everything, f"Welcome.ipynb's output does not name the environment {name}: {everything!r}"
    assert f"127.0.0.1:{box.port}" in everything, f"no JupyterLab address in {everything!r}"
    assert "Last verify: " in everything and "not run yet" not in everything, (
        f"no verify result in Welcome.ipynb's output (verify.yml runs first): {everything!r}")
    assert "Software included" in everything, f"no manifest in Welcome.ipynb's output: {everything!r}"


def terminal_output(box: Box, command: str) -> str:
    """Everything a new JupyterLab terminal shows until COMMAND has run (it ends by echoing a marker)."""
    response = box.api("POST", "/api/terminals")
    assert response.status_code == 200, f"POST /api/terminals: {response.status_code} {response.text}"
    name = response.json()["name"]
    marker = "mlbox-box-test-done"
    seen = ""
    ws = websocket.create_connection(f"ws://127.0.0.1:{box.port}/terminals/websocket/{name}?token={box.token}",
                                     timeout=HTTP_TIMEOUT)
    try:
        # The marker is printed by arithmetic, so that the echo of the typed line does not count as its output.
        ws.send(json.dumps(["stdin", f"{command}; echo {marker}-$((40 + 2))\r"]))
        deadline = time.monotonic() + TERMINAL_TIMEOUT
        while f"{marker}-42" not in seen and time.monotonic() < deadline:
            ws.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                message = json.loads(ws.recv())
            except websocket.WebSocketTimeoutException:
                break
            if message[0] == "stdout":
                seen += message[1]
    finally:
        ws.close()
        box.api("DELETE", f"/api/terminals/{name}")
    assert f"{marker}-42" in seen, f"the terminal did not run {command!r} in {TERMINAL_TIMEOUT} s: {seen!r}"
    return seen


def test_terminal_is_a_login_shell_with_the_base_environment(box: Box) -> None:
    seen = terminal_output(box, "command -v python pip jupyter")
    for tool in ("python", "pip", "jupyter"):
        assert f"{ENVS_DIR}/base/bin/{tool}" in seen, f"{tool} is not the base environment's in the terminal: {seen!r}"
    assert "Python environments" in seen, f"no login message in JupyterLab's terminal: {seen!r}"
    assert box.token not in seen, "JupyterLab's terminal shows the token"
