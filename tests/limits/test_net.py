"""Network parsers at their limits: each stops at its documented bound (a message, a head, a
frame, a hello, an answer count), says so or ends that stream, and what is within the
limit, and every other stream, is still read."""

from __future__ import annotations

import json
import struct
from pathlib import Path

from minehunt import intel as intel_mod
from minehunt.net import dns, tls
from minehunt.net.capture.flows import FIRST_BYTES
from minehunt.net.capture.scan import scan_pcaps
from minehunt.net.stratum.http import MAX_HEAD, parse_head
from minehunt.net.stratum.model import Direction
from minehunt.net.stratum.stream import StreamParser
from minehunt.net.stratum.websocket import FrameDecoder
from minehunt.report import Collector
from tests.net.test_capture_properties import CLIENT, LOGIN, POOL, _tcp, write_pcap
from tests.support.launch import TEST_WALLET

MESSAGE = 64 * 1024  # StreamParser's default max_buffer: one JSON message at most


def _login(pad: int) -> bytes:
    """An XMRig login padded (inside its JSON) to ``pad`` bytes in all."""
    doc = json.loads(LOGIN)
    doc["params"]["pad"] = ""
    base = len(json.dumps(doc).encode()) + 1
    doc["params"]["pad"] = "p" * (pad - base)
    out = json.dumps(doc).encode() + b"\n"
    assert len(out) == pad
    return out


def test_a_stratum_message_over_the_limit_ends_that_stream_only() -> None:
    within = StreamParser(Direction.CLIENT)
    assert [m.method for m in within.feed(_login(MESSAGE))] == ["login"]
    over = StreamParser(Direction.CLIENT)
    data = _login(MESSAGE + 16)
    assert [m for i in range(0, len(data), 1400) for m in over.feed(data[i : i + 1400])] == []
    assert over.junk


def test_an_http_head_over_the_limit_is_an_error_not_a_wait() -> None:
    head = b"POST / HTTP/1.1\r\nX-Pad: " + b"a" * MAX_HEAD + b"\r\n\r\n"
    try:
        parse_head(head)
    except ValueError as e:
        assert "too long" in str(e)
    else:
        raise AssertionError("an overlong head was accepted")
    short = b"POST / HTTP/1.1\r\nX-Pad: " + b"a" * (MAX_HEAD - 100) + b"\r\n\r\n"
    got = parse_head(short)
    assert got is not None and got.method == "POST"


def _frame(payload: bytes) -> bytes:
    return b"\x81\x7f" + struct.pack("!Q", len(payload)) + payload


def test_a_websocket_frame_over_the_limit_stops_the_decoder() -> None:
    ok = FrameDecoder()
    assert [m.payload for m in ok.feed(_frame(b"x" * MESSAGE))] == [b"x" * MESSAGE]
    big = FrameDecoder()
    assert big.feed(_frame(b"x" * (MESSAGE + 1))) == []
    assert big.error is not None and "larger than the limit" in big.error


def _hello(sni: str, size: int) -> bytes:
    """A ClientHello naming ``sni``, padded (RFC 7685) to ``size`` record bytes."""
    name = sni.encode()
    sni_ext = struct.pack("!HHHBH", 0, len(name) + 5, len(name) + 3, 0, len(name)) + name
    body = b"\x03\x03" + b"\0" * 32 + b"\0" + b"\0\x02\x13\x01" + b"\x01\0"
    fixed = 4 + len(body) + 2 + len(sni_ext) + 4
    pad = struct.pack("!HH", 21, size - 5 - fixed) + b"\0" * (size - 5 - fixed)
    exts = sni_ext + pad
    hs = body + struct.pack("!H", len(exts)) + exts
    hs = b"\x01" + len(hs).to_bytes(3, "big") + hs
    record = b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs
    assert len(record) == size
    return record


def test_a_client_hello_over_the_kept_bytes_gives_no_name_and_the_flow_is_still_judged(
    tmp_path: Path,
) -> None:
    assert tls.client_hello_sni(_hello("pool.supportxmr.com", FIRST_BYTES)) == (
        "pool.supportxmr.com"
    )
    c_isn, s_isn = 7000, 90_000
    tls_client, tls_pool = ("10.9.0.6", 40500), ("127.0.0.9", 443)
    hello = _hello("pool.supportxmr.com", FIRST_BYTES + 1)
    packets = [_tcp(tls_client, tls_pool, c_isn, 0, 0x02, b"")]
    packets += [
        _tcp(tls_client, tls_pool, c_isn + 1 + i, s_isn + 1, 0x18, hello[i : i + 1400])
        for i in range(0, len(hello), 1400)
    ]
    # and a plain Stratum login on another flow of the same capture
    packets += [
        _tcp(CLIENT, POOL, 1000, 0, 0x02, b""),
        _tcp(CLIENT, POOL, 1001, 50_001, 0x18, LOGIN),
    ]
    path = tmp_path / "big-hello.pcap"
    write_pcap(path, packets)
    col = Collector("scan pcap")
    found = list(scan_pcaps([path], intel_mod.default(), col))
    attrs = [e.attributes for f in found for e in f.evidence]
    assert any(a.get("wallet") == TEST_WALLET for a in attrs)
    assert not any(a.get("sni") for a in attrs)  # the name was past the kept bytes


def test_dns_answers_over_the_record_limit_are_not_read() -> None:
    q = b"\x04pool\x0asupportxmr\x03com\x00"
    n = dns.MAX_RECORDS + 5
    msg = struct.pack("!HHHHHH", 1, 0x8180, 1, n, 0, 0) + q + b"\x00\x01\x00\x01"
    for i in range(n):
        msg += b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + bytes([127, 0, 1, i])
    parsed = dns.parse(msg)
    assert parsed is not None
    assert len(parsed.addresses) == dns.MAX_RECORDS
    assert parsed.addresses[0] == ("pool.supportxmr.com", "127.0.1.0")


def test_flows_over_the_table_limit_are_judged_early_not_lost() -> None:
    from minehunt.net.capture.flows import FlowTable
    from minehunt.net.capture.packets import Packet, decode
    from minehunt.net.observe import NameBook

    table = FlowTable(intel_mod.default(), NameBook(), "t", max_flows=4)
    frames = [
        _tcp(CLIENT, POOL, 1000, 0, 0x02, b""),
        _tcp(CLIENT, POOL, 1001, 50_001, 0x18, LOGIN),
    ]
    # then more connections than the table holds, long after (the miner's flow is idle)
    frames += [_tcp(("10.9.0.9", 20000 + i), ("10.9.0.8", 3333), 5, 0, 0x02, b"") for i in range(8)]
    for n, frame in enumerate(frames, 1):
        p = decode(1, 1_767_225_600.0 + (0 if n <= 2 else 1000 + n), frame, n)
        assert isinstance(p, Packet)
        table.packet(p)
    assert len(table) <= 4 and table.evicted >= 5
    mining = [o for o in table.done if o.mining is not None and o.mining.wallet]
    assert [o.mining.wallet for o in mining if o.mining] == [TEST_WALLET]
