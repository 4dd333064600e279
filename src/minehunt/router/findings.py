"""How router findings are built: the target (export line or device), the evidence, and
the console command that removes the item."""

from __future__ import annotations

import os
from dataclasses import dataclass

from minehunt import checks
from minehunt.model import (
    CheckId,
    Confidence,
    Evidence,
    Finding,
    Scalar,
    Severity,
    Target,
    TargetKind,
)
from minehunt.router.model import Entry

__all__ = ["Where", "at", "has_port", "make_finding", "ports", "remove_hint"]


@dataclass(frozen=True)
class Where:
    """Which router the findings are about: an export file or a device."""

    source: str
    """Export path, or the device URL (``ssh://host:22``, ``api://host:8728``)."""
    live: bool = False

    def target(self, line: int | None) -> Target:
        if self.live:
            host = self.source.split("://", 1)[-1].rsplit(":", 1)[0]
            return Target(TargetKind.ROUTER, name=host, url=self.source, line=line)
        return Target(
            TargetKind.ROUTER, name=os.path.basename(self.source), path=self.source, line=line
        )

    def origin(self, entry: Entry | None) -> str:
        if entry is None:
            return self.source
        if self.live:
            return f"{self.source} {entry.menu} print"
        return self.source


def make_finding(
    check_id: str,
    where: Where,
    entry: Entry | None,
    summary: str,
    *,
    severity: Severity | None = None,
    confidence: Confidence | None = None,
    attrs: dict[str, Scalar] | None = None,
    line: int | None = None,
) -> Finding:
    c = checks.get(check_id)
    at = entry.line if entry is not None else line
    attributes: dict[str, Scalar] = {"menu": entry.menu} if entry is not None else {}
    if entry is not None and entry.text:
        attributes["command"] = entry.text
    attributes.update(attrs or {})
    ev = Evidence(CheckId(check_id), summary, where.origin(entry), at, attributes)
    return Finding(
        check_id=c.id,
        title=c.title,
        severity=severity or c.severity,
        confidence=confidence or c.confidence,
        target=where.target(at),
        summary=summary,
        evidence=(ev,),
        attack=c.attack,
    )


def at(entry: Entry) -> str:
    return f"line {entry.line}: " if entry.line else ""


_HINT_SKIP = frozenset({"disabled", "comment", "log", "log-prefix", ".id", "source", "on-event"})


def remove_hint(entry: Entry) -> str:
    """A console command that removes exactly this item."""
    name = entry.name
    if name:
        return f'{entry.menu} remove [find name="{name}"]'
    comment = entry.get("comment")
    if comment:
        return f'{entry.menu} remove [find comment="{comment}"]'
    keys = [f"{k}={console(v)}" for k, v in entry.props.items() if k not in _HINT_SKIP and v][:5]
    return f"{entry.menu} remove [find {' '.join(keys)}]" if keys else f"{entry.menu} remove"


def console(value: str) -> str:
    if value and all(c.isalnum() or c in ".,:/-_!*" for c in value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'


def ports(spec: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for part in spec.replace(" ", "").split(","):
        if not part or part.startswith("!"):
            continue
        lo, _, hi = part.partition("-")
        if lo.isdigit() and (not hi or hi.isdigit()):
            out.append((int(lo), int(hi or lo)))
    return out


def has_port(spec: str, port: int) -> bool:
    return any(lo <= port <= hi for lo, hi in ports(spec))
