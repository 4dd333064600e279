"""A one-off scan piped into ``minehunt agent send``; the systemd unit ``agent install``
writes."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

from tests.support.fleet import running_server

MINER_CONFIG = {
    "autosave": True,
    "cpu": {"enabled": True, "max-threads-hint": 75},
    "donate-level": 1,
    "pools": [
        {
            "url": "pool.supportxmr.com:443",
            "user": "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNb"
            "r2VBBEt7f2wfn3RVGQBEP3A",
            "pass": "x",
            "tls": True,
            "algo": "rx/0",
        }
    ],
}


def test_scan_files_report_piped_to_agent_send_reaches_the_server(tmp_path: Path) -> None:
    share = tmp_path / "share" / ".cache"
    share.mkdir(parents=True)
    (share / "config.json").write_text(json.dumps(MINER_CONFIG, indent=2))
    try:
        scan = subprocess.run(
            [sys.executable, "-m", "minehunt", "scan", "files", str(tmp_path / "share"), "-f",
             "json"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        (share / "config.json").unlink()  # no miner config outlives the test
    assert scan.returncode == 1, scan.stderr
    with running_server(f"sqlite:///{tmp_path / 'f.sqlite'}", tmp_path / "srv") as s:
        token = tmp_path / "token"
        token.write_text(s.token("fileserver"))
        argv = [sys.executable, "-m", "minehunt", "agent", "send", "-", "--server", s.url,
                "--token-file", str(token), "--state-dir", str(tmp_path / "st"),
                "--hostname", "fileserver"]  # fmt: skip
        sent = subprocess.run(argv, input=scan.stdout, capture_output=True, text=True,
                              timeout=120)  # fmt: skip
        assert sent.returncode == 0, sent.stderr
        rows = s.user("admin").findings(host="fileserver")
        bad = subprocess.run(argv, input="{not json", capture_output=True, text=True, timeout=60)
    assert [r["finding"]["target"]["path"] for r in rows] == [str(share / "config.json")]
    assert rows[0]["finding"]["severity"] == "critical"
    assert bad.returncode == 2


def test_agent_install_writes_a_systemd_unit(tmp_path: Path) -> None:
    token = tmp_path / "agent.token"
    token.write_text("mhe_x")
    r = subprocess.run(
        [sys.executable, "-m", "minehunt", "agent", "install", "--server",
         "https://fleet.example:8765", "--token-file", str(token), "--unit-dir",
         str(tmp_path / "units"), "--interval", "30", "--no-enable"],
        capture_output=True, text=True, timeout=60, env={**os.environ},
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    unit = (tmp_path / "units" / "minehunt-agent.service").read_text()
    exec_line = next(x for x in unit.splitlines() if x.startswith("ExecStart="))
    argv = shlex.split(exec_line.removeprefix("ExecStart="))
    assert argv[:4] == [sys.executable, "-m", "minehunt", "agent"]
    opts = dict(zip(argv[4::2], argv[5::2], strict=True))
    assert opts == {
        "--server": "https://fleet.example:8765",
        "--token-file": str(token),
        "--state-dir": "/var/lib/minehunt/agent",
        "--interval": "30",
    }
    assert "Restart=always" in unit and "WantedBy=multi-user.target" in unit
