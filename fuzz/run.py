"""Run the fuzz targets: `python fuzz/run.py [NAME...] [--seconds N] [--jobs J]`.

Each target runs in its own process under atheris (coverage-guided, libFuzzer engine) for
N seconds, starting from its seeds (fuzz/seeds/NAME, test data, captures the test suite
left in tests/.cache/seeds). A crash or an unexpected exception fails the run and leaves the
input in fuzz/crashes/NAME/ (add it to the target's regression seeds once fixed). The
working corpus grows in tests/.cache/fuzz/NAME (not committed).
One target by hand, longer: `python fuzz/run.py pcap --seconds 3600`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
NAMES = (
    "stratum", "dns", "tls", "http", "websocket", "pcap", "wasm", "web", "archive", "deploy",
    "eve",
)  # fmt: skip


def _one(name: str, seconds: int) -> subprocess.Popen[bytes]:
    sys.path.insert(0, str(HERE))
    from targets import seeds

    work = REPO / "tests/.cache/fuzz" / name
    work.mkdir(parents=True, exist_ok=True)
    crashes = HERE / "crashes" / name
    crashes.mkdir(parents=True, exist_ok=True)
    argv = [
        sys.executable, str(HERE / "harness.py"), name,
        f"-max_total_time={seconds}", "-timeout=25", "-rss_limit_mb=3072",
        f"-artifact_prefix={crashes}/", "-print_final_stats=1",
        str(work), *map(str, seeds(name)),
    ]  # fmt: skip
    log = open(work.parent / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", default=list(NAMES))
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    unknown = set(args.names) - set(NAMES)
    if unknown:
        ap.error(f"unknown target(s): {', '.join(sorted(unknown))}; one of {', '.join(NAMES)}")
    pending, running, failed = list(args.names), {}, []
    while pending or running:
        while pending and len(running) < args.jobs:
            name = pending.pop(0)
            running[name] = (_one(name, args.seconds), time.monotonic())
        time.sleep(0.5)
        for name, (proc, started) in list(running.items()):
            if proc.poll() is None:
                if time.monotonic() - started > args.seconds + 120:
                    proc.kill()  # a hang the fuzzer's own -timeout did not catch
                continue
            del running[name]
            log = REPO / "tests/.cache/fuzz" / f"{name}.log"
            stats = [ln for ln in log.read_text("utf-8", "replace").splitlines() if "stat::" in ln]
            execs = next(
                (ln.split(":")[-1].strip() for ln in stats if "number_of_executed_units" in ln), "?"
            )
            status = "ok" if proc.returncode == 0 else f"FAILED (exit {proc.returncode}, see {log})"
            print(f"fuzz {name:10} {execs:>8} inputs in {args.seconds} s: {status}", flush=True)
            if proc.returncode != 0:
                failed.append(name)
                print(log.read_text("utf-8", "replace")[-4000:], file=sys.stderr)
    print(f"{len(args.names) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
