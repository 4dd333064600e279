"""A generated log set of many hosts: both engines find exactly the planted sessions.

5 M conn rows (550 MB of Zeek TSV, made by DuckDB in seconds: generate.py) from 20,000 clients
to 50,000 servers with matching dns/ssl/http logs, and 30 mining sessions of each of four kinds
hidden in them. Generated once per test session; Spark is the session's one local[2].
"""

from __future__ import annotations

from pathlib import Path

import pytest

from minehunt.intel import load
from minehunt.net.logs.engine import Engine
from minehunt.net.logs.spark import SparkEngine
from minehunt.net.logs.zeek import scan_zeek
from minehunt.net.verdict import STRATUM_V2_PORTS
from minehunt.report import Collector
from tests.net.logs_spark import generate
from tests.net.logs_spark.test_agree import comparable

ROWS = 5_000_000
PER_KIND = 30


@pytest.fixture(scope="session")
def many(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[generate.Planted]]:
    intel = load(use_user_dir=False)
    flagged = intel.mining_ports | intel.tls_ports | STRATUM_V2_PORTS
    assert not flagged & set(generate.BENIGN_PORTS)  # the ordinary traffic is ordinary
    assert all(intel.pool_domain(p) for p in generate.POOLS)
    out = tmp_path_factory.mktemp("many")
    return out, generate.write(out, ROWS, per_kind=PER_KIND)


def test_both_engines_find_exactly_the_planted_sessions(
    many: tuple[Path, list[generate.Planted]], duck: Engine, spark: SparkEngine
) -> None:
    path, planted = many
    assert len(planted) == PER_KIND * len(generate.KINDS)
    results = {}
    for engine in (duck, spark):
        col = Collector("scan logs zeek")
        findings = list(scan_zeek(path, load(use_user_dir=False), col, engine))
        assert not col.skipped
        flows = {
            (f.target.laddr.rsplit(":", 1)[0], f.target.raddr)
            for f in findings
            if f.target.laddr and f.target.raddr
        }
        assert flows == {(p.client, f"{p.server}:{p.port}") for p in planted}
        # Sessions found by a pool's name carry that name (from dns.log or the SNI).
        named = {f.target.raddr: f.target.name for f in findings}
        for p in planted:
            if p.kind in ("dns", "sni"):
                assert named[f"{p.server}:{p.port}"] in generate.POOLS
        results[engine.name] = comparable(findings)
    assert results["spark"] == results["duckdb"]
