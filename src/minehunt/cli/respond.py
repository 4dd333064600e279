"""respond, respond undo, respond list: stop what a host scan found, and take it back."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from minehunt.cli.common import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    EXIT_USAGE,
    CpuWindowOpt,
    FormatOpt,
    IntelOpt,
    OutputOpt,
    _load_intel,
    _run,
    app,
    err,
)
from minehunt.cli.host import MemoryOpt, _memory_options
from minehunt.formats import OutputFormat, render
from minehunt.model import Report, Severity

if TYPE_CHECKING:
    from minehunt.respond import Plan, Protection, Response

respond_app = typer.Typer(
    help="Stop a miner and what brings it back (journaled, undoable). Linux, root.",
    invoke_without_command=True,
)
app.add_typer(respond_app, name="respond")

QuarantineOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--quarantine-dir",
        help="Where quarantined files and journals go "
        "(default: $MINEHUNT_QUARANTINE_DIR, else /var/lib/minehunt/quarantine).",
    ),
]
ProtectOpt = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option("--protect", help="Never touch this PID or process NAME (repeatable)."),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Act without asking.")]


def protection(items: list[str] | None) -> Protection:
    from minehunt.respond import Protection

    items = items or []
    return Protection(
        pids=frozenset(int(x) for x in items if x.isdigit()),
        names=frozenset(x for x in items if not x.isdigit()),
    )


def _need_root() -> None:
    if sys.platform != "linux" or os.geteuid() != 0:
        err.print("[red]error:[/] respond needs root on Linux (it stops processes, moves files)")
        raise typer.Exit(EXIT_USAGE)


def _confirm(yes: bool, what: str) -> None:
    if yes:
        return
    if sys.stdin.isatty() and typer.confirm(what, default=False, err=True):
        return
    err.print("nothing done: pass --yes to act (or --dry-run to see the plan as JSON)")
    raise typer.Exit(EXIT_FINDINGS)


def show_plan(plan: Plan) -> None:
    from minehunt.respond.interface import printable

    if not plan.actions:
        err.print("plan: nothing to do at this severity")
    for n, a in enumerate(plan.actions, 1):
        err.print(f"  {n:>2}. {a.describe()}", markup=False, soft_wrap=True)
    for r in plan.refused:
        err.print(f"   -  {printable(r.target)}: {r.reason}", markup=False, soft_wrap=True)


def show_response(resp: Response) -> None:
    from minehunt.respond.interface import printable

    for r in resp.results:
        mark = "done  " if r.ok else "FAILED"
        text = r.detail if r.ok else f"{r.action.describe()}: {r.detail}"
        err.print(f"  {mark} {printable(text)}", markup=False, soft_wrap=True)
    if resp.aborted:
        err.print(
            f"stopped: {resp.aborted}; the journal has every step up to here",
            markup=False,
            soft_wrap=True,
        )
    err.print(
        f"response {resp.id}: {len(resp.results) - len(resp.failed)} done, "
        f"{len(resp.failed)} failed; journal {resp.journal}\n"
        f"undo with: minehunt respond undo {resp.id}",
        markup=False,
        soft_wrap=True,
    )


def _write(report: Report, fmt: OutputFormat | None, output: Path | None) -> None:
    to_tty = output is None and sys.stdout.isatty()
    fmt = fmt or (OutputFormat.TABLE if to_tty else OutputFormat.JSON)
    text = render(report, fmt, color=to_tty, width=120)
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        output.write_text(text, encoding="utf-8")


@respond_app.callback(invoke_without_command=True)
def respond_cmd(
    ctx: typer.Context,
    yes: YesOpt = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan as JSON and change nothing.")
    ] = False,
    min_severity: Annotated[
        Severity, typer.Option("--min-severity", help="Act on findings at or above this.")
    ] = Severity.HIGH,
    protect: ProtectOpt = None,
    pid: Annotated[
        Optional[list[int]],  # noqa: UP045
        typer.Option("--pid", help="Act only on this process and its tree (repeatable)."),
    ] = None,
    quarantine_dir: QuarantineOpt = None,
    root: Annotated[
        Path,
        typer.Option("--root", help="Where this host's start-up files live (a chroot); '/'."),
    ] = Path("/"),
    memory: MemoryOpt = False,
    cpu_window: CpuWindowOpt = 0.5,
    intel_dir: IntelOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    stop_container: Annotated[
        bool,
        typer.Option(
            "--stop-container", help="Also stop the container a miner runs in (not undone)."
        ),
    ] = False,
) -> None:
    """Scan this host, plan the response to findings at or above --min-severity (default
    high), show it, and with --yes carry it out: suspend then kill process trees,
    quarantine files, take out persistence lines, restore kernel settings."""
    if ctx.invoked_subcommand is not None:
        return
    from minehunt.host import HostScanOptions, scan_host
    from minehunt.respond import Engine, Journal, JournalError, PlanOptions, build
    from minehunt.respond import quarantine_dir as qdir_of
    from minehunt.respond.engine import Response

    if not dry_run:
        _need_root()
    if not root.is_dir():
        err.print(f"[red]error:[/] --root {root} is not a directory")
        raise typer.Exit(EXIT_USAGE)
    qdir = qdir_of(quarantine_dir)
    intel = _load_intel(intel_dir)
    mem = _memory_options(memory, None, None, None)
    opts = HostScanOptions(root=root, cpu_window=cpu_window, memory=mem, live_processes=True)
    report = _run("respond", lambda col: scan_host(intel, opts, col))
    guard = protection(protect)
    plan = build(
        report.findings,
        PlanOptions(
            root=root,
            min_severity=min_severity,
            protect=guard,
            only_pids=frozenset(pid) if pid else None,
            quarantine=qdir,
            stop_containers=stop_container,
        ),
    )
    if dry_run:
        doc = {"findings": len(report.at_or_above(min_severity)), **plan.to_dict()}
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        raise typer.Exit(EXIT_CLEAN)
    err.print(f"plan ({len(plan.actions)} action(s)):")
    show_plan(plan)
    if not plan.actions:
        _write(replace(report, findings=tuple(report.at_or_above(min_severity))), fmt, output)
        raise typer.Exit(EXIT_CLEAN)
    _confirm(yes, "carry out this plan?")
    try:
        rid, journal = Journal.create(qdir)
        resp = Engine(root, guard, journal).run(rid, plan, sys.argv)
        journal.close()
    except JournalError as e:
        err.print(
            f"[red]error:[/] {e}; nothing was done without a journal", markup=False, soft_wrap=True
        )
        raise typer.Exit(EXIT_FINDINGS) from e
    show_response(resp)
    assert isinstance(resp, Response)
    acted = Report(
        findings=tuple(
            replace(f, action=resp.action_for(f.fingerprint))
            for f in report.findings
            if f.severity >= min_severity
        ),
        skipped=report.skipped,
        counters=report.counters,
        command=report.command,
        started=report.started,
        tool_version=report.tool_version,
    )
    _write(acted, fmt, output)
    raise typer.Exit(EXIT_FINDINGS if resp.failed or resp.aborted else EXIT_CLEAN)


@respond_app.command("undo")
def undo_cmd(
    response_id: Annotated[
        Optional[str],  # noqa: UP045
        typer.Argument(metavar="[ID]", help="The response to undo (see 'respond list')."),
    ] = None,
    last: Annotated[bool, typer.Option("--last", help="Undo the most recent response.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Restore files even where they changed since.")
    ] = False,
    yes: YesOpt = False,
    quarantine_dir: QuarantineOpt = None,
) -> None:
    """Put back every file a response quarantined or edited, byte for byte with owner, mode,
    xattrs, flags and timestamps. Processes are not restarted."""
    from minehunt.respond import quarantine_dir as qdir_of
    from minehunt.respond import undo
    from minehunt.respond.journal import responses

    _need_root()
    qdir = qdir_of(quarantine_dir)
    known = dict(responses(qdir))
    if (response_id is None) == (not last):
        err.print("[red]error:[/] name one response ID, or --last")
        raise typer.Exit(EXIT_USAGE)
    rid = response_id if response_id is not None else (list(known)[-1] if known else None)
    if rid is None or rid not in known:
        err.print(f"error: no response {rid or ''} in {qdir}", markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_USAGE)
    _confirm(yes, f"undo response {rid}?")
    results = undo(known[rid].parent, force=force)
    for r in results:
        err.print(f"  {r.outcome:<9} {r.detail}", markup=False, soft_wrap=True)
    bad = [r for r in results if r.outcome in ("refused", "failed")]
    err.print(
        f"undo {rid}: {sum(r.outcome == 'restored' for r in results)} restored, "
        f"{len(bad)} refused or failed",
        markup=False,
        soft_wrap=True,
    )
    raise typer.Exit(EXIT_FINDINGS if bad else EXIT_CLEAN)


@respond_app.command("list")
def list_cmd(
    quarantine_dir: QuarantineOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Past responses: ID, when, how many actions were done or failed, and their state."""
    from dataclasses import asdict

    from minehunt.respond import quarantine_dir as qdir_of
    from minehunt.respond.journal import responses, summarise

    rows = [summarise(rid, path) for rid, path in responses(qdir_of(quarantine_dir))]
    if as_json:
        for s in rows:
            sys.stdout.write(json.dumps(asdict(s)) + "\n")
        return
    if not rows:
        err.print("no responses yet")
    for s in rows:
        sys.stdout.write(
            f"{s.id}  {s.started}  {s.done} done  {s.failed} failed  {s.state}  root {s.root}\n"
        )
