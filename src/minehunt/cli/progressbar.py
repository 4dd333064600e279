"""The progress bar of a scan on a terminal (``minehunt.progress.Progress`` drawn by rich)."""

from __future__ import annotations

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
from rich.text import Text

from minehunt.progress import Progress, Unit


class _Amount(ProgressColumn):
    """'12.3/45.6 MB' for bytes, '1,234/5,000 packets' (or '1,234 packets') otherwise."""

    def __init__(self) -> None:
        super().__init__()
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


class TerminalProgress(Progress):
    """A rich progress bar on ``console`` (stderr), removed when the scan ends."""

    enabled = True

    def __init__(self, console: Console, title: str) -> None:
        self._bar = RichProgress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            _Amount(),
            _Rate(),
            _Remaining(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[note]}", style="dim"),
            console=console,
            transient=True,
            refresh_per_second=8,
        )
        self._title = title
        self._id = self._bar.add_task(title, total=None, unit=Unit.BYTES, note="")
        self._counter: str | None = None
        self._bar.start()

    def task(
        self,
        label: str,
        total: float | None = None,
        unit: Unit = Unit.BYTES,
        *,
        counter: str | None = None,
    ) -> None:
        self._bar.remove_task(self._id)
        self._id = self._bar.add_task(f"{self._title}: {label}", total=total, unit=unit, note="")
        self._counter = counter
        self._bar.refresh()

    def advance(self, amount: float = 1) -> None:
        self._bar.advance(self._id, amount)

    def note(self, text: str) -> None:
        self._bar.update(self._id, note=text)

    def counted(self, key: str, amount: float) -> None:
        if key == self._counter:
            self._bar.advance(self._id, amount)

    def close(self) -> None:
        self._bar.refresh()
        self._bar.stop()
