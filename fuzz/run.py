"""Run the fuzz targets: `python fuzz/run.py [NAME...] [--seconds N] [--jobs J]`.

`prefilter` is the C capture reader under libFuzzer with AddressSanitizer and
UndefinedBehaviorSanitizer (clang); after fuzzing, every capture (seeds, test captures, the
fuzz corpus) is read once more by `minehunt scan pcap` with the sanitised build loaded.

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
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
NAMES = (
    "stratum", "dns", "tls", "http", "websocket", "pcap", "wasm", "web", "archive", "deploy",
    "eve", "zeek", "router", "report", "image", "dropper", "dropper-long", "web-long",
    "router-long", "deploy-long", "intel-list", "prefilter",
)  # fmt: skip
LONG_TIMEOUT = 5
"""Seconds one input of a ``-long`` target may take (64 KB of text; a linear analysis
takes tens of milliseconds, instrumented)."""
WORK = REPO / "tests/.cache/fuzz"
C_SOURCE = REPO / "src/minehunt/net/capture/_prefilter.c"
SANITIZE = ["-g", "-O1", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"]
CAPTURES = [REPO / "tests/net/data", REPO / "tests/.cache/seeds/pcap", HERE / "seeds/pcap"]


def _clang() -> str:
    exe = shutil.which("clang")
    if exe is None:
        sys.exit("fuzz: the C targets need clang (apt-get install clang libclang-rt-14-dev)")
    return exe


def _build_c() -> tuple[Path, Path]:
    """The libFuzzer harness and a sanitised shared build of the reader, in WORK."""
    clang = _clang()
    WORK.mkdir(parents=True, exist_ok=True)
    harness, shared = WORK / "prefilter_fuzz", WORK / "_prefilter_asan.so"
    subprocess.run(
        [clang, *SANITIZE, "-fsanitize=fuzzer", str(HERE / "prefilter_fuzz.c"), "-o", str(harness)],
        check=True,
    )
    subprocess.run(
        [clang, *SANITIZE, "-shared", "-fPIC", "-shared-libsan", str(C_SOURCE), "-o", str(shared)],
        check=True,
    )
    return harness, shared


def replay_captures(shared: Path) -> bool:
    """Every capture through `minehunt scan pcap` with the sanitised reader; False on a report."""
    rt = subprocess.run(
        [_clang(), "-print-file-name=libclang_rt.asan-x86_64.so"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    files = [
        f
        for d in [*CAPTURES, WORK / "prefilter"]
        if d.is_dir()
        for f in sorted(d.iterdir())
        if f.is_file()
    ]
    env = dict(
        os.environ,
        LD_PRELOAD=rt,
        ASAN_OPTIONS="detect_leaks=0:exitcode=86",
        UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=86",
        MINEHUNT_PREFILTER_LIB=str(shared),
    )
    # a batch per process: one bad file must not hide the others' reports
    ok = True
    for i in range(0, len(files), 200):
        batch = files[i : i + 200]
        done = subprocess.run(
            [sys.executable, "-m", "minehunt", "scan", "pcap", *map(str, batch), "-f", "json"],
            env=env, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        if done.returncode not in (0, 1) or "Sanitizer" in done.stderr:
            print(done.stderr[-4000:], file=sys.stderr)
            ok = False
    print(f"sanitised reader: {len(files)} captures read, {'clean' if ok else 'FAILED'}")
    return ok


def _one(name: str, seconds: int, harness: Path | None) -> subprocess.Popen[bytes]:
    sys.path.insert(0, str(HERE))
    from targets import seeds

    work = WORK / name
    work.mkdir(parents=True, exist_ok=True)
    crashes = HERE / "crashes" / name
    crashes.mkdir(parents=True, exist_ok=True)
    timeout = LONG_TIMEOUT if name.endswith("-long") else 25
    options = [
        f"-max_total_time={seconds}", f"-timeout={timeout}", "-rss_limit_mb=3072",
        f"-artifact_prefix={crashes}/", "-print_final_stats=1",
    ]  # fmt: skip
    if name == "prefilter":
        assert harness is not None
        dirs = [d for d in CAPTURES if d.is_dir()]
        argv = [str(harness), *options, str(work), *map(str, dirs)]
    else:
        argv = [sys.executable, str(HERE / "harness.py"), name, *options, str(work)]
        argv += map(str, seeds(name))
    log = open(WORK / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
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
    harness, shared = _build_c() if "prefilter" in args.names else (None, None)
    pending, running, failed = list(args.names), {}, []
    while pending or running:
        while pending and len(running) < args.jobs:
            name = pending.pop(0)
            running[name] = (_one(name, args.seconds, harness), time.monotonic())
        time.sleep(0.5)
        for name, (proc, started) in list(running.items()):
            if proc.poll() is None:
                if time.monotonic() - started > args.seconds + 120:
                    proc.kill()  # a hang the fuzzer's own -timeout did not catch
                continue
            del running[name]
            log = WORK / f"{name}.log"
            stats = [ln for ln in log.read_text("utf-8", "replace").splitlines() if "stat::" in ln]
            execs = next(
                (ln.split(":")[-1].strip() for ln in stats if "number_of_executed_units" in ln), "?"
            )
            status = "ok" if proc.returncode == 0 else f"FAILED (exit {proc.returncode}, see {log})"
            print(f"fuzz {name:10} {execs:>8} inputs in {args.seconds} s: {status}", flush=True)
            if proc.returncode != 0:
                failed.append(name)
                print(log.read_text("utf-8", "replace")[-4000:], file=sys.stderr)
    if shared is not None and not replay_captures(shared):
        failed.append("sanitised replay")
    print(f"{len(args.names) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
