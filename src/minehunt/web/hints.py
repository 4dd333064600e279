"""Where a script's regexes can match, from one YARA-X pass over its bytes.

Python's ``re`` reads case-insensitive and word-bounded patterns at a few MB/s, and most
patterns of the script analysis match nowhere in an ordinary library. Every such pattern
starts with (or needs) one of a few literals: YARA-X finds all of them in one pass, and a
pattern is then tried only at the places where its literals are (``search``/``finditer``
give what ``re`` would over the whole text), or not at all when they are absent (``has``).
A literal seen more than MAX_ANCHORS times sends that group back to a whole-text scan.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import yara_x

from minehunt.intel import Intel
from minehunt.web import asmjs

MAX_ANCHORS = 2_000
"""Matches kept per literal; a group with a literal at the cap is scanned in full. Keeping
fewer costs less than it saves: the common words (``function``, ``new``, ``number``) are
asked for their first match, which a whole-text search finds near the start (npm corpus:
20,000 -> 2,000 took a fifth off the hint pass; no script slower)."""

ANCHORS: dict[str, tuple[tuple[str, bool], ...]] = {
    # group: ((literal, case-insensitive), ...)
    "ws": (("ws://", True), ("wss://", True)),
    "atob": (("atob", False),),
    "packer": (("eval", False),),
    "eval": (("eval", True), ("new", True), ("function", True)),
    "decoders": (
        ("atob", False),
        ("fromCharCode", False),
        ("unescape", False),
        ("decodeURIComponent", False),
    ),
    "worker": (("Worker", False),),
    "import_scripts": (("importScripts", False),),
    "wasm_url": ((".wasm", False),),
    "pow0": (("crypto.subtle.digest", True), ("sha256", True), ("createhash", True)),
    "pow1": (("challenge", True), ("difficulty", True)),
    "pow2": (("nonce", True), ("number", True), ("solution", True), ("maxnumber", True)),
    "site_key": (
        (".Anonymous", False),
        (".User", False),
        (".Token", False),
        ("site_key", False),
        ("sitekey", False),
    ),
    # shapes.py: what each shape cannot do without, and where its patterns match.
    "post_message": (("postMessage", False),),
    "blob": (("blob", False),),
    "job": (("job", False),),
    "result": tuple(
        (w, True)
        for w in ("nonce", "hashes", "hashrate", "share", "result", "hash_count", "hashcount")
    ),
    "hardware_concurrency": (("hardwareConcurrency", False),),
    "throttle": (("throttl", True), ("duty", True), ("idle", True), ("setthrottle", True)),
    "websocket": (("WebSocket", False),),
    "hash_api": (
        ("getHashesPerSecond", False),
        ("getTotalHashes", False),
        ("getAcceptedHashes", False),
    ),
    # deobfuscate.py: what each decoding step needs before it reads the text.
    "array_name": (("_0x", False),),
    "array_function": (("(){var", False), ("(){const", False), ("(){let", False)),
    "char_code": (("fromCharCode", False),),
    "packer_words": tuple((f"{q}|{r}", False) for q in "'\"" for r in "'\""),
    # script.py: a base64 WebAssembly module starts with the encoded magic number.
    "wasm_base64": (("AGFzbQ", False),),
    **asmjs.ANCHORS,
}
"""Literals every match of the script analysis' patterns starts with (or contains), and
literals a check needs before it runs at all (``has``)."""

NAMESPACE = "minehunt.hints"
"""The hint rule's namespace when it is compiled beside the scan's own rules."""


def _literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


@dataclass(frozen=True)
class _Spec:
    """The hint rule for one intel (its pool domains and PoW markers)."""

    source: str
    names: dict[str, str]
    """Pattern identifier -> group."""
    full: frozenset[str]
    """Groups that cannot be anchored (non-ASCII intel entries): always present."""

    @functools.cached_property
    def rules(self) -> yara_x.Rules:
        return yara_x.compile(self.source)


_CACHE: dict[int, tuple[Intel, _Spec]] = {}


def _spec(intel: Intel) -> _Spec:
    hit = _CACHE.get(id(intel))
    if hit is not None and hit[0] is intel:
        return hit[1]
    groups = dict(ANCHORS)
    groups["pool"] = tuple((d, True) for d in sorted(intel.pool_domains) if d.isascii())
    groups["pow_marker"] = tuple((m, True) for m in intel.pow_markers if m.isascii())
    names: dict[str, str] = {}
    lines: list[str] = []
    for group, literals in groups.items():
        for i, (lit, nocase) in enumerate(literals):
            name = f"${group}_{i}"
            names[name] = group
            lines.append(f'{name} = "{_literal(lit)}"' + (" nocase" if nocase else ""))
    source = "rule hints { strings: " + "\n".join(lines) + " condition: any of them }"
    full = {"pool"} if any(not d.isascii() for d in intel.pool_domains) else set()
    if any(not m.isascii() for m in intel.pow_markers):
        full.add("pow_marker")
    spec = _Spec(source, names, frozenset(full))
    if len(_CACHE) > 8:
        _CACHE.clear()
    _CACHE[id(intel)] = (intel, spec)
    return spec


def source(intel: Intel) -> str:
    """The hint rule's text, to compile beside other rules (in NAMESPACE) so that one pass
    over a file gives both: see ``found_in``."""
    return _spec(intel).source


@dataclass(frozen=True)
class Found:
    """The hint literals found in one text: byte offsets per group (at most MAX_ANCHORS per
    literal) and the groups to search in full."""

    offsets: dict[str, list[int]]
    full: frozenset[str]


def found_in(results: yara_x.ScanResults, intel: Intel, namespace: str = NAMESPACE) -> Found:
    """The hints in a scan's results (the hint rule compiled for ``intel`` in
    ``namespace``, the scanner keeping MAX_ANCHORS matches per pattern)."""
    spec = _spec(intel)
    offsets: dict[str, list[int]] = {}
    full = set(spec.full)
    for rule in results.matching_rules:
        if rule.namespace != namespace or rule.identifier != "hints":
            continue
        for pattern in rule.patterns:
            if not pattern.matches:
                continue
            group = spec.names[pattern.identifier]
            offsets.setdefault(group, []).extend(m.offset for m in pattern.matches)
            if len(pattern.matches) >= MAX_ANCHORS:
                full.add(group)
    return Found(offsets, frozenset(full))


def has_literal(text: str, group: str, hints: Hints | None = None) -> bool:
    """Whether one of the (case-sensitive) literals of ``group`` is in ``text``: from
    ``hints`` when they are the hints of this very text, else by looking."""
    if hints is not None and hints.text is text:
        return hints.has(group)
    return any(lit in text for lit, _ in ANCHORS[group])


class Hints:
    """The literal anchors found in one script."""

    def __init__(self, text: str, data: bytes, intel: Intel, found: Found | None = None) -> None:
        """``found``: what a pass over exactly ``data`` found (``found_in``); else the
        hint rule scans ``data`` here."""
        self.text = text
        self._data = data
        if found is None:
            scanner = yara_x.Scanner(_spec(intel).rules)
            scanner.max_matches_per_pattern(MAX_ANCHORS)
            found = found_in(scanner.scan(data), intel, "default")
        self._full = set(found.full)
        self._bytes = found.offsets
        self._chars: dict[str, list[int]] = {}
        self._marks = {0: 0}
        """Character index of each byte offset mapped so far."""
        self._mark_order = [0]

    def has(self, group: str) -> bool:
        """Can a pattern of ``group`` match at all (one of its literals is present)?"""
        return group in self._bytes or group in self._full

    def _positions(self, group: str) -> Iterator[int]:
        """Character positions of the group's literals, ascending; mapped from byte offsets
        only as far as they are read (``search`` mostly stops at the first)."""
        known = self._chars.get(group)
        if known is not None:
            yield from known
            return
        offsets = sorted(set(self._bytes.get(group, ())))
        if len(self._data) == len(self.text):  # ASCII: bytes and characters agree
            self._chars[group] = offsets
            yield from offsets
            return
        out: list[int] = []
        for off in offsets:
            char = self._char(off)
            out.append(char)
            yield char
        self._chars[group] = out

    def _char(self, byte: int) -> int:
        """The character index of byte offset ``byte`` (a literal's start, so a character
        boundary), decoded from the nearest offset already mapped: the groups of a large
        non-ASCII script do not each decode it from the start."""
        char = self._marks.get(byte)
        if char is None:
            i = bisect.bisect_right(self._mark_order, byte)
            start = self._mark_order[i - 1]
            char = self._marks[start] + len(self._data[start:byte].decode("utf-8", "replace"))
            self._mark_order.insert(i, byte)
            self._marks[byte] = char
        return char

    def search(self, pattern: re.Pattern[str], group: str) -> re.Match[str] | None:
        """``pattern.search(text)`` for a pattern whose matches start with a group literal."""
        if group in self._full:
            return pattern.search(self.text)
        for pos in self._positions(group):
            m = pattern.match(self.text, pos)
            if m is not None:
                return m
        return None

    def finditer(
        self,
        pattern: re.Pattern[str],
        group: str,
        start: Callable[[str, int], int | None] | None = None,
    ) -> Iterator[re.Match[str]]:
        """``pattern.finditer(text)`` for a pattern whose matches start with a group literal,
        or hold one where ``start(text, position)`` says the match would start (None: no
        match can hold the literal there; starts ascend with the positions)."""
        if group in self._full:
            yield from pattern.finditer(self.text)
            return
        end = 0
        for pos in self._positions(group):
            at = pos if start is None else start(self.text, pos)
            if at is None or at < end:
                continue
            m = pattern.match(self.text, at)
            if m is not None:
                end = max(m.end(), at + 1)
                yield m


class WordStart:
    """``re.compile(r"\\b" + tail)`` for a ``tail`` that starts with a word character, searched
    fast: ``re`` finds a pattern that starts with a literal by that literal, but tries one
    that starts with ``\\b`` at every position (0.2-0.9 s on a 7 MB bundle)."""

    def __init__(self, tail: str, flags: int = 0) -> None:
        self._rx = re.compile(tail, flags)

    def _at(self, text: str, pos: int) -> re.Match[str] | None:
        while (m := self._rx.search(text, pos)) is not None:
            i = m.start()
            if i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_"):
                return m
            pos = i + 1
        return None

    def search(self, text: str) -> re.Match[str] | None:
        return self._at(text, 0)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """The matches ``finditer`` of the ``\\b`` pattern gives (never empty ones)."""
        pos = 0
        while (m := self._at(text, pos)) is not None:
            yield m
            pos = m.end()
