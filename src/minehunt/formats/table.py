"""A human table for terminals: findings with their evidence, then skipped inputs."""

from __future__ import annotations

import io

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from minehunt.model import Finding, Report, Severity

_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}

CHECK_WIDTH = 24
"""The check ID on one line, its title wrapped below it."""
EVIDENCE = 28
"""Evidence keeps at least this width when the target column is sized."""
MIN_TARGET = 16
FIXED_COLUMNS = 13 + 12 + CHECK_WIDTH
"""Borders and padding of four columns, the severity column, the check column: the target
column gets what its longest label needs from the rest, as long as evidence keeps room."""


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
        acted = any(f.action for f in report.findings)  # only a response report has actions
        action = max(12, min(30, (width - FIXED_COLUMNS) // 4)) if acted else 0
        rest = width - FIXED_COLUMNS - (action + 3 if acted else 0)
        longest = max(len(f.target.label()) for f in report.findings)
        target = min(longest, max(MIN_TARGET, rest - EVIDENCE))
        tbl = Table(show_lines=True, expand=False)
        tbl.add_column("Severity", no_wrap=True)
        tbl.add_column("Check", max_width=CHECK_WIDTH)
        tbl.add_column("Target", overflow="fold", min_width=target, max_width=target)
        tbl.add_column("Evidence", overflow="fold", width=max(12, rest - target))
        if acted:
            tbl.add_column("Action", overflow="fold", width=action)

        # Findings about containers come grouped by container (the host's own first), each
        # group still most severe first: an operator acts per container.
        def box(f: Finding) -> str:
            c = f.target.container
            return c.label() if c is not None else ""

        ordered = sorted(report.findings, key=box)  # stable: severity order kept per group
        previous: str | None = None
        for f in ordered:
            if previous is not None and box(f) != previous:
                tbl.add_section()
            previous = box(f)
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
