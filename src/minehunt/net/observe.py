"""What every network source reports: flows and DNS answers, before any verdict.

Captures (pcap, live) and IDS logs (Zeek, Suricata) all reduce traffic to these records, so
one verdict engine (`verdict.py`) judges them all and the same traffic gets the same verdict
whatever it was read from.
"""

from __future__ import annotations

import enum
from collections import OrderedDict
from dataclasses import dataclass

from minehunt.net.stratum import SessionSummary


class Payload(enum.StrEnum):
    """What a flow carried, judged from the first bytes of each direction."""

    NONE = "none"
    """No payload seen (handshake only, or dropped before any data)."""
    MINING = "mining"
    """A mining protocol the parser recognised."""
    TLS = "tls"
    """A TLS handshake: the content is encrypted."""
    HTTP = "http"
    """Plain HTTP (including WebSocket upgrades) that is not mining."""
    BITCOIN_P2P = "bitcoin-p2p"
    """Bitcoin peer-to-peer protocol (network magic at the start)."""
    MONERO_P2P = "monero-p2p"
    """Monero levin peer-to-peer protocol."""
    NOISE = "stratum-v2-noise"
    """A Noise handshake shaped like encrypted Stratum V2, on a Stratum V2 port."""
    UNKNOWN = "unknown"
    """Payload that no parser recognised (binary, encrypted or an unknown protocol)."""
    OTHER = "other"
    """Recognised as something that is not mining (e.g. JSON-RPC that is not a pool's)."""


@dataclass(frozen=True)
class FlowObservation:
    """One TCP connection (or what a log says of it), oriented client -> server."""

    client: str
    client_port: int
    server: str
    server_port: int
    first_seen: float
    """Epoch seconds of the first packet."""
    last_seen: float
    """Epoch seconds of the last packet."""
    packets: int
    """Packets seen in both directions (see the source for what its fast path counts)."""
    bytes: int
    """IP bytes (captures) or payload bytes (logs) in both directions."""
    client_bytes: int
    """Payload bytes client -> server."""
    server_bytes: int
    """Payload bytes server -> client."""
    payload: Payload
    """What the flow carried."""
    source: str
    """Where it was read: capture file, interface or log file."""
    mining: SessionSummary | None = None
    """What the mining-protocol parser made of the conversation."""
    sni: str | None = None
    """TLS server name the client asked for."""
    cert_names: tuple[str, ...] = ()
    """Subject CN and SAN DNS names of the server's certificate, when sent in the clear."""
    server_name: str | None = None
    """Pool host name a DNS answer gave for the server address earlier."""
    alerts: tuple[str, ...] = ()
    """IDS signatures (Suricata) that fired on the flow."""
    first_frame: int | None = None
    """Frame number (1-based) of the first packet, when the source has frame numbers."""
    evidence_frame: int | None = None
    """Frame of the packet that completed the strongest evidence (login, hello)."""
    last_frame: int | None = None
    evidence_seen: float | None = None
    """Epoch seconds of the evidence packet (lets a second pass find its frame)."""
    line: int | None = None
    """Line in a log file."""


@dataclass(frozen=True)
class DnsObservation:
    """A DNS answer (or unanswered query) a client received."""

    client: str
    resolver: str
    name: str
    """The name asked for, lower-case."""
    addresses: tuple[str, ...]
    """Addresses answered (A/AAAA), following CNAMEs."""
    aliases: tuple[str, ...]
    """CNAME targets in the answer."""
    seen: float
    source: str
    frame: int | None = None
    line: int | None = None


class NameBook:
    """Addresses that DNS answers gave for pool names: a bounded, most-recent-wins map.

    A later flow to one of these addresses is attributed to the pool, which is how mining
    over TLS or to an IP without a pool port is still tied to a pool name.
    """

    def __init__(self, limit: int = 65536) -> None:
        self._limit = limit
        self._names: OrderedDict[str, str] = OrderedDict()

    def learn(self, address: str, name: str) -> bool:
        """Remember that ``address`` serves pool ``name``; True if it was not known."""
        new = address not in self._names
        self._names[address] = name
        self._names.move_to_end(address)
        if len(self._names) > self._limit:
            self._names.popitem(last=False)
        return new

    def name(self, address: str) -> str | None:
        return self._names.get(address)

    def addresses(self) -> list[str]:
        return list(self._names)
