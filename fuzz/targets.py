"""One fuzz target per parser of attacker-controlled input: `TARGETS[name](data)` must
return or raise only the errors the parser documents; anything else is a bug.

The targets import minehunt lazily (inside `load`) so atheris can instrument the imports.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
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


LONG = 64 << 10
"""Bytes a ``-long`` target makes of its input."""


def _long(data: bytes) -> bytes:
    """The input repeated to LONG bytes, for the analyses of text an attacker writes: a
    pattern that backtracks over a line, or work that grows with the square of the text,
    shows as a timeout (``run.py`` gives these targets seconds where a linear analysis
    takes tens of milliseconds). The first byte set drops the line breaks (one long line,
    where such patterns are slowest); the rest is repeated."""
    if len(data) < 2:
        return data[1:]
    body = data[1:]
    if data[0]:
        body = body.replace(b"\n", b" ").replace(b"\r", b" ")
    return (body * (LONG // len(body) + 1))[:LONG]


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
        from minehunt.cloud.deploy import DeployLimit, deploy_signals

        for kind in ("kubernetes", "compose", "dockerfile"):
            with contextlib.suppress(DeployLimit):  # documented: a skipped file
                deploy_signals(intel, "x.yaml", data, kind)

    def eve(data: bytes) -> None:
        from minehunt.net.logs.suricata import scan_eve

        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "eve.json"
            p.write_bytes(data)
            list(scan_eve([p], intel, Collector("fuzz")))

    def zeek(data: bytes) -> None:
        from minehunt.net.logs.zeek import KINDS, scan_zeek

        # The first byte picks the log (conn, dns, ssl, x509, http) and whether it is
        # gzipped; the rest is the file, TSV with a #fields header or JSON lines.
        kind = KINDS[data[0] % len(KINDS)] if data else "conn"
        body = data[1:]
        with tempfile.TemporaryDirectory() as d:
            name = f"{kind}.log"
            if data[:1] and data[0] & 0x80:
                body, name = gzip.compress(body), f"{kind}.log.gz"
            (Path(d) / name).write_bytes(body)
            list(scan_zeek(Path(d), intel, Collector("fuzz")))

    def router(data: bytes) -> None:
        from minehunt.router.scan import scan_exports

        with tempfile.NamedTemporaryFile(suffix=".rsc") as f:
            f.write(data)
            f.flush()
            list(scan_exports([f.name], intel, Collector("fuzz")))

    def report(data: bytes) -> None:
        # What the server does with an agent's report body before storing it.
        from minehunt.server import store
        from minehunt.server.api import ReportBody

        raw = data.decode("utf-8", "replace")
        if store.has_nul(raw):
            return
        try:
            body = ReportBody.model_validate_json(raw)
            store.parse_findings(body.report)
        except (ValueError, store.ReportError):  # documented: a 422 for the agent
            pass
        with contextlib.suppress(ValueError, store.ReportError):
            doc = json.loads(raw)
            if isinstance(doc, dict):
                store.parse_findings(doc)

    def image_config(data: bytes) -> None:
        from minehunt.cloud.image import Image, ImageError, Layer, _config_signals, _history, _json

        try:
            config = _json(data, "image config")
        except ImageError:  # documented: not an image minehunt can read
            return
        if not isinstance(config, dict):
            return
        hist = _history(config)
        layers = [Layer(i, f"sha256:{i:064x}", h) for i, h in enumerate(hist)]
        img = Image("fuzz:latest", config, layers, lambda _d: io.BytesIO())
        list(_config_signals(intel, img))

    def dropper(data: bytes) -> None:
        from minehunt import dropper as dropper_mod
        from minehunt.web.signals import target_for

        # A dropper script as `scan files` reads one (shell, PowerShell, Python, batch...).
        name = ("x.sh", "x.ps1", "x.py", "x.bat", "x.vbs", "x")[data[0] % 6] if data else "x"
        dropper_mod.file_signals(target_for(name), data[1:], intel, name)

    def dropper_long(data: bytes) -> None:
        # The first byte picks the script's kind (as in ``dropper``), the rest is ``_long``'s.
        dropper(data[:1] + _long(data[1:]))

    def web_long(data: bytes) -> None:
        web_document(_long(data))

    def router_long(data: bytes) -> None:
        router(_long(data))

    def deploy_long(data: bytes) -> None:
        deployment(_long(data))

    def intel_list(data: bytes) -> None:
        from minehunt.intel.lists import parse_list

        # A subscribed blocklist (hosts file, domain or address list, adblock-style lines).
        parse_list(data.decode("utf-8", "replace").splitlines())

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
        "zeek": zeek,
        "router": router,
        "report": report,
        "image": image_config,
        "dropper": dropper,
        "dropper-long": dropper_long,
        "web-long": web_long,
        "router-long": router_long,
        "deploy-long": deploy_long,
        "intel-list": intel_list,
    }


def seeds(name: str) -> list[Path]:
    """Seed directories for a target: committed seeds, plus captures the test suite left.
    A ``-long`` target also starts from the seeds of the parser it feeds."""
    base = name.removesuffix("-long")
    dirs = list(dict.fromkeys([HERE / "seeds" / name, HERE / "seeds" / base]))
    extra = {
        "pcap": [REPO / "tests/net/data", REPO / "tests/.cache/seeds/pcap"],
        "archive": [REPO / "tests/.cache/seeds/archive"],
        "web": [REPO / "tests/corpus/files/web"],
        "deploy": [REPO / "tests/cloud/deploy/bad", REPO / "tests/cloud/deploy/good"],
        "router": [REPO / "tests/router/data"],
        "dropper": [REPO / "tests/corpus/dropper/positive", REPO / "tests/corpus/dropper/benign"],
    }.get(base, [])
    return [d for d in dirs + extra if d.is_dir() and any(d.iterdir())]


os.environ.setdefault("MINEHUNT_FUZZING", "1")
