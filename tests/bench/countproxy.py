"""A forwarding proxy that counts what passes through it (make bench; not a cache, not for production).

Plain HTTP requests (apt's, to deb.debian.org) are logged per URL with the bytes of the response body;
HTTPS tunnels (CONNECT, uv's and pip's, to PyPI) per host with the bytes received. Each request gets its own
upstream connection (Connection: close): a client that pipelines gets the first answer, then the connection
closes and it asks again. One JSON line per request or tunnel goes to --log.

    countproxy.py --port 19190 --log apt.jsonl     # runs until killed (SIGTERM)
"""

from __future__ import annotations

import argparse
import json
import select
import socket
import socketserver
import threading
import time
from urllib.parse import urlsplit

LOCK = threading.Lock()
TIMEOUT = 120


def relay(a: socket.socket, b: socket.socket) -> tuple[int, int]:
    """Copy both ways until one side closes or fails; return (bytes a->b, bytes b->a) received so far."""
    up = down = 0
    socks = [a, b]
    try:
        while True:
            readable, _writable, _failed = select.select(socks, [], [], TIMEOUT)
            if not readable:
                return up, down
            for s in readable:
                data = s.recv(65536)
                if not data:
                    return up, down
                if s is a:
                    up += len(data)
                    b.sendall(data)
                else:
                    down += len(data)
                    a.sendall(data)
    except OSError:
        # A client that closes early (uv reads a wheel's metadata with a range request and hangs up).
        return up, down


class Handler(socketserver.BaseRequestHandler):
    server: Server

    def read_head(self, buf: bytes) -> tuple[bytes, bytes]:
        """The next request's head from the client (buf: what was read beyond the last request), and what follows
        it; an empty head where the client has closed."""
        while b"\r\n\r\n" not in buf:
            data = self.request.recv(65536)
            if not data or len(buf) > 1 << 20:
                return b"", b""
            buf += data
        head, _sep, rest = buf.partition(b"\r\n\r\n")
        return head, rest

    def log(self, **entry: object) -> None:
        entry["t"] = round(time.time(), 3)
        with LOCK, open(self.server.log_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")

    def handle(self) -> None:
        self.request.settimeout(TIMEOUT)
        buf = b""
        # One request after the other on the client's connection (apt-cacher-ng keeps it open and pipelines), each
        # on an upstream connection of its own.
        while True:
            head, buf = self.read_head(buf)
            if not head:
                return
            lines = head.decode("latin-1").split("\r\n")
            try:
                method, target, version = lines[0].split(" ", 2)
            except ValueError:
                return
            if method == "CONNECT":
                self.tunnel(target, buf)
                return
            headers = {}
            for line in lines[1:]:
                name, _sep, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length") or 0)
            while len(buf) < length:
                data = self.request.recv(65536)
                if not data:
                    return
                buf += data
            body, buf = buf[:length], buf[length:]
            keep = version.upper() == "HTTP/1.1" and "close" not in (headers.get("connection", "")
                                                                     + headers.get("proxy-connection", "")).lower()
            if not self.forward(lines, body, keep):
                return

    def tunnel(self, target: str, rest: bytes) -> None:
        host, _sep, port = target.rpartition(":")
        try:
            upstream = socket.create_connection((host, int(port)), timeout=TIMEOUT)
        except OSError as e:
            self.request.sendall(b"HTTP/1.1 502 Bad Gateway\r\n\r\n")
            self.log(kind="connect", host=host, error=str(e))
            return
        self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        with upstream:
            if rest:
                upstream.sendall(rest)
            up, down = relay(self.request, upstream)
        self.log(kind="connect", host=host, bytes=down, sent=up)

    def forward(self, lines: list[str], body: bytes, keep: bool) -> bool:
        """Sends one request (its head's lines, its body) upstream (Connection: close) and its response to the
        client. The response goes out without the upstream's Connection header, so the client may send its next
        request on the same connection, unless its body ends only where the connection does (no length, not
        chunked). True where the client's connection stays open."""
        method, target, version = lines[0].split(" ", 2)
        url = urlsplit(target)
        if url.scheme != "http" or not url.hostname:
            self.request.sendall(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
            return False
        path = url.path or "/"
        if url.query:
            path += "?" + url.query
        hop = ("connection", "proxy-connection", "keep-alive")
        headers = [h for h in lines[1:] if h.split(":", 1)[0].strip().lower() not in hop]
        request = "\r\n".join([f"{method} {path} {version}", *headers, "Connection: close", "", ""])
        try:
            upstream = socket.create_connection((url.hostname, url.port or 80), timeout=TIMEOUT)
        except OSError as e:
            self.request.sendall(b"HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n")
            self.log(kind="http", url=target, error=str(e))
            return False
        total, status, sent_head = 0, "", False
        with upstream:
            upstream.sendall(request.encode("latin-1") + body)
            pending = b""
            while True:
                try:
                    data = upstream.recv(65536)
                except OSError:
                    break
                if not data:
                    break
                if not sent_head:
                    pending += data
                    if b"\r\n\r\n" not in pending:
                        continue
                    rhead, _blank, data = pending.partition(b"\r\n\r\n")
                    rlines = rhead.decode("latin-1").split("\r\n")
                    status = [*rlines[0].split(" ", 2), ""][1]
                    names = [line.split(":", 1)[0].strip().lower() for line in rlines[1:]]
                    chunked = any(line.lower().replace(" ", "").startswith("transfer-encoding:")
                                  and "chunked" in line.lower() for line in rlines[1:])
                    no_body = method == "HEAD" or status.startswith("1") or status in ("204", "304")
                    keep = keep and ("content-length" in names or chunked or no_body)
                    rlines = [rlines[0]] + [line for line in rlines[1:] if line.split(":", 1)[0].strip().lower()
                                            not in hop] + ([] if keep else ["Connection: close"])
                    out_head = "\r\n".join(rlines).encode("latin-1") + b"\r\n\r\n"
                    data = out_head + data
                    total = -len(out_head)   # the log counts the body's bytes
                    sent_head = True
                total += len(data)
                try:
                    self.request.sendall(data)
                except OSError:
                    keep = False
                    break
        self.log(kind="http", method=method, url=target, status=status, bytes=max(total, 0))
        return keep and sent_head


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], log_path: str) -> None:
        self.log_path = log_path
        super().__init__(addr, Handler)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--log", required=True)
    args = p.parse_args()
    with Server(("127.0.0.1", args.port), args.log) as srv:
        srv.serve_forever()


if __name__ == "__main__":
    main()
