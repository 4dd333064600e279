"""CSV: one row per finding, for spreadsheets and SIEM imports."""

from __future__ import annotations

import csv
import io

from minehunt.model import Report

COLUMNS = (
    "severity",
    "confidence",
    "check_id",
    "title",
    "target_kind",
    "pid",
    "name",
    "exe",
    "path",
    "line",
    "url",
    "raddr",
    "user",
    "summary",
    "evidence",
    "attack",
    "observed",
    "action",
)


def render(report: Report) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for f in report.findings:
        t = f.target
        w.writerow(
            [
                f.severity.value,
                f.confidence.value,
                f.check_id,
                f.title,
                t.kind.value,
                t.pid,
                t.name,
                t.exe,
                t.path,
                t.line,
                t.url,
                t.raddr,
                t.user,
                f.summary,
                " | ".join(f"{e.check_id}: {e.summary}" for e in f.evidence),
                " ".join(f.attack),
                f.observed,
                f.action,
            ]
        )
    return out.getvalue()
