"""HTML facts for the static analysis: scripts, iframes, links, CSP, and injected content.

Parsing uses selectolax's Lexbor engine (a WHATWG HTML5 parser written in C): invalid and
hostile markup parses the way a browser would see it, fast enough for 100+ pages a second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser

__all__ = ["HtmlFacts", "ScriptTag", "parse_html"]

_DOCUMENT_START = re.compile(rb"<!doctype|<html[\s>]", re.I)
_DOCUMENT_END = re.compile(rb"</html\s*>", re.I)
_SCRIPT = re.compile(rb"<script[\s>]", re.I)
MAX_LINKS = 2000
"""Links kept per page (a hostile page can hold millions)."""


@dataclass(frozen=True)
class ScriptTag:
    """One <script> element: external (src) or inline (text)."""

    index: int
    """0-based position among the page's script elements."""
    src: str | None
    """Absolute URL of an external script."""
    text: str
    """Inline code ('' for external scripts)."""
    integrity: str | None
    """Subresource Integrity attribute, if any."""
    type: str | None


@dataclass(frozen=True)
class HtmlFacts:
    """What the static analysis needs from one HTML document."""

    scripts: tuple[ScriptTag, ...]
    iframes: tuple[str, ...]
    """Absolute URLs of iframes and frames."""
    links: tuple[str, ...]
    """Absolute URLs of <a href> links (for crawling), at most MAX_LINKS."""
    meta_csp: str | None
    """Content-Security-Policy from a <meta http-equiv> tag."""
    injected: tuple[str, ...]
    """Where scripts sit outside the document: 'before <!DOCTYPE>', 'after </html>'."""


def _outside(raw: bytes) -> tuple[str, ...]:
    """Scripts before the document starts or after it ends (proxy/router injection)."""
    out: list[str] = []
    head = raw[:65536]
    start = _DOCUMENT_START.search(head)
    if start is not None and _SCRIPT.search(head, 0, start.start()):
        what = (
            "before <!DOCTYPE>"
            if head[start.start() + 1 : start.start() + 2] == b"!"
            else ("before <html>")
        )
        out.append(what)
    ends = list(_DOCUMENT_END.finditer(raw[-65536:]))
    if ends and _SCRIPT.search(raw[-65536:], ends[-1].end()):
        out.append("after </html>")
    return tuple(out)


def join_url(base: str, ref: str) -> str:
    """``urljoin`` that never raises: a reference that is no URL (an unbalanced IPv6
    bracket, a bad port) is kept as written, so it is still reported but never fetched."""
    try:
        return urljoin(base, ref)
    except ValueError:
        return ref


def parse_html(base_url: str, raw: bytes) -> HtmlFacts:
    """Parse ``raw`` (any encoding, any validity) as the document at ``base_url``."""
    tree = LexborHTMLParser(raw.decode("utf-8", "replace"))
    base = base_url
    for node in tree.css("base[href]"):
        href = node.attributes.get("href")
        if href:
            base = join_url(base_url, href.strip())
        break
    scripts: list[ScriptTag] = []
    for i, node in enumerate(tree.css("script")):
        attrs = node.attributes
        src = attrs.get("src")
        scripts.append(
            ScriptTag(
                index=i,
                src=join_url(base, src.strip()) if src else None,
                text="" if src else (node.text() or ""),
                integrity=attrs.get("integrity"),
                type=attrs.get("type"),
            )
        )
    iframes = tuple(
        join_url(base, src.strip())
        for node in tree.css("iframe[src], frame[src]")
        if (src := node.attributes.get("src"))
    )
    links: list[str] = []
    for node in tree.css("a[href]"):
        href = node.attributes.get("href")
        if href and not href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            links.append(join_url(base, href.strip()).split("#", 1)[0])
            if len(links) >= MAX_LINKS:
                break
    csp = None
    for node in tree.css("meta[http-equiv]"):
        if (node.attributes.get("http-equiv") or "").lower() == "content-security-policy":
            csp = node.attributes.get("content")
            break
    return HtmlFacts(
        scripts=tuple(scripts),
        iframes=iframes,
        links=tuple(dict.fromkeys(links)),
        meta_csp=csp,
        injected=_outside(raw),
    )
