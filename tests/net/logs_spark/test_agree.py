"""DuckDB and Spark run the same log detections and give identical findings.

The log sets are derived from the session's real capture (tests/net/idslogs.py): Zeek TSV,
Zeek JSON (gzipped, rotated), Parquet converted from them, and Suricata EVE.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from minehunt.intel import load as load_intel
from minehunt.model import Finding, Report
from minehunt.net.logs.engine import Engine
from minehunt.net.logs.spark import SparkEngine
from minehunt.net.logs.suricata import scan_eve
from minehunt.net.logs.zeek import scan_zeek
from minehunt.report import Collector
from tests.conftest import run_cli
from tests.net import idslogs
from tests.net.conftest import CERT_POOL, DNS_POOL, POOL_SNI, World


def comparable(findings: list[Finding]) -> list[Finding]:
    """Findings without the time they were made (the only field allowed to differ)."""
    return sorted(
        (dataclasses.replace(f, observed="") for f in findings), key=lambda f: f.target.key
    )


def zeek(engine: Engine, path: Path | str) -> tuple[list[Finding], Collector]:
    col = Collector("scan logs zeek")
    return list(scan_zeek(path, load_intel(use_user_dir=False), col, engine)), col


def eve(engine: Engine, paths: list[Path]) -> tuple[list[Finding], Collector]:
    col = Collector("scan logs suricata")
    return list(scan_eve(paths, load_intel(use_user_dir=False), col, engine)), col


def names(findings: list[Finding]) -> set[str]:
    return {f.target.name or "" for f in findings}


@pytest.fixture(scope="module")
def zeek_sets(world: World, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if shutil.which("tshark") is None:
        pytest.skip("needs tshark")
    root = tmp_path_factory.mktemp("zeek")
    idslogs.write_zeek(world.pcap, root / "tsv", json_logs=False, compress=False, rotate=False)
    idslogs.write_zeek(world.pcap, root / "json", json_logs=True, compress=True, rotate=True)
    # Parquet as a Spark/DuckDB user converts Zeek JSON logs: typed columns, Zeek's names.
    (root / "parquet").mkdir()
    con = duckdb.connect()
    for kind in ("conn", "dns", "ssl", "x509", "http"):
        src = sorted(str(p) for p in (root / "json").glob(f"{kind}.*"))
        out = root / "parquet" / f"{kind}.parquet"
        con.execute(
            f"COPY (SELECT * FROM read_json_auto({src!r}, format='newline_delimited')) "
            f"TO '{out}' (FORMAT parquet)"
        )
    return {"tsv": root / "tsv", "json": root / "json", "parquet": root / "parquet"}


@pytest.mark.parametrize("fmt", ["tsv", "json", "parquet"])
def test_zeek_findings_are_identical_on_duckdb_and_spark(
    zeek_sets: dict[str, Path], duck: Engine, spark: SparkEngine, fmt: str
) -> None:
    on_duck, dcol = zeek(duck, zeek_sets[fmt])
    on_spark, scol = zeek(spark, zeek_sets[fmt])
    # The capture's pool sessions are there (by SNI, certificate and DNS) ...
    assert {POOL_SNI, CERT_POOL, DNS_POOL} <= names(on_duck)
    assert not dcol.skipped and not scol.skipped
    # ... and both engines say exactly the same, down to the evidence and its sources.
    assert comparable(on_spark) == comparable(on_duck)
    assert scol.counters == dcol.counters


def test_suricata_findings_are_identical_on_duckdb_and_spark(
    world: World, tmp_path: Path, duck: Engine, spark: SparkEngine
) -> None:
    if shutil.which("tshark") is None:
        pytest.skip("needs tshark")
    path = tmp_path / "eve.json"
    idslogs.write_eve(world.pcap, path)
    on_duck, dcol = eve(duck, [path])
    on_spark, scol = eve(spark, [path])
    wallets = {
        str(e.attributes.get("wallet"))
        for f in on_duck
        for e in f.evidence
        if "wallet" in e.attributes
    }
    assert "0x" + "5a" * 20 in wallets  # recovered from an alert's logged payload
    assert {POOL_SNI, DNS_POOL} <= names(on_duck)
    assert comparable(on_spark) == comparable(on_duck)
    assert not dcol.skipped and not scol.skipped


def test_cli_spark_engine_end_to_end(zeek_sets: dict[str, Path], tmp_path: Path) -> None:
    """What a user runs: the report and the --output-dir files, on a Spark of its own."""
    out = tmp_path / "out"
    args = ("scan", "logs", "zeek", str(zeek_sets["tsv"]), "-f", "json", "--min-severity", "info")
    duck = run_cli(*args)
    spark = run_cli(
        *args, "--engine", "spark", "--spark-master", "local[1]", "--output-dir", str(out),
        timeout=300,
    )  # fmt: skip
    assert spark.code == duck.code == 1, spark.stderr
    assert comparable(list(spark.report.findings)) == comparable(list(duck.report.findings))
    written = Report.from_dict(json.loads((out / "findings.json").read_text()))
    assert comparable(list(written.findings)) == comparable(list(spark.report.findings))
    rows = (
        duckdb.connect()
        .execute(f"SELECT count(*) FROM read_parquet('{out}/zeek_conn_candidates/*.parquet')")
        .fetchone()
    )
    assert rows is not None and rows[0] == spark.report.counters["zeek_conn_candidates"] > 0
