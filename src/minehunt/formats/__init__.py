"""Output formats: pure functions from a Report to text."""

from __future__ import annotations

import enum
from typing import assert_never

from minehunt.model import Report

from . import csv_format, json_format, sarif, table

__all__ = ["OutputFormat", "render"]


class OutputFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    SARIF = "sarif"
    CSV = "csv"


def render(report: Report, fmt: OutputFormat, *, color: bool = False, width: int = 120) -> str:
    """The report as text in ``fmt``."""
    match fmt:
        case OutputFormat.TABLE:
            return table.render(report, color=color, width=width)
        case OutputFormat.JSON:
            return json_format.render(report)
        case OutputFormat.JSONL:
            return json_format.render_lines(report)
        case OutputFormat.SARIF:
            return sarif.render(report)
        case OutputFormat.CSV:
            return csv_format.render(report)
        case _:
            assert_never(fmt)
