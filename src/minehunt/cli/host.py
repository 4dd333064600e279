"""scan (this host), scan host, watch host."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from minehunt.cli.common import (
    EXIT_USAGE,
    CpuWindowOpt,
    FailOnOpt,
    FormatOpt,
    IntelOpt,
    MinSevOpt,
    OutputOpt,
    QuietOpt,
    RootOpt,
    SendOpt,
    SendTokenOpt,
    StrictOpt,
    _emit,
    _load_intel,
    _run,
    _size,
    _stream_changes,
    err,
    scan_app,
    watch_app,
)
from minehunt.model import Finding, Severity
from minehunt.report import Collector

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from minehunt.host.memory import MemoryOptions

MemoryOpt = Annotated[
    bool, typer.Option("--memory", help="Also scan process memory with the YARA rules.")
]
MemoryPidOpt = Annotated[
    Optional[list[int]],  # noqa: UP045
    typer.Option("--memory-pid", help="Scan the memory of only this process (repeatable)."),
]
MemoryMaxOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--memory-max", help="Bytes of memory read per process [default: 4G]."),
]
MemorySecondsOpt = Annotated[
    Optional[float],  # noqa: UP045
    typer.Option("--memory-seconds", min=0.1, help="Seconds per process [default: 20]."),
]


def _memory_options(
    memory: bool, pids: list[int] | None, max_bytes: str | None, seconds: float | None
) -> MemoryOptions | None:
    if not (memory or pids):
        return None
    from dataclasses import replace

    from minehunt.host.memory import MemoryOptions

    opts = MemoryOptions(pids=frozenset(pids) if pids else None)
    if max_bytes is not None:
        opts = replace(opts, max_bytes=_size(max_bytes, "--memory-max"))
    if seconds is not None:
        opts = replace(opts, max_seconds=seconds)
    return opts


def _host_scan(
    root: Path,
    cpu_window: float,
    intel_dir: Path | None,
    memory: MemoryOptions | None = None,
    container: str | None = None,
) -> Callable[[Collector], Iterable[Finding]]:
    from minehunt.host import HostScanOptions, scan_host

    if not root.is_dir():
        err.print(f"[red]error:[/] --root {root} is not a directory")
        raise typer.Exit(EXIT_USAGE)
    intel = _load_intel(intel_dir)
    if container is not None and root.resolve() != Path("/"):
        err.print("[red]error:[/] --container needs the live host (no --root)")
        raise typer.Exit(EXIT_USAGE)
    opts = HostScanOptions(root=root, cpu_window=cpu_window, memory=memory, container=container)
    return lambda col: scan_host(intel, opts, col)


@scan_app.callback(invoke_without_command=True)
def scan_default(
    ctx: typer.Context,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = Severity.MEDIUM,
    min_severity: MinSevOpt = Severity.LOW,
    strict: StrictOpt = False,
    send: SendOpt = None,
    token_file: SendTokenOpt = None,
    cpu_window: CpuWindowOpt = 0.5,
    intel_dir: IntelOpt = None,
    memory: MemoryOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Scan this host (processes, sockets, tampering, persistence, drop directories)."""
    if ctx.invoked_subcommand is not None:
        return
    mem = _memory_options(memory, None, None, None)
    report = _run("scan", _host_scan(Path("/"), cpu_window, intel_dir, mem), quiet=quiet)
    _emit(report, fmt, output, fail_on, min_severity, strict, send, token_file)


@scan_app.command("host")
def scan_host_cmd(
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = Severity.MEDIUM,
    min_severity: MinSevOpt = Severity.LOW,
    strict: StrictOpt = False,
    send: SendOpt = None,
    token_file: SendTokenOpt = None,
    root: RootOpt = Path("/"),
    cpu_window: CpuWindowOpt = 0.5,
    intel_dir: IntelOpt = None,
    memory: MemoryOpt = False,
    memory_pid: MemoryPidOpt = None,
    memory_max_mb: MemoryMaxOpt = None,
    memory_seconds: MemorySecondsOpt = None,
    container: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--container", help="Only processes in this container (name or ID prefix)."),
    ] = None,
    quiet: QuietOpt = False,
) -> None:
    """Scan this host, or with --root the system of a mounted disk (files only)."""
    mem = _memory_options(memory, memory_pid, memory_max_mb, memory_seconds)
    scan = _host_scan(root, cpu_window, intel_dir, mem, container)
    report = _run("scan host", scan, quiet=quiet)
    _emit(report, fmt, output, fail_on, min_severity, strict, send, token_file)


@watch_app.command("host")
def watch_host_cmd(
    interval: Annotated[float, typer.Option(min=1.0, help="Seconds between scans.")] = 10.0,
    output: OutputOpt = None,
    min_severity: MinSevOpt = Severity.LOW,
    root: RootOpt = Path("/"),
    iterations: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(min=1, help="Stop after this many scans [default: run until stopped]."),
    ] = None,
    intel_dir: IntelOpt = None,
    respond: Annotated[
        bool,
        typer.Option("--respond", help="Apply the 'minehunt respond' plan to new findings."),
    ] = False,
    respond_min_severity: Annotated[
        Severity,
        typer.Option("--respond-min-severity", help="With --respond: act at or above this."),
    ] = Severity.HIGH,
    respond_max: Annotated[
        int, typer.Option("--respond-max", min=1, help="With --respond: responses per minute.")
    ] = 6,
    protect: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--protect", help="With --respond: never touch this PID or NAME."),
    ] = None,
    pid: Annotated[
        Optional[list[int]],  # noqa: UP045
        typer.Option("--pid", help="With --respond: act only on this process and its tree."),
    ] = None,
    quarantine_dir: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--quarantine-dir", help="With --respond: quarantine and journals."),
    ] = None,
) -> None:
    """Scan this host every INTERVAL seconds; print new or changed findings as JSON lines.
    With --respond, act on them as 'minehunt respond --yes' would (rate-limited)."""
    from minehunt.host import HostScanOptions
    from minehunt.host.persistence import FileCache
    from minehunt.host.processes import CpuHistory
    from minehunt.watch import changes

    intel = _load_intel(intel_dir)
    # Only a process's first scan uses a short window; after that CPU is measured over the
    # whole interval from the readings the previous scan kept.
    opts = HostScanOptions(
        root=root,
        cpu_window=min(0.5, interval / 10),
        history=CpuHistory(),
        file_cache=FileCache(),
        live_processes=respond,
    )
    found = changes(
        intel, opts, interval=interval, min_severity=min_severity, iterations=iterations
    )
    if respond:
        from minehunt.cli.respond import _need_root, protection, show_response
        from minehunt.respond import PlanOptions
        from minehunt.respond import quarantine_dir as qdir_of
        from minehunt.respond.watch import RateLimit, WatchResponse, responding

        _need_root()
        qdir = qdir_of(quarantine_dir)
        plan = PlanOptions(
            root=root,
            min_severity=respond_min_severity,
            protect=protection(protect),
            only_pids=frozenset(pid) if pid else None,
            quarantine=qdir,
        )
        found = responding(found, WatchResponse(plan, qdir, RateLimit(respond_max), show_response))
    _stream_changes(output, found)
