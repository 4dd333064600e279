"""Bad input on Spark: skipped with a reason, the rest scanned; missing PySpark or Java said."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

from minehunt.intel import load
from minehunt.net.logs.spark import SparkEngine
from minehunt.net.logs.suricata import scan_eve
from minehunt.net.logs.zeek import scan_zeek
from minehunt.report import Collector
from tests.conftest import run_cli
from tests.net.logs_spark.generate import CONN, HEADER, eve_mining_flow


def _tsv(rows: list[str], fields: tuple[str, ...] = CONN) -> str:
    head = HEADER.format(
        kind="conn", fields="\t".join(fields), types="\t".join("x" for _ in fields)
    )
    return head + "".join(r + "\n" for r in rows)


def _row(i: int, server: str, port: int) -> str:
    return (f"1780000000.{i:06d}\tC{i}\t10.1.0.{i}\t4100{i}\t{server}\t{port}\ttcp\t-\t"
            f"600.0\t5000\t9000\tSF\t50\t60")  # fmt: skip


def test_corrupt_missing_and_mixed_logs_on_spark(tmp_path: Path, spark: SparkEngine) -> None:
    logs = tmp_path / "zeek"
    (logs / "a").mkdir(parents=True)
    # TSV and JSON side by side: both are read.
    (logs / "conn.log").write_text(_tsv([_row(1, "203.0.113.1", 3333), _row(2, "93.1.1.1", 443)]))
    json_row = dict(zip(CONN, _row(3, "203.0.113.3", 5555).split("\t"), strict=True))
    (logs / "a" / "conn.01:00:00-02:00:00.log").write_text(json.dumps(json_row) + "\n")
    # A gzip file whose second member is cut off mid-stream.
    good = gzip.compress(_tsv([_row(4, "203.0.113.4", 3333)]).encode())
    (logs / "a" / "conn.02:00:00-03:00:00.log.gz").write_bytes(good + good[: len(good) // 2])
    # A conn log without the responder's port: no way to judge its connections.
    no_port = tuple(f for f in CONN if f != "id.resp_p")
    (logs / "a" / "conn.03:00:00-04:00:00.log").write_text(
        _tsv(["1780000000.5\tC5\t10.1.0.5\t41005\t203.0.113.5\ttcp\t-\t1\t1\t1\tSF\t1\t1"], no_port)
    )
    (logs / "a" / "conn.04:00:00-05:00:00.log").write_text("garbage that is not a log\n")
    col = Collector("scan logs zeek")
    findings = list(scan_zeek(logs, load(use_user_dir=False), col, spark))
    servers = {f.target.raddr for f in findings}
    assert servers == {"203.0.113.1:3333", "203.0.113.3:5555"}
    reasons = {Path(s.target).name: s.reason for s in col.skipped}
    assert reasons.keys() == {
        "conn.02:00:00-03:00:00.log.gz", "conn.03:00:00-04:00:00.log", "conn.04:00:00-05:00:00.log"
    }  # fmt: skip
    assert "corrupt gzip" in reasons["conn.02:00:00-03:00:00.log.gz"]
    assert "id.resp_p" in reasons["conn.03:00:00-04:00:00.log"]
    assert "not a Zeek log" in reasons["conn.04:00:00-05:00:00.log"]


def test_corrupt_eve_on_spark_is_skipped_and_the_rest_scanned(
    tmp_path: Path, spark: SparkEngine
) -> None:
    flow = eve_mining_flow(7, "10.2.0.1", "203.0.113.9")
    good = tmp_path / "eve.json"
    good.write_text(json.dumps(flow) + "\n")
    bad = tmp_path / "eve.1.json.gz"
    bad.write_bytes(gzip.compress(b'{"event_type": "flow"}\n' * 1000)[:-40])
    col = Collector("scan logs suricata")
    findings = list(scan_eve([good, bad], load(use_user_dir=False), col, spark))
    assert {f.target.raddr for f in findings} == {"203.0.113.9:3333"}
    assert [(Path(s.target).name, "corrupt gzip" in s.reason) for s in col.skipped] == [
        ("eve.1.json.gz", True)
    ]


def test_missing_java_or_pyspark_is_a_clear_usage_error(tmp_path: Path) -> None:
    env = {"JAVA_HOME": "", "PATH": os.path.dirname(sys.executable)}  # python, but no java
    no_java = run_cli("scan", "logs", "zeek", str(tmp_path), "--engine", "spark", env=env)
    assert no_java.code == 2 and "Java 17" in no_java.stderr and "openjdk-17" in no_java.stderr
    hide = "import sys; sys.modules['pyspark'] = None; from minehunt.cli import main; main()"
    no_spark = subprocess.run(
        [sys.executable, "-c", hide, "scan", "logs", "zeek", str(tmp_path), "--engine", "spark"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert no_spark.returncode == 2, no_spark.stderr
    assert "pip install 'minehunt[spark]'" in no_spark.stderr
    assert "Traceback" not in no_java.stderr + no_spark.stderr
