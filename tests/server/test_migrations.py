"""Alembic: the shipped migrations build the schema from an empty database, agree with the
models, and go down and up again; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from minehunt.server.db import MIGRATIONS, current_revision, make_engine, migrate
from minehunt.server.models import Base
from tests.support.fleet import PostgresCluster


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite'}"
    cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
    return cluster.database()


def test_upgrade_from_empty_matches_the_models_and_round_trips(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        assert current_revision(engine) is None
        migrate(engine)
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        head = ScriptDirectory.from_config(cfg).get_current_head()
        assert current_revision(engine) == head
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], diff

        with engine.begin() as conn:  # down to empty, and up again
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate(engine)
        migrate(engine)  # a second start changes nothing
        assert current_revision(engine) == head
    finally:
        engine.dispose()


def test_upgrade_from_the_previous_revision_keeps_the_data(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        migrate(engine, "0001")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO hosts (id, name, enrolled, queued, dropped) "
                    "VALUES (1, 'web-01', CURRENT_TIMESTAMP, 0, 0)"
                )
            )
        migrate(engine)
        assert current_revision(engine) != "0001"
        with engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM hosts")).scalar() == "web-01"
        assert "responses" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_upgrade_to_the_counters_counts_the_stored_findings(empty_url: str) -> None:
    """0003 adds the overview's and the trend's counters: a database upgraded with findings
    in it starts with them counted."""
    engine = make_engine(empty_url)
    try:
        migrate(engine, "0002")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO hosts (id, name, enrolled, queued, dropped) "
                    "VALUES (1, 'web-01', CURRENT_TIMESTAMP, 0, 0)"
                )
            )
            for i, (sev, state, day) in enumerate(
                [("high", "new", 1), ("high", "new", 1), ("low", "resolved", 2)]
            ):
                conn.execute(
                    text(
                        "INSERT INTO findings (host_id, target_key, check_id, kind, severity, "
                        "severity_rank, confidence, title, label, summary, data, state, "
                        "first_seen, last_seen, times_seen) VALUES (1, :k, 'MH-NET-001', "
                        "'network', :sev, 3, 'high', 't', 'l', 's', '{}', :state, :ts, :ts, 1)"
                    ),
                    {
                        "k": f"k{i}",
                        "sev": sev,
                        "state": state,
                        "ts": datetime(2024, 3, day, 23, 30, tzinfo=UTC),
                    },
                )
        migrate(engine)
        with engine.connect() as conn:
            counts = set(
                conn.execute(text("SELECT host_id, severity, state, n FROM finding_counts"))
            )
            days = set(conn.execute(text("SELECT day, kind, n FROM finding_days")))
        assert counts == {(1, "high", "new", 2), (1, "low", "resolved", 1)}
        assert days == {("2024-03-01", "network", 2), ("2024-03-02", "network", 1)}
    finally:
        engine.dispose()
