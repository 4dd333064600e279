"""HTTP/1.x message heads for getwork mining and WebSocket upgrades (no I/O, no body policy)."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from minehunt.model import Confidence
from minehunt.net.stratum.login import looks_like_address, split_login
from minehunt.net.stratum.model import Dialect, Direction, SessionSummary

if TYPE_CHECKING:
    from minehunt.intel import Intel

_METHODS = (b"GET ", b"POST ", b"PUT ", b"HEAD ", b"OPTIONS ", b"PATCH ", b"DELETE ")
_RESPONSE = b"HTTP/1."
MAX_HEAD = 16 * 1024
MINING_HEADERS = ("x-mining-extensions", "x-mining-hashrate", "x-stratum", "x-long-polling")
"""Headers only mining software sends: getwork extensions, Stratum redirect, long poll."""
HEAD_MARKERS = ("json", "websocket", *MINING_HEADERS)
"""Words (any case) without which an HTTP head gives this parser nothing: a JSON content type,
a WebSocket upgrade or a mining header (a JSON body is the other case). The compiled capture
pre-pass drops HTTP heads that have none of them."""


def starts_like_http(data: bytes | bytearray) -> bool | None:
    """True/False once the first bytes decide it, None while they are a prefix of a token."""
    for token in (*_METHODS, _RESPONSE):
        n = min(len(token), len(data))
        if data[:n] == token[:n]:
            return True if n == len(token) else None
    return False


@dataclass(frozen=True)
class HttpHead:
    """Start line and headers of one HTTP/1.x request or response."""

    method: str | None
    """Request method; None for a response."""
    target: str | None
    """Request target (path)."""
    status: int | None
    """Response status; None for a request."""
    headers: dict[str, str]
    """Header names lower-cased; a repeated header keeps its last value."""
    size: int
    """Bytes of the head including the blank line."""

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    @property
    def websocket(self) -> bool:
        """A WebSocket upgrade request or its 101 answer."""
        if self.status is not None:
            return self.status == 101
        return "websocket" in (self.header("upgrade") or "").lower()

    @property
    def chunked(self) -> bool:
        return "chunked" in (self.header("transfer-encoding") or "").lower()

    def body_length(self) -> int | None:
        """Content-Length, 0 when the message has no body, None when it runs to close."""
        if self.websocket or (
            self.status is not None and (self.status < 200 or self.status in (204, 304))
        ):
            return 0
        raw = self.header("content-length")
        if raw is not None:
            length = int(raw.strip())  # ValueError on garbage: the caller drops the stream
            if length < 0:
                raise ValueError("negative Content-Length")
            return length
        return 0 if self.method is not None else None

    def basic_auth(self) -> tuple[str, str | None] | None:
        """(user, password) from `Authorization: Basic` (how getwork miners log in)."""
        raw = self.header("authorization") or ""
        scheme, _, token = raw.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, sep, password = (
                base64.b64decode(token.strip(), validate=True).decode().partition(":")
            )
        except (binascii.Error, UnicodeDecodeError):
            return None
        return user, password if sep else None

    def mining_headers(self) -> list[str]:
        """The MINING_HEADERS this head carries."""
        return [name for name in MINING_HEADERS if name in self.headers]

    def stratum_endpoint(self) -> str | None:
        """host:port of an `X-Stratum: stratum+tcp://host:port` advertisement."""
        url = self.header("x-stratum")
        if not url:
            return None
        return url.split("://", 1)[-1].split("/", 1)[0] or None


def path_login(target: str | None) -> str | None:
    """``WALLET/WORKER`` from a request path that starts with an address: Ethereum getwork
    pools take the login in the URL (``http://pool:8888/0xWALLET/rig1``). None otherwise."""
    if not target:
        return None
    path = target.split("?", 1)[0].split("#", 1)[0]
    if "://" in path:  # absolute form, through a proxy
        path = path.split("://", 1)[1].partition("/")[2]
    path = path.strip("/")
    return path if path and looks_like_address(path) else None


def parse_head(data: bytes | bytearray) -> HttpHead | None:
    """Parse a complete head at the start of `data`; None while incomplete.

    Raises ValueError when the bytes are not HTTP or the head is longer than MAX_HEAD.
    """
    end, sep = data.find(b"\r\n\r\n", 0, MAX_HEAD + 4), 4
    bare = data.find(b"\n\n", 0, MAX_HEAD + 2)  # tolerate bare-LF heads from sloppy clients
    if bare >= 0 and (end < 0 or bare < end):
        end, sep = bare, 2
    if end < 0:
        if len(data) > MAX_HEAD:
            raise ValueError("HTTP head too long")
        return None
    lines = bytes(data[:end]).decode("latin-1").replace("\r\n", "\n").split("\n")
    start = lines[0].split(" ", 2)
    method = target = None
    status = None
    if start[0].startswith("HTTP/1."):
        if len(start) < 2 or not start[1].isdigit():
            raise ValueError("bad status line")
        status = int(start[1])
    elif len(start) == 3 and start[2].startswith("HTTP/1."):
        method, target = start[0], start[1]
    else:
        raise ValueError("bad request line")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    return HttpHead(method, target, status, headers, end + sep)


def dechunk(data: bytes | bytearray, limit: int) -> tuple[bytes, int] | None:
    """(body, bytes consumed) of a complete chunked body at the start of `data`, else None.

    Raises ValueError on malformed chunking or a body larger than `limit`.
    """
    parts: list[bytes] = []
    pos = size_total = 0
    while True:
        eol = data.find(b"\n", pos)
        if eol < 0:
            return None
        digits = bytes(data[pos:eol]).split(b";", 1)[0].strip()
        # int() also takes "-5", "+5" and "_": a negative size would walk backwards forever.
        if not digits or digits.strip(b"0123456789abcdefABCDEF"):
            raise ValueError("bad chunk size")
        size = int(digits, 16)
        pos = eol + 1
        if size == 0:
            # Trailers end with an empty line.
            while True:
                eol = data.find(b"\n", pos)
                if eol < 0:
                    return None
                line, pos = data[pos:eol].strip(), eol + 1
                if not line:
                    return b"".join(parts), pos
        size_total += size
        if size_total > limit:
            raise ValueError("chunked body larger than the limit")
        if len(data) < pos + size + 1:
            return None
        parts.append(bytes(data[pos : pos + size]))
        pos += size
        if data[pos : pos + 2] == b"\r\n":
            pos += 2
        elif data[pos : pos + 1] == b"\n":
            pos += 1
        elif len(data) - pos < 2:
            return None
        else:
            raise ValueError("chunk not followed by CRLF")


def miner_agent(intel: Intel, agent: str | None) -> str | None:
    """The miner program a User-Agent names (``cgminer/4.12.1`` -> ``cgminer``), else None."""
    tokens = re.split(r"[\s/;()]+", agent or "")
    return next((t for t in tokens if t and intel.miner_name(t)), None)


LOGGED_WALLET_PATH = r"^/+(0x)?[0-9A-Za-z]{26,}"
"""SQL regular expression narrowing logged URIs to those `path_login` may accept."""


def logged_request_summary(
    intel: Intel,
    *,
    agent: str | None,
    host: str | None,
    user: str | None = None,
    uri: str | None = None,
) -> SessionSummary | None:
    """An IDS log's record of an HTTP request (Zeek http.log, Suricata http event) as a
    getwork session, when its User-Agent names a miner program or its path starts with a
    wallet (Ethereum getwork pools): logs keep the head's User-Agent, Host, URI and
    Basic-auth user, not the JSON-RPC body a capture would show."""
    miner = miner_agent(intel, agent)
    in_path = path_login(uri)
    if miner is None and in_path is None:
        return None
    login = user or in_path or None
    parts = split_login(login)
    reason = (
        f"HTTP request from a miner ({miner} User-Agent)"
        if miner
        else "HTTP request to a wallet address path (getwork login)"
    )
    return SessionSummary(
        dialect=Dialect.GETWORK_HTTP,
        confidence=Confidence.MEDIUM if miner else Confidence.LOW,
        login=login,
        wallet=parts.wallet,
        worker=parts.worker,
        password=None,
        agent=agent,
        algorithms=(),
        pool_endpoint=host or None,
        jobs=0,
        shares=0,
        accepted=0,
        rejected=0,
        first_offset=0,
        first_direction=Direction.CLIENT,
        difficulty=parts.difficulty,
        extranonce=None,
        nicehash=False,
        messages=1,
        reasons=(reason,),
    )
