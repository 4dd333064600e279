"""The SQL engines the log detections run on: DuckDB on one machine, Apache Spark on a cluster.

The Zeek and Suricata readers write their candidate-selection SQL once, in the subset of SQL
both engines run (SELECT/JOIN/GROUP BY, ``lower``, ``coalesce``, ``try_cast``,
``regexp_extract``, ``max``). What differs stays here, behind a few small methods: reading
files into a table with text columns, time parsing, JSON field access, list aggregation,
lookup tables, and writing results back. Column names use ``_`` for Zeek's ``.``
(``id_orig_h``), so no identifier needs quoting in either dialect.
"""

from __future__ import annotations

import enum
import gzip
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote

from minehunt.net.logs import logdb


class EngineName(enum.StrEnum):
    DUCKDB = "duckdb"
    SPARK = "spark"


class Format(enum.StrEnum):
    TSV = "tsv"
    JSON = "json"
    PARQUET = "parquet"


@dataclass(frozen=True)
class Source:
    """Files of one log kind in one format (TSV files grouped by their ``#fields`` header)."""

    fmt: Format
    paths: tuple[str, ...]
    fields: tuple[str, ...] = ()
    """Column names in file order (TSV: the header; others: unused)."""


class EngineUnavailable(RuntimeError):
    """The engine cannot start here (PySpark or Java missing); the message says what to do."""


class Unreachable(OSError):
    """A location the engine cannot list or open (no such path, a URL scheme it has no file
    system for); the message is one line that says why."""


GLOB_CHARS = frozenset("*?[{")


def is_url(location: str | Path) -> bool:
    """A URL (``file://``, ``hdfs://``, ``s3a://``...), not a plain path."""
    return "://" in str(location) or str(location).startswith("file:")


def is_pattern(location: str | Path) -> bool:
    """A glob (``conn.*.log.gz``, ``2026-05-{01,02}``) for the engine to expand."""
    return any(c in GLOB_CHARS for c in str(location))


def local_path(location: str) -> Path | None:
    """The local file a plain path or ``file:`` URL names; ``None`` for other URLs."""
    if is_url(location) and not location.startswith("file:"):
        return None
    return Path(display_path(location))


def column(field: str) -> str:
    """The portable column name of a Zeek field: ``id.orig_h`` -> ``id_orig_h``."""
    return field.replace(".", "_")


def display_path(path: str) -> str:
    """A file name as both engines report it (Spark gives ``file:`` URLs for local files)."""
    for prefix in ("file://", "file:"):
        if path.startswith(prefix):
            return unquote(path[len(prefix) :])
    return path


def gzip_intact(path: Path) -> str | None:
    """Why a gzip file cannot be read to its end (``None`` when every member is intact)."""
    try:
        with gzip.open(path, "rb") as fh:
            while fh.read(1 << 20):
                pass
    except (OSError, EOFError, zlib.error) as e:
        return f"corrupt gzip: {e}"
    return None


