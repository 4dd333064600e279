"""Pure, incremental parser for cryptocurrency-mining protocols: bytes in, messages out.

No I/O, no sockets, no DNS. One `StreamParser` per direction of a connection (or use a
`Session` for both directions, which also pairs replies with requests and summarises).
Every network source feeds it: pcap and live capture, Zeek/Suricata payloads, and the
browser's WebSocket frames (`feed_text`).
"""

from __future__ import annotations

from minehunt.model import Confidence
from minehunt.net.stratum.login import LoginParts, split_login
from minehunt.net.stratum.model import (
    Dialect,
    Direction,
    MiningMessage,
    SessionSummary,
)
from minehunt.net.stratum.session import Session
from minehunt.net.stratum.stream import StreamParser
from minehunt.net.stratum.v2 import looks_like_noise_handshake

__all__ = [
    "Confidence",
    "Dialect",
    "Direction",
    "LoginParts",
    "MiningMessage",
    "Session",
    "SessionSummary",
    "StreamParser",
    "looks_like_noise_handshake",
    "split_login",
]
