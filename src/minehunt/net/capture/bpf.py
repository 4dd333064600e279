"""The capture selection as a BPF expression: live capture, and files without the compiled reader.

Kept: connection starts and ends (SYN/FIN/RST), DNS (UDP and TCP), IP fragments (counted),
every packet on mining, TLS-mining and Stratum V2 ports, and TCP segments whose payload
*starts* like something that matters: a JSON object (every Stratum dialect), a TLS handshake
record, an HTTP request or response head, a WebSocket frame, a Stratum V2 frame header,
Bitcoin or Monero P2P magic. Dropped: the middle of bulk transfers and pure ACKs, which is
most of any capture. Endpoints that turn out to matter (the pool of a mining session, an
address DNS gave for a pool) are added as host/port terms while reading, so later packets of
their flows are counted too (at most MAX_DYNAMIC_TERMS). `_prefilter.c` makes the same
selection, refined by what a stateless filter cannot do (see prefilter.py).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from minehunt.intel import Intel
from minehunt.net.verdict import STRATUM_V2_PORTS

MAX_DYNAMIC_TERMS = 32
"""Followed hosts/endpoints added to the filter; beyond this none are added. Each change
recompiles the filter (milliseconds with libpcap's optimiser), so the count is kept small
and never churns."""

# Payload length and first payload byte of a TCP segment. Each payload test is guarded by a
# length test because an out-of-bounds load makes classic BPF reject the packet outright,
# whichever alternative of the filter would have accepted it.
_PL4 = "(ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12] & 0xf0) >> 2))"
_AT4 = "tcp[((tcp[12] & 0xf0) >> 2)"
# IPv6: libpcap's tcp[] does not index IPv6 packets, so address from the IPv6 header
# (packets with extension headers are left to the port terms).
_PL6 = "(ip6[4:2] - ((ip6[52] & 0xf0) >> 2))"
_AT6 = "ip6[40 + ((ip6[52] & 0xf0) >> 2)"

_HEADS_1 = (0x7B, 0x16)  # '{', TLS handshake record
_HEADS_4 = (
    0x504F5354,  # "POST"
    0x47455420,  # "GET "
    0x48545450,  # "HTTP"
    0xF9BEB4D9,  # Bitcoin mainnet magic
    0x0B110907,  # Bitcoin testnet3 magic
    0x01210101,  # Monero levin signature (first four bytes)
)
_WEBSOCKET = (0x81, 0x82)  # FIN + text/binary frame (browser-miner proxies)
_WEBSOCKET_MAX_IP = 1200  # only small frames: bulk segments start with anything


def _payload_terms(at: str, length: str, ip_len: str) -> str:
    one = " or ".join(f"{at}:1] = 0x{v:02x}" for v in _HEADS_1)
    # Stratum V2 frame header: extension 0x0000 with a setup message (type 0-2), or the
    # channel bit 0x8000 (little-endian: 00 80) that every mining-channel message carries.
    sv2_setup = f"{at}:2] = 0x0000 and {at} + 2:1] < 3"
    sv2 = f"({length} >= 6 and (({sv2_setup}) or {at}:2] = 0x0080))"
    four = " or ".join(f"{at}:4] = 0x{v:08x}" for v in _HEADS_4)
    ws = " or ".join(f"{at}:1] = 0x{v:02x}" for v in _WEBSOCKET)
    return (
        f"({length} >= 1 and ({one} or ({ip_len} < {_WEBSOCKET_MAX_IP} and ({ws}))))"
        f" or ({length} >= 4 and ({four})) or {sv2}"
    )


def static_filter(intel: Intel) -> str:
    """The filter for a capture before anything was learned from it."""
    ports = sorted(intel.mining_ports | intel.tls_ports | STRATUM_V2_PORTS)
    port_list = " or ".join(str(p) for p in ports)
    v4 = _payload_terms(_AT4, _PL4, "ip[2:2]")
    v6 = _payload_terms(_AT6, _PL6, "(ip6[4:2] + 40)")
    return (
        "(tcp[tcpflags] & (tcp-syn|tcp-fin|tcp-rst) != 0)"
        " or (ip6 and ip6[6] = 6 and ip6[53] & 0x07 != 0)"
        " or (port 53)"  # DNS over UDP and TCP
        # IP fragments are not reassembled, but counted: a capture of them says so.
        " or (ip[6:2] & 0x3fff != 0) or (ip6 and ip6[6] = 44)"
        f" or (tcp and port ({port_list}))"
        f" or (ip and tcp and ({v4}))"
        f" or (ip6 and ip6[6] = 6 and ({v6}))"
    )


class DynamicFilter:
    """The static filter plus followed hosts and flows, rebuilt when they change."""

    def __init__(self, intel: Intel) -> None:
        self.base = static_filter(intel)
        self._terms: OrderedDict[str, None] = OrderedDict()
        self.changed = False

    def follow_host(self, address: str) -> None:
        self._add(f"host {address}")

    def follow_flows(self, flows: Iterable[tuple[str, int, str, int]]) -> None:
        """Follow the pool endpoints of these flows (one term per endpoint, not per flow)."""
        for _client, _cport, server, sport in flows:
            self._add(f"(host {server} and tcp port {sport})")

    def _add(self, term: str) -> None:
        if term in self._terms or len(self._terms) >= MAX_DYNAMIC_TERMS:
            return
        self._terms[term] = None
        self.changed = True

    def expression(self) -> str:
        self.changed = False
        if not self._terms:
            return self.base
        return f"{self.base} or " + " or ".join(self._terms)
