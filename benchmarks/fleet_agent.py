"""Benchmark the fleet agent's footprint: ``minehunt agent --interval 60`` against a local
server (SQLite) for S seconds, sampled with psutil once a second.

CPU is the agent's own CPU time (user + system, its children included) over the wall time,
in % of one core: over the whole run, and in steady state (after the first scan, which
includes start-up and the first full report). RSS is the resident set (peak and at the end).

    .venv/bin/python benchmarks/fleet_agent.py [--seconds 300] [--interval 60]

Prints the machine and a markdown table.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.fleet import FleetServer  # noqa: E402


def cpu_seconds(p: psutil.Process) -> float:
    total = 0.0
    for proc in [p, *p.children(recursive=True)]:
        try:
            t = proc.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            continue
    return total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--interval", type=float, default=60)
    args = ap.parse_args()
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f}, Python {platform.python_version()}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="mh-bench-agent-") as tmp:
        d = Path(tmp)
        server = FleetServer(f"sqlite:///{d}/fleet.sqlite", d / "srv")
        server.start()
        try:
            token = d / "token"
            token.write_text(server.token("bench-agent") + "\n")
            agent = subprocess.Popen(
                [sys.executable, "-m", "minehunt", "agent", "--server", server.url,
                 "--token-file", str(token), "--interval", str(args.interval),
                 "--state-dir", str(d / "agent"), "--hostname", "bench-agent"],
                stdout=subprocess.DEVNULL,
                stderr=open(d / "agent.log", "wb"),  # noqa: SIM115
                env={**os.environ, "MINEHUNT_DATA_DIR": str(d / "agent-data")},
            )  # fmt: skip
            proc = psutil.Process(agent.pid)
            t0 = time.monotonic()
            rss: list[int] = []
            steady: tuple[float, float] | None = None  # (wall, cpu) after the first scan
            while time.monotonic() - t0 < args.seconds:
                time.sleep(1)
                assert agent.poll() is None, (d / "agent.log").read_text()
                rss.append(proc.memory_info().rss)
                if steady is None and time.monotonic() - t0 >= min(20.0, args.interval / 2):
                    steady = (time.monotonic(), cpu_seconds(proc))
            wall, cpu = time.monotonic() - t0, cpu_seconds(proc)
            agent.terminate()
            agent.wait(timeout=30)
            with server.db.session() as s:
                from sqlalchemy import func, select

                from minehunt.server.models import RawReport

                reports = s.scalar(select(func.count()).select_from(RawReport))
        finally:
            server.close()
    assert steady is not None
    steady_pct = (cpu - steady[1]) / (t0 + wall - steady[0]) * 100
    print(f"\n### agent --interval {args.interval:g}, {wall:.0f} s\n")
    print("| measure | result |\n|---|---|")
    print(f"| CPU, whole run (start-up and {math.ceil(wall / args.interval)} scans) "
          f"| {cpu / wall * 100:.2f} % of a core |")  # fmt: skip
    print(f"| CPU, after the first scan | {steady_pct:.2f} % of a core |")
    print(f"| RSS peak | {max(rss) / 2**20:.1f} MiB |")
    print(f"| RSS at the end | {rss[-1] / 2**20:.1f} MiB |")
    print(f"| reports the server stored | {reports} |")


if __name__ == "__main__":
    main()
