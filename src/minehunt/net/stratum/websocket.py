"""Passive RFC 6455 WebSocket de-framing of one direction of a captured connection.

Hand-written rather than wsproto: wsproto's public API (`WSConnection`) is one endpoint of a
live connection that must run the opening handshake itself, and its internal FrameProtocol
enforces endpoint rules (raises on a masked frame "from the server", on RSV1 without a
negotiated extension object). A passive observer sees both directions, may have missed the
handshake, and must inflate permessage-deflate without having negotiated it.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from enum import IntEnum


class Opcode(IntEnum):
    """WebSocket frame opcodes (RFC 6455 section 5.2)."""

    CONTINUATION = 0x0
    TEXT = 0x1
    BINARY = 0x2
    CLOSE = 0x8
    PING = 0x9
    PONG = 0xA


@dataclass(frozen=True)
class WsMessage:
    """One whole (reassembled, unmasked, inflated) WebSocket message."""

    opcode: Opcode
    """TEXT, BINARY or a control opcode."""
    payload: bytes
    """Application data."""
    offset: int
    """Stream offset of the message's first frame header."""


_OPCODES = frozenset(int(op) for op in Opcode)
# RFC 7692: each compressed message ends with an empty deflate block whose tail
# (00 00 ff ff) the sender strips; put it back before inflating.
_DEFLATE_TAIL = b"\x00\x00\xff\xff"


class FrameDecoder:
    """Incremental frame decoder: bytes in, whole messages out; never raises."""

    def __init__(self, *, max_message: int = 64 * 1024, base_offset: int = 0) -> None:
        self._max = max_message
        self._buf = bytearray()
        self._base = base_offset  # stream offset of _buf[0]
        self._parts: list[bytes] = []
        self._size = 0
        self._opcode: Opcode | None = None
        self._compressed = False
        self._start = 0
        self._inflater: zlib._Decompress | None = None
        self.error: str | None = None
        """Why decoding stopped (not WebSocket, message too large), or None."""

    def feed(self, data: bytes) -> list[WsMessage]:
        """Decode as many messages as the bytes so far complete."""
        if self.error is not None:
            return []
        self._buf += data
        out: list[WsMessage] = []
        pos = 0
        while self.error is None:
            step = self._frame(pos)
            if step is None:
                break
            pos, message = step
            if message is not None:
                out.append(message)
        del self._buf[:pos]
        self._base += pos
        if len(self._buf) > self._max + 14:
            self.error = "frame larger than the limit"
        return out

    def _frame(self, pos: int) -> tuple[int, WsMessage | None] | None:
        """Decode the frame at `pos`: (position after it, message it completes) or None."""
        buf = self._buf
        if len(buf) - pos < 2:
            return None
        b0, b1 = buf[pos], buf[pos + 1]
        fin, rsv1, code = bool(b0 & 0x80), bool(b0 & 0x40), b0 & 0x0F
        if b0 & 0x30 or code not in _OPCODES:
            self.error = "reserved bits or opcode set"
            return None
        opcode = Opcode(code)
        length, head = b1 & 0x7F, 2
        if length == 126:
            head = 4
        elif length == 127:
            head = 10
        masked = bool(b1 & 0x80)
        head += 4 if masked else 0
        if len(buf) - pos < head:
            return None
        if length == 126:
            length = int.from_bytes(buf[pos + 2 : pos + 4], "big")
        elif length == 127:
            length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
        if length > self._max or (opcode >= Opcode.CLOSE and (length > 125 or not fin)):
            self.error = "frame larger than the limit or malformed control frame"
            return None
        end = pos + head + length
        if len(buf) < end:
            return None
        payload = bytes(buf[pos + head : end])
        if masked:
            key = bytes(buf[pos + head - 4 : pos + head])
            payload = _unmask(payload, key)
        if opcode >= Opcode.CLOSE:
            # Control frames may sit between the fragments of a data message.
            return end, WsMessage(opcode, payload, self._base + pos)
        if opcode != Opcode.CONTINUATION:
            self._opcode, self._compressed = opcode, rsv1
            self._parts, self._size, self._start = [], 0, self._base + pos
        elif self._opcode is None:
            return end, None  # capture started mid-message: drop the tail
        self._parts.append(payload)
        self._size += len(payload)
        if self._size > self._max:
            self.error = "message larger than the limit"
            return None
        if not fin:
            return end, None
        data = b"".join(self._parts)
        if self._compressed:
            inflated = self._inflate(data)
            if inflated is None:
                return None
            data = inflated
        message = WsMessage(self._opcode, data, self._start)
        self._opcode, self._parts = None, []
        return end, message

    def _inflate(self, data: bytes) -> bytes | None:
        if self._inflater is None or self._inflater.eof:
            # Context takeover is the default; a fresh inflater per message is only needed
            # after a final block (no_context_takeover senders may set BFINAL).
            self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        try:
            out = self._inflater.decompress(data + _DEFLATE_TAIL, self._max + 1)
        except zlib.error:
            self.error = "permessage-deflate data does not inflate"
            return None
        if len(out) > self._max:
            self.error = "inflated message larger than the limit"
            return None
        return out


def _unmask(payload: bytes, key: bytes) -> bytes:
    """XOR with the 4-byte masking key, done as one big integer operation for speed."""
    if not payload:
        return payload
    n = len(payload)
    mask = (key * (n // 4 + 1))[:n]
    value = int.from_bytes(payload, "big") ^ int.from_bytes(mask, "big")
    return value.to_bytes(n, "big")
