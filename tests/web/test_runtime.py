"""Runtime signals from browser observations (CPU profiles built by hand: no timing)."""

from __future__ import annotations

from minehunt.model import Severity
from minehunt.web.browser import CpuProfile, Observation
from minehunt.web.runtime import cpu_signal

URL = "http://127.0.0.1:1/page.html"


def observe(samples: list[float], workers: int, reads: int, cores: int = 2) -> Observation:
    return Observation(
        url=URL,
        workers=tuple(f"{URL}#w{i}" for i in range(workers)),
        hardware_concurrency=cores,
        hardware_concurrency_reads=reads,
        cpu=CpuProfile(tuple(samples), 0.5),
    )


def test_idle_page_gives_nothing() -> None:
    assert cpu_signal(observe([0.01, 0.02, 0.0, 0.05], 0, 0)) is None


def test_animation_is_info() -> None:
    s = cpu_signal(observe([0.45, 0.4, 0.5, 0.43, 0.47, 0.44], 0, 0))
    assert s is not None and s.severity is None  # the check's default: info
    assert s.evidence.attributes["duty_cycle"] == "other"
    assert s.evidence.attributes["user_gesture"] is False


def test_workers_sized_to_cores_and_busy_is_low() -> None:
    s = cpu_signal(observe([1.8, 1.9, 1.9, 1.85, 1.95, 1.9], 2, 1))
    assert s is not None and s.severity is Severity.LOW
    assert s.evidence.attributes["duty_cycle"] == "other"


def test_throttled_duty_cycle_is_low() -> None:
    # one worker per core, bursts and pauses, about 20 % of a core per worker
    s = cpu_signal(observe([0.3, 0.0, 0.5, 0.6, 0.3, 0.7, 0.0, 0.6, 0.4, 0.3], 2, 1))
    assert s is not None and s.severity is Severity.LOW
    assert s.evidence.attributes["duty_cycle"] == "throttled"
    assert "throttled duty cycle" in s.evidence.summary
