"""How far a long scan got, for a progress bar on stderr.

Scans report into ``Collector.progress`` (a ``Progress``): ``task`` names the current phase
with its total (bytes, packets, pages; None when unknown), ``advance`` moves it on, and a
task can follow one of the collector's counters instead (``counter="pages"``: every
``col.count("pages")`` advances it). The base class shows nothing: it is what scans get
when stderr is not a terminal, with ``--quiet``, and in library use. The CLI's
``cli/progressbar.TerminalProgress`` draws a ``rich`` bar: done of total, rate, time left
(imported only then: rich.progress costs start-up time every scan would pay).
"""

from __future__ import annotations

import contextlib
import enum
import os
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

P = TypeVar("P", bound="str | os.PathLike[str]")


class Unit(enum.StrEnum):
    """What a task counts."""

    BYTES = "bytes"
    PACKETS = "packets"
    PAGES = "pages"
    FILES = "files"


class Progress:
    """Progress of one scan; this base class records nothing and shows nothing."""

    enabled = False
    """True when something is shown: scans may then do a little work for a better bar
    (``scan files`` lists the tree before scanning, for its total)."""

    def task(
        self,
        label: str,
        total: float | None = None,
        unit: Unit = Unit.BYTES,
        *,
        counter: str | None = None,
    ) -> None:
        """Start a phase; ``counter`` makes the collector's counts of that key advance it."""

    def advance(self, amount: float = 1) -> None:
        """Move the current phase on by ``amount`` of its unit."""

    def note(self, text: str) -> None:
        """A short live detail next to the bar (packets read, current file ...)."""

    def counted(self, key: str, amount: float) -> None:
        """Called by ``Collector.count`` for every counter update."""

    def over(
        self,
        items: Iterable[P],
        label: str,
        size: Callable[[P], float] | None = None,
        unit: Unit = Unit.BYTES,
    ) -> Iterator[P]:
        """``items`` one by one as a phase of ``sum(size(item))`` (default: file sizes): each
        item counts as done when the next one is asked for."""
        size = size or file_size
        listed = list(items)
        self.task(label, sum(_safe(size, i) for i in listed), unit)
        for item in listed:
            yield item
            self.advance(_safe(size, item))

    def close(self) -> None:
        """Stop showing anything."""

    def paused(self) -> contextlib.AbstractContextManager[None]:
        """A block during which nothing is drawn and no thread of the bar runs (a worker
        pool forks its workers only from a process with a single thread)."""
        return contextlib.nullcontext()


def _safe(size: Callable[[P], float], item: P) -> float:
    try:
        return size(item)
    except OSError:
        return 0


def file_size(path: str | os.PathLike[str]) -> float:
    """Size of ``path`` in bytes, for ``Progress.over`` (which counts an unreadable one as 0)."""
    return os.stat(path).st_size
