"""The counters behind the overview and the trend page stay equal to the findings they
count, through every write that adds or moves a finding: new and repeated targets, a
severity change, state changes in the dashboard, a resolved finding coming back, and two
reports of one host racing each other. On SQLite and PostgreSQL, against the real server."""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from minehunt.model import Severity
from minehunt.server.models import FindingCount, FindingDay, FindingRow, Host
from tests.support.fleet import Dashboard, FleetServer, finding


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


def _host_rows(html: str) -> list[tuple[int, str, int]]:
    """(id, name, open findings) of each row of a page's host table."""
    rows = re.findall(
        r'<a href="/hosts/(\d+)">([^<]*)</a></td>\s*<td[^>]*>[^<]*</td>\s*<td>(\d+)</td>', html
    )
    return [(int(i), name, int(n)) for i, name, n in rows]


def _open_on_hosts_page(dash: Dashboard, host: str) -> int:
    """The open findings the paged host list shows for ``host``."""
    for page in range(1, 101):
        html = dash.http.get("/hosts", params={"page": page}).text
        for _, name, n in _host_rows(html):
            if name == host:
                return n
        if 'rel="next"' not in html:
            break
    raise AssertionError(f"{host} is on no page of /hosts")


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

    # the host list shows the host's open findings (new + acknowledged) from the counters
    assert _open_on_hosts_page(dash, host) == 3
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


def test_overview_summarises_and_the_host_list_is_paged(server: FleetServer) -> None:
    """The overview stays small on a large fleet: counts, and the hosts with the most open
    findings; every host is on exactly one page of /hosts (100 a page, by name)."""
    t = datetime.now(UTC)
    tag = uuid.uuid4().hex[:6]
    with server.db.session() as s:
        s.add_all(
            Host(
                name=f"fleet-{tag}-{i:03d}",
                enrolled=t,
                last_seen=t - timedelta(minutes=1 if i % 3 else 30) if i % 7 else None,
                agent_version="test",
                queued=0,
                dropped=0,
            )
            for i in range(230)
        )
    busy = f"busy-{tag}"
    cred = server.enrol(busy)
    assert server.post_report(cred, [finding(pid=p) for p in range(500, 530)]).status_code == 201
    dash = server.user(f"viewer-{tag}", "viewer")

    def online() -> int:  # seen in the last 5 minutes
        with server.db.session() as s:
            since = datetime.now(UTC) - timedelta(minutes=5)
            return int(s.scalar(select(func.count()).where(Host.last_seen >= since)) or 0)

    with server.db.session() as s:
        hosts = {h.id: h.name for h in s.scalars(select(Host))}
    assert len(hosts) > 230
    most = online()
    overview = dash.http.get("/").text
    least = online()  # hosts may have gone offline meanwhile, none came online
    m = re.search(r'id="hosts-online">(\d+)<', overview)
    assert m and least <= int(m.group(1)) <= most
    assert re.search(rf'id="hosts-total">{len(hosts)}<', overview)
    assert re.search(rf'id="hosts-offline">{len(hosts) - int(m.group(1))}<', overview)
    with server.db.session() as s:  # open findings per host, counted from the findings
        by_host = s.execute(
            select(FindingRow.host_id, func.count())
            .where(FindingRow.state.in_(("new", "acknowledged")))
            .group_by(FindingRow.host_id)
        ).all()
    expected = sorted(((-n, i) for i, n in by_host))[:20]
    listed = _host_rows(overview)
    assert [(i, hosts[i], n) for i, n in ((i, -m) for m, i in expected)] == listed
    assert (busy, 30) in [(name, n) for _, name, n in listed]

    seen: list[tuple[int, str, int]] = []
    page = 1
    while True:
        r = dash.http.get("/hosts", params={"page": page})
        assert r.status_code == 200
        rows = _host_rows(r.text)
        assert len(rows) == (100 if 'rel="next"' in r.text else len(hosts) - 100 * (page - 1))
        seen += rows
        if 'rel="next"' not in r.text:
            break
        page += 1
    assert page == -(-len(hosts) // 100)
    assert {i: name for i, name, _ in seen} == hosts and len(seen) == len(hosts)
    ours = [name for _, name, _ in seen if name.startswith(f"fleet-{tag}-")]
    assert ours == sorted(ours) and len(ours) == 230  # by name
    assert dict((name, n) for _, name, n in seen)[busy] == 30
    for bad in ("0", "101", "x"):
        assert dash.http.get("/hosts", params={"page": bad}).status_code == 422
