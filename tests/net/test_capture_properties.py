"""Properties of the capture readers over generated packets, written by hand in both formats.

A Stratum login (XMRig's `login` request) travels in a TCP flow whose segments are cut at
generated points and interleaved with generated unrelated packets; the same packets are
written as classic pcap and as pcapng. Both files must give the same findings, with both
readers (the compiled pre-pass and libpcap's filter), and the frame numbers in the findings
must be the exact positions of the flow's first packet and of the segment that completed
the login.
"""

from __future__ import annotations

import json
import struct
from dataclasses import asdict, dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minehunt import intel as intel_mod
from minehunt.net.capture.scan import scan_pcaps
from minehunt.report import Collector
from tests.support.launch import TEST_WALLET

CLIENT, POOL = ("10.9.0.5", 40123), ("127.0.0.9", 3333)
LOGIN = (
    json.dumps(
        {
            "id": 1,
            "jsonrpc": "2.0",
            "method": "login",
            "params": {"login": TEST_WALLET, "pass": "rig42", "agent": "XMRig/6.21.0"},
        }
    ).encode()
    + b"\n"
)
REPLY = (
    b'{"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"1","job":{"blob":"00","job_id":"1",'
    b'"target":"b88d0600"},"status":"OK"}}\n'
)
BASE = 1_767_225_600


def _sum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _ip(src: str, dst: str, proto: int, payload: bytes) -> bytes:
    head = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0,
        bytes(map(int, src.split("."))), bytes(map(int, dst.split("."))),
    )  # fmt: skip
    head = head[:10] + struct.pack("!H", _sum(head)) + head[12:]
    return b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00" + head + payload


def _tcp(
    src: tuple[str, int], dst: tuple[str, int], seq: int, ack: int, flags: int, data: bytes
) -> bytes:
    seg = struct.pack("!HHIIBBHHH", src[1], dst[1], seq, ack, 5 << 4, flags, 65535, 0, 0) + data
    return _ip(src[0], dst[0], 6, seg)


def _udp(src: tuple[str, int], dst: tuple[str, int], data: bytes) -> bytes:
    return _ip(src[0], dst[0], 17, struct.pack("!HHHH", src[1], dst[1], 8 + len(data), 0) + data)


@dataclass(frozen=True)
class Flow:
    packets: list[bytes]
    first: int
    """1-based frame of the SYN."""
    login_done: int
    """1-based frame of the segment that completes the login's JSON object (its closing
    brace: the parser reads a message once it is whole, before the newline after it)."""


def _build(cuts: list[int], noise: list[tuple[int, bytes]]) -> Flow:
    """The mining flow (handshake, the login cut at ``cuts``, the reply) with each noise
    packet inserted before the flow packet of the given index."""
    last_login = 0
    c_isn, s_isn = 1000, 50_000
    flow = [
        _tcp(CLIENT, POOL, c_isn, 0, 0x02, b""),
        _tcp(POOL, CLIENT, s_isn, c_isn + 1, 0x12, b""),
        _tcp(CLIENT, POOL, c_isn + 1, s_isn + 1, 0x10, b""),
    ]
    bounds = sorted({c for c in cuts if 0 < c < len(LOGIN)} | {0, len(LOGIN)})
    closing = LOGIN.rindex(b"}")
    for a, b in pairwise(bounds):
        if a <= closing < b:
            last_login = len(flow)
        flow.append(_tcp(CLIENT, POOL, c_isn + 1 + a, s_isn + 1, 0x18, LOGIN[a:b]))
    flow.append(_tcp(POOL, CLIENT, s_isn + 1, c_isn + 1 + len(LOGIN), 0x18, REPLY))
    out: list[bytes] = []
    first = done = 0
    for i, pkt in enumerate(flow):
        out += [p for at, p in noise if at == i]
        out.append(pkt)
        if i == 0:
            first = len(out)
        if i == last_login:
            done = len(out)
    out += [p for at, p in noise if at >= len(flow)]
    return Flow(out, first, done)


def write_pcap(path: Path, packets: list[bytes]) -> None:
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for i, p in enumerate(packets):
        out.append(struct.pack("<IIII", BASE + i // 100, (i % 100) * 10_000, len(p), len(p)) + p)
    path.write_bytes(b"".join(out))


def _block(kind: int, body: bytes) -> bytes:
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", kind, n) + body + struct.pack("<I", n)


def write_pcapng(path: Path, packets: list[bytes]) -> None:
    out = [
        _block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)),
        _block(1, struct.pack("<HHI", 1, 0, 65535)),
    ]
    for i, p in enumerate(packets):
        us = (BASE + i // 100) * 1_000_000 + (i % 100) * 10_000
        head = struct.pack("<IIIII", 0, us >> 32, us & 0xFFFFFFFF, len(p), len(p))
        out.append(_block(6, head + p))
    path.write_bytes(b"".join(out))


INTEL = intel_mod.default()


def _findings(path: Path) -> list[dict[str, Any]]:
    col = Collector("scan pcap")
    found = [asdict(f) for f in scan_pcaps([path], INTEL, col)]
    assert not col.skipped, col.skipped
    for f in found:
        del f["observed"]  # when the scan ran
    # The same packets in another file: the same findings once the file name is left out.
    return json.loads(json.dumps(found).replace(str(path), "CAPTURE"))


noise_packet = st.builds(
    lambda port, data: _udp(("10.9.0.7", port), ("10.9.0.8", 5353), data),
    st.integers(1024, 65000),
    st.binary(max_size=64),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    cuts=st.lists(st.integers(1, len(LOGIN) - 1), max_size=6),
    noise=st.lists(st.tuples(st.integers(0, 12), noise_packet), max_size=12),
)
def test_pcap_and_pcapng_of_the_same_packets_give_the_same_findings_and_exact_frames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cuts: list[int], noise: list[tuple[int, bytes]]
) -> None:
    flow = _build(cuts, noise)
    classic, ng = tmp_path / "a.pcap", tmp_path / "a.pcapng"
    write_pcap(classic, flow.packets)
    write_pcapng(ng, flow.packets)
    results = []
    for prefilter in ("on", "off"):
        monkeypatch.setenv("MINEHUNT_PREFILTER", prefilter)
        results += [_findings(classic), _findings(ng)]
    assert all(r == results[0] for r in results[1:])
    (finding,) = [f for f in results[0] if f["target"]["raddr"] == "127.0.0.9:3333"]
    attrs = next(e["attributes"] for e in finding["evidence"] if e["attributes"].get("wallet"))
    assert attrs["wallet"] == TEST_WALLET and attrs["agent"] == "XMRig/6.21.0"
    assert attrs["first_frame"] == flow.first
    assert attrs["evidence_frame"] == flow.login_done
