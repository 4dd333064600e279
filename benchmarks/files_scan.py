"""File and memory scan throughput: minehunt against the YARA CLI on the same tree.

    .venv/bin/python benchmarks/files_scan.py [--rounds 2] [--memory-gb 2] [DIR ...]

Default tree: /usr/lib/x86_64-linux-gnu and /usr/bin (>= 1 GB). The page cache is warmed
first so both tools are CPU-bound; rounds alternate the tools and the best round counts.
The YARA CLI (Debian ``yara``, libyara 4.2) runs with ``-p N`` threads on an *equivalent*
rule file: the bundled rules, with the yara-x-only ``N of (expression, ...)`` sets rewritten
as disjunctions of conjunctions (same meaning, libyara syntax). minehunt runs as users run
it: ``minehunt scan files DIR... --jobs N`` with no file-size limit below the largest file.
Peak RSS is the largest sum of RSS over the process tree, sampled every 20 ms.

The memory part starts a process holding ``--memory-gb`` GB of resident, pseudo-random
data (like a RandomX dataset) and times the memory scan of that one process.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
RULES = REPO / "src" / "minehunt" / "intel" / "rules"
DEFAULT_TREE = ["/usr/lib/x86_64-linux-gnu", "/usr/bin"]


def libyara_rules() -> str:
    """The bundled rules in libyara 4.2 syntax (no boolean expressions in 'of' sets)."""
    text = "\n".join(p.read_text() for p in sorted(RULES.glob("*.yar")))
    pattern = re.compile(r"(\d+) of \(\s*((?:[^()]|\([^()]*\))*?\([^()]*\)(?:[^()]|\([^()]*\))*)\)")

    def expand(m: re.Match[str]) -> str:
        n = int(m[1])
        items = _split(m[2])
        terms = [
            " and ".join(f"({i})" for i in combo) for combo in itertools.combinations(items, n)
        ]
        return "(" + " or ".join(f"({t})" for t in terms) + ")"

    return pattern.sub(expand, text)


def _split(body: str) -> list[str]:
    items, depth, cur = [], 0, ""
    for ch in body:
        if ch == "," and depth == 0:
            items.append(cur.strip())
            cur = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        cur += ch
    items.append(cur.strip())
    return [i for i in items if i]


def files_of(tree: list[str]) -> list[str]:
    out = []
    for root in tree:
        for d, _, names in os.walk(root):
            for n in names:
                p = os.path.join(d, n)
                if os.path.isfile(p) and not os.path.islink(p):
                    out.append(p)
    return out


def warm(files: list[str]) -> int:
    total = 0
    for p in files:
        try:
            with open(p, "rb") as fh:
                while block := fh.read(1 << 20):
                    total += len(block)
        except OSError:
            pass
    return total


def measure(cmd: list[str]) -> tuple[float, int, str]:
    """(wall seconds, peak RSS of the process tree in bytes, stdout). The wall clock stops
    when the process is reaped; the tree's memory is sampled every 0.1 s from a thread, so
    the sampling costs little of the two cores the tools themselves use (sampling every
    20 ms in the timing loop took 0.2 s of CPU in a 3 s run)."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - read back after the process ends
    done = threading.Event()
    peak = 0

    def sample(ps: psutil.Process) -> None:
        nonlocal peak
        while not done.is_set():
            try:
                rss = sum(p.memory_info().rss for p in [ps, *ps.children(recursive=True)])
                peak = max(peak, rss)
            except psutil.Error:
                pass
            done.wait(0.1)

    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL)
    sampler = threading.Thread(target=sample, args=(psutil.Process(proc.pid),), daemon=True)
    sampler.start()
    proc.wait()
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    out.seek(0)
    return wall, peak, out.read().decode(errors="replace")


def memory_benchmark(gb: float) -> tuple[float, float, int]:
    """(seconds to scan one process with ``gb`` GB resident, its RSS in GB, bytes read)."""
    from minehunt.host.memory import MemoryOptions, memory_signals
    from minehunt.host.proc_checks import process_target
    from minehunt.host.processes import snapshot
    from minehunt.report import Collector

    code = (
        "import os,sys,time\n"
        f"n=int({gb}*(1<<30)); blk=os.urandom(64<<20)\n"
        "data=bytearray(blk*(n//len(blk)))\n"
        "print('ready',flush=True); time.sleep(600)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        child.stdout.readline()
        rss = psutil.Process(child.pid).memory_info().rss
        info = snapshot(lambda *_: None)[child.pid]
        col = Collector("bench")
        opts = MemoryOptions(pids=frozenset({child.pid}), max_bytes=16 << 30, max_seconds=120)
        t0 = time.perf_counter()
        list(memory_signals([(info, process_target(info))], opts, col))
        secs = time.perf_counter() - t0
        return secs, rss / (1 << 30), int(col.counters.get("memory_bytes", 0))
    finally:
        child.kill()
        child.wait()


def machine() -> str:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = psutil.virtual_memory().total / (1 << 30)
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, load average "
        f"{os.getloadavg()[0]:.1f} at start"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("tree", nargs="*", default=DEFAULT_TREE)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--memory-gb", type=float, default=2.0)
    args = ap.parse_args()
    yara = shutil.which("yara")
    if yara is None:
        sys.exit("yara not found: apt-get install yara")
    version = subprocess.run([yara, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"machine: {machine()}")
    files = files_of(args.tree)
    size = warm(files)
    mb = size / 1e6
    print(f"tree: {' '.join(args.tree)}: {len(files)} files, {mb:.0f} MB (page cache warmed)")
    with tempfile.TemporaryDirectory() as tmp:
        rule_file = Path(tmp) / "minehunt.yar"
        rule_file.write_text(libyara_rules())
        scan_list = Path(tmp) / "files.txt"
        scan_list.write_text("\n".join(files) + "\n")
        biggest = max(os.path.getsize(p) for p in files)
        tools = {
            f"yara {version} -p {args.jobs}": [
                yara,
                "-w",
                "-p",
                str(args.jobs),
                "--scan-list",
                str(rule_file),
                str(scan_list),
            ],
            f"minehunt --jobs {args.jobs}": [
                sys.executable,
                "-m",
                "minehunt",
                "scan",
                "files",
                *args.tree,
                "--format",
                "jsonl",
                "--jobs",
                str(args.jobs),
                "--max-file-size",
                str(biggest + 1),
                "--min-severity",
                "info",
            ],
        }
        best: dict[str, tuple[float, int]] = {}
        for r in range(args.rounds):
            for name, cmd in tools.items():
                wall, peak, _ = measure(cmd)
                print(
                    f"  round {r + 1}: {name}: {wall:.2f} s, {mb / wall:.0f} MB/s, "
                    f"peak RSS {peak / (1 << 20):.0f} MiB"
                )
                if name not in best or wall < best[name][0]:
                    best[name] = (wall, peak)
    (ywall, _ypeak), (mwall, _mpeak) = best.values()
    print("| tool | seconds | MB/s | peak RSS |")
    print("|------|---------|------|----------|")
    for name, (wall, peak) in best.items():
        print(f"| {name} | {wall:.2f} | {mb / wall:.0f} | {peak / (1 << 20):.0f} MiB |")
    print(f"ratio minehunt / yara (throughput): {ywall / mwall:.2f}x")
    if args.memory_gb > 0:
        secs, rss, read = memory_benchmark(args.memory_gb)
        print(
            f"memory scan: one process with {rss:.2f} GiB resident: {secs:.2f} s "
            f"({read / (1 << 20):.0f} MiB read, {read / 1e6 / secs:.0f} MB/s)"
        )


if __name__ == "__main__":
    main()
