"""Benchmark `minehunt scan host` beside `ps ...; ss -tnp`, with extra idle processes.

Both commands run interleaved in one run, on the same machine state: N `sleep` processes
are started first and every one of them is visible in /proc before anything is timed.

    .venv/bin/python benchmarks/host_scan.py [--extra 500] [--runs 5]

Prints the machine and a markdown table (median, min, max wall time; peak RSS).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from types import FrameType

BASELINE = "ps -eo pid,ppid,user,comm,etimes,time,nlwp,args ; ss -tnp"
TARGET_WALL_S = 2.0
TARGET_RSS_MIB = 80.0
GNU_TIME = "/usr/bin/time"


def minehunt_cmd() -> list[str]:
    """The `minehunt` console script of this interpreter's environment, as users run it."""
    script = os.path.join(os.path.dirname(sys.executable), "minehunt")
    if os.access(script, os.X_OK):
        return [script]
    found = shutil.which("minehunt")
    return [found] if found else [sys.executable, "-m", "minehunt"]


def proc_count() -> int:
    return sum(1 for name in os.listdir("/proc") if name.isdigit())


def _raise_exit(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # so `finally` blocks kill what we started


@contextlib.contextmanager
def idle_processes(n: int, timeout: float = 60.0) -> Iterator[list[int]]:
    """Start ``n`` `sleep` processes in one process group; kill the group on exit.

    Yields only once every one has exec'd `sleep` (its /proc/PID/comm says so), so the
    timed runs see all of them.
    """
    procs: list[subprocess.Popen[bytes]] = []
    pgid = 0
    previous = signal.signal(signal.SIGTERM, _raise_exit)
    try:
        for _ in range(n):
            p = subprocess.Popen(
                ["sleep", "3600"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                process_group=pgid,  # 0: the first one leads a new group
            )
            procs.append(p)
            pgid = pgid or p.pid
        pids = [p.pid for p in procs]
        deadline = time.monotonic() + timeout
        waiting = set(pids)
        while waiting:
            for pid in list(waiting):
                with contextlib.suppress(OSError), open(f"/proc/{pid}/comm") as fh:
                    if fh.read().strip() == "sleep":
                        waiting.discard(pid)
            if waiting:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{len(waiting)} sleep processes not visible in /proc")
                time.sleep(0.05)
        yield pids
    finally:
        if pgid:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
        for p in procs:
            p.wait()
        signal.signal(signal.SIGTERM, previous)


def machine() -> list[str]:
    """One line per fact about the machine and software the numbers come from."""
    cpu = "?"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as fh:
        cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), "?")
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    version = subprocess.run(
        [*minehunt_cmd(), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    commit = subprocess.run(
        ["git", "-C", repo, "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return [
        f"CPU: {cpu}, {os.cpu_count()} logical cores",
        f"RAM: {mem_gib:.1f} GiB",
        f"Kernel: {platform.system()} {platform.release()}",
        f"Python: {platform.python_version()} ({sys.executable})",
        f"minehunt: {version or '?'} (git {commit or '?'})",
    ]


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


@dataclass
class Series:
    """Wall seconds, CPU seconds and peak RSS (KiB) of repeated runs of one command."""

    name: str
    argv: list[str]
    ok_codes: frozenset[int]
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)


def run_once(argv: Sequence[str], ok_codes: frozenset[int]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user+system) and peak RSS (KiB) of one fresh child.

    Its output goes to /dev/null. CPU time is what load on a shared machine distorts least.

    Peak RSS comes from GNU time's %M when installed. Without it, os.wait4's rusage is
    used, but a spawned child inherits its parent's RSS high-water mark across exec, so
    small commands then show this script's RSS (~15 MiB) instead of their own.
    """
    with tempfile.NamedTemporaryFile("r") as rss_file, tempfile.TemporaryFile() as err:
        cmd = list(argv)
        if os.access(GNU_TIME, os.X_OK):
            cmd = [GNU_TIME, "-f", "%M", "-o", rss_file.name, *cmd]
        devnull = os.open(os.devnull, os.O_RDWR)
        try:
            t0 = time.perf_counter()
            pid = os.posix_spawnp(
                cmd[0],
                cmd,
                os.environ,
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, devnull, 0),
                    (os.POSIX_SPAWN_DUP2, devnull, 1),
                    (os.POSIX_SPAWN_DUP2, err.fileno(), 2),
                ],
            )
            _, status, usage = os.wait4(pid, 0)
            wall = time.perf_counter() - t0
        finally:
            os.close(devnull)
        code = os.waitstatus_to_exitcode(status)
        if code not in ok_codes:
            err.seek(0)
            msg = err.read().decode("utf-8", "replace")[-2000:]
            raise RuntimeError(f"{' '.join(argv)} exited {code}:\n{msg}")
        rss = rss_file.read().split()
    # GNU time prints "Command exited with non-zero status N" before %M in that case.
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, int(rss[-1]) if rss else usage.ru_maxrss


def measure(series: list[Series], runs: int) -> None:
    """One warm-up run of each, then ``runs`` rounds, interleaved so load drift hits all."""
    for s in series:
        run_once(s.argv, s.ok_codes)
    for _ in range(runs):
        for s in series:
            wall, cpu, rss = run_once(s.argv, s.ok_codes)
            s.walls.append(wall)
            s.cpus.append(cpu)
            s.rss_kib.append(rss)


def table(series: list[Series]) -> list[str]:
    base = statistics.median(series[0].walls)
    rows = [
        "| command | wall median (min-max) | vs baseline | CPU median | peak RSS median (max) |",
        "|---|---|---|---|---|",
    ]
    for s in series:
        wall = statistics.median(s.walls)
        cpu = statistics.median(s.cpus)
        rss, rss_max = statistics.median(s.rss_kib) / 1024, max(s.rss_kib) / 1024
        rows.append(
            f"| {s.name} | {wall:.3f} s ({min(s.walls):.3f}-{max(s.walls):.3f}) "
            f"| {wall / base:.0f}x | {cpu:.3f} s | {rss:.1f} MiB ({rss_max:.1f}) |"
        )
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--extra", type=int, default=500, help="idle processes to add (500)")
    ap.add_argument("--runs", type=int, default=5, help="timed runs of each command (5)")
    args = ap.parse_args()

    scan = [*minehunt_cmd(), "scan", "host", "--format", "json"]
    series = [
        Series(f"baseline `{BASELINE}`", ["sh", "-c", BASELINE], frozenset({0})),
        Series("`minehunt scan host` (default --cpu-window 0.5)", scan, frozenset({0, 1})),
        Series(
            "`minehunt scan host --cpu-window 0`", [*scan, "--cpu-window", "0"], frozenset({0, 1})
        ),
    ]
    for line in machine():
        print(f"- {line}")
    load_before = loadavg()
    with idle_processes(args.extra):
        procs = proc_count()
        measure(series, args.runs)
        procs_after = proc_count()
    print(f"- Processes during the run: {procs}-{procs_after} (with {args.extra} idle `sleep`)")
    print(f"- Load average (1/5/15 min): before {load_before}, after {loadavg()}")
    print(f"- {args.runs} timed runs each after one warm-up, interleaved\n")
    print("\n".join(table(series)))

    scan_default = series[1]
    wall = statistics.median(scan_default.walls)
    rss = max(s for x in series[1:] for s in x.rss_kib) / 1024
    print()
    verdict = "PASS" if wall <= TARGET_WALL_S else "FAIL"
    print(f"- wall ≤ {TARGET_WALL_S} s (median, default window): {wall:.3f} s, {verdict}")
    verdict = "PASS" if rss <= TARGET_RSS_MIB else "FAIL"
    print(f"- peak RSS ≤ {TARGET_RSS_MIB:.0f} MiB (max of all runs): {rss:.1f} MiB, {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
