"""The progress bar of a scan on a terminal (``minehunt.progress.Progress`` drawn by rich)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from rich.cells import cell_len, set_cell_size
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import Progress as RichProgress
from rich.table import Column
from rich.text import Text

from minehunt.progress import Progress, Unit


def _whole() -> Column:
    """A column that keeps its text on one line: on a narrow terminal the bar gives way."""
    return Column(no_wrap=True, overflow="ellipsis")


class _Amount(ProgressColumn):
    """'12.3/45.6 MB' for bytes, '1,234/5,000 packets' (or '1,234 packets') otherwise."""

    def __init__(self) -> None:
        super().__init__(table_column=_whole())
        self._bytes = DownloadColumn()

    def render(self, task: Task) -> Text:
        unit = task.fields.get("unit", Unit.BYTES)
        if task.total is None and not task.completed:
            return Text("")  # a phase that counts nothing: spinner and time only
        if unit == Unit.BYTES:
            if task.total is None:
                return Text(f"{task.completed / 1e6:,.1f} MB", style="progress.download")
            return self._bytes.render(task)
        done = f"{task.completed:,.0f}"
        if task.total is not None:
            done += f"/{task.total:,.0f}"
        return Text(f"{done} {unit}", style="progress.download")


def _rate(task: Task) -> float | None:
    """Average rate since the phase started: steadier than rich's, which a scan reporting
    in batches (64 files at a time) sends from zero to absurd and back."""
    elapsed = task.elapsed
    if not elapsed or not task.completed:
        return None
    return task.completed / elapsed


class _Rate(ProgressColumn):
    """'12.3 MB/s' for bytes, '45.6 packets/s' otherwise."""

    def render(self, task: Task) -> Text:
        rate = _rate(task)
        if rate is None:
            return Text("")
        unit = task.fields.get("unit", Unit.BYTES)
        text = f"{rate / 1e6:,.1f} MB/s" if unit == Unit.BYTES else f"{rate:,.1f} {unit}/s"
        return Text(text, style="progress.data.speed")


class _Remaining(ProgressColumn):
    """Time left at the average rate, once there is a total and a rate."""

    def render(self, task: Task) -> Text:
        rate = _rate(task)
        if rate is None or task.total is None:
            return Text("")
        left = max(0.0, task.total - task.completed) / rate
        minutes, seconds = divmod(int(left), 60)
        return Text(f"ETA {minutes}:{seconds:02d}", style="progress.remaining")


_FIGURES = 58
"""Cells the spinner, bar and figures of a line need; descriptions and notes get the rest."""


class TerminalProgress(Progress):
    """A rich progress bar on ``console`` (stderr), removed when the scan ends."""

    enabled = True

    def __init__(self, console: Console, title: str) -> None:
        self._bar = RichProgress(
            SpinnerColumn(),
            TextColumn("{task.description}", table_column=_whole()),
            BarColumn(bar_width=None),
            _Amount(),
            _Rate(table_column=_whole()),
            _Remaining(table_column=_whole()),
            TimeElapsedColumn(table_column=_whole()),
            TextColumn("{task.fields[note]}", style="dim", table_column=_whole()),
            console=console,
            transient=True,
            auto_refresh=False,  # refreshed by a thread of ours, which ``paused`` stops
        )
        # "scan files", not "minehunt scan files": on an 80-column terminal every cell the
        # bar keeps counts (the summary line after it names minehunt).
        self._title = title.removeprefix("minehunt ")
        self._description = self._title
        self._id = self._bar.add_task(self._fit(self._title), total=None, unit=Unit.BYTES, note="")
        self._counter: str | None = None
        self._bar.start()
        self._refresher: threading.Thread | None = None
        self._refresh()

    def _refresh(self) -> None:
        """Redraw 8 times a second on a thread (rich's own refresh thread cannot be
        stopped and joined from outside)."""
        self._stop = threading.Event()
        self._refresher = threading.Thread(
            target=self._redraw, args=(self._stop,), name="minehunt-progress", daemon=True
        )
        self._refresher.start()

    def _redraw(self, stop: threading.Event) -> None:
        while not stop.wait(1 / 8):
            self._bar.refresh()

    def _halt(self) -> None:
        if self._refresher is not None:
            self._stop.set()
            self._refresher.join()
            self._refresher = None

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        self._halt()
        try:
            yield
        finally:
            self._refresh()

    def task(
        self,
        label: str,
        total: float | None = None,
        unit: Unit = Unit.BYTES,
        *,
        counter: str | None = None,
    ) -> None:
        self._bar.remove_task(self._id)
        self._description = self._fit(f"{self._title}: {label}")
        self._id = self._bar.add_task(self._description, total=total, unit=unit, note="")
        self._counter = counter
        self._bar.refresh()

    def advance(self, amount: float = 1) -> None:
        self._bar.advance(self._id, amount)

    def note(self, text: str) -> None:
        used = cell_len(self._description) + 1
        self._bar.update(self._id, note=self._fit(text, used) if text else "")

    def counted(self, key: str, amount: float) -> None:
        if key == self._counter:
            self._bar.advance(self._id, amount)

    def _fit(self, text: str, used: int = 0) -> str:
        """``text`` cut to what the line leaves beside the figures (about 58 cells: amount,
        rate, time left and elapsed, a bar of a few cells) and ``used`` cells of text.
        Counted in terminal cells: a CJK character takes two."""
        room = max(12, self._bar.console.width - _FIGURES - used)
        if cell_len(text) <= room:
            return text
        return set_cell_size(text, room - 1).rstrip() + "…"

    def close(self) -> None:
        self._halt()
        self._bar.refresh()
        self._bar.stop()
