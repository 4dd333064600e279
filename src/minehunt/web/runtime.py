"""Turn a browser Observation into signals about the page (MH-WEB-001/003/004/009/013)."""

from __future__ import annotations

from minehunt.correlate import Signal
from minehunt.intel import Intel
from minehunt.model import Confidence, Scalar, Severity
from minehunt.web.browser import CpuProfile, Observation
from minehunt.web.script import url_signals, wasm_signals
from minehunt.web.signals import signal, target_for

BUSY_CORES = 0.25
"""Mean cores above which the page counts as CPU-heavy over the window."""
SUSTAINED = 0.8
"""Fraction of intervals that must be busy for 'sustained'."""
THROTTLED_SHARE = 0.4
"""At most this many cores per worker on average: a throttled duty cycle."""


def _throttled(cpu: CpuProfile, workers: int, sized: bool) -> bool:
    """A throttled miner's duty cycle: one worker per core, each busy only a fixed share.

    CoinHive-style throttling sleeps a multiple of each batch's duration, so the page keeps
    a worker per core alive and busy most of the time, yet uses well under a core per
    worker. Animations have no workers; an unthrottled miner fills its cores.
    """
    return (
        sized
        and len(cpu.samples) >= 4
        and cpu.busy_fraction >= 0.6
        and BUSY_CORES <= cpu.mean <= THROTTLED_SHARE * workers
    )


def cpu_signal(obs: Observation) -> Signal | None:
    """MH-WEB-009 when the page kept the CPU busy without any user gesture."""
    cpu = obs.cpu
    if cpu.mean < BUSY_CORES:
        return None
    cores = obs.hardware_concurrency
    workers = len(obs.workers)
    sized = obs.hardware_concurrency_reads > 0 and workers >= max(cores, 1)
    throttled = _throttled(cpu, workers, sized)
    attrs: dict[str, Scalar] = {
        "cpu_seconds": round(cpu.seconds, 2),
        "mean_cores": round(cpu.mean, 2),
        "busy_fraction": round(cpu.busy_fraction, 2),
        "variation": round(cpu.variation, 2),
        "workers": workers,
        "hardware_concurrency": cores,
        "hardware_concurrency_reads": obs.hardware_concurrency_reads,
        "user_gesture": False,
        "duty_cycle": "throttled" if throttled else "other",
    }
    raise_low = (sized and cpu.mean >= 0.5 and cpu.busy_fraction >= SUSTAINED) or throttled
    window = len(cpu.samples) * cpu.interval
    parts = [f"{cpu.mean:.2f} cores busy on average over {window:.0f}s"]
    if workers:
        parts.append(f"{workers} worker(s)" + (" sized to hardwareConcurrency" if sized else ""))
    if throttled:
        parts.append(
            f"throttled duty cycle ({cpu.mean / max(workers, 1):.0%} of a core per worker)"
        )
    parts.append("no user gesture")
    return signal(
        target_for(obs.url),
        "MH-WEB-009",
        "heavy CPU in the browser: " + ", ".join(parts),
        "browser",
        attrs,
        severity=Severity.LOW if raise_low else None,
    )


def observation_signals(obs: Observation, intel: Intel) -> list[Signal]:
    """All runtime signals of one page."""
    target = target_for(obs.url)
    out: list[Signal] = []
    for sock in obs.sockets:
        out += url_signals(target, sock.url, intel, f"websocket {sock.url[:200]}")
        s = sock.summary
        if s is None:
            continue
        attrs: dict[str, Scalar] = {
            "websocket": sock.url[:500],
            "dialect": s.dialect.value,
            "jobs": s.jobs,
            "shares": s.shares,
            "accepted": s.accepted,
            "messages": s.messages,
        }
        if s.login:
            attrs["login"] = s.login[:200]
        if s.algorithms:
            attrs["algorithms"] = ",".join(s.algorithms)
        strong = s.confidence in (Confidence.HIGH, Confidence.MEDIUM)
        out.append(
            signal(
                target,
                "MH-WEB-004",
                f"WebSocket {sock.url[:120]} speaks {s.dialect.value}: {s.jobs} job(s), "
                f"{s.shares} share(s)" + (f", login {s.login[:60]}" if s.login else ""),
                f"websocket {sock.url[:200]}",
                attrs,
                severity=Severity.HIGH if strong else Severity.MEDIUM,
                confidence=s.confidence,
            )
        )
    for how, verdict in obs.modules:
        out += wasm_signals(target, verdict, f"browser {how}")
    for url in obs.blocked:
        out += url_signals(target, url, intel, f"blocked request {url[:200]}")
    cpu = cpu_signal(obs)
    if cpu is not None:
        out.append(cpu)
    return out
