"""Benchmark the log detections on DuckDB and on Spark local[1] / local[2], side by side.

    .venv/bin/python benchmarks/logs_spark.py [--rows 5000000] [--work DIR]

Writes a Zeek log set of ``--rows`` ordinary conn rows from 20 k hosts (plus matching dns.log
and ssl.log/http.log rows and 120 planted mining sessions of four kinds:
tests/net/logs_spark/generate.py), then scans it with each engine in its own process:
start-up (Spark: the JVM and SparkSession) and scan are timed separately; rows/s is conn rows
over scan time. Every engine must find exactly the planted sessions.
"""

from __future__ import annotations

# ruff: noqa: E501  (the result table lines read best unwrapped)
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def one(engine: str, master: str, path: str) -> None:
    """Child process: start the engine, scan, print timings as JSON."""
    from minehunt.intel import load
    from minehunt.net.logs.engine import EngineName, open_engine
    from minehunt.net.logs.zeek import scan_zeek
    from minehunt.report import Collector

    t0 = time.perf_counter()
    eng = open_engine(EngineName(engine), master or None)
    t1 = time.perf_counter()
    col = Collector("scan logs zeek")
    findings = list(scan_zeek(path, load(use_user_dir=False), col, eng))
    t2 = time.perf_counter()
    flows = sorted(f.target.raddr or "" for f in findings if f.target.raddr)
    print(json.dumps({"start": t1 - t0, "scan": t2 - t1, "flows": flows, "skipped": len(col.skipped)}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--one", nargs=3, metavar=("ENGINE", "MASTER", "PATH"))
    args = ap.parse_args()
    if args.one:
        one(*args.one)
        return
    from tests.net.logs_spark import generate

    work = args.work or Path(tempfile.mkdtemp(prefix="mh-spark-bench-"))
    t = time.perf_counter()
    planted = generate.write(work / "zeek", args.rows)
    gen = time.perf_counter() - t
    want = sorted(f"{p.server}:{p.port}" for p in planted)
    size = sum(f.stat().st_size for f in (work / "zeek").iterdir())
    print(f"{args.rows:,} conn rows + dns/ssl/http, {size / 1e6:.0f} MB TSV, generated in {gen:.0f} s")
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs (shared with other jobs)")
    print(f"{'engine':<16} {'start s':>8} {'scan s':>8} {'rows/s':>12}  planted found")
    for engine, master in (("duckdb", ""), ("spark", "local[1]"), ("spark", "local[2]")):
        out = subprocess.run(
            [sys.executable, __file__, "--one", engine, master, str(work / "zeek")],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        r = json.loads(out.strip().splitlines()[-1])
        ok = "exactly" if r["flows"] == want and not r["skipped"] else f"MISMATCH ({len(r['flows'])})"
        name = engine if not master else f"spark {master}"
        print(f"{name:<16} {r['start']:8.1f} {r['scan']:8.1f} {args.rows / r['scan']:12,.0f}  {ok}")


if __name__ == "__main__":
    main()
