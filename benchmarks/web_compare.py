"""Miner pages caught by a NoCoin-style list vs minehunt static vs minehunt --browser.

Same local 1,000-page site for all three (benchmarks/web_site.py: 24 miner pages of six
techniques). The NoCoin-style list (tests/web/data/nocoin.txt, adblock syntax) is applied
the way an ad-blocker applies it: to every request the page makes in Chromium. A page is
"caught" by minehunt when its finding is medium or above. Also measures the browser verdict
time per page at the given window (default 10 s, the product default) and checks a sample
of ordinary pages for false positives.

Usage: .venv/bin/python benchmarks/web_compare.py [--window 10] [--benign 12]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from web_site import (
    VARIANTS,
    build,
    miner_backend,
    nocoin_blocks,
    nocoin_rules,
    serving,
    write_bench_site,
)

from minehunt import intel as intel_mod
from minehunt.model import Severity
from minehunt.report import Collector
from minehunt.web.browser import BrowserOptions, BrowserSession
from minehunt.web.crawl import CrawlOptions
from minehunt.web.fetch import Scope
from minehunt.web.findings import page_finding
from minehunt.web.runtime import observation_signals
from minehunt.web.scan import WebScanOptions, scan_urls


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--window", type=float, default=10.0)
    ap.add_argument("--benign", type=int, default=12, help="ordinary pages run in the browser")
    args = ap.parse_args()
    intel = intel_mod.default()
    rules = nocoin_rules()
    with tempfile.TemporaryDirectory() as tmp, miner_backend() as ws:
        site = write_bench_site(Path(tmp), build(), ws)
        with serving(site.root) as srv:
            col = Collector("scan url")
            opts = WebScanOptions(crawl=CrawlOptions(depth=1, max_pages=len(site.pages) + 1))
            t_static = time.perf_counter()
            static = {
                f.target.url: f
                for f in scan_urls([srv.base + "/all.html"], opts, intel, col)
                if f.severity >= Severity.MEDIUM
            }
            t_static = time.perf_counter() - t_static
            benign = [p for p in site.pages if p not in site.miner_pages]
            sample = random.Random(3).sample(benign, args.benign)
            targets = list(site.miner_pages) + sample
            scope = Scope.for_seeds([srv.base], (), intel)
            caught: dict[str, dict[str, int]] = {
                v: {"nocoin": 0, "static": 0, "browser": 0} for v in VARIANTS
            }
            times: list[float] = []
            false_pos = {"nocoin": 0, "static": 0, "browser": 0}
            with BrowserSession(scope, BrowserOptions(window=args.window)) as browser:
                for path in targets:
                    url = srv.base + path
                    t0 = time.perf_counter()
                    obs = browser.observe(url)
                    runtime = observation_signals(obs, intel)
                    finding = page_finding(url, runtime)
                    times.append(time.perf_counter() - t0)
                    got = {
                        "nocoin": any(nocoin_blocks(u, rules) for u in obs.requests),
                        "static": url in static,
                        "browser": finding is not None and finding.severity >= Severity.MEDIUM,
                    }
                    variant = site.miner_pages.get(path)
                    for k, hit in got.items():
                        if variant:
                            caught[variant][k] += int(hit)
                        else:
                            false_pos[k] += int(hit)
                    print(f"{path} {variant or 'benign'} {got} {times[-1]:.1f}s", file=sys.stderr)
    n = len(site.miner_pages)
    total = {k: sum(c[k] for c in caught.values()) for k in ("nocoin", "static", "browser")}
    print(
        f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}, window {args.window:g}s"
    )
    print("| technique | pages | NoCoin-style list | minehunt static | minehunt --browser |")
    print("|-----------|-------|-------------------|-----------------|--------------------|")
    for v in VARIANTS:
        c = caught[v]
        print(f"| {v} | {n // len(VARIANTS)} | {c['nocoin']} | {c['static']} | {c['browser']} |")
    print(
        f"| **all miner pages** | {n} | **{total['nocoin']}** | **{total['static']}** | "
        f"**{total['browser']}** |"
    )
    print(
        f"| ordinary pages flagged (of {args.benign}) | {args.benign} | {false_pos['nocoin']} | "
        f"{false_pos['static']} | {false_pos['browser']} |"
    )
    print()
    print(
        f"browser verdict per page: mean {statistics.fmean(times):.1f}s, "
        f"max {max(times):.1f}s over {len(times)} pages"
    )
    print(
        f"static scan of {col.counters.get('pages')} pages: {t_static:.1f}s "
        f"({len(static)} findings >= medium)"
    )


if __name__ == "__main__":
    main()
