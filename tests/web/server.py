"""The local test web server: a real HTTP server on 127.0.0.1 serving the test site.

Besides static files it serves the hostile routes (endless redirects, a huge streamed page,
a page that never finishes), the proof-of-work captcha's challenge endpoint and a chat
WebSocket (RFC 6455 echo, hand-written: the standard library has no WebSocket server).
Every loop is bounded so the server always stops.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
import struct
import threading
import time
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HUGE_BYTES = 64 * 1024 * 1024
"""Size of /hostile/huge.html: far over every byte cap of the scanner."""
SLOW_SECONDS = 60.0
"""How long /hostile/slow.html keeps its connection open without finishing."""
_WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class _Handler(SimpleHTTPRequestHandler):
    server_version = "minehunt-test-site/1"
    extensions_map = {  # noqa: RUF012 - the stdlib's own attribute, overridden per class
        **SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".bin": "application/octet-stream",
        ".js": "text/javascript",
    }

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path.startswith("/hostile/redirect/"):
            n = int(path.rsplit("/", 1)[1] or 0)
            self.send_response(302)
            self.send_header("Location", f"/hostile/redirect/{n + 1}")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/hostile/huge.html":
            self._huge()
        elif path == "/hostile/slow.html":
            self._slow()
        elif path == "/pow/challenge":
            self._challenge()
        elif path == "/chat":
            self._chat()
        else:
            super().do_GET()

    def do_POST(self) -> None:
        length = min(int(self.headers.get("Content-Length") or 0), 4096)
        self.rfile.read(length)
        body = b'{"verified": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _huge(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(HUGE_BYTES))
        self.end_headers()
        chunk = b"<p>" + b"filler " * 146 + b"</p>\n"  # 1,029 bytes
        sent = 0
        with contextlib.suppress(OSError):
            while sent < HUGE_BYTES:
                part = chunk[: HUGE_BYTES - sent]
                self.wfile.write(part)
                sent += len(part)

    def _slow(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "1000000")
        self.end_headers()
        deadline = time.monotonic() + SLOW_SECONDS
        with contextlib.suppress(OSError):
            self.wfile.write(b"<!DOCTYPE html><html><head><title>slow</title></head><body>")
            self.wfile.flush()
            while time.monotonic() < deadline and not self.server.stopping.is_set():  # type: ignore[attr-defined]
                time.sleep(0.2)

    def _challenge(self) -> None:
        # ALTCHA-style: find n <= maxnumber with sha256(salt + n) == challenge
        salt = secrets.token_hex(8)
        number = secrets.randbelow(20000)
        challenge = hashlib.sha256(f"{salt}{number}".encode()).hexdigest()
        body = json.dumps(
            {"algorithm": "SHA-256", "challenge": challenge, "salt": salt, "maxnumber": 50000}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _chat(self) -> None:
        key = self.headers.get("Sec-WebSocket-Key", "")
        accept = base64.b64encode(hashlib.sha1((key + _WS_GUID).encode()).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        self.connection.settimeout(1.0)
        deadline = time.monotonic() + SLOW_SECONDS
        while time.monotonic() < deadline and not self.server.stopping.is_set():  # type: ignore[attr-defined]
            try:
                frame = _read_frame(self.rfile)
            except TimeoutError:
                continue
            except OSError:
                return
            if frame is None:
                return
            opcode, payload = frame
            if opcode == 8:
                return
            if opcode == 1:
                reply = json.dumps({"from": "echo-bot", "text": payload.decode("utf-8", "replace")})
                try:
                    self.wfile.write(_frame(reply.encode()))
                    self.wfile.flush()
                except OSError:
                    return


def _read_frame(stream: Any) -> tuple[int, bytes] | None:
    head = stream.read(2)
    if len(head) < 2:
        return None
    opcode, length = head[0] & 0x0F, head[1] & 0x7F
    if length == 126:
        length = struct.unpack(">H", stream.read(2))[0]
    elif length == 127:
        length = struct.unpack(">Q", stream.read(8))[0]
    if length > 65536:
        return None
    mask = stream.read(4) if head[1] & 0x80 else b"\0\0\0\0"
    data = stream.read(length)
    return opcode, bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def _frame(payload: bytes) -> bytes:
    n = len(payload)
    if n < 126:
        return bytes([0x81, n]) + payload
    return bytes([0x81, 126]) + struct.pack(">H", n) + payload


class SiteServer(ThreadingHTTPServer):
    """ThreadingHTTPServer bound to 127.0.0.1 with a stop flag for the long-running routes."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, root: Path) -> None:
        super().__init__(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
        self.stopping = threading.Event()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.contextmanager
def serving(root: Path) -> Iterator[SiteServer]:
    """Serve ``root`` on a free 127.0.0.1 port for the duration of the block."""
    server = SiteServer(root)
    thread = threading.Thread(target=server.serve_forever, name="test-site", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
