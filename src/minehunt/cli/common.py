"""What every command shares: the Typer apps, common options, running a scan and
writing its report with the documented exit codes."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from minehunt import __version__
from minehunt import intel as intel_mod
from minehunt.formats import OutputFormat, render
from minehunt.model import Finding, Report, Severity
from minehunt.report import Collector

# Exit codes (docs/ARCHITECTURE.md)
EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3

log = logging.getLogger("minehunt")
err = Console(stderr=True, highlight=False)

app = typer.Typer(
    name="minehunt",
    help="Find, stop and prevent cryptojacking. 'minehunt scan' checks this host.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
scan_app = typer.Typer(help="Scan something for mining. Without a subcommand: this host.")
watch_app = typer.Typer(help="Scan continuously and report new or changed findings.")
intel_app = typer.Typer(help="Show or extend the threat intel minehunt matches against.")
app.add_typer(scan_app, name="scan")
app.add_typer(watch_app, name="watch")
app.add_typer(intel_app, name="intel")

FormatOpt = Annotated[
    Optional[OutputFormat],  # noqa: UP045 - typer needs Optional at runtime on 3.11
    typer.Option("--format", "-f", help="Output format [default: table on a terminal, else json]"),
]
OutputOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--output", "-o", help="Write the report to this file instead of stdout."),
]
FailOnOpt = Annotated[
    Severity, typer.Option("--fail-on", help="Exit 1 if a finding is at or above this severity.")
]
MinSevOpt = Annotated[
    Severity, typer.Option("--min-severity", help="Leave out findings below this severity.")
]
StrictOpt = Annotated[
    bool, typer.Option("--strict", help="Exit 3 if some input could not be scanned.")
]
RootOpt = Annotated[
    Path,
    typer.Option("--root", help="Filesystem root to audit (a mounted disk); '/' is this host."),
]
CpuWindowOpt = Annotated[
    float, typer.Option("--cpu-window", min=0.0, max=60.0, help="Seconds of CPU sampling.")
]
QuietOpt = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="No progress bar on stderr (none is drawn off a terminal)."),
]


def _send_url(value: str | None) -> str | None:
    if value is not None and not value.startswith(("http://", "https://")):
        raise typer.BadParameter(f"{value!r}: expected an http:// or https:// server URL")
    return value


SendOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--send",
        metavar="URL",
        callback=_send_url,
        help="Then send the report to this minehunt server, as an agent does (--token-file).",
    ),
]
SendTokenOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--token-file",
        exists=True,
        dir_okay=False,
        help="For --send: an enrolment token (or agent credential) file.",
    ),
]
IntelOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--intel", help="Extra intel directory (pools.txt, intel.toml)."),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"minehunt {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, help="More logging.")] = 0,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    level = logging.WARNING - 10 * min(verbose, 2)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(level)


def _load_intel(extra: Path | None) -> intel_mod.Intel:
    try:
        if extra is None:
            return intel_mod.default()
        return intel_mod.load(extra)
    except intel_mod.IntelError as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(EXIT_USAGE) from e


def _emit(
    report: Report,
    fmt: OutputFormat | None,
    output: Path | None,
    fail_on: Severity,
    min_severity: Severity,
    strict: bool,
    send: str | None = None,
    token_file: Path | None = None,
) -> None:
    """Write the report, print a summary on stderr, send it to a server (``send``), and exit
    with the documented code (75/77 when the report stays queued / is refused)."""
    if send is not None and (token_file is None or not send.startswith(("http://", "https://"))):
        err.print("[red]error:[/] --send needs an http(s):// server URL and --token-file")
        raise typer.Exit(EXIT_USAGE)
    shown = Report(
        findings=tuple(f for f in report.findings if f.severity >= min_severity),
        skipped=report.skipped,
        counters=report.counters,
        command=report.command,
        started=report.started,
        tool_version=report.tool_version,
    )
    to_tty = output is None and sys.stdout.isatty()
    fmt = fmt or (OutputFormat.TABLE if to_tty else OutputFormat.JSON)
    width = os.get_terminal_size().columns if to_tty else 120
    text = render(shown, fmt, color=to_tty, width=max(width, 80))
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        try:
            output.write_text(text, encoding="utf-8")  # opened only now, when writing
        except OSError as e:
            err.print(f"[red]error:[/] cannot write {output}: {e.strerror or e}")
            raise typer.Exit(EXIT_USAGE) from e
    failing = report.at_or_above(fail_on)
    hidden = len(report.findings) - len(shown.findings)
    secs = report.counters.get("seconds", 0)
    summary = f"{len(shown.findings)} finding(s)"
    if hidden:
        summary += f" (+{hidden} below {min_severity.value})"
    summary += f", {len(failing)} at or above {fail_on.value}"
    if report.skipped:
        summary += f", {len(report.skipped)} input(s) skipped"
    err.print(f"minehunt {report.command}: {summary} in {secs:.2f}s", markup=False)
    if send is not None and token_file is not None:
        from minehunt.formats.json_format import SCHEMA_VERSION

        sent = _send({"schema_version": SCHEMA_VERSION, **shown.to_dict()}, send, token_file)
        if sent:
            raise typer.Exit(sent)
    if failing:
        raise typer.Exit(EXIT_FINDINGS)
    if strict and report.skipped:
        raise typer.Exit(EXIT_INCOMPLETE)
    raise typer.Exit(EXIT_CLEAN)


def _send(
    doc: dict[str, object],
    server: str,
    token_file: Path,
    state_dir: Path | None = None,
    hostname: str | None = None,
) -> int:
    """Send one report through the agent's queue; say what happened on stderr. Returns 0
    sent, 75 queued for later (server away), 77 refused (token, credential or report)."""
    import socket

    from minehunt.agent.client import Refused, send_report
    from minehunt.server.paths import data_dir

    state = state_dir or data_dir() / "agent"
    try:
        d = send_report(server, token_file, doc, state, hostname or socket.gethostname())
    except Refused as e:
        err.print(f"error: {server} refused the report: {e}", markup=False, soft_wrap=True)
        return 77
    if d.rejected:
        err.print(
            f"error: {server} rejected {d.rejected} report(s) as malformed or too large "
            "(see the log above)",
            markup=False,
            soft_wrap=True,
        )
        return 77
    if d.unreachable:
        err.print(
            f"server unreachable ({d.unreachable}); {d.queued} report(s) stay queued in "
            f"{state} for the agent or the next send",
            markup=False,
            soft_wrap=True,
        )
        return 75
    err.print(f"{d.sent} report(s) sent to {server}", markup=False)
    return 0


def _run(
    command: str, scan: Callable[[Collector], Iterable[Finding]], *, quiet: bool = False
) -> Report:
    """Run ``scan`` with a progress bar on stderr when it is a terminal (and not ``quiet``)."""
    col = Collector(command)
    findings: list[Finding] = []
    if err.is_terminal and not quiet:
        from minehunt.cli.progressbar import TerminalProgress  # rich.progress: ~30 ms

        col.progress = TerminalProgress(err, f"minehunt {command}")
    try:
        findings.extend(scan(col))
    finally:
        col.progress.close()
    return col.report(findings)


_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def _size(text: str, option: str) -> int:
    """'256M', '1g', '4096' -> bytes; a usage error otherwise."""
    t = text.strip().lower().removesuffix("b").removesuffix("i")
    unit = t[-1:] if t[-1:] in _UNITS else ""
    try:
        value = float(t[: len(t) - len(unit)]) * _UNITS[unit]
    except ValueError:
        value = -1
    if value <= 0:
        err.print(f"[red]error:[/] {option} {text!r}: expected a size such as 256M or 2G")
        raise typer.Exit(EXIT_USAGE)
    return int(value)


def _stream_changes(output: Path | None, found: Iterable[tuple[str, Finding]]) -> None:
    """Write ('new'|'changed', finding) pairs as JSON lines the moment they come, appended
    to ``output`` or to stdout; Ctrl-C ends the watch quietly."""
    from minehunt.watch import as_line

    sink = open(output, "a", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
    try:
        for change, finding in found:
            sink.write(as_line(change, finding) + "\n")
            sink.flush()
    except KeyboardInterrupt:
        pass
    finally:
        if output:
            sink.close()
