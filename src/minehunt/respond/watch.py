"""`watch host --respond`: the response plan applied to each new finding, rate-limited."""

from __future__ import annotations

import logging
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from minehunt.model import Finding, Severity

from .engine import Engine, Response
from .interface import JournalError
from .journal import Journal
from .plan import PlanOptions, build

log = logging.getLogger("minehunt.respond")


class RateLimit:
    """At most ``limit`` responses in any ``window`` seconds: a flapping finding or a flood
    of them cannot turn the watch into a process-killing loop."""

    def __init__(
        self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._times: deque[float] = deque()

    def allow(self) -> bool:
        now = self.clock()
        while self._times and now - self._times[0] >= self.window:
            self._times.popleft()
        if len(self._times) >= self.limit:
            return False
        self._times.append(now)
        return True


@dataclass(frozen=True)
class WatchResponse:
    plan: PlanOptions
    quarantine: Path
    limit: RateLimit
    on_response: Callable[[Response], None] | None = None


def responding(
    found: Iterable[tuple[str, Finding]], opts: WatchResponse
) -> Iterator[tuple[str, Finding]]:
    """Pass (change, finding) through, acting on those at or above the plan's severity and
    recording what was done in the finding's ``action``."""
    threshold: Severity = opts.plan.min_severity
    for change, f in found:
        if f.severity >= threshold:
            f = replace(f, action=_act(f, opts))
        yield change, f


def _act(f: Finding, opts: WatchResponse) -> str:
    plan = build([f], opts.plan)
    if not plan.actions:
        return "; ".join(f"not touched: {r.target}: {r.reason}" for r in plan.refused) or (
            "nothing to do"
        )
    if not opts.limit.allow():
        log.warning("rate limit: not responding to %s", f.target.label())
        return f"not acted: rate limit ({opts.limit.limit} per {opts.limit.window:.0f} s)"
    try:
        rid, journal = Journal.create(opts.quarantine)
        resp = Engine(opts.plan.root, opts.plan.protect, journal).run(rid, plan, sys.argv)
        journal.close()
    except JournalError as e:
        log.error("%s", e)
        return f"not acted: {e}"
    if opts.on_response is not None:
        opts.on_response(resp)
    return (resp.action_for(f.fingerprint) or "nothing to do") + f" [response {rid}]"
