"""Static analysis of the test site's documents (no network): what name lists can and cannot see."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from minehunt.intel import Intel
from minehunt.model import Severity, TargetKind
from minehunt.web.findings import page_finding
from minehunt.web.html import parse_html
from minehunt.web.static import analyse, analyse_document, document_finding
from minehunt.web.wasm.binary import MAGIC
from tests.web.site import MINER_PAGES, Site

HERE = Path(__file__).resolve().parent
BASE = "https://shop.example"
NAME_CHECKS = {"MH-WEB-001", "MH-WEB-002"}
"""Checks driven by names: domain/path lists and family identifiers."""


def nocoin_rules() -> list[str]:
    return [
        line.strip()
        for line in (HERE / "data" / "nocoin.txt").read_text().splitlines()
        if line.strip() and not line.startswith("!")
    ]


def nocoin_blocks(url: str, rules: list[str]) -> bool:
    """Adblock-style matching of the NoCoin-style sample: ||domain^ and path rules."""
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or ""
    for rule in rules:
        if rule.startswith("||"):
            domain = rule[2:].split("^", 1)[0]
            if host == domain or host.endswith("." + domain):
                return True
        elif rule.strip("*") and rule.strip("*") in url:
            return True
    return False


def ids(signals: list) -> set[str]:  # type: ignore[type-arg]
    return {s.evidence.check_id for s in signals}


def read(site: Site, rel: str) -> bytes:
    return (site.root / rel.lstrip("/")).read_bytes()


def test_embedded_miner_page(site: Site, intel: Intel) -> None:
    r = analyse(BASE + MINER_PAGES["embed"], read(site, MINER_PAGES["embed"]), "text/html", intel)
    assert {"MH-WEB-001", "MH-WEB-002"} <= ids(list(r.signals))
    assert r.site_keys == ("mhTestSiteKey0123456789abcdefXYZ",)
    assert BASE + "/lib/coinhive.min.js" in r.resources.scripts
    wheres = {s.evidence.source for s in r.signals}
    assert "inline script #1" in wheres and f"script {BASE}/lib/coinhive.min.js" in wheres


def test_injected_before_doctype(site: Site, intel: Intel) -> None:
    r = analyse(BASE + "/x.html", read(site, MINER_PAGES["injected"]), "text/html", intel)
    inj = [s for s in r.signals if s.evidence.check_id == "MH-WEB-006"]
    assert inj and inj[0].evidence.attributes["position"] == "before <!DOCTYPE>"
    clean = analyse(BASE + "/y.html", read(site, MINER_PAGES["embed"]), "text/html", intel)
    assert "MH-WEB-006" not in ids(list(clean.signals))


def test_renamed_minified_miner_escapes_every_name_list(site: Site, intel: Intel) -> None:
    """Only --browser and the WASM analyser may find it: assert the name lists do not."""
    rules = nocoin_rules()
    page = BASE + MINER_PAGES["renamed"]
    docs = {
        page: read(site, MINER_PAGES["renamed"]),
        BASE + "/assets/js/analytics.js": read(site, "/assets/js/analytics.js"),
        BASE + "/assets/js/chunk.js": read(site, "/assets/js/chunk.js"),
    }
    for url, content in docs.items():
        assert not nocoin_blocks(url, rules), url
        found = analyse(url, content, None, intel)
        assert not ids(list(found.signals)) & NAME_CHECKS, (url, found.signals)
        assert not re.search(rb"(?i)coinhive|cryptonight|getHashesPerSecond", content), url
    # ...while the WASM analyser recognises the module it loads, whatever its name.
    sprite = read(site, "/assets/img/sprite.bin")
    assert sprite.startswith(MAGIC)
    r = analyse(BASE + "/assets/img/sprite.bin", sprite, "application/octet-stream", intel)
    assert ids(list(r.signals)) == {"MH-WEB-003"}
    # and the named copy is caught by the NoCoin-style list (sanity check of the list)
    assert nocoin_blocks(BASE + "/lib/coinhive.min.js", rules)


def test_packed_loader_is_decoded_and_analysed(site: Site, intel: Intel) -> None:
    inner = read(site, MINER_PAGES["embed"]).decode()
    code = re.search(r"<script>\n(.*?)</script>", inner, re.S)
    assert code is not None
    blob = base64.b64encode((code.group(1) + "\n" + "/* pad */" * 300).encode()).decode()
    packed = f'var s = "{blob}"; eval(atob("{blob}"));'
    r = analyse(BASE + "/p.js", packed.encode(), "application/javascript", intel)
    found = ids(list(r.signals))
    assert "MH-WEB-007" in found and "MH-WEB-002" in found
    decoded = [s for s in r.signals if s.evidence.check_id == "MH-WEB-002"]
    assert decoded[0].evidence.source is not None and "decoded" in decoded[0].evidence.source


def test_websocket_proxy_urls(intel: Intel) -> None:
    js = b"""
      var a = new WebSocket("wss://ws003.coinhive.com/proxy");
      var b = new WebSocket("wss://relay.example.net/ws?pool=pool.example.org:3333");
      var c = new WebSocket("wss://chat.example.net/room/42");
    """
    sigs = analyse_document(BASE + "/ws.js", js, "text/javascript", intel)
    urls = {
        s.evidence.attributes.get("websocket") for s in sigs if s.evidence.check_id == "MH-WEB-005"
    }
    assert "wss://ws003.coinhive.com/proxy" in urls
    assert "wss://relay.example.net/ws?pool=pool.example.org:3333" in urls
    assert not any("chat.example.net" in str(u) for u in urls)


def test_third_party_miner_host_and_sri_posture(intel: Intel) -> None:
    html = b"""<!DOCTYPE html><html><head>
      <script src="https://coinhive.com/lib/coinhive.min.js"></script>
      <script src="https://cdn.example.net/jquery.js" integrity="sha384-abc"></script>
      <script src="https://cdn.example.net/widget.js"></script></head><body>
      <iframe src="https://ads.crypto-loot.com/banner"></iframe></body></html>"""
    r = analyse(BASE + "/", html, "text/html", intel)
    domains = {s.evidence.attributes.get("domain") for s in r.signals}
    assert {"coinhive.com", "crypto-loot.com"} <= domains
    assert dict(r.third_party_scripts) == {
        "https://coinhive.com/lib/coinhive.min.js": False,
        "https://cdn.example.net/jquery.js": True,
        "https://cdn.example.net/widget.js": False,
    }


def test_benign_pages_stay_below_medium(site: Site, intel: Intel) -> None:
    for rel in (
        "/benign/animation.html",
        "/benign/chat.html",
        "/benign/argon2.html",
        "/vendor/argon2/argon2-bundled.min.js",
        "/benign/filehash.html",
        "/vendor/hash-wasm/index.umd.min.js",
        "/benign/captcha.html",
    ):
        url = BASE + rel
        finding = page_finding(url, analyse_document(url, read(site, rel), None, intel))
        if finding is not None:
            assert finding.severity.rank < 2, (rel, finding.summary)
    captcha = BASE + "/benign/captcha.html"
    f = page_finding(
        captcha, analyse_document(captcha, read(site, "/benign/captcha.html"), None, intel)
    )
    assert f is not None and f.check_id == "MH-WEB-010" and f.severity.value == "low"


def test_file_paths_give_file_targets(site: Site, intel: Intel) -> None:
    path = str(site.root / "lib" / "cryptonight.wasm")
    sigs = analyse_document(path, Path(path).read_bytes(), None, intel)
    assert sigs and all(s.target.kind is TargetKind.FILE and s.target.path == path for s in sigs)
    page = str(site.root / MINER_PAGES["injected"].lstrip("/"))
    f = document_finding(page, Path(page).read_bytes(), intel=intel)
    assert f is not None and f.target.path == page and f.severity is Severity.CRITICAL
    argon2 = str(site.root / "vendor/argon2/argon2-bundled.min.js")
    f = document_finding(argon2, Path(argon2).read_bytes(), intel=intel)
    assert f is None or f.severity < Severity.MEDIUM


def test_hostile_markup_parses(site: Site) -> None:
    facts = parse_html(BASE + "/bad.html", read(site, "/hostile/invalid.html"))
    # An unclosed <title> swallows the rest as text, as in a browser: no script runs there.
    assert facts.scripts == () and facts.injected == ()
    huge = b"<html><body>" + b"<a href='/x'>x</a>" * 50_000 + b"</body></html>"
    assert len(parse_html(BASE + "/", huge).links) == 1


def test_script_after_the_document_is_injection(intel: Intel) -> None:
    page = b"<!DOCTYPE html><html><body><p>ok</p></body></html>\n<script src=/x.js></script>"
    r = analyse(BASE + "/after.html", page, "text/html", intel)
    inj = [s for s in r.signals if s.evidence.check_id == "MH-WEB-006"]
    assert [s.evidence.attributes["position"] for s in inj] == ["after </html>"]
    finding = page_finding(BASE + "/after.html", list(r.signals))
    assert finding is not None and finding.severity is Severity.MEDIUM
