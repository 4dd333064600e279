"""`minehunt watch host --respond` acts on new findings as they appear, within its rate."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from minehunt.respond.watch import RateLimit
from tests.conftest import run_cli

from .conftest import respond_env, write

LINE = "* * * * * root /var/tmp/.x/xmrig -o stratum+tcp://pool.minexmr.com:4444\n"


def watch(root: Path, qdir: Path, out: Path, pid: int, limit: int, iterations: int) -> None:
    r = run_cli(
        "watch",
        "host",
        "--root",
        str(root),
        "--interval",
        "1",
        "--iterations",
        str(iterations),
        "--output",
        str(out),
        "--respond",
        "--respond-min-severity",
        "medium",
        "--respond-max",
        str(limit),
        "--pid",
        str(pid),
        env=respond_env(qdir),
    )
    assert r.code == 0, r.stderr


def actions(out: Path) -> dict[object, str | None]:
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    return {x["target"]["pid"] or x["target"]["path"]: x["action"] for x in lines}


def test_watch_responds_to_new_findings(
    drop_dir: Path, root: Path, qdir: Path, tmp_path: Path
) -> None:
    exe = drop_dir / "xmrig"
    shutil.copy2(shutil.which("sleep") or "/bin/sleep", exe)
    miner = subprocess.Popen([str(exe), "300"])
    cron = write(root, "etc/cron.d/job", "30 2 * * * root /bin/true\n" + LINE)
    out = tmp_path / "watch.jsonl"
    try:
        watch(root, qdir, out, miner.pid, limit=5, iterations=2)
        assert miner.wait(timeout=10) == -9
    finally:
        miner.kill()
        miner.wait()
    acted = actions(out)
    assert "killed pid" in str(acted[miner.pid]) and not exe.exists()
    assert "removed line 2" in str(acted["/etc/cron.d/job"])
    assert cron.read_text() == "30 2 * * * root /bin/true\n"
    assert len(list(qdir.glob("*/journal.jsonl"))) == 2, "one journaled response per finding"


def test_watch_respond_rate_limit(root: Path, qdir: Path, tmp_path: Path) -> None:
    crons = [write(root, f"etc/cron.d/job{n}", LINE) for n in (1, 2, 3)]
    out = tmp_path / "watch.jsonl"
    watch(root, qdir, out, 0, limit=2, iterations=1)
    acted = actions(out)
    assert sum("rate limit" in str(a) for a in acted.values()) == 1, acted
    assert sum(c.read_text() == "" for c in crons) == 2


def test_rate_limit_window() -> None:
    now = [0.0]
    limit = RateLimit(2, window=60.0, clock=lambda: now[0])
    assert [limit.allow() for _ in range(3)] == [True, True, False]
    now[0] = 59.9
    assert not limit.allow()
    now[0] = 60.0
    assert limit.allow()
