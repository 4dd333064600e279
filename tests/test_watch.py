"""`minehunt watch host` reports a miner once when it appears, not on every scan."""

from __future__ import annotations

import json
import time
from pathlib import Path

from minehunt.model import Severity
from tests.conftest import run_cli
from tests.support.launch import start_xmrig_like, stop_process, wait_for_shares
from tests.support.pool import running_pool


def test_watch_emits_new_findings_once(tmp_path: Path) -> None:
    out = tmp_path / "watch.jsonl"
    with running_pool() as pool:
        miner = start_xmrig_like(pool.port)
        try:
            wait_for_shares(pool, 1, timeout=60, proc=miner)
            r = run_cli(
                "watch", "host", "--interval", "1", "--iterations", "3", "--output", str(out)
            )
        finally:
            stop_process(miner)
    assert r.code == 0, r.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    mine = [x for x in lines if x["target"]["pid"] == miner.pid]
    assert len(mine) == 1, "three scans, one line: only new or changed findings are emitted"
    assert mine[0]["change"] == "new" and mine[0]["type"] == "finding"
    assert Severity(mine[0]["severity"]) >= Severity.HIGH
    keys = [(x["target"]["pid"], x["target"]["path"], x["change"], x["severity"]) for x in lines]
    assert len(keys) == len(set(keys))


def test_watch_reports_a_miner_that_starts_later(tmp_path: Path) -> None:
    out = tmp_path / "watch.jsonl"
    import subprocess
    import sys

    with running_pool() as pool:
        watcher = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "minehunt",
                "watch",
                "host",
                "--interval",
                "1",
                "--iterations",
                "12",
                "--output",
                str(out),
            ],
            stderr=subprocess.PIPE,
        )
        time.sleep(2.0)
        miner = start_xmrig_like(pool.port)
        try:
            wait_for_shares(pool, 1, timeout=60, proc=miner)
            watcher.wait(timeout=60)
        finally:
            stop_process(miner)
            watcher.kill()
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [x["change"] for x in lines if x["target"]["pid"] == miner.pid][:1] == ["new"]
