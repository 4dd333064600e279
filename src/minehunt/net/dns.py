"""Minimal DNS message reader: question names and A/AAAA/CNAME answers, nothing else.

Hand-written rather than dnspython: dnspython builds a full object tree for every record
(tens of microseconds per message), while a capture can hold millions of DNS packets of which
only the names and addresses matter. Every read is bounds-checked and compression pointers
may only point backwards, so hostile messages end in ``None``, never a loop or an exception.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass

_HEADER = struct.Struct("!HHHHHH")
_RR = struct.Struct("!HHIH")
A, CNAME, AAAA = 1, 5, 28
MAX_RECORDS = 64
"""Answers read per message (a response rarely needs more; bounds hostile counts)."""


@dataclass(frozen=True)
class DnsMessage:
    """The parts of one DNS message that tie names to addresses."""

    txid: int
    """Transaction id."""
    response: bool
    """QR bit: this is an answer."""
    rcode: int
    """Response code (0 = no error, 3 = NXDOMAIN)."""
    questions: tuple[str, ...]
    """Names asked for, lower-case, without the trailing dot."""
    addresses: tuple[tuple[str, str], ...]
    """(owner name, address) of every A/AAAA answer."""
    aliases: tuple[tuple[str, str], ...]
    """(owner name, canonical name) of every CNAME answer."""


def _name(msg: bytes, pos: int) -> tuple[str, int] | None:
    """Read a (possibly compressed) name at ``pos``: (name, position after it in place)."""
    labels: list[str] = []
    end = -1
    jumps = 0
    while True:
        if pos >= len(msg):
            return None
        length = msg[pos]
        if length & 0xC0 == 0xC0:
            if pos + 1 >= len(msg):
                return None
            target = ((length & 0x3F) << 8) | msg[pos + 1]
            if end < 0:
                end = pos + 2
            if target >= pos or jumps > 32:  # only backwards: no loops
                return None
            pos, jumps = target, jumps + 1
            continue
        if length & 0xC0:
            return None  # 0x40/0x80: obsolete label types
        pos += 1
        if length == 0:
            break
        if pos + length > len(msg):
            return None
        labels.append(msg[pos : pos + length].decode("ascii", "replace").lower())
        pos += length
        if len(labels) > 127:
            return None
    return ".".join(labels), (end if end >= 0 else pos)


def parse(msg: bytes) -> DnsMessage | None:
    """Parse a DNS message (UDP payload); None when it is not one."""
    if len(msg) < 12:
        return None
    txid, flags, qdcount, ancount, _ns, _ar = _HEADER.unpack_from(msg)
    if qdcount > 4 or flags & 0x7800:  # opcode must be QUERY (0)
        return None
    pos = 12
    questions: list[str] = []
    for _ in range(qdcount):
        got = _name(msg, pos)
        if got is None or got[1] + 4 > len(msg):
            return None
        questions.append(got[0])
        pos = got[1] + 4
    addresses: list[tuple[str, str]] = []
    aliases: list[tuple[str, str]] = []
    for _ in range(min(ancount, MAX_RECORDS)):
        got = _name(msg, pos)
        if got is None or got[1] + 10 > len(msg):
            break  # keep what was read: a truncated answer section still names addresses
        owner, pos = got
        rtype, _cls, _ttl, rdlen = _RR.unpack_from(msg, pos)
        pos += 10
        if pos + rdlen > len(msg):
            break
        if rtype == A and rdlen == 4:
            addresses.append((owner, str(ipaddress.IPv4Address(msg[pos : pos + 4]))))
        elif rtype == AAAA and rdlen == 16:
            addresses.append((owner, str(ipaddress.IPv6Address(msg[pos : pos + 16]))))
        elif rtype == CNAME:
            target = _name(msg, pos)
            if target is not None:
                aliases.append((owner, target[0]))
        pos += rdlen
    return DnsMessage(
        txid=txid,
        response=bool(flags & 0x8000),
        rcode=flags & 0x000F,
        questions=tuple(questions),
        addresses=tuple(addresses),
        aliases=tuple(aliases),
    )
