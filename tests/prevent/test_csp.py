"""scan url --csp: for each page, which ways a browser miner runs its CSP would stop (from a
real header or meta policy served on loopback), and a suggested policy."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from minehunt.model import Severity
from minehunt.prevent.csp import evaluate
from tests.conftest import run_cli

STRICT = (
    "default-src 'self'; script-src 'self' https://cdn.jsdelivr.net; worker-src 'self'; "
    "connect-src 'self' https://api.shop.example; object-src 'none'"
)
PAGES = {
    "/none.html": (None, '<script src="https://cdn.jsdelivr.net/npm/lib@1/x.js"></script>'),
    "/strict.html": (
        STRICT,
        '<script src="https://cdn.jsdelivr.net/npm/lib@1/x.js" integrity="sha384-abc"></script>',
    ),
    "/loose.html": ("script-src * 'unsafe-inline' 'wasm-unsafe-eval'; connect-src *", ""),
    "/meta.html": (None, f'<meta http-equiv="Content-Security-Policy" content="{STRICT}">'),
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        header, body = PAGES.get(self.path, (None, ""))
        html = f"<!DOCTYPE html><html><head><title>t</title>{body}</head><body>hi</body></html>"
        data = html.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if header:
            self.send_header("Content-Security-Policy", header)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


def _csp(base: str, path: str) -> dict[str, object]:
    r = run_cli("scan", "url", base + path, "--csp", "-f", "json", "--min-severity", "info")
    assert r.code == 0, r.stderr
    (f,) = [f for f in r.report.findings if f.check_id == "MH-EXPO-013"]
    assert f.target.url == base + path
    return {**f.evidence[0].attributes, "severity": f.severity, "summary": f.summary}


def test_no_policy_stops_nothing_and_gets_a_suggestion(base: str) -> None:
    a = _csp(base, "/none.html")
    assert a["csp"] == "absent" and a["severity"] == Severity.LOW
    for k in ("miner_host_script", "inline", "pool_websocket", "wasm"):
        assert a[f"allows_{k}"] is True, k
    assert a["suggested_policy"] == (
        "default-src 'self'; script-src 'self' https://cdn.jsdelivr.net; worker-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'self'"
    )
    assert a["third_party_without_sri"] == 1


@pytest.mark.parametrize("path", ["/strict.html", "/meta.html"])
def test_strict_policy_stops_every_vector(base: str, path: str) -> None:
    a = _csp(base, path)
    assert a["csp"] == ("header" if path == "/strict.html" else "meta")
    assert a["severity"] == Severity.INFO
    assert not any(v for k, v in a.items() if k.startswith("allows_")), a


def test_loose_policy_names_what_it_lets_through(base: str) -> None:
    a = _csp(base, "/loose.html")
    assert a["allows_miner_host_script"] and a["allows_inline"] and a["allows_wasm"]
    assert a["allows_pool_websocket"] and not a["allows_blob_worker"]
    assert "CSP would not stop: miner-host script, inline, pool WebSocket, wasm" in str(
        a["summary"]
    )


def test_directive_fallbacks_and_keywords() -> None:
    page = "https://shop.example/"
    # worker-src falls back to child-src, then script-src; blob: must be named
    assert evaluate("child-src blob:", page, "coinhive.com", "pool.example")["blob worker"]
    assert not evaluate("script-src *", page, "coinhive.com", "pool.example")["blob worker"]
    v = evaluate("default-src 'self'; script-src 'nonce-r4nd' 'strict-dynamic' 'unsafe-inline' https:",
                 page, "coinhive.com", "pool.example")  # fmt: skip
    assert not v["inline"] and not v["miner-host script"]  # nonce disables unsafe-inline
    v = evaluate("default-src https:; connect-src wss://*.pool.example", page, "coinhive.com",
                 "eu.pool.example")  # fmt: skip
    assert v["miner-host script"] and v["pool WebSocket"] and not v["wasm"]