class Engine(Protocol):
    name: EngineName
    errors: tuple[type[BaseException], ...]

    def load(self, table: str, sources: Sequence[Source], want: Sequence[str]) -> None:
        """Table ``table`` with text columns ``column(f)`` for each wanted field (NULL when a
        file lacks it) and ``filename``; the union of all sources."""

    def load_eve(self, table: str, paths: Sequence[str], columns: dict[str, str]) -> None:
        """Table of EVE events: the given top-level keys (``INTEGER`` or ``JSON`` text or
        ``VARCHAR``), ``ts`` for ``timestamp``, and ``filename``."""

    def lookup(self, table: str, values: Sequence[str | int], sql_type: str) -> None:
        """A one-column table ``v`` of values the SQL matches with ``IN (SELECT v FROM t)``."""

    def materialize(self, table: str, sql: str) -> None:
        """Keep a (small) query result as a table."""

    def rows(self, sql: str) -> list[tuple[Any, ...]]: ...

    def epoch(self, expr: str) -> str:
        """SQL: epoch seconds of a time given as an epoch number or ISO 8601 text."""

    def json_str(self, expr: str, path: str) -> str:
        """SQL: the text (or JSON text of an object/array) at ``path`` of a JSON text."""

    def collect(self, expr: str) -> str:
        """SQL aggregate: the sorted list of non-NULL values."""

    def write(self, sql: str, out: str) -> None:
        """Write a query result as Parquet to ``out`` (a file or directory path)."""

    def head(self, path: str, limit: int) -> list[str]:
        """The first lines of a text file (gzip too) the engine can reach."""

    def list_files(self, url: str) -> list[str]:
        """Every file a URL or glob names, and below the directories it names (``hdfs://``,
        ``s3a://``, ``file://``...); raises ``Unreachable`` with the reason."""

    def close(self) -> None: ...


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class DuckDBEngine:
    name = EngineName.DUCKDB

    def __init__(self) -> None:
        import duckdb  # on first use: importing it costs ~15 MB of every minehunt process

        self.errors: tuple[type[BaseException], ...] = (duckdb.Error,)
        self.con = logdb.connect()
        self._rejects: list[str] = []

    def load(self, table: str, sources: Sequence[Source], want: Sequence[str]) -> None:
        parts: list[str] = []
        for src in sources:
            files = logdb.sql_list([Path(p) for p in src.paths])
            if src.fmt is Format.TSV:
                columns = ", ".join(f"{_sql_str(f)}: 'VARCHAR'" for f in src.fields)
                # A line over MAX_LINE is skipped and noted (see `rejected`), not the log.
                reader = (
                    f"read_csv({files}, delim='\\t', header=false, comment='#', quote='', "
                    f"escape='', nullstr='-', auto_detect=false, strict_mode=false, "
                    f"null_padding=true, columns={{{columns}}}, filename=true, "
                    f"max_line_size={logdb.MAX_LINE}, ignore_errors=true, store_rejects=true, "
                    f"rejects_table='{table}_rejects', rejects_scan='{table}_reject_scans')"
                )
                if table not in self._rejects:
                    self._rejects.append(table)
                have = set(src.fields)
            elif src.fmt is Format.JSON:
                columns = ", ".join(f"{_sql_str(f)}: 'VARCHAR'" for f in want)
                reader = (
                    f"read_json({files}, format='newline_delimited', columns={{{columns}}}, "
                    f"filename=true, ignore_errors=true)"
                )
                have = set(want)
            else:
                reader = f"read_parquet({files}, filename=true, union_by_name=true)"
                have = {
                    str(r[0])
                    for r in self.con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
                }
            select = []
            for f in want:
                name = f if f in have else column(f) if column(f) in have else None
                select.append(
                    f'CAST("{name}" AS VARCHAR) AS {column(f)}'
                    if name
                    else f"CAST(NULL AS VARCHAR) AS {column(f)}"
                )
            parts.append(f"SELECT {', '.join(select)}, filename FROM {reader}")
        if not parts:
            cols = ", ".join(f"CAST(NULL AS VARCHAR) AS {column(f)}" for f in want)
            parts.append(f"SELECT {cols}, CAST(NULL AS VARCHAR) AS filename WHERE false")
        self.con.execute(
            f"CREATE OR REPLACE TEMP VIEW {table} AS " + " UNION ALL ".join(f"({p})" for p in parts)
        )

    def load_eve(self, table: str, paths: Sequence[str], columns: dict[str, str]) -> None:
        spec = ", ".join(f"{_sql_str(k)}: '{v}'" for k, v in columns.items())
        select = ", ".join(f'"{k}" AS ts' if k == "timestamp" else f'"{k}"' for k in columns)
        files = logdb.sql_list([Path(p) for p in paths])
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {select}, filename "
            f"FROM read_json({files}, format='newline_delimited', columns={{{spec}}}, "
            "filename=true, ignore_errors=true) "
            "WHERE event_type IN ('dns', 'tls', 'flow', 'http', 'alert')"
        )

    def rejected(self) -> dict[str, int]:
        """Lines of each TSV file skipped for being over MAX_LINE, by the last read of it."""
        out: dict[str, int] = {}
        for table in self._rejects:
            try:
                rows = self.con.execute(
                    f"SELECT s.file_path, count(DISTINCT e.line) FROM {table}_reject_scans s "
                    f"JOIN {table}_rejects e USING (scan_id, file_id) GROUP BY 1"
                ).fetchall()
            except self.errors:  # never read (no query needed that log)
                continue
            for path, n in rows:
                out[str(path)] = out.get(str(path), 0) + int(n)
        return out

    def lookup(self, table: str, values: Sequence[str | int], sql_type: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {table} (v {sql_type})")
        if values:
            self.con.executemany(f"INSERT INTO {table} VALUES (?)", [(v,) for v in values])

    def materialize(self, table: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {sql}")

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return self.con.execute(sql).fetchall()

    def epoch(self, expr: str) -> str:
        return logdb.epoch(expr)

    def json_str(self, expr: str, path: str) -> str:
        return f"json_extract_string({expr}, {_sql_str(path)})"

    def collect(self, expr: str) -> str:
        return f"list_sort(list({expr}) FILTER (WHERE {expr} IS NOT NULL))"

    def write(self, sql: str, out: str) -> None:
        # A directory of part files, as Spark writes it.
        Path(out).mkdir(parents=True, exist_ok=True)
        target = _sql_str(str(Path(out) / "part-00000.parquet"))
        self.con.execute(f"COPY ({sql}) TO {target} (FORMAT parquet)")

    def head(self, path: str, limit: int) -> list[str]:
        return logdb.head_lines(Path(path), limit)

    def list_files(self, url: str) -> list[str]:
        raise EngineUnavailable(f"DuckDB reads local paths only, not {url}: use --engine spark")

    def close(self) -> None:
        self.con.close()


def open_engine(name: EngineName, master: str | None = None) -> Engine:
    """Start the engine (Spark: one SparkSession, reused while the process lives)."""
    if name is EngineName.SPARK:
        from minehunt.net.logs.spark import SparkEngine

        return SparkEngine.start(master)
    return DuckDBEngine()
