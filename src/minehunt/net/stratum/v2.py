"""Stratum V2 plaintext framing and the mining sub-protocol messages that matter for detection.

Frame header (6 bytes, little-endian): extension_type U16 (bit 15 = channel message),
msg_type U8, msg_length U24. Strings are STR0_255 (U8 length + bytes).
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from minehunt.model import Confidence
from minehunt.net.stratum.model import Dialect, Direction, MiningMessage

HEADER = 6
SETUP_CONNECTION = 0x00
SETUP_SUCCESS = 0x01
SETUP_ERROR = 0x02
MINING_PROTOCOL = 0
_V2 = Dialect.STRATUM_V2
HIGH, MEDIUM, LOW = Confidence.HIGH, Confidence.MEDIUM, Confidence.LOW
# Noise NX act 1 is one ElligatorSwift-encoded ephemeral key; act 2 adds the responder's
# encrypted static key (64+16) and encrypted certificate (74+16): 64+80+90 bytes.
NOISE_ACT1_SIZE = 64
NOISE_ACT2_SIZE = 234


class _Reader:
    """Cursor over one frame payload; every read raises ValueError when data runs out."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ValueError("short payload")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return int.from_bytes(self.take(2), "little")

    def u32(self) -> int:
        return int.from_bytes(self.take(4), "little")

    def f32(self) -> float:
        value: float = struct.unpack("<f", self.take(4))[0]
        return value

    def u256_hex(self) -> str:
        return self.take(32)[::-1].hex()  # U256 is little-endian; show it big-endian

    def b0_32(self) -> str:
        return self.take(self.u8()).hex()

    def str0_255(self) -> str:
        return self.take(self.u8()).decode("utf-8")  # UnicodeDecodeError is a ValueError


def parse_header(data: bytes | bytearray, pos: int = 0) -> tuple[int, int, int]:
    """(extension_type, msg_type, msg_length) of the frame header at `pos`."""
    ext = int.from_bytes(data[pos : pos + 2], "little")
    return ext, data[pos + 2], int.from_bytes(data[pos + 3 : pos + 6], "little")


def plausible_first_header(data: bytes | bytearray) -> bool:
    """The first 6 bytes could start a V2 connection (SetupConnection or its answers)."""
    if len(data) < HEADER:
        return False
    ext, msg_type, length = parse_header(data)
    if ext != 0:
        return False
    if msg_type == SETUP_CONNECTION:
        return 15 <= length <= 6 * 256 + 16
    if msg_type == SETUP_SUCCESS:
        return length == 6
    return msg_type == SETUP_ERROR and 5 <= length <= 260


def looks_like_noise_handshake(first_payload: bytes, direction: Direction) -> bool:
    """First segment of an encrypted (Noise NX) V2 connection, judged by size and entropy.

    Only meaningful on a well-known V2 port: the bytes are random by design.
    """
    size = NOISE_ACT1_SIZE if direction == Direction.CLIENT else NOISE_ACT2_SIZE
    if len(first_payload) != size:
        return False
    printable = sum(32 <= b < 127 for b in first_payload)
    return len(set(first_payload)) > size // 4 and printable < size * 0.9


def _setup(r: _Reader, d: Direction, off: int) -> MiningMessage | None:
    protocol, min_version, max_version, _flags = r.u8(), r.u16(), r.u16(), r.u32()
    host, port = r.str0_255(), r.u16()
    vendor, hardware, firmware, _device = r.str0_255(), r.str0_255(), r.str0_255(), r.str0_255()
    if protocol != MINING_PROTOCOL or not 1 <= min_version <= max_version < 256:
        return None
    agent = " ".join(x for x in (vendor, hardware, firmware) if x) or None
    return MiningMessage(
        _V2,
        d,
        "SetupConnection",
        None,
        off,
        HIGH,
        "stratum v2 SetupConnection (mining)",
        agent=agent,
        endpoint=f"{host}:{port}" if host else None,
    )


def _open_channel(r: _Reader, d: Direction, off: int, name: str) -> MiningMessage:
    request_id, user = r.u32(), r.str0_255()
    r.f32()
    target = r.u256_hex()
    return MiningMessage(
        _V2,
        d,
        name,
        str(request_id),
        off,
        HIGH,
        f"stratum v2 {name}",
        login=user or None,
        target=target,
    )


