"""Process telemetry: one cheap snapshot of every process, and CPU over a window."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import psutil


@dataclass(frozen=True)
class ProcessInfo:
    """What minehunt knows about one process at snapshot time."""

    pid: int
    ppid: int
    name: str
    """Kernel name (comm), at most 15 characters."""
    exe: str | None
    """readlink of /proc/PID/exe, kept raw: ' (deleted)' and '/memfd:' stay visible."""
    cmdline: tuple[str, ...]
    user: str | None
    started: float
    cpu_seconds: float
    threads: int
    sched_seconds: float | None = None
    """Seconds on a CPU plus waiting for one (/proc/PID/schedstat); None if unavailable."""

    @property
    def is_kernel_thread(self) -> bool:
        return self.pid == 2 or self.ppid == 2 or (not self.cmdline and self.exe is None)

    @property
    def exe_path(self) -> str | None:
        """The executable path without the ' (deleted)' suffix."""
        if self.exe is None:
            return None
        return self.exe.removesuffix(" (deleted)")


Skip = Callable[[str, str], None]

_ATTRS = ["pid", "ppid", "name", "cmdline", "username", "create_time", "cpu_times", "num_threads"]


def _readlink(path: str) -> str | None:
    try:
        return os.readlink(path)
    except OSError:
        return None


def snapshot(skip: Skip, exclude: Iterable[int] = ()) -> dict[int, ProcessInfo]:
    """Every visible process; an unreadable one is reported through ``skip``."""
    out: dict[int, ProcessInfo] = {}
    excluded = set(exclude)
    for p in psutil.process_iter(_ATTRS, ad_value=None):
        info = p.info
        pid = info["pid"]
        if pid in excluded:
            continue
        if info["create_time"] is None:
            # Gone between listing and reading, or hidden from us: nothing to say.
            continue
        cpu = info["cpu_times"]
        exe = _readlink(f"/proc/{pid}/exe")
        if info["cmdline"] is None and info["ppid"] != 2 and pid != 2:
            skip(f"pid {pid}", "command line unreadable (permission denied)")
        out[pid] = ProcessInfo(
            pid=pid,
            ppid=info["ppid"] or 0,
            name=info["name"] or "",
            exe=exe,
            cmdline=tuple(info["cmdline"] or ()),
            user=info["username"],
            started=info["create_time"],
            cpu_seconds=(cpu.user + cpu.system) if cpu else 0.0,
            threads=info["num_threads"] or 0,
            sched_seconds=read_schedstat(pid),
        )
    return out


def read_schedstat(pid: int) -> float | None:
    """Run time plus run-queue wait of a process, in seconds.

    A CPU-bound process on a loaded machine gets only its share of CPU time, but it is
    runnable all the time: run + wait then grows at ~1 s per second per busy thread, so
    demand stays visible however contended the host is.
    """
    try:
        with open(f"/proc/{pid}/schedstat", "rb") as fh:
            run, wait, _ = fh.read().split()
    except (OSError, ValueError):
        return None
    return (int(run) + int(wait)) / 1e9


def cpu_seconds(pids: Iterable[int]) -> dict[int, tuple[float, float | None]]:
    """Current (user+system CPU seconds, schedstat seconds) of ``pids``; gone ones left out."""
    out: dict[int, tuple[float, float | None]] = {}
    for pid in pids:
        try:
            t = psutil.Process(pid).cpu_times()
        except (psutil.Error, OSError):
            continue
        out[pid] = (t.user + t.system, read_schedstat(pid))
    return out


@dataclass(frozen=True)
class CpuSample:
    window_percent: float
    """Percent of one core used over the sampling window."""
    lifetime_percent: float
    """Percent of one core used on average since the process started."""
    demand_percent: float | None = None
    """Percent of one core the process wanted (ran or waited to run) over the window."""


Reading = tuple[float, float | None, float]
"""(CPU seconds, schedstat seconds, monotonic time of the reading)."""


class CpuHistory:
    """Readings kept from one scan to the next (watch mode), so CPU is measured over the
    whole interval between scans instead of a short window."""

    def __init__(self) -> None:
        self._last: dict[int, tuple[float, Reading]] = {}

    def earlier(self, p: ProcessInfo) -> Reading | None:
        hit = self._last.get(p.pid)
        return hit[1] if hit and hit[0] == p.started else None

    def record(self, procs: dict[int, ProcessInfo], readings: dict[int, Reading]) -> None:
        self._last = {pid: (procs[pid].started, r) for pid, r in readings.items() if pid in procs}


def sample_cpu(
    before: dict[int, ProcessInfo],
    t0: float,
    after: dict[int, tuple[float, float | None]],
    t1: float,
    history: CpuHistory | None = None,
) -> dict[int, CpuSample]:
    """CPU usage since the earliest reading we have of each process, and over its lifetime."""
    now = time.time()
    out = {}
    readings: dict[int, Reading] = {}
    for pid, (secs, sched) in after.items():
        p = before.get(pid)
        if p is None:
            continue
        readings[pid] = (secs, sched, t1)
        start: Reading = (p.cpu_seconds, p.sched_seconds, t0)
        if history is not None:
            start = history.earlier(p) or start
        dt = max(t1 - start[2], 1e-3)
        age = max(now - p.started, dt)
        demand = None
        if sched is not None and start[1] is not None:
            demand = 100.0 * max(sched - start[1], 0.0) / dt
        out[pid] = CpuSample(
            window_percent=100.0 * max(secs - start[0], 0.0) / dt,
            lifetime_percent=100.0 * secs / age,
            demand_percent=demand,
        )
    if history is not None:
        history.record(before, readings)
    return out
