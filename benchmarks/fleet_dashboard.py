"""Benchmark the fleet dashboard at fleet scale: 1,000 hosts and 1 M findings, on SQLite and
on PostgreSQL (a throwaway cluster made with initdb/pg_ctl as an unprivileged user).

The findings are bulk-loaded straight into the migrated database (executemany on SQLite,
COPY on PostgreSQL; not through HTTP), the counters rebuilt and the planner statistics
gathered, then the real server is started as a subprocess, a user signs in through the
login form, and every dashboard page is timed over N requests (p50/p95, wall time seen by
the client on loopback). Exports are timed to the first byte (they stream) and in full.

    .venv/bin/python benchmarks/fleet_dashboard.py [--hosts 1000] [--findings 1000000]
        [--runs 50] [--db sqlite|postgresql|both] [--sqlite-file F] [--postgresql-url URL]

Prints the machine and a markdown table per database.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import insert  # noqa: E402
from tests.support.fleet import FleetServer, PostgresCluster, finding  # noqa: E402

from minehunt.model import Severity  # noqa: E402
from minehunt.server import store  # noqa: E402
from minehunt.server.db import Database  # noqa: E402
from minehunt.server.models import Host  # noqa: E402
from minehunt.server.store import finding_dict  # noqa: E402

COLUMNS = (
    "host_id",
    "target_key",
    "check_id",
    "kind",
    "severity",
    "severity_rank",
    "confidence",
    "title",
    "label",
    "summary",
    "data",
    "state",
    "first_seen",
    "last_seen",
    "times_seen",
)
# (process name, weight): a few families dominate, as on a real fleet; "phoenixminer" is
# rare (about 1 in 20,000), the search a needle in the haystack.
NAMES = (
    ("xmrig", 30),
    ("kdevtmpfsi", 15),
    ("kinsing", 10),
    ("sysupdate", 10),
    ("dbused", 8),
    ("networkservice", 7),
    ("systemd-udevd", 5),
    ("java", 5),
    ("node", 5),
    ("python3", 5),
)
CHECKS = (
    ("MH-PROC-002", "Mining pool in the command line"),
    ("MH-PROC-001", "Known miner binary"),
    ("MH-NET-001", "Stratum traffic"),
    ("MH-WEB-001", "In-browser miner script"),
    ("MH-PERS-001", "Miner in a start-up file"),
    ("MH-FILE-001", "Miner binary on disk"),
)
SEVERITIES = (
    (Severity.LOW, 30),
    (Severity.MEDIUM, 35),
    (Severity.HIGH, 25),
    (Severity.CRITICAL, 5),
    (Severity.INFO, 5),
)
STATES = (("new", 70), ("acknowledged", 15), ("resolved", 10), ("false_positive", 5))


def _pick(table: tuple[tuple[Any, int], ...], rng: random.Random) -> Any:
    return rng.choices([v for v, _ in table], [w for _, w in table])[0]


def rows(hosts: int, n: int, seed: int = 14) -> Iterator[tuple[Any, ...]]:
    """``n`` findings spread over ``hosts`` hosts and the last 90 days."""
    rng = random.Random(seed)
    template = finding_dict(finding())
    end = datetime.now(UTC)
    for i in range(n):
        host_id = i % hosts + 1
        name = "phoenixminer" if rng.random() < 1 / 20_000 else _pick(NAMES, rng)
        check, title = rng.choice(CHECKS)
        sev = _pick(SEVERITIES, rng)
        pid = 1000 + i
        exe = f"/tmp/.{name}-{i % 97}/{name}"
        summary = f"{name} (pid {pid}): mining pool stratum+tcp://10.{i % 250}.0.1:3333"
        d = dict(template, check_id=check, title=title, severity=sev.value, summary=summary)
        d["target"] = dict(template["target"], name=name, pid=pid, exe=exe)
        first = end - timedelta(seconds=rng.randrange(90 * 86400))
        last = min(end, first + timedelta(seconds=rng.randrange(7 * 86400)))
        yield (
            host_id,
            f"process:{pid}:1700000000.0:{exe}",
            check,
            store.kind_of(check),
            sev.value,
            sev.rank,
            "high",
            title,
            f"{name} (pid {pid})",
            summary,
            json.dumps(d, separators=(",", ":")),
            _pick(STATES, rng),
            first,
            last,
            1 + rng.randrange(20),
        )


def bulk_load(url: str, hosts: int, n: int) -> float:
    """Migrate an empty database and fill it; returns the seconds it took."""
    t0 = time.monotonic()
    db = Database(url)
    now = datetime.now(UTC)
    try:
        with db.engine.begin() as conn:
            conn.execute(
                insert(Host.__table__),
                [
                    {
                        "id": h,
                        "name": f"host-{h:04d}",
                        "enrolled": now,
                        "last_seen": now - timedelta(minutes=h % 10),
                        "agent_version": "bench",
                        "queued": 0,
                        "dropped": 0,
                    }
                    for h in range(1, hosts + 1)
                ],
            )
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            if db.engine.dialect.name == "sqlite":
                sql = (
                    f"INSERT INTO findings ({','.join(COLUMNS)}) "
                    f"VALUES ({','.join(['?'] * len(COLUMNS))})"
                )
                batch: list[tuple[Any, ...]] = []
                for r in rows(hosts, n):
                    # SQLAlchemy's SQLite format for timestamps
                    batch.append((*r[:12], _sqlite_ts(r[12]), _sqlite_ts(r[13]), r[14]))
                    if len(batch) == 20_000:
                        cur.executemany(sql, batch)
                        batch.clear()
                cur.executemany(sql, batch)
            else:
                with cur.copy(f"COPY findings ({','.join(COLUMNS)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                    for r in rows(hosts, n):
                        copy.write_row(r)
                cur.execute("SELECT setval('findings_id_seq', (SELECT max(id) FROM findings))")
                cur.execute("SELECT setval('hosts_id_seq', (SELECT max(id) FROM hosts))")
            raw.commit()
        finally:
            raw.close()
        with db.engine.begin() as conn:
            store.recount(conn)
        with db.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql(
                "VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE"
            )
    finally:
        db.close()
    return time.monotonic() - t0


def _sqlite_ts(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%d %H:%M:%S.%f")


def timed(http: Any, path: str, runs: int) -> tuple[float, float, int]:
    """p50 and p95 (ms) of ``runs`` GETs of ``path``, and the size of the last answer."""
    times, size = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        r = http.get(path)
        times.append(time.perf_counter() - t0)
        assert r.status_code == 200, (path, r.status_code, r.text[:200])
        size = len(r.content)
    return statistics.median(times) * 1000, statistics.quantiles(times, n=20)[18] * 1000, size


def first_byte(http: Any, path: str, runs: int) -> tuple[float, float]:
    """p50 and p95 (ms) to the first chunk of a streamed answer."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        with http.stream("GET", path) as r:
            assert r.status_code == 200, (path, r.status_code)
            next(r.iter_bytes())
            times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, statistics.quantiles(times, n=20)[18] * 1000


