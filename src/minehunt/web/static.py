"""Static analysis of one web document (HTML, JavaScript or WebAssembly), no network.

``analyse_document`` is the entry point ``minehunt scan files`` uses for web roots; the
crawler uses ``analyse`` to also learn what a document refers to (scripts, iframes, links,
workers, WebAssembly modules) and fetches those itself, within its scope.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from minehunt import intel as intel_mod
from minehunt.correlate import Signal
from minehunt.intel import Intel
from minehunt.model import Finding
from minehunt.web.findings import page_finding
from minehunt.web.hints import Found
from minehunt.web.html import parse_html
from minehunt.web.script import (
    analyse_script,
    url_signals,
    wasm_signals,
    wasm_verdict,
    yara_signals,
)
from minehunt.web.signals import DocumentResult, Resources, signal, target_for
from minehunt.web.wasm.binary import MAGIC

__all__ = ["analyse", "analyse_document", "document_finding", "kind_of"]

_JS_TYPES = ("javascript", "ecmascript", "module")
_HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".php", ".asp", ".aspx", ".jsp", ".shtml")
_JS_SUFFIXES = (".js", ".mjs", ".cjs")


def kind_of(url_or_path: str, content: bytes, content_type: str | None) -> str:
    """'html', 'script', 'wasm' or 'other', from the bytes first, then type and name."""
    if content.startswith(MAGIC):
        return "wasm"
    ctype = (content_type or "").split(";", 1)[0].strip().lower()
    path = urlsplit(url_or_path).path.lower() if "://" in url_or_path else url_or_path.lower()
    if "html" in ctype or path.endswith(_HTML_SUFFIXES):
        return "html"
    if any(t in ctype for t in _JS_TYPES) or path.endswith(_JS_SUFFIXES):
        return "script"
    if not ctype or ctype == "text/plain":
        head = content[:512].lstrip().lower()
        if head.startswith((b"<!doctype", b"<html", b"<head", b"<script", b"<body")):
            return "html"
    return "other"


def analyse_document(
    url_or_path: str,
    content: bytes,
    content_type: str | None = None,
    intel: Intel | None = None,
    found: Found | None = None,
) -> list[Signal]:
    """Signals about one HTML, JS or WASM document (context signals included).

    ``url_or_path`` names the document: an http(s) URL gives URL targets, a path gives
    file targets. Referenced resources are not fetched; use the crawler for that.
    ``found``: the website hint literals a pass over ``content`` found (a script's).
    """
    intel = intel or intel_mod.default()
    return list(analyse(url_or_path, content, content_type, intel, found).signals)


def document_finding(
    url_or_path: str,
    content: bytes,
    content_type: str | None = None,
    intel: Intel | None = None,
) -> Finding | None:
    """One finding for one document (context attached, never scored), or None.

    The one-call form for ``minehunt scan files`` on a web root.
    """
    return page_finding(url_or_path, analyse_document(url_or_path, content, content_type, intel))


def analyse(
    url_or_path: str,
    content: bytes,
    content_type: str | None,
    intel: Intel,
    found: Found | None = None,
) -> DocumentResult:
    """Signals plus the resources the document refers to (``found``: see
    ``analyse_document``)."""
    kind = kind_of(url_or_path, content, content_type)
    target = target_for(url_or_path)
    if kind == "wasm":
        verdict = wasm_verdict(content)
        where = f"wasm {url_or_path}"
        return DocumentResult("wasm", tuple(wasm_signals(target, verdict, where)))
    if kind == "script":
        try:  # valid UTF-8 (most scripts): the bytes need not be encoded again
            text, data = content.decode("utf-8"), content
        except UnicodeDecodeError:
            text, data = content.decode("utf-8", "replace"), None
        sigs, res, keys = analyse_script(
            target,
            text,
            intel,
            f"script {url_or_path}",
            base_url=url_or_path,
            data=data,
            found=found,
        )
        return DocumentResult("script", tuple(sigs), res, tuple(keys))
    if kind == "html":
        return _html(url_or_path, content, intel)
    return DocumentResult("other")


def _html(url: str, content: bytes, intel: Intel) -> DocumentResult:
    target = target_for(url)
    facts = parse_html(url, content)
    sigs: list[Signal] = []
    keys: list[str] = []
    workers: list[str] = []
    wasm: list[str] = []
    rule_ids: set[str] = set()
    for where in facts.injected:
        sigs.append(
            signal(
                target, "MH-WEB-006", f"script injected {where}", "document", {"position": where}
            )
        )
    page_origin = _origin(url)
    third_party: list[tuple[str, bool]] = []
    for tag in facts.scripts:
        if tag.src:
            sigs += url_signals(target, tag.src, intel, f"script {tag.src[:200]}")
            if _origin(tag.src) != page_origin:
                third_party.append((tag.src, bool(tag.integrity)))
            continue
        if tag.type and not any(t in tag.type.lower() for t in ("javascript", "module")):
            continue  # JSON, templates: not executed
        where = f"inline script #{tag.index}"
        found, res, k = analyse_script(target, tag.text, intel, where, base_url=url)
        sigs += found
        rule_ids.update(str(s.evidence.attributes.get("rule")) for s in found)
        keys += k
        workers += res.workers
        wasm += res.wasm
    for frame in facts.iframes:
        sigs += url_signals(target, frame, intel, f"iframe {frame[:200]}")
    # Rules that need the markup (script tag + loader), or code split across inline blocks.
    for s in yara_signals(target, content, "document"):
        if s.evidence.attributes.get("rule") not in rule_ids:
            sigs.append(s)
    return DocumentResult(
        kind="html",
        signals=tuple(sigs),
        resources=Resources(
            scripts=tuple(t.src for t in facts.scripts if t.src),
            iframes=facts.iframes,
            links=facts.links,
            workers=tuple(dict.fromkeys(workers)),
            wasm=tuple(dict.fromkeys(wasm)),
        ),
        site_keys=tuple(dict.fromkeys(keys)),
        meta_csp=facts.meta_csp,
        third_party_scripts=tuple(third_party),
    )


def _origin(url: str) -> str:
    try:
        p = urlsplit(url)
        return f"{p.scheme}://{(p.hostname or '').lower()}:{p.port or ''}"
    except ValueError:  # a bad port or IPv6 literal: an origin of its own
        return f"invalid:{url}"
