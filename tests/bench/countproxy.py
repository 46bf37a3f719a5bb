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

    def read_head(self) -> bytes:
        buf = b""
        while b"\r\n\r\n" not in buf:
            data = self.request.recv(65536)
            if not data:
                break
            buf += data
            if len(buf) > 1 << 20:
                break
        return buf

    def log(self, **entry: object) -> None:
        entry["t"] = round(time.time(), 3)
        with LOCK, open(self.server.log_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")

    def handle(self) -> None:
        self.request.settimeout(TIMEOUT)
        buf = self.read_head()
        head, _sep, rest = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        try:
            method, target, version = lines[0].split(" ", 2)
        except ValueError:
            return
        if method == "CONNECT":
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
            return
        url = urlsplit(target)
        if url.scheme != "http" or not url.hostname:
            self.request.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
            return
        path = url.path or "/"
        if url.query:
            path += "?" + url.query
        headers = [h for h in lines[1:] if h.split(":", 1)[0].strip().lower()
                   not in ("connection", "proxy-connection", "keep-alive")]
        # Only this request's body goes upstream. A client that pipelines (apt-cacher-ng does, to its proxy) has
        # sent its next requests after it: they are dropped, and the upstream's "Connection: close" makes the
        # client send them again on a new connection. Forwarding them corrupted the responses (503s in the cache).
        length = next((int(h.split(":", 1)[1]) for h in lines[1:]
                       if h.split(":", 1)[0].strip().lower() == "content-length"), 0)
        while len(rest) < length:
            data = self.request.recv(65536)
            if not data:
                break
            rest += data
        rest = rest[:length]
        request = "\r\n".join([f"{method} {path} {version}", *headers, "Connection: close", "", ""])
        try:
            upstream = socket.create_connection((url.hostname, url.port or 80), timeout=TIMEOUT)
        except OSError as e:
            self.request.sendall(b"HTTP/1.1 502 Bad Gateway\r\n\r\n")
            self.log(kind="http", url=target, error=str(e))
            return
        with upstream:
            upstream.sendall(request.encode("latin-1") + rest)
            total = 0
            header_len = None
            status = ""
            first = b""
            while True:
                try:
                    data = upstream.recv(65536)
                except OSError:
                    break
                if not data:
                    break
                if header_len is None:
                    first += data
                    if b"\r\n\r\n" in first:
                        header_len = first.index(b"\r\n\r\n") + 4
                        status = first.split(b" ", 2)[1].decode("latin-1", "replace")
                total += len(data)
                try:
                    self.request.sendall(data)
                except OSError:
                    break
        self.log(kind="http", method=method, url=target, status=status, bytes=total - (header_len or 0))


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
