"""Worker processes that hold the compiled rules, for scanning on every core.

The yara-x Python binding keeps the GIL while it scans (measured: two threads scan no
faster than one), so parallel scanning needs processes. Each worker gets the compiled
rules once, in yara-x's serialised form, and keeps one scanner. With ``jobs == 1`` work
runs inline in the calling process, with the same code.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Generic, TypeVar

from minehunt.rules import RuleSet

T = TypeVar("T")
R = TypeVar("R")

_RULES: RuleSet | None = None


def rules() -> RuleSet:
    """The rule set of this worker (or of the calling process, when inline)."""
    if _RULES is None:
        raise RuntimeError("no rules loaded in this process")
    return _RULES


def _init(data: bytes, sources: tuple[str, ...], kinds: frozenset[str] | None) -> None:
    global _RULES
    _RULES = RuleSet.from_bytes(data, sources, kinds)


def _take(more: deque[T], source: Iterator[T]) -> list[T]:
    """The next item, from ``more`` first; [] when both are empty."""
    if more:
        return [more.popleft()]
    for item in source:
        return [item]
    return []


class RulePool(Generic[T, R]):
    """Runs ``fn(item)`` for a stream of items on ``jobs`` processes, results as they come."""

    def __init__(
        self,
        ruleset: RuleSet,
        fn: Callable[[T], R],
        jobs: int,
        on_crash: Callable[[T, BaseException], R],
    ) -> None:
        self._fn = fn
        self._on_crash = on_crash
        self._jobs = jobs
        self._ruleset = ruleset
        self._payload = (ruleset.to_bytes(), ruleset.sources, ruleset.kinds) if jobs > 1 else None
        self._executor: ProcessPoolExecutor | None = None

    def _start(self) -> ProcessPoolExecutor:
        if self._executor is None:
            assert self._payload is not None
            # spawn: no fork of a process that may run threads (the progress spinner).
            self._executor = ProcessPoolExecutor(
                max_workers=self._jobs,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init,
                initargs=self._payload,
            )
        return self._executor

    def imap(self, items: Iterable[T], more: deque[T] | None = None) -> Iterator[R]:
        """``fn`` over ``items``, unordered; at most 2 x jobs items in flight.

        ``more`` takes work that results give rise to (the caller appends to it while
        handling a result): it goes before the rest of ``items``, and is waited for."""
        global _RULES
        more = deque() if more is None else more
        source = iter(items)
        if self._payload is None:
            _RULES = self._ruleset
            while got := _take(more, source):
                yield self._fn(got[0])
            return
        pending: dict[Future[R], T] = {}
        while True:
            while len(pending) < 2 * self._jobs and (got := _take(more, source)):
                pending[self._start().submit(self._fn, got[0])] = got[0]
            if not pending:
                return
            yield from self._collect(pending, FIRST_COMPLETED)

    def _collect(self, pending: dict[Future[R], T], when: str) -> Iterator[R]:
        done, _ = wait(pending, return_when=when)
        broken = False
        for fut in done:
            item = pending.pop(fut)
            try:
                yield fut.result()
            except BrokenProcessPool as e:  # a worker died (a crash, the OOM killer)
                broken = True
                yield self._on_crash(item, e)
        if broken:
            # Every other in-flight item died with the pool; report them and start anew.
            for fut, item in list(pending.items()):
                pending.pop(fut)
                yield self._on_crash(item, BrokenProcessPool("worker pool died"))
            self.close()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> RulePool[T, R]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
