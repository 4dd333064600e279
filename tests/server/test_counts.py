"""The counters behind the overview and the trend page stay equal to the findings they
count, through every write that adds or moves a finding: new and repeated targets, a
severity change, state changes in the dashboard, a resolved finding coming back, and two
reports of one host racing each other. On SQLite and PostgreSQL, against the real server."""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from minehunt.model import Severity
from minehunt.server.models import FindingCount, FindingDay, FindingRow, Host
from tests.support.fleet import FleetServer, finding


def _counted(server: FleetServer, host: str) -> tuple[dict[tuple[str, str], int], ...]:
    """(the host's counters, the same counted from its findings)."""
    with server.db.session() as s:
        host_id = s.scalar(select(Host.id).where(Host.name == host))
        kept = {
            (c.severity, c.state): c.n
            for c in s.scalars(select(FindingCount).where(FindingCount.host_id == host_id))
            if c.n
        }
        counted = {
            (str(sev), str(state)): int(n)
            for sev, state, n in s.execute(
                select(FindingRow.severity, FindingRow.state, func.count())
                .where(FindingRow.host_id == host_id)
                .group_by(FindingRow.severity, FindingRow.state)
            )
        }
    return kept, counted


def test_counters_follow_ingest_and_state_changes(server: FleetServer) -> None:
    host = f"count-{uuid.uuid4().hex[:8]}"
    cred = server.enrol(host)
    dash = server.user(f"admin-{uuid.uuid4().hex[:6]}")
    with server.db.session() as s:
        days_before = s.scalar(select(func.coalesce(func.sum(FindingDay.n), 0)))

    a, b, c = (finding(pid=p) for p in (11, 12, 13))
    assert server.post_report(cred, [a, b, c]).status_code == 201
    # b again, more severe; c again unchanged; d new
    b2 = finding(pid=12, severity=Severity.CRITICAL)
    assert server.post_report(cred, [b2, c, finding(pid=14)]).status_code == 201
    kept, counted = _counted(server, host)
    assert kept == counted == {("high", "new"): 3, ("critical", "new"): 1}

    rows = {r["finding"]["target"]["pid"]: r["id"] for r in dash.findings(host=host)}
    assert dash.set_state(rows[11], "acknowledged", dash.csrf).status_code == 303
    assert dash.set_state(rows[13], "resolved", dash.csrf).status_code == 303
    assert dash.set_state(rows[14], "false_positive", dash.csrf).status_code == 303
    assert dash.set_state(rows[14], "false_positive", dash.csrf).status_code == 303  # no-op
    kept, counted = _counted(server, host)
    assert kept == counted
    assert counted == {
        ("high", "acknowledged"): 1,
        ("critical", "new"): 1,
        ("high", "resolved"): 1,
        ("high", "false_positive"): 1,
    }
    # the resolved miner comes back: new again, and counted so
    assert server.post_report(cred, [finding(pid=13)]).json() == {
        "duplicate": False,
        "new": 0,
        "updated": 1,
    }
    kept, counted = _counted(server, host)
    assert kept == counted and counted[("high", "new")] == 1

    # the overview shows the host's open findings (new + acknowledged) from the counters
    page = dash.http.get("/").text
    m = re.search(rf">{re.escape(host)}</a></td>\s*<td[^>]*>[^<]*</td>\s*<td>(\d+)</td>", page)
    assert m and int(m.group(1)) == 3, page[:2000]
    with server.db.session() as s:  # four targets were first seen today
        assert s.scalar(select(func.sum(FindingDay.n))) == days_before + 4


def test_racing_reports_of_one_host_store_each_target_once(server: FleetServer) -> None:
    """Two reports of one host, sent at once, share new targets: each target is stored once,
    seen by both, and counted once."""
    host = f"race-{uuid.uuid4().hex[:8]}"
    cred = server.enrol(host)
    shared = [finding(pid=p) for p in range(100, 140)]

    def send(i: int) -> int:
        own = [finding(pid=1000 * (i + 1) + p) for p in range(5)]
        return server.post_report(cred, shared + own).status_code

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(send, range(4))) == [201] * 4
    with server.db.session() as s:
        host_id = s.scalar(select(Host.id).where(Host.name == host))
        seen = dict(
            s.execute(
                select(FindingRow.target_key, FindingRow.times_seen).where(
                    FindingRow.host_id == host_id
                )
            ).all()
        )
    assert len(seen) == 40 + 4 * 5
    assert sorted(seen.values()) == [1] * 20 + [4] * 40
    kept, counted = _counted(server, host)
    assert kept == counted == {("high", "new"): 60}
