"""Continuous host scanning that reports only new or changed findings (JSON lines)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict

from minehunt.host import HostScanOptions, scan_host
from minehunt.intel import Intel
from minehunt.model import Finding, Severity
from minehunt.report import Collector


def changes(
    intel: Intel,
    opts: HostScanOptions,
    *,
    interval: float,
    min_severity: Severity = Severity.LOW,
    iterations: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[tuple[str, Finding]]:
    """Yield ('new'|'changed', finding) as scans every ``interval`` seconds discover them."""
    known: dict[str, tuple[str, str]] = {}
    n = 0
    while iterations is None or n < iterations:
        started = time.monotonic()
        col = Collector("watch host")
        for f in scan_host(intel, opts, col):
            if f.severity < min_severity:
                continue
            before = known.get(f.fingerprint)
            if before != f.state:
                known[f.fingerprint] = f.state
                yield ("new" if before is None else "changed"), f
        n += 1
        if iterations is None or n < iterations:
            sleep(max(0.0, interval - (time.monotonic() - started)))


def as_line(change: str, finding: Finding) -> str:
    return json.dumps(
        {"type": "finding", "change": change, **asdict(finding)}, separators=(",", ":")
    )
