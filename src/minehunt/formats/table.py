"""A human table for terminals: findings with their evidence, then skipped inputs."""

from __future__ import annotations

import io

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from minehunt.model import Report, Severity

_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def render(report: Report, *, color: bool = False, width: int = 120) -> str:
    buf = io.StringIO()
    con = Console(
        file=buf,
        width=width,
        color_system="standard" if color else None,
        force_terminal=color,
        highlight=False,
    )
    if not report.findings:
        con.print("No findings.")
    else:
        tbl = Table(show_lines=True, expand=False)
        tbl.add_column("Severity", no_wrap=True)
        tbl.add_column("Check", no_wrap=True)
        tbl.add_column("Target", overflow="fold", max_width=40)
        tbl.add_column("Evidence", overflow="fold")
        acted = any(f.action for f in report.findings)
        if acted:  # only a response report has actions; scans keep four columns
            tbl.add_column("Action", overflow="fold", max_width=40)
        for f in report.findings:
            # Summaries quote configs ('remove [find name=x]'): text, not rich markup.
            ev = "\n".join(f"• {escape(e.summary)} [{e.check_id}]" for e in f.evidence[:8])
            if len(f.evidence) > 8:
                ev += f"\n• … {len(f.evidence) - 8} more"
            cells = [
                f"[{_STYLE[f.severity]}]{f.severity.value}[/]\n{f.confidence.value} conf.",
                f"{f.check_id}\n{f.title}",
                escape(f.target.label()),
                ev,
            ]
            if acted:
                cells.append(f.action or "-")
            tbl.add_row(*cells)
        con.print(tbl)
    if report.skipped:
        con.print(f"\n{len(report.skipped)} input(s) could not be scanned:")
        for s in report.skipped[:20]:
            con.print(f"  - {s.target}: {s.reason} ({s.source})", markup=False)
        if len(report.skipped) > 20:
            con.print(f"  … and {len(report.skipped) - 20} more (see --format json)")
    return buf.getvalue()
