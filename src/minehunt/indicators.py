"""Text indicators shared by command lines, config files and start-up files."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from minehunt.intel import Intel

_TOKEN_RE = re.compile(r"[A-Za-z0-9_./+-]+")
_B64_RE = re.compile(r"[A-Za-z0-9+/]{24,}={0,2}")


@dataclass(frozen=True)
class TextHits:
    """Mining indicators found in one piece of text."""

    urls: tuple[str, ...] = ()
    pools: tuple[str, ...] = ()
    wallets: tuple[tuple[str, str, str], ...] = ()  # (pattern name, confidence, address)
    miners: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.urls or self.pools or self.wallets or self.miners)

    @property
    def strongest(self) -> str | None:
        """The most telling indicator: a stratum URL, then a pool, a miner, a wallet."""
        found = self.urls or self.pools or self.miners or tuple(w for _, _, w in self.wallets)
        return found[0] if found else None


def scan_text(intel: Intel, text: str, *, names: bool = True) -> TextHits:
    """Stratum URLs, pool domains, wallet addresses and (optionally) miner program names."""
    miners: list[str] = []
    if names:
        for tok in _TOKEN_RE.findall(text):
            base = tok.rsplit("/", 1)[-1]
            m = intel.miner_name(base) if base else None
            if m and m not in miners:
                miners.append(m)
    return TextHits(
        urls=tuple(intel.find_stratum_urls(text)),
        pools=tuple(intel.find_pool_domains(text)),
        wallets=tuple((p.name, p.confidence, w) for p, w in intel.find_wallets(text)),
        miners=tuple(miners),
    )


def decoded_blobs(text: str, *, limit: int = 8) -> list[str]:
    """Printable texts that base64 runs inside ``text`` decode to (droppers wrap commands)."""
    out: list[str] = []
    for m in _B64_RE.finditer(text):
        blob = m.group(0)
        try:
            raw = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True)
        except (binascii.Error, ValueError):
            continue
        try:
            s = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if s and sum(c.isprintable() or c in "\n\t\r" for c in s) / len(s) > 0.95:
            out.append(s)
            if len(out) >= limit:
                break
    return out


def endpoint_of(url: str) -> tuple[str, int | None] | None:
    """(host, port) of a pool URL or host:port string; None if it has no host."""
    rest = url.split("://", 1)[-1].split("/", 1)[0]
    rest = rest.rsplit("@", 1)[-1]
    if rest.startswith("["):  # [v6]:port
        host, _, tail = rest[1:].partition("]")
        port = tail.lstrip(":")
    else:
        host, _, port = rest.rpartition(":") if rest.count(":") == 1 else (rest, "", "")
    if not host:
        return None
    return host.lower(), int(port) if port.isdigit() else None
