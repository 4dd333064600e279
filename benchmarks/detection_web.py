"""Detection of browser miners under obfuscation, and false positives on benign npm code.

Positives: every browser-miner sample of tests/corpus/files/web, the test miner's loader and
worker (readable and renamed/minified, tests/web/miner) and CryptoNight compiled to asm.js,
each transformed by npm javascript-obfuscator presets and terser (tests/web/obfuscated).
Negatives: every .js file under tests/node_modules (popular libraries, hashing/crypto/wasm
packages, the build tools themselves) as shipped, plus a sample of them obfuscated.
A file counts as detected at medium or above, as `minehunt scan files` reports it.
Also times the scan of the plain web corpus with and without the deobfuscator.

Usage: .venv/bin/python benchmarks/detection_web.py [--benign-obfuscated 40] [--max-kb 2048]
Needs `(cd tests && npm ci)`, node and emcc (the same tools as tests/web).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.web.miner.build import build as build_miner  # noqa: E402
from tests.web.obfuscated.build import (  # noqa: E402
    MODULES,
    PRESETS,
    Variant,
    asmjs_cryptonight,
    corpus_positives,
    transform,
)

from minehunt import intel as intel_mod  # noqa: E402
from minehunt.model import Severity  # noqa: E402
from minehunt.web import script  # noqa: E402
from minehunt.web.deobfuscate import Deobfuscated  # noqa: E402
from minehunt.web.hints import Hints  # noqa: E402
from minehunt.web.static import document_finding  # noqa: E402

intel = intel_mod.default()


def detected(path: Path) -> tuple[bool, str]:
    f = document_finding(str(path), path.read_bytes(), None, intel)
    if f is None:
        return False, "-"
    return f.severity >= Severity.MEDIUM, f.severity.value


def positives() -> list[Variant]:
    samples = corpus_positives()
    miner = build_miner()
    samples.update(
        {
            "miner/miner.js": miner.loader,
            "miner/worker.js": miner.worker,
            "miner/analytics.js": miner.loader_min,
            "miner/chunk.js": miner.worker_min,
            "asm/cryptonight.asm.js": asmjs_cryptonight(),
        }
    )
    plain = [Variant(name, "plain", p) for name, p in samples.items()]
    return plain + transform(samples, PRESETS, "bench-positives")


MINING_PACKAGES = ("coin-hive-stratum",)
"""npm packages in tests/node_modules that are mining software (the CoinHive proxy the web
tests run): positives by nature, so not counted among the benign files."""


def benign_files(max_kb: int) -> list[Path]:
    out = []
    for p in sorted(MODULES.rglob("*.js")):
        if any(part in MINING_PACKAGES for part in p.relative_to(MODULES).parts):
            continue
        if p.is_file() and p.stat().st_size <= max_kb * 1024:
            out.append(p)
    return out


def table(rows: Iterable[tuple[str, int, int, float]], head: str) -> None:
    print(f"| {head} | files | detected | rate | seconds/file |")
    print("|---|---|---|---|---|")
    for name, n, hit, secs in rows:
        print(f"| {name} | {n} | {hit} | {100 * hit / max(1, n):.1f} % | {secs / max(1, n):.3f} |")


def scan_time(paths: list[Path]) -> float:
    t0 = time.perf_counter()
    for p in paths:
        document_finding(str(p), p.read_bytes(), None, intel)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--benign-obfuscated", type=int, default=40, help="benign files to obfuscate")
    ap.add_argument("--max-kb", type=int, default=2048, help="largest benign file read")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")

    by_preset: dict[str, list[tuple[bool, float]]] = defaultdict(list)
    missed = []
    variants = positives()
    plain_miners = [v.path for v in variants if v.preset == "plain"]
    for v in variants:
        t0 = time.perf_counter()
        ok, sev = detected(v.path)
        by_preset[v.preset].append((ok, time.perf_counter() - t0))
        if not ok:
            missed.append(f"{v.source} [{v.preset}] -> {sev}")
    print("\nRecall on browser miners (medium or above):\n")
    rows = [(p, len(r), sum(ok for ok, _ in r), sum(s for _, s in r)) for p, r in by_preset.items()]
    total = [x for r in by_preset.values() for x in r]
    rows.append(("all", len(total), sum(ok for ok, _ in total), sum(s for _, s in total)))
    table(rows, "preset")
    for m in missed:
        print(f"- missed: {m}")

    benign = benign_files(args.max_kb)
    loud = []
    t0 = time.perf_counter()
    for p in benign:
        ok, sev = detected(p)
        if ok:
            loud.append(f"{p.relative_to(MODULES)} -> {sev}")
    plain_secs = time.perf_counter() - t0
    rng = random.Random(9)
    pick = rng.sample([p for p in benign if p.stat().st_size >= 2048], args.benign_obfuscated)
    samples = {f"npm/{p.relative_to(MODULES)}": p for p in pick}
    obf_presets = ("rc4", "control-flow", "dead-code", "terser")
    obf = transform(samples, obf_presets, "bench-benign")
    obf_loud = []
    t1 = time.perf_counter()
    for v in obf:
        ok, sev = detected(v.path)
        if ok:
            obf_loud.append(f"{v.source} [{v.preset}] -> {sev}")
    obf_secs = time.perf_counter() - t1
    print("\nBenign npm files at medium or above (false positives):\n")
    table(
        [
            ("as shipped", len(benign), len(loud), plain_secs),
            (f"obfuscated ({', '.join(obf_presets)})", len(obf), len(obf_loud), obf_secs),
        ],
        "set",
    )
    for m in loud + obf_loud:
        print(f"- false positive: {m}")

    corpus = plain_miners + benign
    real = script.deobfuscate
    times: dict[bool, list[float]] = {True: [], False: []}
    for on in (False, True, False, True):  # alternate; the best of two each (load, caches)
        if not on:
            script.deobfuscate = lambda text, budget=None, hints=None: Deobfuscated(text)  # type: ignore[assignment]
        try:
            times[on].append(scan_time(corpus))
        finally:
            script.deobfuscate = real
    with_deob, without = min(times[True]), min(times[False])
    inside = [0.0]

    def timed(text: str, budget: float | None = None, hints: Hints | None = None) -> Deobfuscated:
        t0 = time.perf_counter()
        try:
            return real(text, budget, hints)
        finally:
            inside[0] += time.perf_counter() - t0

    script.deobfuscate = timed  # type: ignore[assignment]
    try:
        total_on = scan_time(corpus)
    finally:
        script.deobfuscate = real
    print(f"\nWeb corpus scan ({len(corpus)} plain files: miners as deployed + benign npm):\n")
    print("| deobfuscator | seconds (best of 2) | added |")
    print("|---|---|---|")
    print(f"| off | {without:.2f} | |")
    print(f"| on | {with_deob:.2f} | {100 * (with_deob - without) / without:+.1f} % |")
    print(
        f"\nTime inside the deobfuscator in a third run: {inside[0]:.2f} s of {total_on:.2f} s "
        f"({100 * inside[0] / total_on:.1f} %; less sensitive to load than the difference above)."
    )


if __name__ == "__main__":
    main()