def run(url: str, label: str, args: argparse.Namespace, load: bool = True) -> None:
    load_s = bulk_load(url, args.hosts, args.findings) if load else 0.0
    with tempfile.TemporaryDirectory(prefix="mh-bench-") as tmp:
        server = FleetServer(url, Path(tmp) / "srv")
        server.start()
        try:
            dash = server.user("bench")
            http = dash.http
            http.timeout = 300
            host_id = args.hosts // 2
            host = f"host-{host_id:04d}"
            fid = args.findings // 2
            pages = {
                "overview `/`": "/",
                "hosts, page 1": "/hosts",
                "hosts, the last page": f"/hosts?page={-(-args.hosts // 100)}",
                "findings, no filter": "/findings",
                "findings, severity ≥ high": "/findings?severity=high",
                "findings, state acknowledged": "/findings?state=acknowledged",
                "findings, one host": f"/findings?host={host}",
                "findings, check + kind": "/findings?check=MH-NET-001&kind=network",
                "findings, search common (`xmrig`)": "/findings?q=xmrig",
                "findings, search rare (`phoenixminer`)": "/findings?q=phoenixminer",
                "findings, search + severity": "/findings?q=kinsing&severity=critical",
                "findings, page 50": "/findings?page=50",
                "findings, page 100 (the last)": "/findings?page=100",
                "host page": f"/hosts/{host_id}",
                "finding detail": f"/findings/{fid}",
                "trend": "/trend",
                "API, 500 findings": "/api/v1/findings?limit=500",
                "CSV export, one host (full)": f"/export/findings.csv?host={host}",
                "JSON export, one host (full)": f"/export/findings.json?host={host}",
            }
            results = {name: timed(http, path, args.runs) for name, path in pages.items()}
            streams = {
                "CSV export, severity ≥ high (first byte)": first_byte(
                    http, "/export/findings.csv?severity=high", max(5, args.runs // 5)
                ),
                "JSON export, no filter (first byte)": first_byte(
                    http, "/export/findings.json", max(5, args.runs // 5)
                ),
            }
        finally:
            server.close()
    print(f"\n### {label}: {args.hosts:,} hosts, {args.findings:,} findings "
          f"(bulk load {load_s:.0f} s), {args.runs} requests per page\n")  # fmt: skip
    print("| page | p50 | p95 | size |\n|---|---|---|---|")
    for name, (p50, p95, size) in results.items():
        print(f"| {name} | {p50:.0f} ms | {p95:.0f} ms | {size / 1024:.0f} KiB |")
    for name, (p50, p95) in streams.items():
        print(f"| {name} | {p50:.0f} ms | {p95:.0f} ms | streamed |")
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", type=int, default=1000)
    ap.add_argument("--findings", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--sqlite-file", type=Path, help="Load into this file once; reuse it.")
    ap.add_argument(
        "--postgresql-url", help="A PostgreSQL database already loaded by this benchmark."
    )
    args = ap.parse_args()
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f}, Python {platform.python_version()}")  # fmt: skip
    if args.db in ("sqlite", "both") and args.sqlite_file:
        # keep the loaded database: later runs (after a change) skip the load
        run(f"sqlite:///{args.sqlite_file}", "SQLite", args, not args.sqlite_file.exists())
    elif args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="mh-bench-db-") as d:
            run(f"sqlite:///{d}/fleet.sqlite", "SQLite", args)
    if args.db in ("postgresql", "both") and args.postgresql_url:
        run(args.postgresql_url, "PostgreSQL 15", args, load=False)
    elif args.db in ("postgresql", "both"):
        cluster = PostgresCluster()
        try:
            run(cluster.database(), "PostgreSQL 15", args)
        finally:
            cluster.stop()


if __name__ == "__main__":
    main()
