"""TLS ClientHello reader: the server name (SNI) a client asks for, from the first records.

Hand-written because no well-kept library parses a *captured* handshake: ssl and
cryptography speak TLS as an endpoint, and dpkt's TLS support stops at record framing and
raises on the extensions of TLS 1.3 hellos. Only the fields needed are read; every length is
checked, and a hello split across segments is read once enough bytes have arrived.
"""

from __future__ import annotations

HANDSHAKE = 0x16
CLIENT_HELLO = 0x01
SERVER_NAME = 0x0000
MAX_HELLO = 16 * 1024


def looks_like_tls(first: bytes) -> bool:
    """The first bytes of a direction are a TLS (or SSL 3.0) handshake record."""
    return len(first) >= 3 and first[0] == HANDSHAKE and first[1] == 3 and first[2] <= 4


def client_hello_sni(data: bytes) -> str | bool | None:
    """The SNI host name of the ClientHello at the start of ``data``.

    Returns the name, None when the hello carries no name (or is not a hello), and False
    while more bytes are needed to decide.
    """
    if not looks_like_tls(data):
        return None
    # Reassemble handshake bytes across records (a large hello may span several).
    hs = bytearray()
    pos = 0
    need: int | None = None
    while pos + 5 <= len(data) and (need is None or len(hs) < need):
        if data[pos] != HANDSHAKE:
            return None
        rlen = int.from_bytes(data[pos + 3 : pos + 5], "big")
        hs += data[pos + 5 : pos + 5 + rlen]
        pos += 5 + rlen
        if need is None and len(hs) >= 4:
            if hs[0] != CLIENT_HELLO:
                return None
            need = 4 + int.from_bytes(hs[1:4], "big")
            if need > MAX_HELLO:
                return None
    if need is None or len(hs) < need:
        return False if len(data) < MAX_HELLO else None
    return _sni(bytes(hs[4:need]))


def _sni(body: bytes) -> str | None:
    p = 2 + 32  # client_version, random
    if p >= len(body):
        return None
    p += 1 + body[p]  # session id
    if p + 2 > len(body):
        return None
    p += 2 + int.from_bytes(body[p : p + 2], "big")  # cipher suites
    if p >= len(body):
        return None
    p += 1 + body[p]  # compression methods
    if p + 2 > len(body):
        return None
    end = min(len(body), p + 2 + int.from_bytes(body[p : p + 2], "big"))
    p += 2
    while p + 4 <= end:
        etype = int.from_bytes(body[p : p + 2], "big")
        elen = int.from_bytes(body[p + 2 : p + 4], "big")
        ext = body[p + 4 : p + 4 + elen]
        p += 4 + elen
        if etype != SERVER_NAME or len(ext) < 5:
            continue
        # server_name_list: u16 length, then (u8 type, u16 length, name) entries
        q = 2
        while q + 3 <= len(ext):
            ntype, nlen = ext[q], int.from_bytes(ext[q + 1 : q + 3], "big")
            name = ext[q + 3 : q + 3 + nlen]
            q += 3 + nlen
            if ntype == 0 and name:
                return name.decode("ascii", "replace").lower().rstrip(".")
    return None
