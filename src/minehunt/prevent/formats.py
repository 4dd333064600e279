"""Blocklist formats: one Enum, one renderer per format, a header on each, and a count of
what a format could not express (never dropped silently)."""

from __future__ import annotations

import enum
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import assert_never

from minehunt import __version__
from minehunt.prevent.entries import BlockSet

__all__ = ["BlockFormat", "Meta", "Rendered", "render"]


class BlockFormat(enum.StrEnum):
    HOSTS = "hosts"
    DNSMASQ = "dnsmasq"
    UNBOUND = "unbound"
    RPZ = "rpz"
    ADBLOCK = "adblock"
    SQUID = "squid"
    SURICATA = "suricata"
    SNORT = "snort"
    JSON = "json"
    CHROMIUM_EXTENSION = "chromium-extension"


@dataclass(frozen=True)
class Meta:
    """What the header of every generated file states."""

    format: BlockFormat
    date: str
    version: str = __version__
    sources: tuple[str, ...] = ()

    @staticmethod
    def now(fmt: BlockFormat, sources: tuple[str, ...]) -> Meta:
        """Today's date (UTC), or SOURCE_DATE_EPOCH's for reproducible builds."""
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        when = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
        return Meta(fmt, when.strftime("%Y-%m-%d"), sources=sources)

    def header(self, count: int, comment: str = "#") -> str:
        lines = [
            f"minehunt blocklist, format {self.format.value}",
            f"generated {self.date} by minehunt {self.version}",
            f"entries: {count}",
            f"sources: {', '.join(self.sources) or 'bundled'}",
            "Each domain entry blocks the name and all its subdomains where the format allows.",
        ]
        return "".join(f"{comment} {line}\n" for line in lines)


@dataclass
class Rendered:
    """A generated blocklist and the count, per reason, of entries it could not express."""

    text: str = ""
    count: int = 0
    left_out: Counter[str] = field(default_factory=Counter)
    files: dict[str, str] = field(default_factory=dict)
    """Files (relative path -> text) of a directory format such as the extension."""
    notes: Counter[str] = field(default_factory=Counter)
    """Counts worth knowing that lose nothing (e.g. subdomains a parent entry covers)."""


def render(blocks: BlockSet, fmt: BlockFormat, meta: Meta | None = None) -> Rendered:
    """Render ``blocks`` as ``fmt``: deterministic for the same input and date."""
    from minehunt.prevent import dnsfmt, extension, idsfmt, webfmt

    meta = meta or Meta.now(fmt, blocks.sources)
    if fmt is BlockFormat.HOSTS:
        return dnsfmt.hosts(blocks, meta)
    if fmt is BlockFormat.DNSMASQ:
        return dnsfmt.dnsmasq(blocks, meta)
    if fmt is BlockFormat.UNBOUND:
        return dnsfmt.unbound(blocks, meta)
    if fmt is BlockFormat.RPZ:
        return dnsfmt.rpz(blocks, meta)
    if fmt is BlockFormat.ADBLOCK:
        return webfmt.adblock(blocks, meta)
    if fmt is BlockFormat.SQUID:
        return webfmt.squid(blocks, meta)
    if fmt is BlockFormat.JSON:
        return webfmt.as_json(blocks, meta)
    if fmt is BlockFormat.SURICATA:
        return idsfmt.suricata(blocks, meta)
    if fmt is BlockFormat.SNORT:
        return idsfmt.snort(blocks, meta)
    if fmt is BlockFormat.CHROMIUM_EXTENSION:
        return extension.build(blocks, meta)
    assert_never(fmt)
