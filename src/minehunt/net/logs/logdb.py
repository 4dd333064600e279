"""DuckDB helpers shared by the Zeek and Suricata readers: files in, SQL relations out.

IDS logs run to tens of millions of rows; DuckDB reads TSV, JSON and gzip in parallel C++
and filters in SQL, so Python only sees the few rows that can be mining.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

MAX_LINE = 1 << 20


def connect() -> duckdb.DuckDBPyConnection:
    import duckdb  # imported when a log is read: `scan pcap` and the CLI start without it

    con = duckdb.connect(":memory:")
    con.execute("SET preserve_insertion_order = false")
    return con


def head_lines(path: Path, limit: int = 16) -> list[str]:
    """The first lines of a (possibly gzipped) text file; [] when unreadable."""
    try:
        with open(path, "rb") as fh:
            gz = fh.read(2) == b"\x1f\x8b"
        opener = gzip.open if gz else open
        with opener(path, "rt", encoding="utf-8", errors="replace") as text:
            lines = []
            for line in text:
                lines.append(line.rstrip("\n"))
                if len(lines) >= limit:
                    break
            return lines
    except (OSError, EOFError):
        return []


def sql_list(paths: list[Path]) -> str:
    """A SQL list literal of file names."""
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def epoch(column: str) -> str:
    """SQL turning a Zeek/Suricata time (epoch number or ISO 8601 text) into epoch seconds."""
    return (
        f"coalesce(try_cast({column} AS DOUBLE), "
        f"epoch(try_cast(replace({column}, 'Z', '+00:00') AS TIMESTAMPTZ)))"
    )
