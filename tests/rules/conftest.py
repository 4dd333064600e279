"""Fixtures for the YARA rule tests: compiled rules, the sample corpus and built positives.

The slow fixtures (compiling CryptoNight natively and to wasm, building the PyPI
proof-of-work extensions, ``npm ci``) are session-scoped, cached under ``tests/.cache/`` and
started together on a thread pool so that they overlap; a missing tool turns into a skip.
"""

from __future__ import annotations

import functools
import os
import stat
import threading
import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yara_x

from tests.build import ToolMissing, cryptonight, npm_fixtures, pypi_algorithms

REPO = Path(__file__).resolve().parents[2]
RULES_DIR = REPO / "src" / "minehunt" / "intel" / "rules"
CORPUS_DIR = REPO / "tests" / "corpus" / "files"
EXPECTED_TOML = CORPUS_DIR / "expected.toml"

SCAN_TIMEOUT_S = 60
MAX_SCAN_BYTES = 64 * 1024 * 1024


def rule_files() -> list[Path]:
    return sorted(RULES_DIR.glob("*.yar"))


def compile_rules(files: list[Path]) -> yara_x.Rules:
    """Compile rule files into one ruleset, one namespace per file (as the scanner will)."""
    compiler = yara_x.Compiler()
    for path in files:
        compiler.new_namespace(path.stem)
        compiler.add_source(path.read_text(), origin=str(path))
    return compiler.build()


@dataclass(frozen=True)
class RuleInfo:
    """A compiled rule with its metadata as a dict."""

    identifier: str
    namespace: str
    meta: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.meta.get("id", ""))


@pytest.fixture(scope="session")
def rules() -> yara_x.Rules:
    return compile_rules(rule_files())


@pytest.fixture(scope="session")
def rule_infos(rules: yara_x.Rules) -> list[RuleInfo]:
    return [RuleInfo(r.identifier, r.namespace, dict(r.metadata)) for r in rules]


class ScanPool:
    """Scans files on all cores with one yara_x.Scanner per thread and a per-file timeout."""

    def __init__(self, rules: yara_x.Rules, workers: int) -> None:
        self._rules = rules
        self._local = threading.local()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="yara")

    def _scanner(self) -> yara_x.Scanner:
        scanner = getattr(self._local, "scanner", None)
        if scanner is None:
            scanner = yara_x.Scanner(self._rules)
            scanner.set_timeout(SCAN_TIMEOUT_S)
            self._local.scanner = scanner
        return scanner

    def ids(self, path: Path) -> frozenset[str]:
        """Rule ids (meta ``id``) matching one file."""
        result = self._scanner().scan_file(str(path))
        return frozenset(str(dict(m.metadata)["id"]) for m in result.matching_rules)

    def ids_of_bytes(self, data: bytes) -> frozenset[str]:
        result = self._scanner().scan(data)
        return frozenset(str(dict(m.metadata)["id"]) for m in result.matching_rules)

    def map(self, paths: list[Path]) -> Iterator[tuple[Path, frozenset[str]]]:
        return zip(paths, self._pool.map(self.ids, paths), strict=True)

    def close(self) -> None:
        self._pool.shutdown()


@pytest.fixture(scope="session")
def scan_pool(rules: yara_x.Rules) -> Iterator[ScanPool]:
    pool = ScanPool(rules, workers=os.cpu_count() or 2)
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def expected() -> dict[str, list[str]]:
    with EXPECTED_TOML.open("rb") as fh:
        return tomllib.load(fh)


def regular_files(root: Path, skip: set[Path]) -> tuple[list[Path], list[Path]]:
    """Regular files under root (no symlinks), split into (to scan, too big to scan)."""
    small: list[Path] = []
    big: list[Path] = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder, name)
            try:
                st = path.lstat()
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode) or path.resolve() in skip:
                continue
            (small if st.st_size <= MAX_SCAN_BYTES else big).append(path)
    return small, big


class Builds:
    """Session-wide background builds; ``get(name)`` waits and skips on a missing tool."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="build")
        self._jobs: dict[str, Future[Any]] = {}

    def start(self, name: str, fn: Callable[[], Any]) -> None:
        self._jobs.setdefault(name, self._pool.submit(fn))

    def get(self, name: str) -> Any:
        try:
            return self._jobs[name].result()
        except ToolMissing as exc:
            pytest.skip(f"{name}: {exc}")

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _cryptonight_wasm() -> tuple[cryptonight.WasmBuild, Path]:
    wasm = cryptonight.build_wasm()
    return wasm, cryptonight.embed_in_js(wasm.path)


@pytest.fixture(scope="session")
def builds() -> Iterator[Builds]:
    """Start every build at once; the false-positive scans (which come first) overlap them."""
    b = Builds()
    b.start("cryptonight-native", cryptonight.build_native)
    b.start("cryptonight-wasm", _cryptonight_wasm)
    b.start("npm", npm_fixtures.install)
    for name in pypi_algorithms.PACKAGES:
        b.start(name, functools.partial(pypi_algorithms.build, name))
    yield b
    b.close()
