"""What to block: every pool, browser-miner and campaign domain the intel knows, each with
its kind, its source and a note, plus the browser-miner URL path patterns and IP networks."""

from __future__ import annotations

import enum
import ipaddress
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from minehunt.intel import Intel, user_dir

__all__ = [
    "BlockEntry",
    "BlockSet",
    "EntryKind",
    "annotated_lines",
    "collect",
    "to_ascii",
]


class EntryKind(enum.StrEnum):
    """Why a name is blocked; ``--include`` selects kinds."""

    POOL = "pools"
    """Mining pools, proxies, hash-rate markets, miner download and rig-management sites."""
    WEB = "web"
    """Browser-miner script and WebSocket-proxy hosts, and their script paths."""
    CAMPAIGN = "campaigns"
    """Infrastructure that cryptojacking campaigns registered for themselves."""


@dataclass(frozen=True, order=True)
class BlockEntry:
    """One domain to block; it covers the domain and all its subdomains."""

    domain: str
    """Lowercase name as the intel holds it (may be Unicode for an IDN)."""
    kind: EntryKind
    source: str
    """Where the entry came from: 'bundled' or the list/subscription it was merged from."""
    note: str = ""
    """What the name is (operator, coin, service), from the list's comments."""


@dataclass(frozen=True)
class BlockSet:
    """Everything a blocklist is generated from, sorted and without repeats."""

    domains: tuple[BlockEntry, ...]
    url_patterns: tuple[str, ...]
    """Python/RE2-compatible regexes of browser-miner script paths (one path segment on)."""
    networks: tuple[str, ...]
    """IP networks (CIDR) from user lists; only IP-capable formats use them."""
    sources: tuple[str, ...]
    url_rules: tuple[str, ...] = ()
    """Adblock-syntax URL rules merged from user lists (``||host/path``, ``*://*/*x.js*``)."""


_SECTION_KIND = (
    (re.compile(r"(?i)^browser"), EntryKind.WEB),
    (re.compile(r"(?i)campaign"), EntryKind.CAMPAIGN),
)
_USER_TAG = re.compile(r"^(pools|web|campaigns)\s+from\s+(\S+?)(?::\s+(.*))?$")
_RULE = re.compile(r"^#\s*-{10,}\s*$")


def annotated_lines(text: str, source: str) -> Iterator[BlockEntry]:
    """Entries of a pools.txt, with the kind of their section and the note of their line.

    A section is a comment framed by '# ----' rules; a comment line just before entries is a
    note for them; ``domain  # note`` notes one entry. User lists written by ``intel update``
    carry ``# <kind> from <source>: note`` on each line.
    """
    kind, note, section = EntryKind.POOL, "", ""
    lines = text.splitlines()
    in_header = False
    for raw in lines:
        line = raw.strip()
        if _RULE.match(line):
            in_header = not in_header
            if in_header:
                section = ""
            continue
        if line.startswith("#"):
            body = line.lstrip("#").strip()
            if in_header:
                if not section:
                    section = body
                    kind = next((k for rx, k in _SECTION_KIND if rx.search(body)), EntryKind.POOL)
                note = section
            elif body:
                note = body
            continue
        if not line:
            note = section
            continue
        name, _, comment = line.partition("#")
        name = name.strip().lower().rstrip(".")
        if not name:
            continue
        comment = comment.strip()
        entry_kind, entry_source, entry_note = kind, source, comment or note
        tag = _USER_TAG.match(comment)
        if tag:
            entry_kind, entry_source = EntryKind(tag.group(1)), tag.group(2)
            entry_note = tag.group(3) or ""
        yield BlockEntry(name, entry_kind, entry_source, entry_note)


def to_ascii(domain: str) -> str | None:
    """The DNS (punycode) spelling of ``domain``, or None if it is not a valid host name."""
    try:
        ascii_name = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    labels = ascii_name.split(".")
    if len(ascii_name) > 253 or len(labels) < 2:
        return None
    ok = all(re.fullmatch(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", lab) for lab in labels)
    return ascii_name if ok else None


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8", "replace")
    except OSError:
        return ""


def _net_key(text: str) -> tuple[int, int, int]:
    net = ipaddress.ip_network(text)
    return net.version, int(net.network_address), net.prefixlen


def collect(
    intel: Intel, include: Iterable[EntryKind] = tuple(EntryKind), extra: Path | None = None
) -> BlockSet:
    """The block set from bundled intel, the user intel directory and ``extra``.

    Only domains the loaded ``intel`` still holds are kept, so the allowlist applies.
    """
    wanted = frozenset(include)
    data = resources.files("minehunt.intel") / "data"
    found: dict[str, BlockEntry] = {}
    texts = [((data / "pools.txt").read_text("utf-8"), "bundled")]
    dirs = [d for d in (user_dir(), extra) if d is not None]
    texts += [(_read(d / "pools.txt"), str(d / "pools.txt")) for d in dirs]
    for text, source in texts:
        for e in annotated_lines(text, source):
            found.setdefault(e.domain, e)
    for domain in intel.pool_domains - found.keys():
        found[domain] = BlockEntry(domain, EntryKind.POOL, "intel")
    domains = tuple(
        sorted(e for d, e in found.items() if d in intel.pool_domains and e.kind in wanted)
    )
    patterns = tuple(sorted(set(intel.web_script_paths))) if EntryKind.WEB in wanted else ()
    nets: set[str] = set()
    for d in dirs:
        for line in _read(d / "networks.txt").splitlines():
            text = line.split("#", 1)[0].strip()
            try:
                nets.add(str(ipaddress.ip_network(text, strict=False)))
            except ValueError:
                continue
    rules: set[str] = set()
    if EntryKind.WEB in wanted:
        for d in dirs:
            for line in _read(d / "urls.txt").splitlines():
                rule = line.split("  #", 1)[0].strip()
                if rule and not rule.startswith("#"):
                    rules.add(rule)
    return BlockSet(
        url_rules=tuple(sorted(rules)),
        domains=domains,
        url_patterns=patterns,
        networks=tuple(sorted(nets, key=_net_key)) if EntryKind.POOL in wanted else (),
        sources=intel.sources,
    )
