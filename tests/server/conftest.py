"""The same server tests on SQLite and on a PostgreSQL cluster the test run creates."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fleet import FleetServer, PostgresCluster, running_server


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'fleet.sqlite'}"
    cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
    return cluster.database()


@pytest.fixture(scope="module")
def server(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FleetServer]:
    """One server per module and database: tests use their own tokens, hosts and users."""
    with running_server(db_url, tmp_path_factory.mktemp("server")) as s:
        yield s
