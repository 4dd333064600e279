"""Benchmark the CPU cost of `minehunt watch host` beside a `ps ...; ss -tnp` loop.

Both run side by side for the same period with extra idle processes present; each one's
CPU time (utime + stime of the process and its waited-for children) is read from
/proc/PID/stat at the start and the end of the period.

    .venv/bin/python benchmarks/host_watch.py [--seconds 300] [--interval 10] [--extra 500]

Prints the machine and a markdown table (average percent of one core).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from host_scan import BASELINE, idle_processes, loadavg, machine, minehunt_cmd, proc_count

TARGET_PERCENT = 2.0
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime + cutime + cstime of ``pid`` (fields 14-17 of /proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()  # comm may hold spaces
    return sum(int(x) for x in fields[11:15]) / TICKS


@dataclass
class Reading:
    wall: float
    cpu: dict[str, float]


def read(procs: dict[str, subprocess.Popen[bytes]]) -> Reading:
    for name, p in procs.items():
        if p.poll() is not None:
            raise RuntimeError(f"{name} exited early with code {p.returncode}")
    return Reading(time.perf_counter(), {n: cpu_seconds(p.pid) for n, p in procs.items()})


def percent(a: Reading, b: Reading, name: str) -> float:
    return 100.0 * (b.cpu[name] - a.cpu[name]) / (b.wall - a.wall)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--seconds", type=float, default=300.0, help="measured period (300)")
    ap.add_argument("--interval", type=float, default=10.0, help="seconds between scans (10)")
    ap.add_argument("--extra", type=int, default=500, help="idle processes to add (500)")
    args = ap.parse_args()
    if args.seconds < args.interval:
        ap.error("--seconds must be at least --interval")

    watch = [*minehunt_cmd(), "watch", "host", "--interval", f"{args.interval:g}"]
    loop = f"while :; do {BASELINE}; sleep {args.interval:g}; done"
    for line in machine():
        print(f"- {line}")
    load_before = loadavg()
    procs: dict[str, subprocess.Popen[bytes]] = {}
    with tempfile.NamedTemporaryFile("r", suffix=".jsonl") as out, idle_processes(args.extra):
        n_procs = proc_count()
        try:
            procs["minehunt"] = subprocess.Popen(
                [*watch, "--output", out.name], stdout=subprocess.DEVNULL
            )
            procs["baseline"] = subprocess.Popen(
                ["sh", "-c", loop], stdout=subprocess.DEVNULL, process_group=0
            )
            start = read(procs)
            # Scans start every `interval` s from start-up; a window shifted by half an
            # interval holds exactly seconds/interval scans and leaves start-up out.
            time.sleep(args.interval / 2)
            steady = read(procs)
            time.sleep(args.seconds - args.interval / 2)
            end = read(procs)
            time.sleep(args.interval / 2)
            steady_end = read(procs)
        finally:
            if "minehunt" in procs:
                procs["minehunt"].terminate()
            if "baseline" in procs:  # its group: the shell and the sleep it waits on
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(procs["baseline"].pid, signal.SIGTERM)
            for p in procs.values():
                p.wait()
        lines = sum(1 for _ in out)

    print(f"- Processes during the run: {n_procs} (with {args.extra} idle `sleep`)")
    print(f"- Load average (1/5/15 min): before {load_before}, after {loadavg()}")
    print(
        f"- {args.seconds:g} s, one scan every {args.interval:g} s; minehunt wrote {lines} line(s)"
    )
    print()
    print("| command | CPU, whole period incl. start-up | CPU, steady state |")
    print("|---|---|---|")
    names = {
        "baseline": f"baseline `{loop}`",
        "minehunt": f"`{' '.join(['minehunt', *watch[len(minehunt_cmd()) :]])}`",
    }
    for key in ("baseline", "minehunt"):
        print(
            f"| {names[key]} | {percent(start, end, key):.2f} % "
            f"| {percent(steady, steady_end, key):.2f} % |"
        )
    whole = percent(start, end, "minehunt")
    verdict = "PASS" if whole <= TARGET_PERCENT else "FAIL"
    print(f"\n- ≤ {TARGET_PERCENT:g} % of one core (whole period): {whole:.2f} %, {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