def _open_success(r: _Reader, d: Direction, off: int, name: str) -> MiningMessage:
    request_id, _channel, target = r.u32(), r.u32(), r.u256_hex()
    if name == "OpenExtendedMiningChannel.Success":
        r.u16()  # extranonce_size
    return MiningMessage(
        _V2,
        d,
        name,
        str(request_id),
        off,
        MEDIUM,
        f"stratum v2 {name}",
        target=target,
        extranonce=r.b0_32() or None,
        reply_to=name.removesuffix(".Success"),
    )


def _job(r: _Reader, d: Direction, off: int, name: str) -> MiningMessage:
    _channel, job_id = r.u32(), r.u32()
    return MiningMessage(
        _V2, d, name, None, off, HIGH, f"stratum v2 {name}", job_id=str(job_id), is_job=True
    )


def _submit(r: _Reader, d: Direction, off: int, name: str) -> MiningMessage:
    _channel, sequence, job_id = r.u32(), r.u32(), r.u32()
    r.take(12)  # nonce, ntime, version
    return MiningMessage(
        _V2,
        d,
        name,
        str(sequence),
        off,
        HIGH,
        f"stratum v2 {name}",
        job_id=str(job_id),
        is_share=True,
    )


def _submit_success(r: _Reader, d: Direction, off: int, name: str) -> MiningMessage:
    _channel, last_sequence, count = r.u32(), r.u32(), r.u32()
    return MiningMessage(
        _V2,
        d,
        name,
        str(last_sequence),
        off,
        MEDIUM,
        "stratum v2 SubmitShares.Success",
        accepted=True,
        acknowledged=count,
    )


def _submit_error(r: _Reader, d: Direction, off: int, name: str) -> MiningMessage:
    _channel, sequence = r.u32(), r.u32()
    return MiningMessage(
        _V2,
        d,
        name,
        str(sequence),
        off,
        MEDIUM,
        f"stratum v2 SubmitShares.Error: {r.str0_255()}",
        accepted=False,
        acknowledged=1,
    )


def _set_target(r: _Reader, d: Direction, off: int, name: str) -> MiningMessage:
    r.u32()
    return MiningMessage(
        _V2, d, name, None, off, MEDIUM, "stratum v2 SetTarget", target=r.u256_hex()
    )


def _simple(r: _Reader, d: Direction, off: int, name: str) -> MiningMessage:
    conf = LOW if name in ("SetupConnection.Success", "SetupConnection.Error") else MEDIUM
    return MiningMessage(_V2, d, name, None, off, conf, f"stratum v2 {name}")


_Handler = Callable[[_Reader, Direction, int, str], MiningMessage]
# Mining sub-protocol message types (Stratum V2 spec, "Mining Protocol Messages").
_MESSAGES: dict[int, tuple[str, _Handler]] = {
    SETUP_SUCCESS: ("SetupConnection.Success", _simple),
    SETUP_ERROR: ("SetupConnection.Error", _simple),
    0x10: ("OpenStandardMiningChannel", _open_channel),
    0x11: ("OpenStandardMiningChannel.Success", _open_success),
    0x13: ("OpenExtendedMiningChannel", _open_channel),
    0x14: ("OpenExtendedMiningChannel.Success", _open_success),
    0x15: ("NewMiningJob", _job),
    0x1A: ("SubmitSharesStandard", _submit),
    0x1B: ("SubmitSharesExtended", _submit),
    0x1C: ("SubmitShares.Success", _submit_success),
    0x1D: ("SubmitShares.Error", _submit_error),
    0x1F: ("NewExtendedMiningJob", _job),
    0x20: ("SetNewPrevHash", _simple),
    0x21: ("SetTarget", _set_target),
}


def classify_frame(
    ext: int, msg_type: int, payload: bytes, d: Direction, off: int
) -> MiningMessage | None:
    """The mining message one whole frame carries, or None (unknown, extension, malformed)."""
    if ext & 0x7FFF:
        return None  # protocol extensions: not needed to recognise mining
    r = _Reader(payload)
    try:
        if msg_type == SETUP_CONNECTION:
            message = _setup(r, d, off)
            return message if r.pos == len(payload) else None
        entry = _MESSAGES.get(msg_type)
        return entry[1](r, d, off, entry[0]) if entry else None
    except ValueError:
        return None
