"""Output formats: pure functions from a Report to text."""

from __future__ import annotations

import enum
from typing import assert_never

from minehunt.model import Report

__all__ = ["OutputFormat", "render"]


class OutputFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    SARIF = "sarif"
    CSV = "csv"


def render(report: Report, fmt: OutputFormat, *, color: bool = False, width: int = 120) -> str:
    """The report as text in ``fmt``."""
    # Each writer is imported when used: SARIF pulls in the check catalogue and the table
    # rich, start-up time a JSON report does not need to pay.
    match fmt:
        case OutputFormat.TABLE:
            from . import table

            return table.render(report, color=color, width=width)
        case OutputFormat.JSON:
            from . import json_format

            return json_format.render(report)
        case OutputFormat.JSONL:
            from . import json_format

            return json_format.render_lines(report)
        case OutputFormat.SARIF:
            from . import sarif

            return sarif.render(report)
        case OutputFormat.CSV:
            from . import csv_format

            return csv_format.render(report)
        case _:
            assert_never(fmt)
