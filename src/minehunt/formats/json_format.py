"""JSON (one document) and JSON Lines (one finding or skipped entry per line)."""

from __future__ import annotations

import json
from dataclasses import asdict

from minehunt.model import Finding, Report, Skipped

SCHEMA_VERSION = 1


def render(report: Report) -> str:
    doc = {"schema_version": SCHEMA_VERSION, **report.to_dict()}
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"


def finding_line(item: Finding | Skipped) -> str:
    """One JSON object with a ``type`` of 'finding' or 'skipped'."""
    kind = "finding" if isinstance(item, Finding) else "skipped"
    return json.dumps({"type": kind, **asdict(item)}, separators=(",", ":"))


def render_lines(report: Report) -> str:
    lines = [finding_line(f) for f in report.findings]
    lines.extend(finding_line(s) for s in report.skipped)
    return "".join(line + "\n" for line in lines)
