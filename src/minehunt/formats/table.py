"""A human table for terminals: findings with their evidence, then skipped inputs. On a
terminal too narrow for the table to show a path whole, each finding is a block of lines
instead: its path gets the full width."""

from __future__ import annotations

import io

from rich.console import Console
from rich.markup import escape
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

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
WHOLE_ENOUGH = 60
"""A target column narrower than this and than the longest label folds paths into slices
that are hard to read and to copy: the findings are listed as blocks instead."""
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
        if target < min(longest, WHOLE_ENOUGH):
            _blocks(con, _ordered(report.findings))
        else:
            _table(con, report, acted, action, rest, target)
    _skipped(con, report)
    return buf.getvalue()


def _box(f: Finding) -> str:
    c = f.target.container
    return c.label() if c is not None else ""


def _ordered(findings: tuple[Finding, ...]) -> list[Finding]:
    """Findings about containers grouped by container (the host's own first), each group
    still most severe first: an operator acts per container."""
    return sorted(findings, key=_box)  # stable: severity order kept per group


def _evidence(f: Finding) -> list[str]:
    """The evidence items of a finding (at most 8, then how many more), unbulleted."""
    # Summaries quote configs ('remove [find name=x]'): text, not rich markup.
    items = [f"{escape(e.summary)} [{e.check_id}]" for e in f.evidence[:8]]
    if len(f.evidence) > 8:
        items.append(f"… {len(f.evidence) - 8} more")
    return items


def _blocks(con: Console, findings: list[Finding]) -> None:
    """Each finding as a heading line, its target on a line of its own, then its evidence
    as a bulleted list (wrapped lines hang under their text)."""
    previous: str | None = None
    for f in findings:
        if previous is not None and _box(f) != previous:
            con.print(Rule(style="dim"))
        elif previous is not None:
            con.print()
        previous = _box(f)
        con.print(
            f"[{_STYLE[f.severity]}]{f.severity.value}[/] ({f.confidence.value} conf.)  "
            f"[bold]{f.check_id}[/]  {escape(f.title)}"
        )
        items = Table.grid(padding=(0, 1))
        items.add_column(no_wrap=True)
        items.add_column(overflow="fold")
        items.add_row("", Text(f.target.label(), overflow="fold"))
        for item in _evidence(f):
            items.add_row(" •", item)
        if f.action:
            items.add_row("", Text(f"action: {f.action}", overflow="fold"))
        con.print(items)


def _table(con: Console, report: Report, acted: bool, action: int, rest: int, target: int) -> None:
    tbl = Table(show_lines=True, expand=False)
    tbl.add_column("Severity", no_wrap=True)
    tbl.add_column("Check", max_width=CHECK_WIDTH)
    tbl.add_column("Target", overflow="fold", min_width=target, max_width=target)
    tbl.add_column("Evidence", overflow="fold", width=max(12, rest - target))
    if acted:
        tbl.add_column("Action", overflow="fold", width=action)

    previous: str | None = None
    for f in _ordered(report.findings):
        if previous is not None and _box(f) != previous:
            tbl.add_section()
        previous = _box(f)
        ev = "\n".join(f"• {item}" for item in _evidence(f))
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


def _skipped(con: Console, report: Report) -> None:
    if report.skipped:
        con.print(f"\n{len(report.skipped)} input(s) could not be scanned:")
        for s in report.skipped[:20]:
            con.print(f"  - {s.target}: {s.reason} ({s.source})", markup=False)
        if len(report.skipped) > 20:
            con.print(f"  … and {len(report.skipped) - 20} more (see --format json)")
