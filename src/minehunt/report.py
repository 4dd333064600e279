"""Collects what a scan produces into a Report: findings, skipped inputs, counters."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from minehunt import __version__
from minehunt.model import Finding, Report, Skipped, now_iso, sort_findings
from minehunt.progress import Progress


class Collector:
    """Gathers skipped inputs and counters while a scan streams its findings."""

    def __init__(self, command: str) -> None:
        self.command = command
        self.started = now_iso()
        self._t0 = time.monotonic()
        self.skipped: list[Skipped] = []
        self.counters: dict[str, int | float] = {}
        self.progress = Progress()
        """Where the scan reports how far it got (the CLI puts a progress bar here)."""

    def skipper(self, source: str) -> Callable[[str, str], None]:
        """A ``skip(target, reason)`` callable that records under ``source``."""

        def skip(target: str, reason: str) -> None:
            self.skipped.append(Skipped(target=target, reason=reason, source=source))

        return skip

    def count(self, key: str, n: int | float = 1) -> None:
        self.counters[key] = self.counters.get(key, 0) + n
        self.progress.counted(key, n)

    def report(self, findings: Iterable[Finding]) -> Report:
        self.counters["seconds"] = round(time.monotonic() - self._t0, 3)
        return Report(
            findings=sort_findings(findings),
            skipped=tuple(self.skipped),
            counters=dict(self.counters),
            command=self.command,
            started=self.started,
            tool_version=__version__,
        )
