"""One fuzz target per parser of attacker-controlled input: `TARGETS[name](data)` must
return or raise only the errors the parser documents; anything else is a bug.

The targets import minehunt lazily (inside `load`) so atheris can instrument the imports.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

Target = Callable[[bytes], None]

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def _split(data: bytes) -> list[bytes]:
    """Cut ``data`` into segments whose sizes its first byte decides (a TCP stream is cut
    anywhere; parsers must not care where)."""
    if not data:
        return []
    step = data[0] % 17 + 1
    body = data[1:]
    return [body[i : i + step] for i in range(0, len(body), step)] or [b""]


def load() -> dict[str, Target]:
    from minehunt import intel as intel_mod
    from minehunt.net import dns, tls
    from minehunt.net.stratum import http
    from minehunt.net.stratum.model import Direction
    from minehunt.net.stratum.stream import StreamParser
    from minehunt.net.stratum.websocket import FrameDecoder
    from minehunt.report import Collector

    intel = intel_mod.default()

    def stratum(data: bytes) -> None:
        way = Direction.CLIENT if data[:1] < b"\x80" else Direction.SERVER
        whole = StreamParser(way)
        pieces = StreamParser(way)
        a = whole.feed(data[1:]) if data else []
        b = [m for seg in _split(data) for m in pieces.feed(seg)]
        # The same stream cut anywhere gives the same messages.
        assert [m.method for m in a] == [m.method for m in b], (a, b)
        StreamParser(way).feed_text(data.decode("utf-8", "replace"))

    def dns_message(data: bytes) -> None:
        dns.parse(data)

    def tls_handshake(data: bytes) -> None:
        tls.looks_like_tls(data)
        tls.client_hello_sni(data)
        tls.server_certificate_names(data, final=True)
        tls.server_certificate_names(data, final=False)

    def http_head(data: bytes) -> None:
        http.starts_like_http(data)
        with contextlib.suppress(ValueError):  # documented: not HTTP, or a head too long
            http.parse_head(data)
        with contextlib.suppress(ValueError):  # documented: malformed chunking
            http.dechunk(data, 1 << 16)

    def websocket(data: bytes) -> None:
        dec = FrameDecoder()
        for seg in _split(data):
            dec.feed(seg)

    def pcap(data: bytes) -> None:
        from minehunt.net.capture.scan import scan_pcaps

        with tempfile.NamedTemporaryFile(suffix=".pcap") as f:
            f.write(data)
            f.flush()
            col = Collector("fuzz")
            list(scan_pcaps([Path(f.name)], intel, col))

    def wasm(data: bytes) -> None:
        from minehunt.web.wasm import analyse

        analyse(data)

    def web_document(data: bytes) -> None:
        from minehunt.web.static import analyse_document

        for name in ("page.html", "app.js"):
            analyse_document(name, data)

    def archive(data: bytes) -> None:
        from minehunt.files.archives import ArchiveLimits, Budget, members
        from minehunt.files.sniff import sniff

        ftype = sniff(data[:4096])
        if ftype.is_archive:
            for _ in members(io.BytesIO(data), ftype, "fuzz", ArchiveLimits(), Budget()):
                pass

    def deployment(data: bytes) -> None:
        from minehunt.cloud.deploy import deploy_signals

        for kind in ("kubernetes", "compose", "dockerfile"):
            deploy_signals(intel, "x.yaml", data, kind)

    def eve(data: bytes) -> None:
        from minehunt.net.logs.suricata import scan_eve

        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "eve.json"
            p.write_bytes(data)
            list(scan_eve([p], intel, Collector("fuzz")))

    return {
        "stratum": stratum,
        "dns": dns_message,
        "tls": tls_handshake,
        "http": http_head,
        "websocket": websocket,
        "pcap": pcap,
        "wasm": wasm,
        "web": web_document,
        "archive": archive,
        "deploy": deployment,
        "eve": eve,
    }


def seeds(name: str) -> list[Path]:
    """Seed directories for a target: committed seeds, plus captures the test suite left."""
    dirs = [HERE / "seeds" / name]
    extra = {
        "pcap": [REPO / "tests/net/data", REPO / "tests/.cache/seeds/pcap"],
        "archive": [REPO / "tests/.cache/seeds/archive"],
        "web": [REPO / "tests/corpus/files/web"],
        "deploy": [REPO / "tests/cloud/deploy/bad", REPO / "tests/cloud/deploy/good"],
    }.get(name, [])
    return [d for d in dirs + extra if d.is_dir() and any(d.iterdir())]


os.environ.setdefault("MINEHUNT_FUZZING", "1")
