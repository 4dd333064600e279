"""`minehunt scan router --export` on a large RouterOS export, beside grep over the same file.

Target: a 100k-line export in a few seconds and under 150 MB peak RSS (whole process).
The baseline is `grep -n -E` for the campaign's tell-tale words: what an admin without a
parser would do, and the least any tool must spend reading the file.
Usage: .venv/bin/python benchmarks/router_export.py [--lines 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CAMPAIGN = REPO / "tests/router/data/campaign-6x-compact.rsc"
BENIGN = REPO / "tests/router/data/benign-6x-isp.rsc"


def write_export(path: Path, lines: int) -> None:
    """A benign ISP export, then firewall rules and routes up to ``lines`` physical lines,
    then the campaign's changes: the checks must read the whole file to find them."""
    with path.open("w") as f:
        f.write(BENIGN.read_text())
        f.write("/ip firewall address-list\n")
        n = 0
        while n < lines:
            f.write(
                f"add address=10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256} comment=\\\n"
                f'    "customer {n}" list=customers\n'
            )
            n += 2
        campaign = CAMPAIGN.read_text().split("\n", 5)[5]  # without its header
        f.write(campaign)


def run(cmd: list[str]) -> tuple[float, float, int, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss // 1024, proc.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "big.rsc"
        write_export(export, args.lines)
        total = sum(1 for _ in export.open())
        rows = []
        for i in range(1, args.runs + 1):
            grep = ["grep", "-n", "-E", "tool fetch|/ip socks|/ip proxy|to-ports=8080", str(export)]
            gw, gc, _, gout = run(grep)
            mh = [
                sys.executable,
                "-m",
                "minehunt",
                "scan",
                "router",
                "-e",
                str(export),
                "-f",
                "json",
            ]
            w, c, rss, out = run(mh)
            report = json.loads(out)
            high = sum(1 for f in report["findings"] if f["severity"] in ("high", "critical"))
            rows.append((i, w, c, rss, high, gw, gc, len(gout.splitlines())))
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; export {total} lines")
    print(
        "| run | minehunt wall s | CPU s | peak RSS MiB* | findings >= high | grep s | grep hits |"
    )
    print(
        "|-----|-----------------|-------|---------------|------------------|--------|-----------|"
    )
    for i, w, c, rss, high, gw, _gc, hits in rows:
        print(f"| {i} | {w:.2f} | {c:.2f} | {rss} | {high} | {gw:.3f} | {hits} |")
    print("* largest child so far (ru_maxrss of children)")


if __name__ == "__main__":
    main()
