"""Every input the fuzzers ever broke a parser with, and every committed seed, replayed
through the same fuzz targets on each test run: a fixed bug stays fixed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from minehunt.net.stratum.http import dechunk
from minehunt.net.stratum.model import Direction
from minehunt.net.stratum.stream import StreamParser

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "fuzz"))

import targets  # noqa: E402

TARGETS = targets.load()
REGRESSIONS = Path(__file__).parent / "regressions"
CASES = sorted(
    (name, f)
    for name in TARGETS
    for d in [REGRESSIONS / name, REPO / "fuzz/seeds" / name]
    if d.is_dir()
    for f in d.rglob("*")
    if f.is_file()
)


@pytest.mark.parametrize(("name", "path"), CASES, ids=[f"{n}/{p.name}" for n, p in CASES])
def test_replay(name: str, path: Path) -> None:
    TARGETS[name](path.read_bytes())


def test_every_target_has_a_regression_or_seed() -> None:
    assert {n for n, _ in CASES} == set(TARGETS)


def test_a_negative_chunk_size_is_an_error_not_an_endless_loop() -> None:
    with pytest.raises(ValueError):
        dechunk(b"5\nhello\n-5\nxx\n0\n\n", 1 << 16)
    # The stream parser gives up on such a body instead of hanging the capture scan.
    p = StreamParser(Direction.CLIENT)
    data = (REGRESSIONS / "http/negative-chunk-in-stream").read_bytes()
    assert p.feed(data) == []


def test_a_zeek_header_naming_a_column_twice_is_skipped_not_a_traceback(tmp_path: Path) -> None:
    from minehunt import intel
    from minehunt.net.logs.zeek import scan_zeek
    from minehunt.report import Collector

    head = "ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto ID.RESP_P"
    row = "1.0 C1 10.0.0.5 4000 127.0.0.9 3333 tcp 1"
    (tmp_path / "conn.log").write_text(f"#fields\t{head}\n{row}\n".replace(" ", "\t"))
    col = Collector("fuzz")
    assert list(scan_zeek(tmp_path, intel.default(), col)) == []
    (skip,) = col.skipped
    assert skip.target.endswith("conn.log") and "twice" in skip.reason
