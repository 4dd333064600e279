"""The YARA rule set: it compiles, its metadata is complete, it matches what it should.

Three kinds of evidence: authored text samples with exact expected rule ids
(tests/corpus/files/expected.toml), real mining code built or installed in the test run
(CryptoNight from the pycryptonight sdist, RandomX from Debian and PyPI, KawPow/Ethash/X16R
from PyPI, Monero's own binaries), and a false-positive corpus (/usr/bin,
/usr/lib/x86_64-linux-gnu, the venv's site-packages, benign npm hashing libraries) in which no
rule of severity medium or above may fire.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import shutil
import subprocess
import sysconfig
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
import yara_x

from tests.build import ToolMissing, npm_fixtures, pypi_algorithms, system_positives
from tests.rules.conftest import (
    CORPUS_DIR,
    EXPECTED_TOML,
    MAX_SCAN_BYTES,
    Builds,
    RuleInfo,
    ScanPool,
    regular_files,
    rule_files,
)

REQUIRED_META = ("id", "family", "kind", "severity", "confidence", "description", "reference")
SEVERITIES = ("info", "low", "medium", "high", "critical")
CONFIDENCES = ("low", "medium", "high")
FILE_KIND = {
    "families": "family",
    "configs": "config",
    "scripts": "script",
    "web": "web",
    "algorithms": "algorithm",
    "legit": "legit",
}
ID_RE = re.compile(r"MH-YARA-\d{3}")
SERIOUS = {"medium", "high", "critical"}
T = TypeVar("T")

# Rules with neither an authored sample nor a real build: no free, legal sample of the code
# exists in a registry this project reaches (see the rules' descriptions for what they need).
UNTESTED = {
    "MH-YARA-074": "Argon2 Chukwa: stock Argon2id plus Chukwa names, no packaged miner",
    "MH-YARA-076": "GhostRider: X16 core plus CryptoNight variant names, no packaged miner",
}

# Monero's published CryptoNight (v0) test vectors, tests/hash/tests-slow.txt
CRYPTONIGHT_VECTORS = {
    b"": "eb14e8a833fac6fe9a43b57b336789c46ffe93f2868452240720607b14387e11",
    b"This is a test": "a084f01d1437a09c6985401b60d43554ae105802c5f5d8a9b3253649c0be6605",
    b"de omnibus dubitandum": "2f8e3df40bd11f9ac90c743ca8e32bb391da4fb98612aa3b6cdc639ee00b31f5",
    b"abundans cautela non nocet": (
        "722fa8ccd594d40e4a41f3822734304c8d5eff7e1b528408e2229da38ba553c4"
    ),
    b"caveat emptor": "bbec2cacf69866a8e740380fe7b818fc78f8571221742d729d9d02d7f8989b87",
    b"ex nihilo nihil fit": "b1257de4efc5ce28c6b40ceb1c6c8f812a64634eb3e81c5220bee9b2b76a6f05",
}

# Rule ids the real builds must match, exactly
EXPECT_RANDOMX_LIB = frozenset({"MH-YARA-070", "MH-YARA-092"})
EXPECT_CN_NATIVE = frozenset({"MH-YARA-071"})
EXPECT_CN_WASM = frozenset({"MH-YARA-071", "MH-YARA-062"})
EXPECT_CN_JS = frozenset({"MH-YARA-061"})
EXPECT_MONEROD = frozenset({"MH-YARA-071", "MH-YARA-090"})
BUILT_POSITIVES = (
    EXPECT_RANDOMX_LIB | EXPECT_CN_NATIVE | EXPECT_CN_WASM | EXPECT_CN_JS | EXPECT_MONEROD
).union(*(p.expected for p in pypi_algorithms.PACKAGES.values()))

LOOKALIKE_LIBS = {
    "libsodium.so.23": "libsodium23",
    "libargon2.so.1": "libargon2-1",
    "libcrypto.so.3": "libssl3",
    "libssl.so.3": "libssl3",
    "libb2.so.1": "libb2-1",
}
# node_modules is limited to the look-alike packages: other tests keep real miners there too
FP_ROOTS = {
    "usr-bin": [Path("/usr/bin")],
    "usr-lib": [Path("/usr/lib/x86_64-linux-gnu")],
    "site-packages": [Path(sysconfig.get_paths()["purelib"])],
    "node_modules": [npm_fixtures.NODE_MODULES / name for name in npm_fixtures.PACKAGES],
}


def corpus_files() -> list[str]:
    return sorted(
        p.relative_to(CORPUS_DIR).as_posix()
        for p in CORPUS_DIR.rglob("*")
        if p.is_file() and p != EXPECTED_TOML
    )


def located(locate: Callable[[], T]) -> T:
    """Call a locator; skip the test when what it looks for is not installed."""
    try:
        return locate()
    except ToolMissing as exc:
        pytest.skip(str(exc))


# --- the rule files ------------------------------------------------------------------------


def test_rule_files_are_grouped_by_kind() -> None:
    assert {p.stem for p in rule_files()} == set(FILE_KIND)


@pytest.mark.parametrize("path", rule_files(), ids=lambda p: p.name)
def test_rule_file_compiles_without_warnings(path: Path) -> None:
    compiler = yara_x.Compiler()
    compiler.add_source(path.read_text(), origin=str(path))
    compiler.build()
    assert compiler.warnings() == []


@pytest.mark.parametrize("path", rule_files(), ids=lambda p: p.name)
def test_rule_file_also_compiles_with_libyara(path: Path) -> None:
    """Classic YARA 4.2 (Debian's ``yara``) must accept the rules too, for users without -x."""
    yara = shutil.which("yara")
    if yara is None:
        pytest.skip("classic yara not on PATH (apt-get install yara)")
    proc = subprocess.run([yara, "-w", str(path), os.devnull], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_every_rule_has_valid_metadata(rule_infos: list[RuleInfo]) -> None:
    problems = []
    for r in rule_infos:
        where = f"{r.namespace}.yar:{r.identifier}"
        missing = [k for k in REQUIRED_META if not isinstance(r.meta.get(k), str) or not r.meta[k]]
        if missing:
            problems.append(f"{where}: missing or empty {missing}")
            continue
        if not ID_RE.fullmatch(r.id):
            problems.append(f"{where}: id {r.id!r} is not MH-YARA-NNN")
        if r.meta["kind"] != FILE_KIND.get(r.namespace):
            problems.append(f"{where}: kind {r.meta['kind']!r} in {r.namespace}.yar")
        if r.meta["severity"] not in SEVERITIES:
            problems.append(f"{where}: severity {r.meta['severity']!r}")
        if r.meta["confidence"] not in CONFIDENCES:
            problems.append(f"{where}: confidence {r.meta['confidence']!r}")
        if r.meta["kind"] == "legit" and r.meta["severity"] != "low":
            problems.append(f"{where}: legit software must be severity low")
        if "\n" in r.meta["description"] or len(r.meta["description"]) > 200:
            problems.append(f"{where}: description must be one line")
        if not re.fullmatch(r"https://\S+", r.meta["reference"]):
            problems.append(f"{where}: reference {r.meta['reference']!r} is not an https URL")
        if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", r.meta["family"]):
            problems.append(f"{where}: family {r.meta['family']!r} is not a lowercase slug")
    assert not problems, "\n".join(problems)


def test_rule_ids_are_unique(rule_infos: list[RuleInfo]) -> None:
    seen: dict[str, str] = {}
    dupes = []
    for r in rule_infos:
        if r.id in seen:
            dupes.append(f"{r.id}: {seen[r.id]} and {r.identifier}")
        seen[r.id] = r.identifier
    assert not dupes, dupes


def test_every_rule_has_a_positive(
    rule_infos: list[RuleInfo], expected: dict[str, list[str]]
) -> None:
    authored = {i for ids in expected.values() for i in ids}
    uncovered = {r.id for r in rule_infos} - authored - BUILT_POSITIVES - set(UNTESTED)
    assert not uncovered, f"rules with no positive sample: {sorted(uncovered)}"


# --- authored samples ------------------------------------------------------------------------


def test_expected_toml_lists_exactly_the_corpus(
    expected: dict[str, list[str]], rule_infos: list[RuleInfo]
) -> None:
    assert set(expected) == set(corpus_files())
    known = {r.id for r in rule_infos}
    unknown = {i for ids in expected.values() for i in ids} - known
    assert not unknown, f"expected.toml names ids no rule has: {sorted(unknown)}"


@pytest.mark.parametrize("rel", corpus_files())
def test_authored_sample_matches_expected_rules(
    rel: str, expected: dict[str, list[str]], scan_pool: ScanPool
) -> None:
    assert scan_pool.ids(CORPUS_DIR / rel) == frozenset(expected[rel])


# --- false-positive corpus (requests `builds` first, so the builds overlap these scans) -----


def test_lookalike_libraries_are_installed() -> None:
    lib_dir = FP_ROOTS["usr-lib"][0]
    missing = sorted({pkg for lib, pkg in LOOKALIKE_LIBS.items() if not (lib_dir / lib).exists()})
    if missing:
        pytest.skip(f"false-positive corpus lacks look-alikes: apt-get install {' '.join(missing)}")


@pytest.mark.parametrize("root", sorted(FP_ROOTS))
def test_fp_corpus_has_no_medium_or_higher_match(
    root: str, builds: Builds, scan_pool: ScanPool, rule_infos: list[RuleInfo]
) -> None:
    if root == "node_modules":
        builds.get("npm")
    serious = {r.id for r in rule_infos if r.meta["severity"] in SERIOUS}
    files: list[Path] = []
    too_big: list[Path] = []
    known = system_positives.known_mining_code()
    for folder in FP_ROOTS[root]:
        small, big = regular_files(folder, skip=known)
        files += small
        too_big += big
    started = time.monotonic()
    hits = {p: sorted(ids & serious) for p, ids in scan_pool.map(files) if ids & serious}
    elapsed = time.monotonic() - started
    size = sum(p.stat().st_size for p in files)
    print(
        f"{root}: {len(files)} files, {size / 2**20:.0f} MiB in {elapsed:.1f} s; "
        f"skipped {len(too_big)} over {MAX_SCAN_BYTES >> 20} MiB"
    )
    assert files, f"nothing to scan in {FP_ROOTS[root]}"
    assert not hits, "\n".join(f"{p}: {ids}" for p, ids in sorted(hits.items()))


# --- real mining code ----------------------------------------------------------------------


def test_debian_librandomx_matches_randomx(scan_pool: ScanPool) -> None:
    assert scan_pool.ids(located(system_positives.librandomx)) == EXPECT_RANDOMX_LIB


def test_pypi_randomx_extension_matches_randomx(scan_pool: ScanPool) -> None:
    assert scan_pool.ids(located(system_positives.randomx_wheel_extension)) == EXPECT_RANDOMX_LIB


def test_monero_binaries_match_legit_and_cryptonight(scan_pool: ScanPool) -> None:
    binaries = located(system_positives.monero_binaries)
    found = dict(scan_pool.map(binaries))
    assert found[Path("/usr/bin/monerod")] == EXPECT_MONEROD
    stray = {
        p.name: sorted(ids - EXPECT_MONEROD) for p, ids in found.items() if ids - EXPECT_MONEROD
    }
    assert not stray


def test_cryptonight_native_build_is_real_cryptonight(builds: Builds) -> None:
    so: Path = builds.get("cryptonight-native")
    lib = ctypes.CDLL(str(so))
    ctx = ctypes.create_string_buffer((1 << 21) + 4096)  # struct cryptonight_ctx: 2 MiB pad
    for message, digest in CRYPTONIGHT_VECTORS.items():
        out = ctypes.create_string_buffer(32)
        lib.cryptonight_hash_ctx(out, message, len(message), ctx)
        assert out.raw.hex() == digest, message
    # built with Python.h present, it is also the sdist's extension module: same hash
    spec = importlib.util.spec_from_file_location("pycryptonight", so)
    if spec and spec.loader and hasattr(lib, "PyInit_pycryptonight"):
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        block = bytes(range(76))
        out = ctypes.create_string_buffer(32)
        lib.cryptonight_hash_ctx(out, block, 76, ctx)
        assert module.cryptonite_hash(block, 0) == out.raw


def test_cryptonight_native_build_matches(builds: Builds, scan_pool: ScanPool) -> None:
    assert scan_pool.ids(builds.get("cryptonight-native")) == EXPECT_CN_NATIVE


def test_cryptonight_wasm_build_matches(builds: Builds, scan_pool: ScanPool) -> None:
    wasm, _js = builds.get("cryptonight-wasm")
    print(f"wasm built with {wasm.toolchain}: {wasm.path.stat().st_size} bytes")
    assert wasm.path.read_bytes()[:4] == b"\0asm"
    assert scan_pool.ids(wasm.path) == EXPECT_CN_WASM


def test_js_inlining_cryptonight_wasm_matches_web_rule(builds: Builds, scan_pool: ScanPool) -> None:
    _wasm, js = builds.get("cryptonight-wasm")
    assert "AGFzbQ" in js.read_text()
    assert scan_pool.ids(js) == EXPECT_CN_JS


@pytest.mark.parametrize("name", sorted(pypi_algorithms.PACKAGES))
def test_pypi_pow_extension_matches(name: str, builds: Builds, scan_pool: ScanPool) -> None:
    extension: Path = builds.get(name)
    assert scan_pool.ids(extension) == pypi_algorithms.PACKAGES[name].expected
