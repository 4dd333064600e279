"""Static scan throughput: `minehunt scan url --depth 1` over a local 1,000-page site.

Target: >= 100 pages/s on a 2-core machine. Prints a markdown table for docs/BENCHMARKS.md.
Usage: .venv/bin/python benchmarks/web_static.py [--runs 3] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from web_site import build, miner_backend, serving, write_bench_site

from minehunt import intel as intel_mod
from minehunt.report import Collector
from minehunt.web.crawl import CrawlOptions
from minehunt.web.scan import WebScanOptions, scan_urls


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=8)
    args = ap.parse_args()
    intel = intel_mod.default()
    with tempfile.TemporaryDirectory() as tmp, miner_backend() as ws:
        site = write_bench_site(Path(tmp), build(), ws)
        with serving(site.root) as srv:
            opts = WebScanOptions(
                crawl=CrawlOptions(
                    depth=1, max_pages=len(site.pages) + 1, concurrency=args.concurrency
                )
            )
            rows = []
            for run in range(1, args.runs + 1):
                col = Collector("scan url")
                cpu0 = resource.getrusage(resource.RUSAGE_SELF)
                t0 = time.perf_counter()
                findings = list(scan_urls([srv.base + "/all.html"], opts, intel, col))
                wall = time.perf_counter() - t0
                cpu1 = resource.getrusage(resource.RUSAGE_SELF)
                cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
                pages = int(col.counters.get("pages", 0))
                high = sum(1 for f in findings if f.severity.rank >= 3)
                rows.append((run, pages, wall, pages / wall, cpu, high, col.counters["requests"]))
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    print("| run | pages | requests | wall s | pages/s | CPU s | findings >= high |")
    print("|-----|-------|----------|--------|---------|-------|------------------|")
    for run, pages, wall, rate, cpu, high, reqs in rows:
        print(f"| {run} | {pages} | {reqs} | {wall:.2f} | {rate:.0f} | {cpu:.2f} | {high} |")


if __name__ == "__main__":
    main()
