"""Small helpers shared by the web analysers: targets, signals, and their scored/context split.

Context signals (site posture, benign WebAssembly, shared site keys, inline modules) are
attached to a page's finding as evidence but never scored: the correlator adds points for
every distinct check, and four pieces of harmless context must not add up to "medium".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from minehunt.correlate import Signal
from minehunt.model import CheckId, Confidence, Evidence, Scalar, Severity, Target, TargetKind

CONTEXT_CHECKS = frozenset(
    {"MH-WEB-007", "MH-WEB-008", "MH-WEB-011", "MH-WEB-012", "MH-WEB-013", "MH-WEB-020"}
)
"""Checks that describe a page but never raise its severity. A packed loader (007) or an
obfuscated script (020) is everywhere in bundled JavaScript; what it decodes is analysed and
scored on its own."""


def target_for(url_or_path: str) -> Target:
    """A URL target for http(s) URLs, a file target for anything else (files scanner)."""
    if urlsplit(url_or_path).scheme in ("http", "https", "file"):
        return Target(kind=TargetKind.URL, name=url_or_path, url=url_or_path)
    return Target(kind=TargetKind.FILE, name=url_or_path.rsplit("/", 1)[-1], path=url_or_path)


def signal(
    target: Target,
    check_id: str,
    summary: str,
    source: str,
    attributes: Mapping[str, Scalar] | None = None,
    *,
    severity: Severity | None = None,
    confidence: Confidence | None = None,
) -> Signal:
    """Build a Signal with one Evidence."""
    return Signal(
        target=target,
        evidence=Evidence(
            check_id=CheckId(check_id),
            summary=summary,
            source=source,
            attributes=dict(attributes or {}),
        ),
        severity=severity,
        confidence=confidence,
    )


def with_origin(sig: Signal, decoded: str) -> Signal:
    """The same observation, marked as seen only in the decoded text (and how it was decoded)."""
    ev = sig.evidence
    attrs = {**ev.attributes, "decoded": decoded[:500]}
    return replace(sig, evidence=replace(ev, attributes=attrs))


def retarget(sig: Signal, target: Target, via: str | None = None) -> Signal:
    """The same observation, credited to ``target`` (the page that loads the resource)."""
    ev = sig.evidence
    last = (via or "").rsplit(" > ", 1)[-1]
    if not via or not ev.source:
        source = via or ev.source
    elif ev.source.startswith(last):  # the resource's own view repeats the last hop
        source = via + ev.source[len(last) :]
    else:
        source = f"{via} > {ev.source}"
    return replace(sig, target=target, evidence=replace(ev, source=source))


def is_context(sig: Signal) -> bool:
    return sig.evidence.check_id in CONTEXT_CHECKS


@dataclass(frozen=True)
class Resources:
    """What a document refers to that the crawler may fetch (in scope only)."""

    scripts: tuple[str, ...] = ()
    iframes: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    workers: tuple[str, ...] = ()
    wasm: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocumentResult:
    """Everything the static analysis learned from one HTML, JS or WASM document."""

    kind: str
    """'html', 'script', 'wasm' or 'other'."""
    signals: tuple[Signal, ...] = ()
    resources: Resources = field(default_factory=Resources)
    site_keys: tuple[str, ...] = ()
    """Miner site keys seen (for the 'same key across pages' context)."""
    meta_csp: str | None = None
    third_party_scripts: tuple[tuple[str, bool], ...] = ()
    """(script URL, has SRI) for scripts from another origin than the page."""
