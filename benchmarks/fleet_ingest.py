"""Benchmark the fleet server: report ingest under many simulated agents, and dashboard
page latency afterwards, on SQLite and on PostgreSQL (a throwaway cluster).

N agents (async httpx, bounded connections, loopback) each enrol, then post reports of
F findings (new targets, as agents on a fleet with spreading mining would) back to back for
S seconds. Ingest rate is findings stored per second of the run, counted from the server's
answers; every non-2xx answer is counted too. Then the findings page and the API are timed.

    .venv/bin/python benchmarks/fleet_ingest.py [--agents 200] [--seconds 60]
        [--findings 50] [--db sqlite|postgresql|both]

Prints the machine and a markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.fleet import (  # noqa: E402
    FleetServer,
    PostgresCluster,
    finding,
    report_body,
)


def bodies(n: int, base: int) -> Iterator[str]:
    """Reports of ``n`` findings on new targets (pids from ``base`` up), each with its own
    idempotency key. The report is built once and only the pids change, so the load
    generator (which shares the machine's cores with the server) stays cheap."""
    template = json.loads(report_body([finding(pid=i) for i in range(n)]))
    items = template["report"]["findings"]
    pid = base
    while True:
        for i, item in enumerate(items):
            item["target"]["pid"] = pid + i
            item["summary"] = f"xmrig (pid {pid + i}): mining pool stratum+tcp://127.0.0.1:3333"
        pid += n
        template["idempotency_key"] = uuid.uuid4().hex
        yield json.dumps(template)


async def agent(
    url: str, credential: str, n: int, deadline: float, stats: dict[str, int], base: int
) -> None:
    headers = {"Authorization": f"Bearer {credential}", "Content-Type": "application/json"}
    reports = bodies(n, base)
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        while time.monotonic() < deadline:
            r = await http.post("/api/v1/reports", content=next(reports), headers=headers)
            if r.status_code == 201:
                stats["findings"] += r.json()["new"]
                stats["reports"] += 1
            else:
                stats[f"http {r.status_code}"] = stats.get(f"http {r.status_code}", 0) + 1


async def load(url: str, creds: list[str], n: int, seconds: float) -> dict[str, int]:
    stats = {"findings": 0, "reports": 0}
    deadline = time.monotonic() + seconds
    await asyncio.gather(
        *(agent(url, c, n, deadline, stats, i * 10_000_000) for i, c in enumerate(creds))
    )
    return stats


def page_times(server: FleetServer, runs: int = 40) -> dict[str, float]:
    dash = server.user("bench-" + uuid.uuid4().hex[:6])
    out = {}
    for path in (
        "/",
        "/findings",
        "/findings?q=xmrig&severity=high",
        "/api/v1/findings?limit=500",
        "/trend",
    ):
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            r = dash.http.get(path)
            times.append(time.perf_counter() - t0)
            assert r.status_code == 200, (path, r.status_code)
        out[path] = statistics.quantiles(times, n=20)[18] * 1000  # p95, ms
    return out


def run(db_url: str, label: str, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="mh-bench-") as tmp:
        server = FleetServer(db_url, Path(tmp) / "srv", "--agent-rate", "1000",
                             "--agent-burst", "1000")  # fmt: skip
        server.start()
        try:
            creds = [server.enrol(f"bench-{i:04d}") for i in range(args.agents)]
            t0 = time.monotonic()
            stats = asyncio.run(load(server.url, creds, args.findings, args.seconds))
            wall = time.monotonic() - t0
            rate = stats["findings"] / wall
            with server.db.session() as s:
                from sqlalchemy import func, select

                from minehunt.server.models import FindingRow

                stored = s.scalar(select(func.count()).select_from(FindingRow))
            pages = page_times(server)
        finally:
            server.close()
    errors = {k: v for k, v in stats.items() if k.startswith("http")}
    print(f"\n### {label}: {args.agents} agents x {args.findings} findings/report, "
          f"{args.seconds:g} s\n")  # fmt: skip
    print("| measure | result |\n|---|---|")
    print(f"| findings stored per second | {rate:,.0f} |")
    print(f"| reports accepted | {stats['reports']:,} ({errors or 'no errors'}) |")
    print(f"| findings in the database afterwards | {stored:,} |")
    for path, ms in pages.items():
        print(f"| p95 GET `{path}` | {ms:.0f} ms |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--findings", type=int, default=50)
    ap.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    args = ap.parse_args()
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f}, Python {platform.python_version()}")  # fmt: skip
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="mh-bench-db-") as d:
            run(f"sqlite:///{d}/fleet.sqlite", "SQLite", args)
    if args.db in ("postgresql", "both"):
        cluster = PostgresCluster()
        try:
            run(cluster.database(), "PostgreSQL 15", args)
        finally:
            cluster.stop()


if __name__ == "__main__":
    main()
