"""The per-file bound on the Python checks: code that never looks at a clock is stopped."""

from __future__ import annotations

import threading
import time

import pytest

from minehunt.timebox import TimedOut, timebox


def _spin(seconds: float) -> None:
    """Busy for ``seconds`` without ever checking a deadline of its own in between."""
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1


def test_a_busy_block_is_stopped_with_the_time_named() -> None:
    with pytest.raises(TimedOut, match=r"timed out after 0\.2 s"), timebox(0.2):
        _spin(60)  # far longer than any machine needs to deliver the alarm


def test_a_quick_block_is_left_alone_and_the_alarm_is_cleared() -> None:
    with timebox(5):
        pass
    _spin(0.1)  # no stray alarm arrives afterwards


def test_an_enclosing_timebox_still_fires_after_an_inner_one() -> None:
    with pytest.raises(TimedOut, match="after 1 s"), timebox(1):
        with timebox(0.1):
            pass
        _spin(60)


def test_off_the_main_thread_the_block_runs_unbounded() -> None:
    done: list[bool] = []

    def run() -> None:
        with timebox(0.01):
            _spin(0.1)
        done.append(True)

    t = threading.Thread(target=run)
    t.start()
    t.join(30)
    assert done == [True]
