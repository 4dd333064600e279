"""A wall-clock bound on a block of Python code: no input can keep a check busy forever.

The analyses after the rules (website, deployment and dropper-script checks on a file) are
Python; a pathological input could make one of them slow. ``timebox(seconds)`` raises
`TimedOut` inside the block once the time is up, through SIGALRM, so it bounds code that
never looks at a clock. Signals reach only the main thread: elsewhere (a server or agent
thread) the block runs unbounded, as it did before, and callers keep their own budgets.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class TimedOut(Exception):
    """The block ran past its time; the message says how long that was."""


@contextmanager
def timebox(seconds: float) -> Iterator[None]:
    """Raise `TimedOut` in the block after ``seconds`` (main thread only; no-op elsewhere)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def alarm(_signum: int, _frame: FrameType | None) -> None:
        raise TimedOut(f"timed out after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:  # an enclosing timebox: give it back what it had left (roughly)
            signal.setitimer(signal.ITIMER_REAL, max(outer - seconds, 0.001))
