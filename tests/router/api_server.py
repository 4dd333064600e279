"""A small RouterOS API server on loopback, speaking the documented sentence encoding
(length-prefixed words, an empty word ends a sentence; replies !re / !done / !trap), with
plain login (6.43+) or the older challenge login."""

from __future__ import annotations

import hashlib
import socket
import ssl
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


def encode_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    if n < 0x4000:
        return (n | 0x8000).to_bytes(2, "big")
    if n < 0x200000:
        return (n | 0xC00000).to_bytes(3, "big")
    if n < 0x10000000:
        return (n | 0xE0000000).to_bytes(4, "big")
    return b"\xf0" + n.to_bytes(4, "big")


def encode_sentence(*words: str) -> bytes:
    out = b""
    for w in words:
        raw = w.encode("utf-8")
        out += encode_length(len(raw)) + raw
    return out + b"\x00"


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("client closed")
        data += chunk
    return data


def read_word(sock: socket.socket) -> str:
    first = _recv_exact(sock, 1)[0]
    if first < 0x80:
        n = first
    elif first < 0xC0:
        n = ((first & 0x3F) << 8) | _recv_exact(sock, 1)[0]
    elif first < 0xE0:
        n = ((first & 0x1F) << 16) | int.from_bytes(_recv_exact(sock, 2), "big")
    elif first < 0xF0:
        n = ((first & 0x0F) << 24) | int.from_bytes(_recv_exact(sock, 3), "big")
    else:
        n = int.from_bytes(_recv_exact(sock, 4), "big")
    return _recv_exact(sock, n).decode("utf-8")


def read_sentence(sock: socket.socket) -> list[str]:
    words = []
    while (w := read_word(sock)) != "":
        words.append(w)
    return words


@dataclass
class ApiServer:
    user: str
    password: str
    menus: Mapping[str, Sequence[Mapping[str, str]]]
    challenge_login: bool = False
    silent: bool = False
    close_on: str | None = None
    tls: ssl.SSLContext | None = None
    commands: list[str] = field(default_factory=list)
    port: int = 0

    def __post_init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self.port = self._sock.getsockname()[1]
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop = True
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._client, args=(conn,), daemon=True).start()

    def _client(self, conn: socket.socket) -> None:
        try:
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            self._talk(conn)
        except (ConnectionError, OSError, ssl.SSLError):
            pass
        finally:
            conn.close()

    def _talk(self, conn: socket.socket) -> None:
        logged_in = False
        challenge = "2dd1d4c7d0e1b5a6b3a9f0c1e2d3f4a5"
        while True:
            words = read_sentence(conn)
            if self.silent:
                continue
            cmd = words[0]
            attrs = dict(w[1:].split("=", 1) for w in words[1:] if w.startswith("="))
            self.commands.append(cmd)
            if cmd == "/login":
                if self.challenge_login and "response" not in attrs:
                    conn.sendall(encode_sentence("!done", f"=ret={challenge}"))
                    continue
                if self.challenge_login:
                    digest = hashlib.md5(
                        b"\x00" + self.password.encode() + bytes.fromhex(challenge)
                    ).hexdigest()
                    ok = attrs.get("name") == self.user and attrs["response"] == "00" + digest
                else:
                    ok = attrs.get("name") == self.user and attrs.get("password") == self.password
                if ok:
                    logged_in = True
                    conn.sendall(encode_sentence("!done"))
                else:
                    conn.sendall(
                        encode_sentence("!trap", "=message=invalid user name or password (6)")
                        + encode_sentence("!done")
                    )
                continue
            if not logged_in:
                conn.sendall(encode_sentence("!fatal", "not logged in"))
                return
            menu = cmd.removesuffix("/print")
            if not cmd.endswith("/print") or menu not in self.menus:
                conn.sendall(
                    encode_sentence("!trap", "=message=no such command prefix")
                    + encode_sentence("!done")
                )
                continue
            rows = self.menus[menu]
            if menu == self.close_on:
                if rows:
                    conn.sendall(encode_sentence("!re", *(f"={k}={v}" for k, v in rows[0].items())))
                conn.shutdown(socket.SHUT_RDWR)
                return
            out = b"".join(
                encode_sentence("!re", *(f"={k}={v}" for k, v in row.items())) for row in rows
            )
            conn.sendall(out + encode_sentence("!done"))
