"""Decode link, IP and TCP/UDP headers of captured frames into one flat `Packet`.

Hand-written with `struct` rather than dpkt/scapy: the hot path touches only the fields the
flow table needs, and a dpkt object per packet costs more than the whole decode here.
Nothing here trusts a length field: a short or malformed frame decodes to None.
"""

from __future__ import annotations

import enum
import ipaddress
import struct
from typing import NamedTuple

# Link types (pcap LINKTYPE_* values) the reader understands.
DLT_NULL, DLT_EN10MB, DLT_RAW, DLT_LOOP = 0, 1, 101, 108
DLT_LINUX_SLL, DLT_IPV4, DLT_IPV6, DLT_LINUX_SLL2 = 113, 228, 229, 276
DLT_RAW_BSD = 12  # OpenBSD's number for raw IP
SUPPORTED_LINKTYPES = frozenset(
    {DLT_NULL, DLT_EN10MB, DLT_RAW, DLT_RAW_BSD, DLT_LOOP, DLT_LINUX_SLL, DLT_IPV4, DLT_IPV6}
    | {DLT_LINUX_SLL2}
)

TCP, UDP = 6, 17
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
_ETH_IPV4, _ETH_IPV6, _ETH_VLAN, _ETH_QINQ = 0x0800, 0x86DD, 0x8100, 0x88A8
_U16 = struct.Struct("!H")
_IPV4 = struct.Struct("!BBHHHBBH4s4s")
_PORTS = struct.Struct("!HH")
_TCP = struct.Struct("!HHIIBB")


class Verdict(enum.Enum):
    """Why a frame produced no Packet (counted, so a capture of junk says so)."""

    NOT_IP = "not IP"
    FRAGMENT = "IP fragment"
    OTHER_PROTO = "not TCP or UDP"
    MALFORMED = "malformed"


class Packet(NamedTuple):
    """The fields of one TCP or UDP packet that the flow table uses."""

    ts: float
    """Capture time, epoch seconds."""
    src: str
    """Source address (text)."""
    sport: int
    dst: str
    dport: int
    proto: int
    """6 (TCP) or 17 (UDP)."""
    flags: int
    """TCP flags (0 for UDP)."""
    seq: int
    """TCP sequence number (0 for UDP)."""
    payload: bytes
    """Transport payload as captured (may be cut short by the snap length)."""
    ip_len: int
    """IP packet length from its header (what byte counts add up)."""
    truncated: bool
    """The capture holds fewer payload bytes than the packet carried."""
    frame: int = 0
    """Frame number in the capture file (1-based; 0 when the reader does not know it)."""


def _ip_text(raw: bytes) -> str:
    if len(raw) == 4:
        return f"{raw[0]}.{raw[1]}.{raw[2]}.{raw[3]}"
    return str(ipaddress.IPv6Address(raw))


def ip_offset(linktype: int, frame: bytes) -> tuple[int, int] | None:
    """(offset of the IP header, IP version) for a frame of ``linktype``, or None."""
    if linktype == DLT_EN10MB:
        if len(frame) < 14:
            return None
        etype, off = _U16.unpack_from(frame, 12)[0], 14
        while etype in (_ETH_VLAN, _ETH_QINQ) and len(frame) >= off + 4:
            etype, off = _U16.unpack_from(frame, off + 2)[0], off + 4
        version = 4 if etype == _ETH_IPV4 else 6 if etype == _ETH_IPV6 else 0
        return (off, version) if version else None
    if linktype == DLT_LINUX_SLL:
        if len(frame) < 16:
            return None
        etype = _U16.unpack_from(frame, 14)[0]
        version = 4 if etype == _ETH_IPV4 else 6 if etype == _ETH_IPV6 else 0
        return (16, version) if version else None
    if linktype == DLT_LINUX_SLL2:
        if len(frame) < 20:
            return None
        etype = _U16.unpack_from(frame, 0)[0]
        version = 4 if etype == _ETH_IPV4 else 6 if etype == _ETH_IPV6 else 0
        return (20, version) if version else None
    if linktype in (DLT_NULL, DLT_LOOP):
        # 4-byte address family in host (NULL) or network (LOOP) order; only the IP
        # version nibble of the next byte matters here.
        off = 4
    elif linktype in (DLT_RAW, DLT_RAW_BSD, DLT_IPV4, DLT_IPV6):
        off = 0
    else:
        return None
    if len(frame) <= off:
        return None
    version = frame[off] >> 4
    return (off, version) if version in (4, 6) else None


def decode(linktype: int, ts: float, frame: bytes, number: int = 0) -> Packet | Verdict:
    """Decode one captured frame; a Verdict says why it is not a usable TCP/UDP packet."""
    where = ip_offset(linktype, frame)
    if where is None:
        return Verdict.NOT_IP
    off, version = where
    if version == 4:
        if len(frame) < off + 20:
            return Verdict.MALFORMED
        vihl, _tos, total, _ident, frag, _ttl, proto, _sum, s, d = _IPV4.unpack_from(frame, off)
        ihl = (vihl & 0x0F) * 4
        if ihl < 20 or total < ihl:
            return Verdict.MALFORMED
        if frag & 0x3FFF:  # MF set or a non-zero offset: fragments are not reassembled
            return Verdict.FRAGMENT
        src, dst = _ip_text(s), _ip_text(d)
        start, end = off + ihl, off + total
    else:
        if len(frame) < off + 40:
            return Verdict.MALFORMED
        plen = _U16.unpack_from(frame, off + 4)[0]
        proto = frame[off + 6]
        if proto == 44:
            return Verdict.FRAGMENT
        src, dst = _ip_text(frame[off + 8 : off + 24]), _ip_text(frame[off + 24 : off + 40])
        start, end = off + 40, off + 40 + plen
    captured_end = min(end, len(frame))
    truncated = end > len(frame)
    if proto == TCP:
        if captured_end < start + 20:
            return Verdict.MALFORMED
        sport, dport, seq, _ack, doff, flags = _TCP.unpack_from(frame, start)
        hlen = (doff >> 4) * 4
        if hlen < 20:
            return Verdict.MALFORMED
        payload = frame[start + hlen : captured_end]
        return Packet(
            ts, src, sport, dst, dport, TCP, flags, seq, payload, end - off, truncated, number
        )
    if proto == UDP:
        if captured_end < start + 8:
            return Verdict.MALFORMED
        sport, dport = _PORTS.unpack_from(frame, start)
        payload = frame[start + 8 : captured_end]
        return Packet(ts, src, sport, dst, dport, UDP, 0, 0, payload, end - off, truncated, number)
    return Verdict.OTHER_PROTO
