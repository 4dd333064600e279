"""Where the logs are: file:// URIs and globs go to Spark as given; a URL scheme Spark has no
file system for (s3a:// without hadoop-aws) is a skipped input with a one-line reason."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from minehunt.intel import load
from minehunt.net.logs.engine import Engine
from minehunt.net.logs.spark import SparkEngine
from minehunt.net.logs.suricata import scan_eve
from minehunt.net.logs.zeek import scan_zeek
from minehunt.report import Collector
from tests.conftest import run_cli
from tests.net.logs_spark.generate import CONN, HEADER, eve_mining_flow
from tests.net.logs_spark.test_agree import comparable


def _conn(rows: list[tuple[int, str, int]]) -> str:
    head = HEADER.format(kind="conn", fields="\t".join(CONN), types="\t".join("x" for _ in CONN))
    return head + "".join(
        f"1780000000.{i:06d}\tC{i}\t10.3.0.{i}\t4100{i}\t{server}\t{port}\ttcp\t-\t"
        f"900.0\t5000\t9000\tSF\t50\t60\n"
        for i, server, port in rows
    )


def _days(root: Path) -> Path:
    """A Zeek archive as Zeek's archiver lays it out: one directory per day, rotated logs."""
    for day, i, port in (("2026-05-01", 1, 3333), ("2026-05-02", 2, 5555), ("2026-05-03", 3, 7777)):
        (root / day).mkdir(parents=True)
        text = _conn([(i, f"203.0.113.{i}", port), (i + 10, f"93.1.1.{i}", 443)])
        (root / day / "conn.10:00:00-11:00:00.log.gz").write_bytes(gzip.compress(text.encode()))
    return root


def _servers(engine: Engine, location: str) -> tuple[set[str], Collector, list[object]]:
    col = Collector("scan logs zeek")
    findings = list(scan_zeek(location, load(use_user_dir=False), col, engine))
    return {f.target.raddr or "" for f in findings}, col, comparable(findings)


def test_file_urls_and_hadoop_globs_are_listed_by_spark(
    tmp_path: Path, spark: SparkEngine, duck: Engine
) -> None:
    root = _days(tmp_path / "zeek")
    # A file:// URI of the archive: every day.
    every, col, on_spark = _servers(spark, f"file://{root}")
    assert every == {"203.0.113.1:3333", "203.0.113.2:5555", "203.0.113.3:7777"}
    assert not col.skipped
    # The same findings, sources included (plain paths, not file: URLs), as DuckDB's.
    assert on_spark == _servers(duck, str(root))[2]
    # Hadoop's glob syntax ({a,b}), which only Spark expands: two of the three days.
    two, col, _ = _servers(spark, f"file://{root}/2026-05-{{01,03}}")
    assert two == {"203.0.113.1:3333", "203.0.113.3:7777"} and not col.skipped
    # A plain glob DuckDB expands itself.
    both = {"203.0.113.2:5555", "203.0.113.3:7777"}
    assert _servers(duck, str(root / "2026-05-0[23]"))[0] == both
    # A glob that matches nothing is said, not scanned as empty.
    none, col, _ = _servers(spark, f"file://{root}/2027-*")
    assert not none and [s.reason for s in col.skipped] == [
        "no Zeek conn/dns/ssl/x509/http logs found"
    ]


def test_eve_glob_url_with_a_corrupt_file_on_spark(tmp_path: Path, spark: SparkEngine) -> None:
    flow = eve_mining_flow(9, "10.4.0.1", "203.0.113.44")
    (tmp_path / "eve.1.json.gz").write_bytes(gzip.compress((json.dumps(flow) + "\n").encode()))
    corrupt = gzip.compress(b'{"event_type": "flow"}\n' * 1000)[:-40]
    (tmp_path / "eve.2.json.gz").write_bytes(corrupt)
    (tmp_path / "other.json").write_text(json.dumps({**flow, "dest_port": 5555}) + "\n")
    col = Collector("scan logs suricata")
    found = list(
        scan_eve([f"file://{tmp_path}/eve.*.json.gz"], load(use_user_dir=False), col, spark)
    )
    assert {f.target.raddr for f in found} == {"203.0.113.44:3333"}  # other.json not matched
    assert [(Path(s.target).name, "corrupt gzip" in s.reason) for s in col.skipped] == [
        ("eve.2.json.gz", True)
    ]


def test_a_scheme_spark_cannot_open_is_one_clear_reason(spark: SparkEngine) -> None:
    col = Collector("scan logs zeek")
    intel = load(use_user_dir=False)
    assert not list(scan_zeek("s3a://soc-logs/zeek/2026-05/", intel, col, spark))
    assert not list(scan_eve(["s3a://soc-logs/eve/eve.json.gz"], intel, col, spark))
    reasons = [s.reason for s in col.skipped]
    assert len(reasons) == 2
    for reason in reasons:
        assert "s3a://" in reason and "hadoop-aws" in reason and "docs/spark.md" in reason
        # one line, no Java stack trace
        assert "\n" not in reason and "\tat " not in reason and "Py4J" not in reason
    missing = Collector("scan logs zeek")
    assert not list(scan_zeek("file:///nonexistent/zeek", intel, missing, spark))
    assert [s.reason for s in missing.skipped] == [
        "file:///nonexistent/zeek: no such file or directory"
    ]


def test_cli_says_why_an_s3a_url_was_not_scanned() -> None:
    """What a user sees: a skipped input with the reason, exit code 3 with --strict."""
    res = run_cli(
        "scan", "logs", "zeek", "s3a://soc-logs/zeek/", "--engine", "spark",
        "--spark-master", "local[1]", "-f", "json", "--strict", timeout=300,
    )  # fmt: skip
    assert res.code == 3, res.stderr
    assert [s.target for s in res.report.skipped] == ["s3a://soc-logs/zeek/"]
    assert "hadoop-aws" in res.report.skipped[0].reason
    assert "Traceback" not in res.stderr and "Exception" not in res.stderr
