"""Benchmark the log detections on DuckDB and on Spark local[1] / local[2], side by side.

    .venv/bin/python benchmarks/logs_spark.py [--rows 50000000] [--cache DIR]

A Zeek log set of ``--rows`` ordinary conn rows from 20,000 hosts to 50,000 servers, with
matching dns.log, ssl.log and http.log rows and 120 planted mining sessions of four kinds
(tests/net/logs_spark/generate.py: DuckDB writes it, a few seconds per million rows), is
generated once and kept under ``--cache`` (default ~/.cache/minehunt-bench, outside the
repository), so a run measures scanning. Each engine then scans it in a process of its own:
start-up (Spark: the JVM and SparkSession) and the scan are timed apart, and within the scan
the conn-log selection (``CANDIDATES``, the one query over every conn row). rows/s is conn
rows over the scan time. Every engine must find exactly the planted sessions. The load
average is printed before and after each engine: the machine may be shared. For Spark the
joins and exchanges (shuffles) of the selection's physical plan are printed.
"""

from __future__ import annotations

# ruff: noqa: E501  (the result table lines read best unwrapped)
import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
GENERATOR_VERSION = 3  # bump when generate.py changes what it writes


def plan_lines(node: Any, depth: int = 0) -> list[str]:
    """The joins, exchanges and scans of a Spark physical plan, as an indented tree; cached
    tables are shown as their scan, not the plan that built them (it ran before)."""
    name = str(node.nodeName())
    if name == "AdaptiveSparkPlan":
        return plan_lines(node.executedPlan(), depth)
    out: list[str] = []
    if re.search(r"Join|Exchange|Scan", name):
        text = re.sub(r"#\d+L?|, \[plan_id=\d+\]", "", str(node.simpleString(12)))
        out.append("  " * depth + text[:150])
        depth += 1
    children = node.children()
    for k in range(children.size()):
        out += plan_lines(children.apply(k), depth)
    return out


def one(engine: str, master: str, path: str) -> None:
    """Child process: start the engine, scan, print timings (and Spark's plan) as JSON."""
    from minehunt.intel import load
    from minehunt.net.logs.engine import EngineName, open_engine
    from minehunt.net.logs.zeek import scan_zeek
    from minehunt.report import Collector

    t0 = time.perf_counter()
    eng: Any = open_engine(EngineName(engine), master or None)
    t1 = time.perf_counter()
    timed: dict[str, Any] = {"select": 0.0, "plan": []}
    rows = eng.rows

    def rows_timed(sql: str) -> list[tuple[Any, ...]]:
        if "FROM c LEFT JOIN" not in sql:
            return rows(sql)
        if engine == "spark":
            timed["plan"] = plan_lines(eng.spark.sql(sql)._jdf.queryExecution().executedPlan())
        t = time.perf_counter()
        out = rows(sql)
        timed["select"] = time.perf_counter() - t
        return out

    eng.rows = rows_timed
    col = Collector("scan logs zeek")
    findings = list(scan_zeek(path, load(use_user_dir=False), col, eng))
    t2 = time.perf_counter()
    flows = sorted(f"{f.target.laddr}>{f.target.raddr}" for f in findings if f.target.raddr)
    print(json.dumps({"start": t1 - t0, "scan": t2 - t1, "flows": flows,
                      "skipped": len(col.skipped), **timed}))  # fmt: skip


def logs(cache: Path, rows: int) -> Path:
    """The generated log set, made once and kept in the cache."""
    from tests.net.logs_spark import generate

    path = cache / f"zeek-{rows}-g{GENERATOR_VERSION}"
    if (path / "planted.json").exists():
        print(f"log set: {path} (cached)")
        return path
    tmp = path.with_name(path.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    t = time.perf_counter()
    generate.write(tmp, rows)
    tmp.rename(path)
    print(f"log set: {path} (generated in {time.perf_counter() - t:.0f} s)")
    return path


def load_average() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=50_000_000)
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "minehunt-bench")
    ap.add_argument("--engines", default="duckdb,spark:local[1],spark:local[2]")
    ap.add_argument("--one", nargs=3, metavar=("ENGINE", "MASTER", "PATH"))
    args = ap.parse_args()
    if args.one:
        one(*args.one)
        return
    from tests.net.logs_spark import generate

    path = logs(args.cache, args.rows)
    planted = generate.read_planted(path)
    want = sorted(f"{p.client}:*>{p.server}:{p.port}" for p in planted)
    sizes = {f.name: f.stat().st_size for f in path.iterdir() if f.suffix == ".log"}
    lines = {k: (path / k).read_bytes().count(b"\n") for k in sizes if k != "conn.log"}
    print(f"{args.rows:,} conn rows ({sizes['conn.log'] / 1e9:.2f} GB TSV) + "
          + ", ".join(f"{k} {n:,} lines" for k, n in sorted(lines.items()))
          + f"; {len(planted)} planted sessions")  # fmt: skip
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, shared with other jobs")
    print(
        f"{'engine':<16} {'start s':>8} {'scan s':>8} {'select s':>9} {'rows/s':>12}  load before/after (1/5/15 min)  planted found"
    )
    plans = {}
    for spec in args.engines.split(","):
        engine, _, master = spec.partition(":")
        before = load_average()
        out = subprocess.run(
            [sys.executable, __file__, "--one", engine, master, str(path)],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        r = json.loads(out.strip().splitlines()[-1])
        found = sorted(re.sub(r":\d+>", ":*>", f) for f in r["flows"])
        ok = "exactly" if found == want and not r["skipped"] else f"MISMATCH ({len(found)})"
        name = engine if not master else f"spark {master}"
        print(f"{name:<16} {r['start']:8.1f} {r['scan']:8.1f} {r['select']:9.1f} "
              f"{args.rows / r['scan']:12,.0f}  {before} / {load_average():<16} {ok}",
              flush=True)  # fmt: skip
        if r["plan"]:
            plans[name] = r["plan"]
    for name, plan in plans.items():
        print(f"\n{name}: joins, exchanges and scans of the conn selection's physical plan")
        print("\n".join(plan))


if __name__ == "__main__":
    main()
