"""One SparkSession (local[2]) for every Spark test: the JVM starts once per test session."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from minehunt.net.logs.engine import DuckDBEngine, Engine
from minehunt.net.logs.spark import SparkEngine


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkEngine]:
    # The capture fixture sets a 15 s default on new sockets; Spark's gateway calls (start-up,
    # a job over a million rows) legitimately take longer on a loaded machine.
    before = socket.getdefaulttimeout()
    socket.setdefaulttimeout(None)
    try:
        engine = SparkEngine.start("local[2]")
    finally:
        socket.setdefaulttimeout(before)
    engine.spark.conf.set("spark.sql.shuffle.partitions", "4")
    yield engine
    engine.spark.stop()


@pytest.fixture(autouse=True)
def no_socket_timeout() -> Iterator[None]:
    before = socket.getdefaulttimeout()
    socket.setdefaulttimeout(None)
    yield
    socket.setdefaulttimeout(before)


@pytest.fixture
def duck() -> Iterator[Engine]:
    engine = DuckDBEngine()
    yield engine
    engine.close()
