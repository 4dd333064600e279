"""Several server processes behind a load balancer share one PostgreSQL database: they
migrate it together on start (under an advisory lock), and an agent enrolled through one is
known to the other."""

from __future__ import annotations

import uuid
from pathlib import Path

from tests.support.fleet import FleetServer, PostgresCluster, finding


def test_two_servers_share_one_postgresql_database(
    pg_cluster: PostgresCluster, tmp_path: Path
) -> None:
    url = pg_cluster.database()  # empty: both servers race to migrate it
    a, b = FleetServer(url, tmp_path / "a"), FleetServer(url, tmp_path / "b")
    a.spawn()
    b.spawn()
    try:
        a.wait_ready()
        b.wait_ready()
        host = f"lb-{uuid.uuid4().hex[:6]}"
        cred = a.enrol(host)
        assert b.post_report(cred, [finding(pid=5)]).status_code == 201
        assert a.post_report(cred, [finding(pid=5)]).status_code == 201
        rows = a.user("admin").findings(host=host)
        assert len(rows) == 1 and rows[0]["times_seen"] == 2
        b.cli("token", "revoke", host)
        assert a.post_report(cred, [finding(pid=6)]).status_code == 401
        assert b.post_report(cred, [finding(pid=6)]).status_code == 401
    finally:
        a.close()
        b.close()
